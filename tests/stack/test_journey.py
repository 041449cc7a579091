"""The whole journey over HTTP against the production topology: gunicorn (2 workers, DEBUG=0), a
Celery worker and Celery beat, each its own OS process, on PostgreSQL and Redis.

A professional signs up, confirms their address, registers; the coordinator brings the half-day
forward to this morning (it started three hours ago and ended ten minutes ago: still inside the
signing window, and the session is over); the trainer opens it, the trainee signs through the
room's QR code and the one-time link e-mailed to them, the trainer signs and locks; the coordinator
issues the certificates (a Celery batch on the worker), the trainee downloads theirs and checks it;
beat sends the end-of-training survey, the trainee answers it; the indicators count it all.
"""

import base64
import datetime
import io
import json
import re
import time
from decimal import Decimal

from PIL import Image, ImageDraw

from .browser import Browser
from .conftest import NEEDS
from .deployment import BEAT_ENTRIES, beat_start, paris_now
from .operator_setup import (
    COORDINATOR_EMAIL,
    COORDINATOR_PASSWORD,
    COURSE_TITLE,
    TRAINER_EMAIL,
    TRAINER_PASSWORD,
)

pytestmark = NEEDS

EMAIL = "camille.durand@exemple.fr"
PASSWORD = "Une-phrase-de-passe-solide-2026"
WAGTAIL_DATE = "%d/%m/%Y"


def _signature(seed: int) -> str:
    """A drawn signature as the pad posts it: a PNG data URL with a line of ink."""
    image = Image.new("RGBA", (300, 100), (0, 0, 0, 0))
    points = [(20 + 26 * i, 50 + (-1) ** i * (15 + (seed * 7 + i * 3) % 25)) for i in range(11)]
    ImageDraw.Draw(image).line(points, fill=(20, 20, 60, 255), width=4)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


def _link(mail, base_url: str, path_prefix: str) -> str:
    links = re.findall(rf"{re.escape(base_url)}{re.escape(path_prefix)}\S+", mail.body)
    assert links, f"No {path_prefix} link in {mail.subject!r}:\n{mail.body}"
    return links[0]


def _worker_ran(stack, task: str) -> None:
    """The worker process (not the web process) received and finished this task."""
    log = stack.wait_for_log("worker", f"Task {task}[", timeout=30)
    ids = re.findall(rf"Task {re.escape(task)}\[([0-9a-f-]+)\] received", log)
    assert ids, f"the worker never received {task}"
    stack.wait_for_log("worker", f"Task {task}[{ids[-1]}] succeeded", timeout=60)


def _half_day_just_over() -> tuple[datetime.datetime, datetime.datetime]:
    """Started three hours ago (at most since midnight), ended ten minutes ago, to the minute."""
    now = paris_now().replace(second=0, microsecond=0)
    midnight = now.replace(hour=0, minute=0)
    since_midnight = now - midnight
    if since_midnight < datetime.timedelta(minutes=2):  # a half-day lies within one day: wait for a minute or two
        time.sleep((datetime.timedelta(minutes=2) - since_midnight).total_seconds())
        return _half_day_just_over()
    start = max(now - datetime.timedelta(hours=3), midnight)
    end = now - min(datetime.timedelta(minutes=10), since_midnight / 2)
    return start, end.replace(second=0, microsecond=0)


def test_beat_sends_its_due_entries_to_the_worker(stack):
    """Beat, started with every entry overdue (as after a restart), sends them; the worker runs them."""
    for entry in BEAT_ENTRIES:
        stack.wait_for_log("beat", f"Sending due task {entry} ", timeout=10)
    for task in (
        "evaluations.tasks.surveys_due_send_task",
        "training.tasks.registration_offers_expire_task",
        "evaluations.tasks.reminders_send_task",
        "evaluations.tasks.complaints_overdue_remind_task",
    ):
        _worker_ran(stack, task)


