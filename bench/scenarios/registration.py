"""A registration rush: 200 signed-in professionals post the registration form of one 20-seat
session at the same instant, through the real form (CSRF, session, service, e-mail queued).

Target (registration issue): report registrations per second and the p95 latency of the burst,
and check the outcome — exactly 20 confirmed and 180 on the waiting list, no error. With a broker
(`CELERY_BROKER_URL`, as in production) a Celery worker sends the e-mails; without one they are
built in the request itself, convocation attachments included, and the latencies say so.
"""

from __future__ import annotations

import http.client
import json
import secrets
import statistics
import threading
import time
from collections.abc import Callable
from urllib.parse import urlencode

from ..load import HOST, LoadResult
from ..report import Check, ScenarioResult
from ..site import BenchSite

PEOPLE = 200
CAPACITY = 20

# Run by `manage.py shell` on the bench database: a fresh 20-seat session, 200 professionals with
# a profile, and a signed-in browser session for each (what a login would leave).
_PREPARE = """
import datetime, json
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from django.utils import timezone
from accounts.models import ActivitySector, Department, ProfessionalCategory, Profile, StructureType, User
from cms.models import CoursePage
from training.choices import Funding, Period, SessionStatus
from training.models import Session, Slot

course = CoursePage.objects.live().filter(prerequisite_courses__isnull=True, prerequisites="").order_by("pk").first()
session = Session.objects.create(
    course=course, code="BENCH-RUSH", funding=Funding.DRAPPS, department=Department.objects.get(code="31"),
    capacity=%(capacity)d, status=SessionStatus.OPEN,
)
first_day = timezone.localdate() + datetime.timedelta(days=40)
while first_day.weekday() >= 5:
    first_day += datetime.timedelta(days=1)
Slot.objects.bulk_create([
    Slot(session=session, date=first_day, period=Period.MORNING, starts_at=datetime.time(9), ends_at=datetime.time(12, 30), hours=3.5),
    Slot(session=session, date=first_day, period=Period.AFTERNOON, starts_at=datetime.time(13, 30), ends_at=datetime.time(17), hours=3.5),
])
references = dict(
    structure_type=StructureType.objects.first(), activity_sector=ActivitySector.objects.first(),
    professional_category=ProfessionalCategory.objects.first(), department=Department.objects.get(code="31"),
)
cookies = []
for number in range(%(people)d):
    user = User(email=f"rush{number:03d}@bench.test", first_name="Rush", last_name=f"{number:03d}")
    user.set_unusable_password()
    user.save()
    Profile.objects.create(user=user, job_title="Infirmière", structure_name="Bench", **references)
    store = SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.create()
    cookies.append(store.session_key)
print(json.dumps({"session": session.pk, "cookies": cookies}))
"""

_OUTCOME = """
import json
from django.db.models import Count
from training.models import Registration
rows = Registration.objects.filter(session__code="BENCH-RUSH").values_list("status").annotate(n=Count("pk"))
print(json.dumps(dict(rows)))
"""


def run(site: BenchSite, log: Callable[[str], None]) -> ScenarioResult:
    log(f"  preparing {PEOPLE} signed-in professionals and a {CAPACITY}-seat session…")
    prepared = _json_output(site.manage("shell", "-c", _PREPARE % {"capacity": CAPACITY, "people": PEOPLE}))
    path = f"/inscription/{prepared['session']}/"
    log(f"  {PEOPLE} simultaneous POST {path}")
    latencies, errors, elapsed = _burst(site.port, path, prepared["cookies"])
    outcome = _json_output(site.manage("shell", "-c", _OUTCOME))
    cuts = statistics.quantiles(latencies, n=100, method="inclusive") if len(latencies) > 1 else [0.0] * 99
    measurement = LoadResult(
        name="registration burst (POST)",
        path=path,
        clients=PEOPLE,
        requests=len(latencies),
        errors=errors,
        seconds=round(elapsed, 3),
        rps=round(len(latencies) / elapsed, 1),
        p50_ms=round(cuts[49] * 1000, 2),
        p95_ms=round(cuts[94] * 1000, 2),
        p99_ms=round(cuts[98] * 1000, 2),
    )
    confirmed, waitlisted = outcome.get("confirmed", 0), outcome.get("waitlisted", 0)
    return ScenarioResult(
        name="registration",
        measurements=[measurement],
        checks=[
            Check("every attempt answered without error", errors == 0, f"{errors} error(s)"),
            Check(
                f"exactly {CAPACITY} confirmed, {PEOPLE - CAPACITY} waitlisted",
                (confirmed, waitlisted) == (CAPACITY, PEOPLE - CAPACITY),
                f"{confirmed} confirmed, {waitlisted} waitlisted",
            ),
        ],
        notes=[
            f"{PEOPLE} clients, one request each, released together; registrations/s = {measurement.rps:.1f}.",
            f"E-mail tasks: {site.tasks}.",
        ],
    )


def _json_output(output: str) -> dict:
    """The JSON line a shell snippet printed last (the shell may print its own lines first)."""
    return json.loads(output.strip().splitlines()[-1])


def _burst(port: int, path: str, session_keys: list[str]) -> tuple[list[float], int, float]:
    """Every person posts the form once, all released by one barrier: latencies of the answers that
    redirect to the learner space, errors, and the seconds from the first request to the last answer."""
    barrier = threading.Barrier(len(session_keys))
    latencies: list[float] = []
    sent_at: list[float] = []
    answered_at: list[float] = []
    errors = [0]
    lock = threading.Lock()

    def person(session_key: str) -> None:
        token = secrets.token_hex(16)  # 32 characters: an unmasked CSRF secret, as Django accepts
        body = urlencode({"csrfmiddlewaretoken": token, "expectations": "Bench"})
        headers = {
            "Cookie": f"sessionid={session_key}; csrftoken={token}",
            "Content-Type": "application/x-www-form-urlencoded",
        }
        connection = http.client.HTTPConnection(HOST, port, timeout=120)
        barrier.wait()
        sent = time.perf_counter()
        try:
            connection.request("POST", path, body=body, headers=headers)
            response = connection.getresponse()
            response.read()
            ok = response.status == 302 and response.getheader("Location", "").endswith("/espace/")
        except (OSError, http.client.HTTPException):
            ok = False
        finally:
            connection.close()
        answered = time.perf_counter()
        with lock:
            sent_at.append(sent)
            answered_at.append(answered)
            if ok:
                latencies.append(answered - sent)
            else:
                errors[0] += 1

    threads = [threading.Thread(target=person, args=(key,)) for key in session_keys]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return latencies, errors[0], max(answered_at) - min(sent_at)
