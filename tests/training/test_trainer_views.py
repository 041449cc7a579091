"""The trainer space: my sessions only, trainees and their needs, and a half-day's attendance
taken through the screens (open, signatures on the trainer's device, marks, lock)."""

import datetime
from decimal import Decimal

import pytest
from freezegun import freeze_time

from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tests.clock import PARIS
from tests.factories import (
    ProfileFactory,
    RegistrationFactory,
    SessionFactory,
    TrainerFactory,
    UserFactory,
    course_create,
    signature_data_url,
    slots_create,
)
from training import pdf
from training.choices import AttendanceStatus, RegistrationStatus, SessionStatus, SheetStatus, SignatureMethod
from training.models import Attendance, AttendanceProof, AttendanceSheet
from training.services.attendance import (
    attendance_chain_verify,
    attendance_qr_check,
    attendance_sheet_open,
    attendance_sign,
)

pytestmark = pytest.mark.django_db

DAY = datetime.date(2026, 12, 14)  # a Monday; morning 9:00–12:30, afternoon 13:30–17:00
MORNING = datetime.datetime(2026, 12, 14, 9, 15, tzinfo=PARIS)
NEEDS = "Malentendante : merci de parler face à moi."


signature = signature_data_url


def blank_signature() -> str:
    return signature_data_url(ink=False)


@pytest.fixture
def trainer_user():
    return UserFactory(first_name="Julien", last_name="Carrère")


@pytest.fixture
def course(catalogue):
    return course_create(catalogue=catalogue)


@pytest.fixture
def session(course, trainer_user):
    session = SessionFactory(course=course, code="2026-CPS-12-01")
    session.trainers.add(TrainerFactory(user=trainer_user))
    slots_create(session=session, first_day=DAY, days=2)
    return session


@pytest.fixture
def morning(session):
    return session.slots.get(date=DAY, period="am")


def trainee(session, *, needs: str = "", **user_fields):
    """A confirmed trainee; accessibility needs come with the person's consent."""
    return RegistrationFactory(
        session=session,
        status=RegistrationStatus.CONFIRMED,
        user=UserFactory(**user_fields),
        accessibility_needs=needs,
        accessibility_consent_at=timezone.now() if needs else None,
    )


@pytest.fixture
def trainees(session):
    return [trainee(session, last_name="Arnaud", needs=NEEDS), trainee(session, last_name="Bernard")]


@pytest.fixture
def other_session(course):
    """A session taught by somebody else, with a trainee who has needs."""
    session = SessionFactory(course=course, code="2026-CPS-31-09")
    session.trainers.add(TrainerFactory(user=UserFactory()))
    slots_create(session=session, first_day=DAY, days=1)
    trainee(session, needs="Fauteuil roulant")
    return session


@pytest.fixture
def trainer_client(client, trainer_user):
    client.force_login(trainer_user)
    return client


def _opened(slot, user):
    with freeze_time(MORNING - datetime.timedelta(minutes=20)):
        return attendance_sheet_open(slot=slot, user=user)


def _errors(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request) if message.level_tag == "error"]


@pytest.fixture
def pdf_stub(monkeypatch):
    """The PDF builders replaced by stubs that record what they were asked for."""
    calls = []

    def paper(*, session, slots=None):
        calls.append(("paper", session.pk, [slot.pk for slot in slots] if slots else None))
        return b"%PDF-1.7 paper"

    def signed(*, session):
        calls.append(("signed", session.pk, None))
        return b"%PDF-1.7 signed"

    monkeypatch.setattr(pdf, "attendance_paper_pdf", paper)
    monkeypatch.setattr(pdf, "attendance_signed_pdf", signed)
    return calls


# Who sees what
# ------------------------------------------------------------------------------


def test_the_trainer_space_needs_a_signed_in_trainer(client, trainees):
    assert client.get(reverse("training:trainer-home")).status_code == 302  # to the login page

    client.force_login(trainees[0].user)
    response = client.get(reverse("training:trainer-home"))
    assert response.status_code == 403
    assert "training/trainer/not_trainer.html" in [template.name for template in response.templates]


def test_an_inactive_trainer_no_longer_enters(trainer_client, trainer_user, session):
    trainer_user.trainer.is_active = False
    trainer_user.trainer.save()
    assert trainer_client.get(reverse("training:trainer-home")).status_code == 403


