"""What a scenario hands back, printed as a table and written to `bench/results/latest.json`."""

from __future__ import annotations

import json
import platform
import subprocess
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from .load import LoadResult

RESULTS_FILE = Path(__file__).resolve().parent / "results" / "latest.json"


@dataclass(frozen=True)
class Check:
    """A target of the issue and whether this run met it."""

    label: str
    met: bool
    figure: str


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
        lines += [f"[{'OK' if check.met else 'MISSED'}] {check.label}: {check.figure}" for check in result.checks]
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
    RESULTS_FILE.parent.mkdir(exist_ok=True)
    RESULTS_FILE.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n")
    return RESULTS_FILE


def _git_commit() -> str:
    result = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=False)
    return result.stdout.strip()
