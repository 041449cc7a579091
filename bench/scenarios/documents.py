"""Issuing certificates: one at a time against WeasyPrint alone, then a bulk issue of 1,000.

Targets (documents issue):

1. Time per certificate at most 1.25× WeasyPrint rendering the same HTML alone. In one process on
   the bench database (`manage.py shell`), for the same trainees of held sessions whose attendance
   is validated, interleaved after one warm-up of each: (a) `document_issue` of a certificate
   (checks, session lock, context and QR, HTML, PDF/A-3b, sha256, file, row, commit), then (b)
   `cms.pdf.html_to_pdf(archival=True)` alone on the HTML our pipeline produced for that same
   certificate (rendered again outside the timed region from the issued document's code and date).
   The demo's held sessions supply the trainees; a bench session tops them up when too few.
2. 1,000 certificates (50 held sessions of 20 trainees, built with `bulk_create`) issued by
   `document_batch_create` with two worker processes (one Celery worker, prefork pool,
   concurrency 2) in under 90 s: wall time from the call to the batch seen DONE in the database,
   then 1,000 documents, 20 of them re-hashed against their sha256, and the ZIP with every file.
   The bench's own worker stops taking tasks meanwhile, so exactly two processes issue. Without a
   broker there is no worker: the batch runs eagerly in the process, on 100 certificates, and the
   report says so.

Rows in the table: "requests" are certificates, "req/s" certificates per second.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path

from ..load import LoadResult
from ..report import Check, ScenarioResult
from ..site import BASE_DIR, BenchSite

TRAINEES = 30  # certificates timed one by one (plus one warm-up)
RATIO_TARGET = 1.25
BATCH_SESSIONS = 50
BATCH_TRAINEES_PER_SESSION = 20
BATCH_TARGET_SECONDS = 90.0
WORKER_CONCURRENCY = 2
EAGER_SESSIONS = 5  # without a broker: 100 certificates in the process
BATCH_TIMEOUT = 900
STALL_SECONDS = 60  # the batch counts no progress for this long: give up
MESSAGES_TIMEOUT = 180
SPOT_CHECKS = 20
QUEUE = "celery"  # Celery's default queue (a Redis list)
QUEUE_DRAIN_TIMEOUT = 300
WORKER_START_TIMEOUT = 60


def run(site: BenchSite, log: Callable[[str], None]) -> ScenarioResult:
    load_before = os.getloadavg()[0]
    log(f"  {TRAINEES} certificates one by one, each against WeasyPrint alone on its HTML…")
    single = _shell(site, f"per_certificate_measure({TRAINEES})")
    if "error" in single:
        return ScenarioResult(
            name="documents",
            measurements=[],
            checks=[Check(f"a certificate can be issued on {site.database}", False, single["error"])],
            notes=["Nothing else measured: every certificate (and so the bulk issue) fails the same way."],
        )
    with_broker = bool(site.env["CELERY_BROKER_URL"])
    sessions = BATCH_SESSIONS if with_broker else EAGER_SESSIONS
    expected = sessions * BATCH_TRAINEES_PER_SESSION
    log(f"  preparing {sessions} held sessions of {BATCH_TRAINEES_PER_SESSION} trainees, attendance validated…")
    session_ids = _shell(site, f"batch_prepare({sessions}, {BATCH_TRAINEES_PER_SESSION})")["sessions"]
    if with_broker:
        with _prefork_worker(site, log) as worker_pid:
            log(f"  bulk issue of {expected} certificates, {WORKER_CONCURRENCY} prefork processes…")
            batch = _shell(site, f"batch_measure({session_ids!r}, {BATCH_TIMEOUT}, {MESSAGES_TIMEOUT}, {worker_pid})")
    else:
        log(f"  no broker: bulk issue of {expected} certificates run eagerly in one process…")
        batch = _shell(site, f"batch_measure({session_ids!r}, {BATCH_TIMEOUT}, 0, None)")
    result = _result(single, batch, expected=expected, with_broker=with_broker)
    result.notes.append(
        f"Load average (1 min) {load_before:.2f} at the start, {os.getloadavg()[0]:.2f} at the end, on "
        f"{os.cpu_count()} CPUs: other work on the machine stretches wall times, not CPU times."
    )
    return result


def _result(single: dict, batch: dict, *, expected: int, with_broker: bool) -> ScenarioResult:
    ours, alone = single["ours"], single["alone"]
    ratio = ours["p50_ms"] / alone["p50_ms"]
    batch_row = LoadResult(
        name=f"batch of {expected}"
        + (f" ({WORKER_CONCURRENCY} prefork processes)" if with_broker else " (eager, 1 process)"),
        path="document_batch_create → DONE",
        clients=WORKER_CONCURRENCY if with_broker else 1,
        requests=batch["documents"],
        errors=batch["errors"],
        seconds=batch["seconds"],
        rps=round(batch["documents"] / batch["seconds"], 1) if batch["seconds"] else 0.0,
        # Per certificate inside a worker: from one certificate's start to the next one's, in a session.
        p50_ms=batch["cycle"]["p50_ms"],
        p95_ms=batch["cycle"]["p95_ms"],
        p99_ms=batch["cycle"]["p99_ms"],
    )
    batch_complete = (
        batch["status"] == "done"
        and batch["documents"] == expected
        and batch["sha256_ok"] == batch["sha256_checked"] == min(SPOT_CHECKS, expected)
        and batch["zip_entries"] == expected
    )
    if with_broker:
        speed = Check(
            f"{expected:,} certificates with {WORKER_CONCURRENCY} workers under {BATCH_TARGET_SECONDS:.0f} s",
            batch["status"] == "done" and batch["seconds"] < BATCH_TARGET_SECONDS,
            f"{batch['seconds']:.1f} s ({batch_row.rps:.1f} certificates/s)",
        )
    else:
        speed = Check(
            f"1,000 certificates with {WORKER_CONCURRENCY} workers under {BATCH_TARGET_SECONDS:.0f} s",
            False,
            f"not measured: needs a broker (CELERY_BROKER_URL); eagerly in one process, {expected} took "
            f"{batch['seconds']:.1f} s ({batch_row.rps:.1f} certificates/s)",
        )
    notes = [
        f"Per certificate: {single['trainees']} trainees ({single['from_demo']} from the demo's held sessions, "
        f"{single['built']} built), interleaved (a) document_issue / (b) html_to_pdf(archival=True) alone on "
        f"the HTML of the same certificate, one warm-up each; wall time in one process.",
        f"CPU time of the process (a database server's excluded), medians: {single['ours_cpu']['p50_ms']:.0f} ms vs "
        f"{single['alone_cpu']['p50_ms']:.0f} ms, {single['ours_cpu']['p50_ms'] / single['alone_cpu']['p50_ms']:.2f}×. "
        f"Outside the timed region, the certificate's context and HTML took {single['html']['p50_ms']:.0f} ms "
        f"(median); PDF sizes {single['ours_kb']:.0f} KB (issued) vs {single['alone_kb']:.0f} KB (alone).",
        f"Batch: {batch['documents']} documents, status {batch['status']}"
        + (f" ({batch['error']})" if batch["error"] else "")
        + f"; sha256 re-checked on {batch['sha256_checked']} ({batch['sha256_ok']} match); ZIP "
        f"{batch['zip_entries']} files, {batch['zip_mb']:.0f} MB. First certificate "
        f"{batch['first_issue_after']:.1f} s after the call; last certificate start to DONE "
        f"(ZIP included) {batch['last_issue_to_done']:.1f} s; per-certificate rows p50/p95/p99 = time between "
        f"two certificates of one session in a worker.",
    ]
    if with_broker:
        notes.append(
            f"Worker: one `celery worker --pool=prefork --concurrency={WORKER_CONCURRENCY}` (two child "
            f"processes), the bench's own worker paused; e-mails to the trainees: {batch['messages_sent']} "
            f"sent {batch['messages_seconds']:.1f} s after the call (they queue behind the sessions)."
        )
        if batch["worker_cpu_seconds"] is not None:
            cpu = batch["worker_cpu_seconds"]
            notes.append(
                f"CPU time of the worker's processes from the call to DONE: {cpu:.1f} s, "
                f"{cpu / max(batch['documents'], 1) * 1000:.0f} ms per certificate; with {WORKER_CONCURRENCY} cores "
                f"free for them the batch would take about {cpu / WORKER_CONCURRENCY:.0f} s."
            )
    else:
        notes.append(
            "No broker (embedded mode): the batch and its e-mails ran eagerly in the calling process; "
            "the 2-worker figure needs CELERY_BROKER_URL."
        )
    return ScenarioResult(
        name="documents",
        measurements=[
            _row("certificate: document_issue", "in-process", ours),
            _row("same HTML: WeasyPrint alone", "in-process", alone),
            batch_row,
        ],
        checks=[
            Check(
                f"time per certificate at most {RATIO_TARGET}× WeasyPrint alone (medians)",
                ratio <= RATIO_TARGET,
                f"{ratio:.2f}× ({ours['p50_ms']:.0f} ms vs {alone['p50_ms']:.0f} ms; "
                f"p95 {ours['p95_ms']:.0f} vs {alone['p95_ms']:.0f} ms)",
                gap=(
                    f"An issued certificate costs {ours['p50_ms'] - alone['p50_ms']:.0f} ms more than WeasyPrint "
                    "alone: its checks under the session lock, the facts (about ten queries), the QR code, the "
                    "sha256, the file written and the row committed. The ratio depends on WeasyPrint's own time: "
                    "the fixed part is about the same whatever the load, so on a quiet machine (faster WeasyPrint) "
                    "the ratio rises. What would close it: a lighter QR image and fewer queries per issue."
                ),
            ),
            speed,
            Check(
                f"{expected} documents, sha256 correct ({min(SPOT_CHECKS, expected)} spot-checked), ZIP complete",
                batch_complete,
                f"{batch['documents']} documents, {batch['sha256_ok']}/{batch['sha256_checked']} sha256, "
                f"{batch['zip_entries']} in the ZIP",
            ),
        ],
        notes=notes,
    )


def _row(name: str, path: str, figures: dict) -> LoadResult:
    return LoadResult(
        name=name,
        path=path,
        clients=1,
        requests=figures["count"],
        errors=0,
        seconds=figures["seconds"],
        rps=round(figures["count"] / figures["seconds"], 1),
        p50_ms=figures["p50_ms"],
        p95_ms=figures["p95_ms"],
        p99_ms=figures["p99_ms"],
    )


def _shell(site: BenchSite, call: str) -> dict:
    """Run one of the functions below in `manage.py shell` on the bench database; its JSON answer."""
    output = site.manage("shell", "-c", f"from bench.scenarios.documents import *; {call}")
    return json.loads(output.strip().splitlines()[-1])


# The bench's Celery worker (two threads) would take a share of the batch: it stops consuming the
# queue while ours (prefork, two processes) runs, once the tasks queued before are done.


@contextmanager
def _prefork_worker(site: BenchSite, log: Callable[[str], None]):
    import redis
    from celery import Celery

    broker_url = site.env["CELERY_BROKER_URL"]
    control = Celery(broker=broker_url).control
    if broker_url.startswith(("redis://", "rediss://")):
        queue = redis.Redis.from_url(broker_url)
        deadline = time.monotonic() + QUEUE_DRAIN_TIMEOUT
        while queue.llen(QUEUE) and time.monotonic() < deadline:
            time.sleep(0.5)
        queue.close()
    others = [name for reply in control.ping(timeout=2) for name in reply]
    paused = [name for name in others if name.startswith(f"bench-{os.getpid()}@")]
    if paused:
        control.cancel_consumer(QUEUE, destination=paused, reply=True, timeout=5)
        time.sleep(3)  # a task it had taken finishes
    if set(others) - set(paused):
        log(f"  warning: other workers on this broker take tasks too: {sorted(set(others) - set(paused))}")
    hostname = f"bench-documents-{os.getpid()}@%h"
    command = [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool=prefork"]
    command += [f"--concurrency={WORKER_CONCURRENCY}", "--loglevel=WARNING", f"--hostname={hostname}"]
    command += ["--without-gossip", "--without-mingle"]
    with tempfile.NamedTemporaryFile("w+", prefix="bench-documents-worker-", suffix=".log") as log_file:
        worker = subprocess.Popen(command, cwd=BASE_DIR, env=site.env, stdout=log_file, stderr=subprocess.STDOUT)
        try:
            name = hostname.replace("%h", "")
            deadline = time.monotonic() + WORKER_START_TIMEOUT
            while not any(node.startswith(name) for reply in control.ping(timeout=1) for node in reply):
                if worker.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"the prefork worker did not start:\n{Path(log_file.name).read_text()}")
            yield worker.pid
        finally:
            worker.terminate()
            worker.wait(timeout=60)
            errors = [line for line in Path(log_file.name).read_text().splitlines() if "ERROR" in line]
            for line in errors[:3]:
                log(f"  worker: {line[:300]}")
            if paused:
                control.add_consumer(QUEUE, destination=paused, reply=True, timeout=5)


# Run inside Django (`manage.py shell` with the bench's settings), each printing one JSON line.


def _emit(answer: dict) -> None:
    sys.stdout.write(json.dumps(answer) + "\n")
    sys.stdout.flush()


def _tree_cpu_seconds(pid: int | None) -> float | None:
    """User and system CPU seconds of a process and its children so far (Linux `/proc`), or None."""
    if pid is None:
        return None
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return None
    own = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime, stime
    return own + sum(_tree_cpu_seconds(int(child)) or 0.0 for child in children)


def _figures(seconds: list[float]) -> dict:
    import statistics

    cuts = statistics.quantiles(seconds, n=100, method="inclusive") if len(seconds) > 1 else [0.0] * 99
    return {
        "count": len(seconds),
        "seconds": round(sum(seconds), 3),
        "p50_ms": round(statistics.median(seconds) * 1000, 2) if seconds else 0.0,
        "p95_ms": round(cuts[94] * 1000, 2),
        "p99_ms": round(cuts[98] * 1000, 2),
    }


def held_sessions_build(*, sessions: int, trainees: int, prefix: str) -> list[int]:
    """Held sessions of `trainees` confirmed trainees each (bench data only): two past half-days of
    3.5 h whose sheets are locked, everyone present. Rows go in with `bulk_create`; returns their ids."""
    import datetime
    import itertools
    from decimal import Decimal

    from django.contrib.auth.hashers import make_password
    from django.db import transaction
    from django.utils import timezone

    from accounts.models import Department, User
    from cms.models import CoursePage
    from training.choices import AttendanceStatus, Funding, Period, RegistrationStatus, SessionStatus, SheetStatus
    from training.models import Attendance, AttendanceSheet, Registration, Session, Slot, Trainer, Venue

    now = timezone.now()
    courses = itertools.cycle(list(CoursePage.objects.live().order_by("pk")))
    department = Department.objects.get(code="31")
    venue = Venue.objects.order_by("pk").first()
    trainer = Trainer.objects.order_by("pk").first()
    with transaction.atomic():
        built = Session.objects.bulk_create(
            Session(
                course=next(courses),
                code=f"{prefix}-{number:03d}",
                funding=Funding.DRAPPS,
                department=department,
                venue=venue,
                capacity=trainees,
                status=SessionStatus.DONE,
            )
            for number in range(sessions)
        )
        if trainer is not None:
            Session.trainers.through.objects.bulk_create(
                Session.trainers.through(session=session, trainer=trainer) for session in built
            )
        slots = []
        for number, session in enumerate(built):
            day = timezone.localdate() - datetime.timedelta(days=14 + number % 60)
            for period, starts, ends in ((Period.MORNING, 9, 12), (Period.AFTERNOON, 14, 17)):
                slots.append(
                    Slot(
                        session=session,
                        date=day,
                        period=period,
                        starts_at=datetime.time(starts),
                        ends_at=datetime.time(ends, 30),
                        hours=Decimal("3.5"),
                    )
                )
        Slot.objects.bulk_create(slots)
        AttendanceSheet.objects.bulk_create(
            AttendanceSheet(slot=slot, status=SheetStatus.LOCKED, opened_at=now, locked_at=now) for slot in slots
        )
        password = make_password(None)
        users = User.objects.bulk_create(
            User(
                email=f"{prefix.lower()}-{number:03d}-{person:02d}@bench.test",
                first_name="Camille",
                last_name=f"Stagiaire {prefix} {number:03d}-{person:02d}",
                password=password,
            )
            for number in range(sessions)
            for person in range(trainees)
        )
        registrations = Registration.objects.bulk_create(
            Registration(
                session=built[index // trainees],
                user=user,
                status=RegistrationStatus.CONFIRMED,
                confirmed_at=now,
                job_title="Infirmière",
                structure_name="Centre hospitalier du banc d'essai",
            )
            for index, user in enumerate(users)
        )
        slots_of = {}
        for slot in slots:
            slots_of.setdefault(slot.session_id, []).append(slot)
        Attendance.objects.bulk_create(
            Attendance(registration=registration, slot=slot, status=AttendanceStatus.PRESENT, hours=slot.hours)
            for registration in registrations
            for slot in slots_of[registration.session_id]
        )
    return [session.pk for session in built]


def _issuable_trainees(count: int) -> tuple[list, int]:
    """`count` confirmed trainees of held sessions (over, every half-day locked) who attended some
    hours and have no certificate yet: the demo's first, then a bench session for the rest."""
    from django.db.models import Q, Sum

    from training.choices import DocumentKind, RegistrationStatus, SessionStatus, SheetStatus
    from training.models import Document, Registration, Session
    from training.services.documents import session_facts

    ready = [
        session.pk
        for session in Session.objects.filter(status=SessionStatus.DONE).order_by("code")
        if (facts := session_facts(session=session)).finished and facts.validated
    ]
    certified = Document.objects.filter(kind=DocumentKind.CERTIFICATE).values("registration")
    demo = list(
        Registration.objects.filter(session__in=ready, status=RegistrationStatus.CONFIRMED)
        .exclude(pk__in=certified)
        .annotate(locked_hours=Sum("attendances__hours", filter=Q(attendances__slot__sheet__status=SheetStatus.LOCKED)))
        .filter(locked_hours__gt=0)
        .select_related("session", "user")
        .order_by("session__code", "user__last_name", "pk")[:count]
    )
    missing = count - len(demo)
    if not missing:
        return demo, len(demo)
    [built] = held_sessions_build(sessions=1, trainees=missing, prefix="BENCH-CERT")
    extra = list(Registration.objects.filter(session_id=built).select_related("session", "user").order_by("pk"))
    return demo + extra, len(demo)