@freeze_time(MORNING)
def test_the_home_lists_my_sessions_current_first_then_past(trainer_client, trainer_user, session, other_session):
    trainer = trainer_user.trainer
    past = SessionFactory(course=session.course, code="2025-CPS-12-03", status=SessionStatus.DONE)
    past.trainers.add(trainer)
    slots_create(session=past, first_day=datetime.date(2025, 10, 6), days=1)
    draft = SessionFactory(course=session.course, code="2027-CPS-12-01", status=SessionStatus.DRAFT)
    draft.trainers.add(trainer)
    RegistrationFactory(session=session, status=RegistrationStatus.CONFIRMED)

    response = trainer_client.get(reverse("training:trainer-home"))

    assert response.status_code == 200
    assert [s.code for s in response.context["current"]] == ["2026-CPS-12-01"]
    assert [s.confirmed_count for s in response.context["current"]] == [1]
    assert [s.code for s in response.context["past"]] == ["2025-CPS-12-03"]
    content = response.content.decode()
    assert reverse("training:trainer-session", args=[session.pk]) in content
    assert other_session.code not in content
    assert draft.code not in content


def test_the_nav_links_the_trainer_space_for_trainers_only(client, trainer_user, trainees, home_page):
    client.force_login(trainer_user)
    assert reverse("training:trainer-home") in client.get(reverse("training:space")).content.decode()
    client.force_login(trainees[0].user)
    assert reverse("training:trainer-home") not in client.get(reverse("training:space")).content.decode()


def test_another_trainers_session_and_half_days_are_not_found(trainer_client, session, other_session, pdf_stub):
    slot = other_session.slots.first()
    registration = other_session.registrations.get()
    with freeze_time(MORNING):
        for url in (
            reverse("training:trainer-session", args=[other_session.pk]),
            reverse("training:trainer-slot", args=[slot.pk]),
            reverse("training:trainer-slot-qr", args=[slot.pk]),
            reverse("training:trainer-sign", args=[slot.pk, registration.pk]),
            reverse("training:trainer-session-paper-pdf", args=[other_session.pk]),
            reverse("training:trainer-slot-paper-pdf", args=[slot.pk]),
            reverse("training:trainer-session-signed-pdf", args=[other_session.pk]),
        ):
            assert trainer_client.get(url).status_code == 404, url
        for url, data in (
            (reverse("training:trainer-slot", args=[slot.pk]), {"action": "open"}),
            (reverse("training:trainer-slot-lock", args=[slot.pk]), {"signature": signature()}),
            (reverse("training:trainer-sign", args=[slot.pk, registration.pk]), {"signature": signature()}),
        ):
            assert trainer_client.post(url, data).status_code == 404, url

    assert not AttendanceSheet.objects.filter(slot__session=other_session).exists()
    assert not Attendance.objects.exists()
    assert pdf_stub == []


def test_the_session_page_shows_trainees_with_their_needs_in_a_confidential_block(
    trainer_client, session, trainees, other_session
):
    response = trainer_client.get(reverse("training:trainer-session", args=[session.pk]))

    assert response.status_code == 200
    assert [row.registration for row in response.context["grid"].rows] == trainees
    assert response.context["with_needs"] == [trainees[0]]
    content = response.content.decode()
    confidential = content[content.index('class="confidential"') :]
    assert "Malentendante" in confidential
    assert trainees[1].user.email in content
    assert "Fauteuil roulant" not in content
    for slot in session.slots.all():
        assert reverse("training:trainer-slot", args=[slot.pk]) in content
        assert reverse("training:trainer-slot-paper-pdf", args=[slot.pk]) in content
    assert reverse("training:trainer-session-paper-pdf", args=[session.pk]) in content


def test_the_pdf_views_hand_over_the_session_and_half_day(trainer_client, session, morning, pdf_stub):
    paper = trainer_client.get(reverse("training:trainer-session-paper-pdf", args=[session.pk]))
    one = trainer_client.get(reverse("training:trainer-slot-paper-pdf", args=[morning.pk]))
    signed = trainer_client.get(reverse("training:trainer-session-signed-pdf", args=[session.pk]))

    assert [r.status_code for r in (paper, one, signed)] == [200, 200, 200]
    assert paper["Content-Type"] == "application/pdf"
    assert "feuille-emargement-2026-CPS-12-01.pdf" in paper["Content-Disposition"]
    assert "emargement-signe-2026-CPS-12-01.pdf" in signed["Content-Disposition"]
    assert pdf_stub == [("paper", session.pk, None), ("paper", session.pk, [morning.pk]), ("signed", session.pk, None)]


# A half-day through the screens
# ------------------------------------------------------------------------------


