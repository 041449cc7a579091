"""A signing rush: the 20 trainees of a half-day sign at the same instant from their phones, through
the one-time-link page (`/emargement/lien/<token>/`: CSRF, service, proof chained under the sheet's
row lock).

Each phone first opens its link (the page sets the CSRF cookie and token), then all post their
drawn signature together. Target (attendance issue): p95 under 200 ms per signature; the outcome
is checked in the database — 20 signatures, none lost, the half-day's proof chain intact.
"""

from __future__ import annotations

import http.client
import json
import os
import re
import statistics
import threading
import time
from collections.abc import Callable
from http.cookies import SimpleCookie
from urllib.parse import urlencode

from ..load import HOST, LoadResult
from ..report import Check, ScenarioResult
from ..site import BenchSite

TRAINEES = 20
P95_TARGET_MS = 200.0
CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')

# Run by `manage.py shell` on the bench database: a session whose half-day runs now, with 20
# confirmed trainees and its trainer, the half-day opened by the trainer; prints each trainee's
# one-time link token and a drawn signature (the demo's scribbles) as the phone's canvas sends it.
_PREPARE = """
import base64, datetime, json
from decimal import Decimal
from django.utils import timezone
from accounts.models import Department, User
from cms.models import CoursePage
from training.choices import Funding, Period, RegistrationStatus, SessionStatus
from training.demo_attendance import signature_images
from training.models import Registration, Session, Slot, Trainer
from training.services.attendance import attendance_link_token, attendance_sheet_open

now = timezone.localtime()
midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
starts = max(now - datetime.timedelta(minutes=30), midnight)
ends = min(now + datetime.timedelta(minutes=90), midnight + datetime.timedelta(hours=23, minutes=59))
course = CoursePage.objects.live().order_by("pk").first()
session = Session.objects.create(
    course=course, code="BENCH-SIGN", funding=Funding.DRAPPS, department=Department.objects.get(code="31"),
    capacity=%(trainees)d, status=SessionStatus.CLOSED,
)
slot = Slot.objects.create(
    session=session, date=now.date(), period=Period.MORNING if now.hour < 13 else Period.AFTERNOON,
    starts_at=starts.time().replace(second=0, microsecond=0), ends_at=ends.time().replace(second=0, microsecond=0),
    hours=Decimal("2"),
)
trainer_user = User.objects.create_user(email="formateur@bench.test", first_name="Bench", last_name="Formateur")
session.trainers.add(Trainer.objects.create(first_name="Bench", last_name="Formateur", user=trainer_user))
sheet = attendance_sheet_open(slot=slot, user=trainer_user)
images = signature_images()
trainees = []
for number in range(%(trainees)d):
    user = User.objects.create_user(email=f"signe{number:02d}@bench.test", first_name="Signe", last_name=f"{number:02d}")
    registration = Registration.objects.create(
        session=session, user=user, status=RegistrationStatus.CONFIRMED, confirmed_at=timezone.now()
    )
    trainees.append({
        "token": attendance_link_token(sheet=sheet, registration=registration),
        "signature": "data:image/png;base64," + base64.b64encode(images[number %% len(images)]).decode(),
    })
print(json.dumps({"sheet": sheet.pk, "trainees": trainees}))
"""

_OUTCOME = """
import json
from training.choices import ProofKind
from training.models import Attendance, AttendanceProof, AttendanceSheet
from training.services.attendance import attendance_chain_verify
sheet = AttendanceSheet.objects.get(pk=%(sheet)d)
print(json.dumps({
    "signatures": AttendanceProof.objects.filter(sheet=sheet, kind=ProofKind.SIGNATURE).count(),
    "signed_attendances": Attendance.objects.filter(slot_id=sheet.slot_id, signature__isnull=False).count(),
    "proof_count": sheet.proof_count,
    "broken": attendance_chain_verify(sheet=sheet),
}))
"""


