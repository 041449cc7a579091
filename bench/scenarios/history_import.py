"""Importing a two-year historical workbook (`import_history`), then importing it again.

Target (issue "Data in and out"): a generated two-year workbook (`bench.history_workbook`: about
140 sessions, 2,000 people, 2,000 registrations, 3,000 answers) imports in under 30 s on this
machine. Measured on the bench database, each run in a process of its own that does what
`manage.py import_history FILE [--dry-run]` does (`execute_from_command_line`, system checks
included), with clocks around Django's set-up and the import's functions:

1. the dry run (read, check, plan; writes nothing), three times: the database must not change;
2. the import, once: wall time of the process (Python and Django start-up and the system checks
   included), and inside it the time of `history_import` split into reading the file (openpyxl),
   checking it and writing (the transaction's commit and the cache bump are the rest);
3. the same workbook imported again, three times: idempotent, so the rows of sessions, people,
   registrations, survey responses and answers must not change, and the report must count
   nothing created or updated.

The rows the first import adds are checked against what the workbook holds.

Rows in the table: "requests" are runs of the command, "req/s" runs per second; the
percentiles are the wall time of one run.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from ..history_workbook import workbook_generate
from ..load import LoadResult
from ..report import Check, ScenarioResult
from ..site import BASE_DIR, BenchSite

TARGET_SECONDS = 30.0
DRY_RUNS = 3
REPEATS = 3
WORKBOOK = {"years": (2024, 2025), "sessions": 140, "people": 2000, "registrations": 2000, "answers": 3000}
# The tables the checks show; the idempotence check also counts campaigns, half-days and profiles.
COUNTED = ("sessions", "users", "registrations", "responses", "answers")
TIMING_PREFIX = "BENCH-TIMING "

# `manage.py import_history …` as manage.py runs it (`execute_from_command_line`), with clocks: when
# Django is set up, and around the import's functions (looked up by name when `history_import` runs).
# Prints one JSON line last, even when the command fails.
_TIMED_COMMAND = r"""
import json, os, sys, time
started = time.perf_counter()
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
import django
django.setup()
ready = time.perf_counter()
from evaluations import history
phases, outcome = {}, {}
def timed(name, function):
    def wrapper(*args, **kwargs):
        begin = time.perf_counter()
        try:
            result = function(*args, **kwargs)
        finally:
            phases[name] = phases.get(name, 0.0) + time.perf_counter() - begin
        if name == "history_import":
            outcome.update(
                errors=len(result.errors), warnings=len(result.warnings), written=result.written,
                counts={kind: vars(count) for kind, count in result.counts.items()},
            )
        return result
    return wrapper
for name in ("history_import", "history_read", "history_validate", "_write"):
    if hasattr(history, name):
        setattr(history, name, timed(name, getattr(history, name)))
from django.core.management import execute_from_command_line
code = 0
try:
    execute_from_command_line(["manage.py", *sys.argv[1:]])
except SystemExit as exit:
    code = exit.code or 0
finally:
    sys.stdout.flush()
    print(__PREFIX__ + json.dumps({"setup": ready - started, "total": time.perf_counter() - started, "phases": phases, **outcome}))