def test_a_half_day_is_opened_signed_on_the_device_marked_and_locked(trainer_client, trainer_user, morning, trainees):
    arnaud, bernard = trainees
    slot_url = reverse("training:trainer-slot", args=[morning.pk])

    with freeze_time(MORNING - datetime.timedelta(minutes=10)):
        page = trainer_client.get(slot_url)
        assert page.context["status"] == SheetStatus.PENDING
        assert trainer_client.post(slot_url, {"action": "open"}).status_code == 302
    sheet = AttendanceSheet.objects.get(slot=morning)
    assert sheet.status == SheetStatus.OPEN
    assert sheet.opened_by == trainer_user

    with freeze_time(MORNING):
        page = trainer_client.get(slot_url)
        assert page.context["status"] == SheetStatus.OPEN
        qr_url = page.context["qr"]["url"]
        slot_id, code = qr_url.rstrip("/").split("/")[-2:]
        assert int(slot_id) == morning.pk
        attendance_qr_check(sheet=sheet, code=code)
        assert "<svg" in page.content.decode()
        sign_url = reverse("training:trainer-sign", args=[morning.pk, arnaud.pk])
        assert sign_url in page.content.decode()

        assert trainer_client.get(sign_url).status_code == 200
        response = trainer_client.post(sign_url, {"signature": signature()}, HTTP_USER_AGENT="Tablet")
        assert response.status_code == 302
        assert response["Location"] == f"{slot_url}#trainee-{arnaud.pk}"

        response = trainer_client.post(
            slot_url, {"action": "mark", "registration": bernard.pk, "status": AttendanceStatus.ABSENT}
        )
        assert response.status_code == 302
        page = trainer_client.get(slot_url)
        assert page.context["recorded_absent"] == [bernard]

    with freeze_time(MORNING + datetime.timedelta(hours=3)):
        response = trainer_client.post(
            reverse("training:trainer-slot-lock", args=[morning.pk]), {"signature": signature()}
        )
        assert response.status_code == 302
        assert _errors(response) == []
        page = trainer_client.get(slot_url)

    signed = Attendance.objects.select_related("signature").get(registration=arnaud, slot=morning)
    assert signed.status == AttendanceStatus.PRESENT
    assert signed.signature.method == SignatureMethod.TRAINER_DEVICE
    assert signed.signature.actor == trainer_user
    assert signed.signature.user_agent == "Tablet"
    assert signed.hours == Decimal("3.5")
    absent = Attendance.objects.get(registration=bernard, slot=morning)
    assert (absent.status, absent.hours) == (AttendanceStatus.ABSENT, Decimal("0"))
    sheet.refresh_from_db()
    assert sheet.status == SheetStatus.LOCKED
    assert attendance_chain_verify(sheet=sheet) == []
    assert page.context["status"] == SheetStatus.LOCKED
    assert page.context["hours_total"] == Decimal("3.5")


def test_excused_and_partly_present_trainees_are_recorded_with_reason_and_minutes(
    trainer_client, trainer_user, morning, trainees
):
    arnaud, bernard = trainees
    _opened(morning, trainer_user)
    slot_url = reverse("training:trainer-slot", args=[morning.pk])
    with freeze_time(MORNING):
        attendance_sign(
            slot=morning,
            registration=arnaud,
            signature=signature(),
            method=SignatureMethod.TRAINER_DEVICE,
            actor=trainer_user,
        )
        trainer_client.post(
            slot_url, {"action": "mark", "registration": arnaud.pk, "status": "partial", "minutes_missed": "30"}
        )
        trainer_client.post(
            slot_url, {"action": "mark", "registration": bernard.pk, "status": "excused", "reason": "Enfant malade"}
        )

    attendances = {a.registration_id: a for a in Attendance.objects.filter(slot=morning)}
    assert (attendances[arnaud.pk].status, attendances[arnaud.pk].minutes_missed) == ("partial", 30)
    assert (attendances[bernard.pk].status, attendances[bernard.pk].reason) == ("excused", "Enfant malade")


def test_a_refused_mark_changes_nothing_and_says_why(trainer_client, trainer_user, morning, trainees):
    arnaud, bernard = trainees
    _opened(morning, trainer_user)
    slot_url = reverse("training:trainer-slot", args=[morning.pk])
    with freeze_time(MORNING):
        attendance_sign(
            slot=morning,
            registration=arnaud,
            signature=signature(),
            method=SignatureMethod.TRAINER_DEVICE,
            actor=trainer_user,
        )
        signed_absent = trainer_client.post(slot_url, {"action": "mark", "registration": arnaud.pk, "status": "absent"})
        no_reason = trainer_client.post(slot_url, {"action": "mark", "registration": bernard.pk, "status": "excused"})
        unreadable = trainer_client.post(
            slot_url, {"action": "mark", "registration": bernard.pk, "status": "partial", "minutes_missed": "une heure"}
        )

    assert all(response.status_code == 302 for response in (signed_absent, no_reason, unreadable))
    assert all(_errors(response) for response in (signed_absent, no_reason, unreadable))
    assert Attendance.objects.get(registration=arnaud).status == AttendanceStatus.PRESENT
    assert not Attendance.objects.filter(registration=bernard).exists()