def run(site: BenchSite, log: Callable[[str], None]) -> ScenarioResult:
    log(f"  preparing a half-day open now with {TRAINEES} confirmed trainees…")
    prepared = _json_output(site.manage("shell", "-c", _PREPARE % {"trainees": TRAINEES}))
    log(f"  {TRAINEES} phones open their one-time link, then all POST their signature at once")
    latencies, errors, elapsed = _rush(site.port, prepared["trainees"])
    outcome = _json_output(site.manage("shell", "-c", _OUTCOME % {"sheet": prepared["sheet"]}))
    cuts = statistics.quantiles(latencies, n=100, method="inclusive") if len(latencies) > 1 else [0.0] * 99
    measurement = LoadResult(
        name="signature burst (POST)",
        path="/emargement/lien/<token>/",
        clients=TRAINEES,
        requests=len(latencies),
        errors=errors,
        seconds=round(elapsed, 3),
        rps=round(len(latencies) / elapsed, 1) if elapsed else 0.0,
        p50_ms=round(cuts[49] * 1000, 2),
        p95_ms=round(cuts[94] * 1000, 2),
        p99_ms=round(cuts[98] * 1000, 2),
    )
    max_ms = round(max(latencies, default=0.0) * 1000, 2)
    return ScenarioResult(
        name="signatures",
        measurements=[measurement],
        checks=[
            Check("every signature answered without error", errors == 0, f"{errors} error(s)"),
            Check(
                f"p95 under {P95_TARGET_MS:.0f} ms per signature",
                measurement.p95_ms < P95_TARGET_MS,
                f"{measurement.p95_ms:.1f} ms (p50 {measurement.p50_ms:.1f} ms, max {max_ms:.1f} ms)",
                gap=(
                    f"The {TRAINEES} signatures arrive at the same instant and were served at {measurement.rps:.1f} "
                    f"per second in all on {os.cpu_count()} cores, so the last ones wait for those before them "
                    f"({TRAINEES / measurement.rps * 1000 if measurement.rps else 0:.0f} ms for the whole burst): "
                    "the p95 is the queue of the burst, not the time of one signature (see p50). Each signature "
                    "is serialised on the half-day's row lock (the proof chain needs it) and costs about 25 ms of "
                    "CPU; more cores for the web processes close the gap."
                ),
            ),
            Check(
                f"{TRAINEES} signatures recorded, none lost",
                outcome["signatures"] == outcome["signed_attendances"] == TRAINEES,
                f"{outcome['signatures']} signature records, {outcome['signed_attendances']} signed attendances",
            ),
            Check(
                "the half-day's proof chain is intact",
                outcome["broken"] == [] and outcome["proof_count"] == TRAINEES + 1,
                f"{outcome['proof_count']} records, broken: {outcome['broken'] or 'none'}",
            ),
        ],
        notes=[
            f"{TRAINEES} clients, one POST each after a GET of their page, released together; "
            f"signatures/s = {measurement.rps:.1f}; slowest {max_ms:.1f} ms.",
        ],
    )


def _json_output(output: str) -> dict:
    """The JSON line a shell snippet printed last (the shell may print its own lines first)."""
    return json.loads(output.strip().splitlines()[-1])


def _rush(port: int, trainees: list[dict]) -> tuple[list[float], int, float]:
    """Each phone GETs its signing page, then all POST together behind one barrier: latencies of the
    posts answered by the redirect that follows a signature, errors, and the seconds from the first
    post to the last answer."""
    barrier = threading.Barrier(len(trainees))
    latencies: list[float] = []
    sent_at: list[float] = []
    answered_at: list[float] = []
    errors = [0]
    lock = threading.Lock()

    def phone(trainee: dict) -> None:
        path = f"/emargement/lien/{trainee['token']}/"
        connection = http.client.HTTPConnection(HOST, port, timeout=120)
        ok, sent = False, None
        try:
            connection.request("GET", path)
            page = connection.getresponse()
            html = page.read().decode()
            cookies = SimpleCookie()
            for header in page.msg.get_all("Set-Cookie") or []:
                cookies.load(header)
            token = CSRF_INPUT.search(html)
            ready = page.status == 200 and "csrftoken" in cookies and token is not None
            body = urlencode(
                {"csrfmiddlewaretoken": token.group(1) if token else "", "signature": trainee["signature"]}
            )
            headers = {
                "Cookie": f"csrftoken={cookies['csrftoken'].value}" if "csrftoken" in cookies else "",
                "Content-Type": "application/x-www-form-urlencoded",
            }
        except (OSError, http.client.HTTPException):
            ready = False
        barrier.wait()  # every phone waits for the others, ready or not, so the posts leave together
        if ready:
            sent = time.perf_counter()
            try:
                connection.request("POST", path, body=body, headers=headers)
                response = connection.getresponse()
                response.read()
                ok = response.status == 302
            except (OSError, http.client.HTTPException):
                ok = False
        connection.close()
        answered = time.perf_counter()
        with lock:
            if sent is not None:
                sent_at.append(sent)
                answered_at.append(answered)
            if ok:
                latencies.append(answered - sent)
            else:
                errors[0] += 1

    threads = [threading.Thread(target=phone, args=(trainee,)) for trainee in trainees]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return latencies, errors[0], (max(answered_at) - min(sent_at)) if sent_at else 0.0