sys.exit(code)
""".replace("__PREFIX__", repr(TIMING_PREFIX))

# Row counts of the bench database, as one JSON line.
_COUNT = """
import json
from accounts.models import Profile, User
from evaluations.models import Answer, Campaign, Response
from training.models import Registration, Session, Slot
print(json.dumps({
    "sessions": Session.objects.count(), "users": User.objects.count(),
    "registrations": Registration.objects.count(), "responses": Response.objects.count(),
    "answers": Answer.objects.count(), "campaigns": Campaign.objects.count(), "slots": Slot.objects.count(),
    "profiles": Profile.objects.count(),
}))
"""


def run(site: BenchSite, log: Callable[[str], None]) -> ScenarioResult:
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="bench-history-") as tmp:
        path = Path(tmp) / "historique.xlsx"
        log("  generating the two-year workbook…")
        started = time.perf_counter()
        sheet_rows = workbook_generate(path, **WORKBOOK)
        generated_in = time.perf_counter() - started
        size_kb = path.stat().st_size / 1024

        before = _counts(site)
        log(f"  dry run ×{DRY_RUNS}…")
        dry = [_import(site, path, "--dry-run") for _ in range(DRY_RUNS)]
        after_dry = _counts(site)
        log("  import…")
        first = _import(site, path)
        after_first = _counts(site)
        log(f"  same workbook again ×{REPEATS}…")
        again = []
        counts_again = []
        for _ in range(REPEATS):
            again.append(_import(site, path))
            counts_again.append(_counts(site))

    result = _result(
        sheet_rows=sheet_rows,
        generated_in=generated_in,
        size_kb=size_kb,
        dry=dry,
        first=first,
        again=again,
        counts=(before, after_dry, after_first, counts_again),
    )
    result.notes.append(
        f"Load average (1 min) {load_before:.2f} at the start, {os.getloadavg()[0]:.2f} at the end, on "
        f"{os.cpu_count()} CPUs: other work on the machine stretches wall times."
    )
    return result


def _import(site: BenchSite, path: Path, *options: str) -> dict:
    """One `manage.py import_history` process: its wall time, exit status, report and clocks."""
    started = time.perf_counter()
    process = subprocess.run(
        [sys.executable, "-c", _TIMED_COMMAND, "import_history", str(path), *options],
        cwd=BASE_DIR,
        env=site.env,
        capture_output=True,
        text=True,
        check=False,
    )
    wall = time.perf_counter() - started
    lines = process.stdout.splitlines()
    timing = next((json.loads(line[len(TIMING_PREFIX) :]) for line in lines if line.startswith(TIMING_PREFIX)), {})
    return {
        "ok": process.returncode == 0 and not timing.get("errors"),
        "wall": wall,
        "timing": timing.get("phases", {}) | {"setup": timing.get("setup", 0.0), "total": timing.get("total", 0.0)},
        "report": timing.get("counts", {}),  # kind → created, updated, unchanged, deleted
        "warnings": timing.get("warnings", 0),
        "error": "" if process.returncode == 0 else (process.stderr or process.stdout)[-2000:],
    }


def _counts(site: BenchSite) -> dict[str, int]:
    return json.loads(site.manage("shell", "-c", _COUNT).strip().splitlines()[-1])


def _row(name: str, path: str, runs: list[dict], key: Callable[[dict], float]) -> LoadResult:
    seconds = [key(run) for run in runs]
    cuts = statistics.quantiles(seconds, n=100, method="inclusive") if len(seconds) > 1 else seconds * 99
    return LoadResult(
        name=name,
        path=path,
        clients=1,
        requests=len(runs),
        errors=sum(not run["ok"] for run in runs),
        seconds=round(sum(seconds), 3),
        rps=round(len(runs) / sum(seconds), 2) if sum(seconds) else 0.0,
        p50_ms=round(statistics.median(seconds) * 1000, 1),
        p95_ms=round(cuts[94] * 1000, 1),
        p99_ms=round(cuts[98] * 1000, 1),
    )


def _changes(old: dict[str, int], new: dict[str, int]) -> str:
    return ", ".join(f"{name} {old[name]:,} → {new[name]:,}" for name in COUNTED)


def _result(*, sheet_rows, generated_in, size_kb, dry, first, again, counts) -> ScenarioResult:
    before, after_dry, after_first, counts_again = counts
    failed = [run for run in (*dry, first, *again) if not run["ok"]]
    inside = first["timing"].get("history_import")
    speed = Check(
        f"two-year workbook ({sheet_rows['sessions']} sessions, {sheet_rows['participants']:,} people, "
        f"{sheet_rows['registrations']:,} registrations, {sheet_rows['answers']:,} answers) imported in under "
        f"{TARGET_SECONDS:.0f} s",
        first["ok"] and first["wall"] < TARGET_SECONDS,
        f"{first['wall']:.1f} s for `manage.py import_history` (start-up included)"
        + (f", {inside:.1f} s in history_import" if inside is not None else "")
        + ("" if first["ok"] else " — the import FAILED"),
    )
    added = {name: after_first[name] - after_dry[name] for name in COUNTED}
    expected = {
        "sessions": sheet_rows["sessions"],
        "users": sheet_rows["participants"],
        "registrations": sheet_rows["registrations"],
        "answers": sheet_rows["answers"],
    }
    created_responses = first["report"].get("responses", {}).get("created")
    complete = Check(
        "the import writes every row of the workbook (one response per person and survey)",
        first["ok"]
        and all(added[name] == count for name, count in expected.items())
        and added["responses"] == created_responses,
        ", ".join(f"+{added[name]:,} {name}" for name in COUNTED)
        + f" (workbook: {', '.join(f'{count:,} {name}' for name, count in expected.items())}; "
        f"report: {created_responses} responses created)",
    )
    dry_clean = Check(
        f"the dry run writes nothing ({DRY_RUNS} runs)",
        all(run["ok"] for run in dry) and before == after_dry,
        _changes(before, after_dry),
    )
    last = counts_again[-1]
    unchanged_counts = all(again_counts == after_first for again_counts in counts_again)
    touched = sum(
        figures["created"] + figures["updated"] + figures.get("deleted", 0)
        for run in again
        for figures in run["report"].values()
    )
    idempotent = Check(
        f"importing the same workbook again changes nothing ({REPEATS} times)",
        all(run["ok"] and run["report"] for run in again) and unchanged_counts and touched == 0,
        _changes(after_first, last)
        + f" (campaigns {last['campaigns']:,}, half-days {last['slots']:,}, profiles {last['profiles']:,}"
        + (" unchanged" if unchanged_counts else " — some CHANGED")
        + f"); rows reported created, updated or replaced: {touched}",
    )

    phases = first["timing"]
    notes = [
        f"Workbook: {sheet_rows['sessions']} sessions over {len(WORKBOOK['years'])} years, "
        f"{sheet_rows['participants']:,} people, {sheet_rows['registrations']:,} registrations, "
        f"{sheet_rows['answers']:,} answer rows; {size_kb:.0f} KB, generated in {generated_in:.1f} s "
        "(bench.history_workbook, seed 1).",
    ]
    if phases:
        read, check, write = (phases.get(name, 0.0) for name in ("history_read", "history_validate", "_write"))
        rest = phases.get("history_import", 0.0) - read - check - write
        notes.append(
            f"Import process: {first['wall']:.2f} s wall = Python and Django start-up {phases['setup']:.2f} s, "
            f"system checks and command {phases['total'] - phases['setup'] - phases.get('history_import', 0):.2f} s, "
            f"history_import {phases.get('history_import', 0):.2f} s (read {read:.2f} s, check {check:.2f} s, "
            f"write {write:.2f} s, commit and the rest {rest:.2f} s)."
        )
    for name, runs in (("dry run", dry), ("import again", again)):
        inside_runs = [run["timing"].get("history_import") for run in runs if run["timing"].get("history_import")]
        if inside_runs:
            notes.append(
                f"In the process, {name}: history_import {statistics.median(inside_runs):.2f} s (median of "
                f"{len(inside_runs)}); read {statistics.median(r['timing'].get('history_read', 0) for r in runs):.2f} s, "
                f"check {statistics.median(r['timing'].get('history_validate', 0) for r in runs):.2f} s."
            )
    if first["report"]:
        notes.append(
            "Created by the import: "
            + ", ".join(
                f"{kind} {figures['created']}" for kind, figures in first["report"].items() if figures["created"]
            )
            + "."
        )
    notes += [f"FAILED run: {run['error']}" for run in failed[:2]]
    return ScenarioResult(
        name="history_import",
        measurements=[
            _row("import_history --dry-run", "manage.py process", dry, lambda run: run["wall"]),
            _row("import_history (first import)", "manage.py process", [first], lambda run: run["wall"]),
            _row(
                "  inside: history_import",
                "in the process",
                [first],
                lambda run: run["timing"].get("history_import", 0.0),
            ),
            _row("import_history again (no change)", "manage.py process", again, lambda run: run["wall"]),
        ],
        checks=[speed, complete, dry_clean, idempotent],
        notes=notes,
    )