def test_an_empty_signature_on_the_device_is_asked_again(trainer_client, trainer_user, morning, trainees):
    _opened(morning, trainer_user)
    with freeze_time(MORNING):
        response = trainer_client.post(
            reverse("training:trainer-sign", args=[morning.pk, trainees[0].pk]), {"signature": blank_signature()}
        )

    assert response.status_code == 400
    assert response.context["error"].code == "signature_empty"
    assert not Attendance.objects.exists()


def test_the_device_signature_is_refused_before_the_half_day_is_opened(trainer_client, morning, trainees):
    with freeze_time(MORNING):
        response = trainer_client.post(
            reverse("training:trainer-sign", args=[morning.pk, trainees[0].pk]), {"signature": signature()}
        )

    assert response.status_code == 302
    assert _errors(response)
    assert not AttendanceProof.objects.exists()


def test_only_trainers_reach_the_device_signing_page(client, trainer_user, morning, trainees):
    """A trainee signed in on their own phone cannot use the trainer's page to sign for another."""
    _opened(morning, trainer_user)
    arnaud, bernard = trainees
    client.force_login(bernard.user)
    with freeze_time(MORNING):
        url = reverse("training:trainer-sign", args=[morning.pk, arnaud.pk])
        assert client.get(url).status_code == 403
        assert client.post(url, {"signature": signature()}).status_code == 403

    assert not Attendance.objects.exists()


def test_a_lock_without_signature_is_refused(trainer_client, trainer_user, morning, trainees):
    _opened(morning, trainer_user)
    with freeze_time(MORNING + datetime.timedelta(hours=3)):
        response = trainer_client.post(reverse("training:trainer-slot-lock", args=[morning.pk]), {"signature": ""})

    assert _errors(response)
    assert AttendanceSheet.objects.get(slot=morning).status == SheetStatus.OPEN


def test_the_qr_code_refreshes_as_json(trainer_client, trainer_user, morning, trainees, settings):
    url = reverse("training:trainer-slot-qr", args=[morning.pk])
    with freeze_time(MORNING):
        assert trainer_client.get(url).status_code == 409  # not opened yet: the screen reloads
    sheet = _opened(morning, trainer_user)

    with freeze_time(MORNING):
        data = trainer_client.get(url).json()

    assert data["svg"].startswith("<svg")
    assert data["signed"] == 0
    assert 1 <= data["refresh_in"] <= settings.ATTENDANCE_QR_SECONDS + 1
    with freeze_time(MORNING):
        attendance_qr_check(sheet=sheet, code=data["url"].rstrip("/").rsplit("/", 1)[1])


def test_the_trainer_pages_cost_the_same_queries_whatever_the_number_of_trainees(
    trainer_client, trainer_user, session, morning
):
    _opened(morning, trainer_user)
    urls = [
        reverse("training:trainer-slot", args=[morning.pk]),
        reverse("training:trainer-session", args=[session.pk]),
        reverse("training:trainer-home"),
    ]

    def add_trainees(count):
        for _index in range(count):
            registration = trainee(session, needs="Besoin")
            ProfileFactory(user=registration.user, phone="05 61 00 00 00")
            with freeze_time(MORNING):
                attendance_sign(
                    slot=morning,
                    registration=registration,
                    signature=signature(),
                    method=SignatureMethod.QR_ACCOUNT,
                    actor=registration.user,
                )
            trainee(session)

    def queries() -> list[int]:
        counts = []
        for url in urls:
            with freeze_time(MORNING), CaptureQueriesContext(connection) as captured:
                assert trainer_client.get(url).status_code == 200
            counts.append(len(captured))
        return counts

    add_trainees(1)
    queries()  # warm the caches (site root paths, settings)
    few = queries()
    add_trainees(6)
    assert queries() == few
    assert max(few) <= 17  # one of them records who was shown the accessibility needs


def test_the_device_pad_is_not_shown_when_signing_would_be_refused(trainer_client, trainer_user, morning, trainees):
    url = reverse("training:trainer-sign", args=[morning.pk, trainees[0].pk])
    with freeze_time(MORNING):
        assert trainer_client.get(url).status_code == 302  # not opened yet: back to the list, saying why
        _opened(morning, trainer_user)
        assert trainer_client.get(url).status_code == 200
        attendance_sign(
            slot=morning,
            registration=trainees[0],
            signature=signature(),
            method=SignatureMethod.TRAINER_DEVICE,
            actor=trainer_user,
        )
        assert trainer_client.get(url).status_code == 302  # already signed