def test_register_attend_certificate_survey_indicators(stack):
    base = stack.base_url
    ids = stack.ids
    session_id, slot_id = ids["session"], ids["slot"]

    # The course sheet, served by gunicorn with DEBUG off (static files through whitenoise).
    trainee = Browser(base)
    course = trainee.get(ids["course_url"])
    assert COURSE_TITLE in course.text
    register_path = f"/inscription/{session_id}/"
    assert register_path in course.text
    stylesheet = course.soup.select_one('link[rel="stylesheet"]')["href"]
    assert trainee.get(stylesheet).response.headers["Content-Type"].startswith("text/css")

    # Sign up (allauth), then confirm the address from the link e-mailed.
    signup = trainee.get(f"/accounts/signup/?next={register_path}")
    sent = trainee.submit(
        signup, first_name="Camille", last_name="Durand", email=EMAIL, password1=PASSWORD, password2=PASSWORD
    )
    assert sent.url.endswith("/accounts/confirm-email/")
    verification = stack.wait_for_mail(to=EMAIL, containing=f"{base}/accounts/confirm-email/")
    confirm = trainee.get(_link(verification, base, "/accounts/confirm-email/"))
    profile = trainee.submit(confirm)
    assert "/espace/profil/" in profile.url

    # The professional profile, asked once, then the registration.
    form = profile.form()
    choices = {
        select["name"]: select.find_all("option")[1]["value"]
        for select in form.find_all("select")
        if select["name"] in ("structure_type", "activity_sector", "professional_category", "department")
    }
    register = trainee.submit(
        profile, job_title="Éducatrice spécialisée", structure_name="Foyer départemental de l'enfance", **choices
    )
    assert register.url.endswith(register_path)
    space = trainee.submit(register, expectations="Mieux repérer les situations et orienter les jeunes.")
    assert space.url.endswith("/espace/")
    assert space.soup.select_one(".status--confirmed") is not None

    # The confirmation with its convocation leaves through the broker: the worker sends it.
    _worker_ran(stack, "training.tasks.registration_message_send_task")
    confirmation = stack.wait_for_mail(to=EMAIL, containing=COURSE_TITLE)
    assert any(name and name.endswith(".ics") for name in confirmation.attachments), confirmation.attachments
    assert stack.sql(
        "SELECT kind FROM training_registrationmessage WHERE recipient = %s AND sent_at IS NOT NULL", EMAIL
    ) == [("confirmed",)]

    # The coordinator brings the half-day forward to today, in the back office.
    # The back office signs in through allauth's page (and its rate limits); an account made by
    # `createsuperuser` confirms its address from the e-mail sent on its first sign-in.
    coordinator = Browser(base)
    login = coordinator.get("/admin/login/")
    assert login.url.startswith(f"{base}/accounts/login/")
    pending = coordinator.submit(
        login, "form:has(input[name=password])", login=COORDINATOR_EMAIL, password=COORDINATOR_PASSWORD
    )
    assert pending.url.endswith("/accounts/confirm-email/")
    verification = stack.wait_for_mail(to=COORDINATOR_EMAIL, containing=f"{base}/accounts/confirm-email/")
    coordinator.submit(coordinator.get(_link(verification, base, "/accounts/confirm-email/")))
    start, end = _half_day_just_over()
    edit_path = f"/admin/sessions/edit/{session_id}/"
    edit = coordinator.get(edit_path)
    hours = min(Decimal((end - start).total_seconds() / 3600).quantize(Decimal("0.01")), Decimal("6"))
    edited = coordinator.submit(
        edit,
        "form:has(input[name=slots-TOTAL_FORMS])",
        **{
            "slots-0-date": start.strftime(WAGTAIL_DATE),
            "slots-0-period": "am" if start.hour < 13 else "pm",
            "slots-0-starts_at": start.strftime("%H:%M"),
            "slots-0-ends_at": end.strftime("%H:%M"),
            "slots-0-hours": str(hours),
        },
    )
    assert edit_path not in edited.url, edited.soup.select(".error-message, .help-critical, .messages")
    assert stack.sql("SELECT date, starts_at, ends_at, hours FROM training_slot WHERE session_id = %s", session_id) == [
        (start.date(), start.time(), end.time(), hours)
    ]

    # The trainer opens the half-day on their phone.
    trainer = Browser(base)
    trainer.submit(trainer.get("/accounts/login/?next=/formateur/"), login=TRAINER_EMAIL, password=TRAINER_PASSWORD)
    home = trainer.get("/formateur/")
    assert f"/formateur/sessions/{session_id}/" in home.text
    slot_path = f"/formateur/demi-journees/{slot_id}/"
    opened = trainer.submit(trainer.get(slot_path), "form.open-form")
    qr_url = opened.soup.select_one("[data-qr-link]")["href"]
    assert qr_url.startswith(f"{base}/emargement/{slot_id}/")

    # The trainee scans the room's code with a phone not signed in and asks for the one-time link.
    phone = Browser(base)
    scan = phone.get(qr_url)
    phone.submit(scan, "main form:has(input[name=email])", email=EMAIL)
    link_mail = stack.wait_for_mail(to=EMAIL, containing=f"{base}/emargement/lien/")
    sign_page = phone.get(_link(link_mail, base, "/emargement/lien/"))
    done = phone.submit(sign_page, "main form:has(input[name=signature])", signature=_signature(1))
    assert done.soup.select_one(".sign-page__done") is not None

    # The trainer sees the signature, signs and locks.
    board = trainer.get(slot_path)
    assert len(board.soup.select(".attendance-row--signed")) == 1
    locked = trainer.submit(board, ".lock-panel form", signature=_signature(2))
    assert locked.soup.select_one(".summary-table") is not None
    assert stack.sql(
        "SELECT a.status, p.method, a.hours, s.status FROM training_attendance a "
        "JOIN training_attendanceproof p ON p.id = a.signature_id "
        "JOIN training_attendancesheet s ON s.slot_id = a.slot_id WHERE a.slot_id = %s",
        slot_id,
    ) == [("present", "qr_link", hours, "locked")]
    chain = stack.sql(
        "SELECT p.previous_hash, p.hash FROM training_attendanceproof p "
        "JOIN training_attendancesheet s ON s.id = p.sheet_id WHERE s.slot_id = %s ORDER BY p.sequence",
        slot_id,
    )
    assert len(chain) >= 3 and all(chain[i][0] == chain[i - 1][1] for i in range(1, len(chain))), chain

    # The coordinator records the session as held, then issues the certificates: a batch the worker runs.
    held = coordinator.submit(coordinator.get(edit_path), "form:has(input[name=slots-TOTAL_FORMS])", status="done")
    assert edit_path not in held.url, held.soup.select(".error-message, .help-critical, .messages")
    assert stack.sql("SELECT status FROM training_session WHERE id = %s", session_id) == [("done",)]
    documents = coordinator.get(f"/admin/documents/session/{session_id}/")
    batch = coordinator.submit(documents, "form:has(input[name=kind][value=end_of_training])")
    batch_id = re.search(r"/admin/documents/lots/(\d+)/", batch.url).group(1)
    _worker_ran(stack, "training.tasks.document_batch_run_task")
    _worker_ran(stack, "training.tasks.document_batch_session_task")
    deadline = time.monotonic() + 60
    while not (state := coordinator.get(f"/admin/documents/lots/{batch_id}/etat/").response.json())["finished"]:
        assert time.monotonic() < deadline, state
        time.sleep(0.5)
    assert (state["status"], state["issued"], state["skipped"]) == ("done", 2, 0), state

    # The trainee finds the certificate in their space, downloads it and checks it.
    space = trainee.get("/espace/")
    document_links = sorted({a["href"] for a in space.soup.select('a[href^="/espace/documents/"]')})
    assert document_links, space.text[:3000]
    pdfs = [trainee.get(path).response.content for path in document_links]
    assert all(pdf.startswith(b"%PDF") for pdf in pdfs)
    codes = stack.sql(
        "SELECT kind, verification_code FROM training_document WHERE session_id = %s AND registration_id IS NOT NULL",
        session_id,
    )
    assert "certificate" in {kind for kind, _code in codes}
    for _kind, code in codes:
        verdict = Browser(base).get(f"/verification/{code}/")
        assert verdict.soup.select_one(".verdict--ok") is not None

    # Beat sends the end-of-training survey: restarted with its hourly run overdue, it sends it at once.
    stack.stop("beat")
    beat_logged, worker_logged = stack.log_size("beat"), stack.log_size("worker")
    beat_start(stack, overdue=("send-due-surveys",))
    stack.wait_for_log("beat", "Sending due task send-due-surveys", timeout=30, after=beat_logged)
    stack.wait_for_log("worker", "Task evaluations.tasks.surveys_due_send_task[", timeout=30, after=worker_logged)
    _worker_ran(stack, "evaluations.tasks.invitation_send_task")
    survey_mail = stack.wait_for_mail(to=EMAIL, containing=f"{base}/questionnaire/")
    answer_url = _link(survey_mail, base, "/questionnaire/")
    survey = phone.get(answer_url)
    form = survey.form("main form")
    answers = {}
    for radio in form.select("input[type=radio]"):
        answers[radio["name"]] = radio["value"]  # the last option of each question
    for text in form.select("textarea"):
        answers[text["name"]] = "Des outils concrets, merci."
    thanks = phone.submit(survey, "main form", **answers)
    assert thanks.url.rstrip("/").endswith("/merci"), thanks.text[:3000]

    # The indicators of the year count the trainee, the hours and the answer.
    figures = json.loads(stack.manage("indicators", "--year", str(start.year), "--format", "json"))
    assert figures["sessions"]["total"] == 1, figures
    assert figures["trainees"] == 1, figures
    assert figures["trainee_hours"] == float(hours), figures
    assert figures["hot"]["n"] == 1, figures
    dashboard = coordinator.get("/admin/tableau-de-bord/")
    key_figures = [
        (
            item.select_one(".dash-figure__label").get_text(strip=True),
            item.select_one(".dash-figure__value").get_text(strip=True),
        )
        for item in dashboard.soup.select("#key-figures .dash-figure")
    ]
    assert [value for _label, value in key_figures[:2]] == ["1", "1"], key_figures  # sessions held, trainees
