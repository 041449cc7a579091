"""What a scenario hands back, printed as a table and written to `bench/results/latest.json`."""

from __future__ import annotations

import json
import platform
import subprocess
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from .load import LoadResult

RESULTS_DIR = Path(__file__).resolve().parent / "results"
RESULTS_FILE = RESULTS_DIR / "latest.json"
SUMMARY_FILE = RESULTS_DIR / "summary.md"


@dataclass(frozen=True)
class Check:
    """A target of the issue and whether this run met it."""

    label: str
    met: bool
    figure: str
    # Why a missed target is missed, and what would close it: printed beside the figure when `met` is false.
    gap: str = ""


@dataclass(frozen=True)
class ScenarioResult:
    name: str
    measurements: list[LoadResult]
    checks: list[Check] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def format_result(result: ScenarioResult) -> str:
    header = f"{'URL':<42} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'requests':>9} {'errors':>7}"
    lines = [f"== {result.name} ==", header, "-" * len(header)]
    for row in result.measurements:
        lines.append(
            f"{row.name:<42} {row.rps:>8.1f} {row.p50_ms:>8.1f} {row.p95_ms:>8.1f} {row.p99_ms:>8.1f}"
            f" {row.requests:>9} {row.errors:>7}"
        )
    if result.checks:
        lines.append("")
        for check in result.checks:
            lines.append(f"[{'OK' if check.met else 'MISSED'}] {check.label}: {check.figure}")
            if not check.met and check.gap:
                lines.append(f"       gap: {check.gap}")
    lines += result.notes
    return "\n".join(lines)


def write_results(results: list[ScenarioResult], *, environment: dict[str, object]) -> Path:
    document = {
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "commit": _git_commit(),
        "python": platform.python_version(),
        "environment": environment,
        "scenarios": {result.name: asdict(result) for result in results},
    }
    RESULTS_DIR.mkdir(exist_ok=True)
    RESULTS_FILE.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n")
    SUMMARY_FILE.write_text(format_summary(document))
    return SUMMARY_FILE


def format_summary(document: dict) -> str:
    """The run as a Markdown table: every target of the issues beside the figure measured, then the
    scenarios' notes. Written to `bench/results/summary.md` from the JSON document of the run."""
    environment = document["environment"]
    lines = [
        "# Bench results",
        "",
        f"Run {document['generated_at']} on commit `{document['commit']}`, Python {document['python']}; "
        + ", ".join(f"{key.replace('_', ' ')}: {value}" for key, value in environment.items())
        + ". Produced by `make bench`; the full figures are in `latest.json` beside this file.",
        "",
        "| scenario | target | measured | met |",
        "| --- | --- | --- | --- |",
    ]
    missed = []
    for name, scenario in document["scenarios"].items():
        for check in scenario["checks"]:
            lines.append(f"| {name} | {_cell(check['label'])} | {_cell(check['figure'])} | {_met(check)} |")
            if not check["met"]:
                missed.append((name, check))
    if missed:
        lines += ["", "## Targets missed", ""]
        lines += [
            f"- **{name}**, {check['label']}: {check['figure']}. {check.get('gap') or 'No explanation recorded.'}"
            for name, check in missed
        ]
    lines += ["", "## Measurements", ""]
    lines += ["| scenario | measurement | req/s | p50 ms | p95 ms | p99 ms | requests | errors |"]
    lines += ["| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for name, scenario in document["scenarios"].items():
        for row in scenario["measurements"]:
            lines.append(
                f"| {name} | {_cell(row['name'])} | {row['rps']:.1f} | {row['p50_ms']:.1f} | {row['p95_ms']:.1f}"
                f" | {row['p99_ms']:.1f} | {row['requests']} | {row['errors']} |"
            )
    lines += ["", "## Notes", ""]
    for name, scenario in document["scenarios"].items():
        lines += [f"- **{name}**: {_cell(note)}" for note in scenario["notes"]]
    return "\n".join(lines) + "\n"


def _met(check: dict) -> str:
    return "yes" if check["met"] else "**no**"


def _cell(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _git_commit() -> str:
    result = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=False)
    return result.stdout.strip()