def _pipeline_html(document) -> str:
    """The HTML `document_issue` rendered for this document: the same context, code and date."""
    from cms.pdf import render_html
    from training.models import Registration, Session
    from training.services.documents import TEMPLATES, document_context, session_facts

    session = Session.objects.select_related("course", "venue", "client_organisation").get(pk=document.session_id)
    registration = Registration.objects.select_related("user", "organisation").get(pk=document.registration_id)
    context = document_context(
        kind=document.kind,
        session=session,
        registration=registration,
        facts=session_facts(session=session, now=document.issued_at),
        issued_at=document.issued_at,
        code=document.verification_code,
    )
    context["version"] = document.version
    return render_html(template_name=TEMPLATES[document.kind], context=context)


def per_certificate_measure(count: int) -> None:
    """Time `document_issue` of a certificate and WeasyPrint alone on its HTML, interleaved."""
    from django.db import DatabaseError

    from cms.pdf import html_to_pdf
    from training.choices import DocumentKind
    from training.exceptions import TrainingError
    from training.services.documents import document_issue

    trainees, from_demo = _issuable_trainees(count + 1)
    warm_up, *timed = trainees
    try:
        document, _created = document_issue(
            kind=DocumentKind.CERTIFICATE, session=warm_up.session, registration=warm_up
        )
    except (DatabaseError, TrainingError) as error:  # e.g. PostgreSQL refusing the lock, a setting missing
        _emit({"error": f"document_issue failed: {type(error).__name__}: {error}".strip()})
        return
    html_to_pdf(_pipeline_html(document), archival=True)
    ours, alone, html, ours_cpu, alone_cpu, ours_bytes, alone_bytes = [], [], [], [], [], 0, 0
    for registration in timed:
        started, cpu = time.perf_counter(), time.process_time()
        document, created = document_issue(
            kind=DocumentKind.CERTIFICATE, session=registration.session, registration=registration
        )
        ours.append(time.perf_counter() - started)
        ours_cpu.append(time.process_time() - cpu)
        if not created:
            raise RuntimeError(f"{registration} already had a certificate: nothing was rendered")
        started = time.perf_counter()
        markup = _pipeline_html(document)
        html.append(time.perf_counter() - started)
        started, cpu = time.perf_counter(), time.process_time()
        pdf = html_to_pdf(markup, archival=True)
        alone.append(time.perf_counter() - started)
        alone_cpu.append(time.process_time() - cpu)
        ours_bytes += document.size
        alone_bytes += len(pdf)
    _emit(
        {
            "trainees": len(timed),
            "from_demo": max(0, from_demo - 1),
            "built": len(timed) - max(0, from_demo - 1),
            "ours": _figures(ours),
            "alone": _figures(alone),
            "html": _figures(html),
            "ours_cpu": _figures(ours_cpu),
            "alone_cpu": _figures(alone_cpu),
            "ours_kb": ours_bytes / len(timed) / 1024,
            "alone_kb": alone_bytes / len(timed) / 1024,
        }
    )


