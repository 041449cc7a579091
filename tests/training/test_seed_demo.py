import datetime
import io

import pytest
from freezegun import freeze_time

from django.apps import apps
from django.core import mail
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings

from accounts.models import Department, User
from cms.models import CoursePage
from tests.clock import PARIS
from training.choices import (
    AttendanceStatus,
    Funding,
    ProofKind,
    RegistrationStatus,
    SessionStatus,
    SheetStatus,
    SignatureMethod,
)
from training.models import Attendance, AttendanceProof, AttendanceSheet, PaperScan, Registration, Session, Slot
from training.selectors import absence_followup_list, trainer_for_user, trainer_session_list
from training.services.absences import absence_alert_send
from training.services.attendance import attendance_chain_verify, attendance_sheet_open

pytestmark = pytest.mark.django_db


def _row_counts() -> dict[str, int]:
    return {model._meta.label: model.objects.count() for model in apps.get_models()}


@pytest.fixture(scope="module")
def _seeded_once(django_db_setup, django_db_blocker, tmp_path_factory):
    """The demo, seeded once for this module (it takes a while) in a transaction rolled back at the
    end; each test runs in its own savepoint inside it, so what a test writes does not leak."""
    files = override_settings(
        MEDIA_ROOT=tmp_path_factory.mktemp("media"), PRIVATE_MEDIA_ROOT=tmp_path_factory.mktemp("private")
    )
    with django_db_blocker.unblock(), files, transaction.atomic():
        with freeze_time("2026-11-22 09:00"):
            call_command("seed_demo", stdout=io.StringIO())
        yield
        transaction.set_rollback(True)


@pytest.fixture
def seeded(_seeded_once, db):
    """The demo seeded on Sunday 22 November 2026 at 9:00."""


def test_seed_demo_twice_leaves_the_same_row_counts(seeded):
    before = _row_counts()

    with freeze_time("2027-01-15 09:00"):  # even run on another day
        call_command("seed_demo", stdout=io.StringIO())

    assert _row_counts() == before


def test_demo_catalogue_has_the_real_courses_with_complete_sheets(seeded):
    courses = CoursePage.objects.live()

    titles = set(courses.values_list("title", flat=True))
    assert "Comprendre les violences intrafamiliales" in titles
    assert "Santé environnementale et perturbateurs endocriniens" in titles
    assert all(course.indicator_1_gaps() == [] for course in courses.specific())
    level_1 = CoursePage.objects.get(slug="cps-niveau-1")
    assert (level_1.duration_days, level_1.duration_hours) == (3, 21)
    level_2 = list(courses.filter(level="level_2"))
    assert len(level_2) == 2
    assert all(list(course.prerequisite_courses.all()) == [level_1] for course in level_2)


def test_demo_year_covers_every_departement_with_drapps_and_intra_sessions(seeded):
    sessions = Session.objects.with_schedule()

    assert set(sessions.values_list("department__code", flat=True)) == set(
        Department.objects.values_list("code", flat=True)
    )
    assert sessions.filter(funding=Funding.DRAPPS).count() >= 40
    assert sessions.filter(funding=Funding.INTRA).count() >= 15
    assert sessions.filter(status=SessionStatus.DONE, last_day__lt=datetime.date(2026, 11, 22)).exists()
    assert sessions.filter(status=SessionStatus.OPEN, first_day__gt=datetime.date(2026, 11, 22)).exists()
    for session in sessions.filter(course__slug="cps-niveau-1"):
        assert session.planned_hours == 21


def test_demo_accounts_can_sign_in(seeded, client):
    assert (
        client.post(
            "/accounts/login/", {"login": "coordination@demo.formations.test", "password": "demo-formations-2026"}
        ).status_code
        == 302
    )
    assert client.get("/admin/").status_code == 200


def test_demo_held_sessions_have_every_half_day_signed_and_locked_in_intact_chains(seeded):
    held = Slot.objects.filter(session__status=SessionStatus.DONE)
    sheets = list(AttendanceSheet.objects.filter(slot__in=held))

    assert len(sheets) == held.count() > 100
    assert {sheet.status for sheet in sheets} == {SheetStatus.LOCKED}
    assert [sheet.pk for sheet in sheets if attendance_chain_verify(sheet=sheet)] == []
    signatures = AttendanceProof.objects.filter(kind=ProofKind.SIGNATURE)
    assert set(signatures.values_list("method", flat=True)) == {
        SignatureMethod.TRAINER_DEVICE,
        SignatureMethod.QR_ACCOUNT,
        SignatureMethod.QR_LINK,
    }
    assert signatures.values("signature_sha256").distinct().count() == 12
    statuses = list(Attendance.objects.values_list("status", flat=True))
    assert statuses.count(AttendanceStatus.PRESENT) > 0.9 * len(statuses)
    assert {AttendanceStatus.PARTIAL, AttendanceStatus.ABSENT, AttendanceStatus.EXCUSED} < set(statuses)
    assert not Attendance.objects.filter(status=AttendanceStatus.EXCUSED, reason="").exists()
    scan = PaperScan.objects.get()
    assert scan.content_type == "application/pdf"
    assert AttendanceProof.objects.filter(sheet__paper_scan=scan, kind=ProofKind.PAPER).exists()


def test_demo_drop_outs_are_to_follow_up_and_their_alerts_send_nothing(seeded):
    assert Registration.objects.exclude(abandonment_reason="").count() == 1
    assert absence_followup_list().filter(abandoned_at__isnull=True).exists()
    with_absences = AttendanceSheet.objects.filter(slot__attendances__status=AttendanceStatus.ABSENT).distinct()
    assert with_absences.exists()
    assert not with_absences.filter(absence_alert_sent_at__isnull=True).exists()

    assert absence_alert_send(sheet_id=with_absences.first().pk) is False
    assert mail.outbox == []


def test_demo_trainer_teaches_a_session_today_with_the_demo_learner(seeded):
    trainer = User.objects.get(email="formateur@demo.formations.test")
    today = datetime.date(2026, 11, 22)
    session = trainer_session_list(trainer=trainer_for_user(trainer)).get(first_day__lte=today, last_day__gte=today)

    assert session.registrations.filter(
        user__email="stagiaire@demo.formations.test", status=RegistrationStatus.CONFIRMED
    ).exists()
    assert session.confirmed_count >= 7
    assert not AttendanceSheet.objects.filter(slot__session=session).exists()
    morning = session.slots.get(date=today, period="am")
    sheet = attendance_sheet_open(slot=morning, user=trainer, now=datetime.datetime(2026, 11, 22, 8, 50, tzinfo=PARIS))
    assert sheet.status == SheetStatus.OPEN