def batch_prepare(sessions: int, trainees: int) -> None:
    _emit({"sessions": held_sessions_build(sessions=sessions, trainees=trainees, prefix="BENCH-BATCH")})


def batch_measure(session_ids: list[int], timeout: float, messages_timeout: float, worker_pid: int | None) -> None:
    """Bulk-issue the certificates of these sessions (queued when the transaction commits, run by the
    workers, or eagerly here without a broker), wait for DONE, then check what it left."""
    import hashlib
    import random
    import zipfile

    from django.db import transaction

    from accounts.models import User
    from training.choices import BatchStatus, DocumentKind, MessageKind
    from training.models import Document, DocumentBatch, RegistrationMessage, Session
    from training.services.documents import document_batch_create

    sessions = list(Session.objects.filter(pk__in=session_ids).order_by("code"))
    coordinator = User.objects.filter(is_superuser=True).order_by("pk").first()
    cpu_before = _tree_cpu_seconds(worker_pid)
    started = time.perf_counter()
    with transaction.atomic():
        batch = document_batch_create(
            sessions=sessions, label="Bench", by=coordinator, kinds=[DocumentKind.CERTIFICATE]
        )
    progress, moved_at = (batch.status, batch.done), started
    while progress[0] not in (BatchStatus.DONE, BatchStatus.FAILED):
        time.sleep(0.1)
        now = time.perf_counter()
        if (latest := DocumentBatch.objects.values_list("status", "done").get(pk=batch.pk)) != progress:
            progress, moved_at = latest, now
        if now - started > timeout or now - moved_at > STALL_SECONDS:
            break  # a task failed outside the batch's own errors (see the worker's log), or too slow
    seconds = time.perf_counter() - started
    cpu_after = _tree_cpu_seconds(worker_pid)
    batch.refresh_from_db()

    documents = list(Document.objects.filter(batch=batch, kind=DocumentKind.CERTIFICATE).order_by("pk"))
    sample = random.Random(0).sample(documents, min(SPOT_CHECKS, len(documents)))
    sha256_ok = 0
    for document in sample:
        with document.file.open("rb") as stored:
            content = stored.read()
        sha256_ok += hashlib.sha256(content).hexdigest() == document.sha256 and content.startswith(b"%PDF")
    zip_entries, zip_mb = 0, 0.0
    if batch.archive:
        with batch.archive.open("rb") as stored, zipfile.ZipFile(stored) as archive:
            zip_entries = sum(1 for entry in archive.infolist() if entry.filename.endswith(".pdf"))
        zip_mb = batch.archive.size / 1024 / 1024
    cycles = []
    by_session: dict[int, list] = {}
    for document in documents:
        by_session.setdefault(document.session_id, []).append(document.issued_at)
    for issued in by_session.values():
        issued.sort()
        cycles += [(later - earlier).total_seconds() for earlier, later in zip(issued, issued[1:], strict=False)]
    first = min((d.issued_at for d in documents), default=batch.created_at)
    last = max((d.issued_at for d in documents), default=batch.created_at)

    messages_sent, messages_seconds = 0, 0.0
    if messages_timeout:
        expected = len(documents)
        sent = RegistrationMessage.objects.filter(
            registration__session__in=session_ids, kind=MessageKind.DOCUMENTS, sent_at__isnull=False
        )
        while (messages_sent := sent.count()) < expected and time.perf_counter() - started < seconds + messages_timeout:
            time.sleep(0.2)
        messages_seconds = time.perf_counter() - started
    _emit(
        {
            "status": batch.status,
            "error": batch.error,
            "seconds": round(seconds, 3),
            "documents": len(documents),
            "errors": (batch.total - len(documents)) if batch.total else 0,
            "sha256_checked": len(sample),
            "sha256_ok": sha256_ok,
            "zip_entries": zip_entries,
            "zip_mb": zip_mb,
            "cycle": _figures(cycles),
            "first_issue_after": (first - batch.created_at).total_seconds(),
            "last_issue_to_done": ((batch.finished_at or last) - last).total_seconds(),
            "messages_sent": messages_sent,
            "messages_seconds": round(messages_seconds, 1),
            "worker_cpu_seconds": None if cpu_before is None or cpu_after is None else cpu_after - cpu_before,
        }
    )
