"""`manage.py seed_demo`: the demo year of sessions, attendance and documents, and its survey history."""

import datetime
import io
import re

import pytest
from freezegun import freeze_time

from django.apps import apps
from django.core import mail
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings

from accounts.models import Department, User
from cms.models import CoursePage
from evaluations.choices import SCALE_SATISFIED, CampaignOrigin, CampaignStatus, QuestionnaireKind
from evaluations.models import Answer, Campaign, Invitation, Response
from evaluations.services.responses import response_submit
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

SEEDED_AT = datetime.datetime(2026, 11, 22, 10, 0, tzinfo=PARIS)  # freeze_time("2026-11-22 09:00") is UTC
LEARNER = "stagiaire@demo.formations.test"


def _row_counts() -> dict[str, int]:
    return {model._meta.label: model.objects.count() for model in apps.get_models()}


def _survey_rows() -> dict[str, list]:
    return {
        "campaigns": list(Campaign.objects.order_by("pk").values_list("pk", "status", "opened_at", "closes_at")),
        "invitations": list(
            Invitation.objects.order_by("pk").values_list(
                "pk", "token", "sent_at", "reminders_sent", "last_reminded_at", "answered_at"
            )
        ),
        "responses": list(Response.objects.order_by("pk").values_list("pk", "submitted_at", "updated_at")),
        "answers": list(Answer.objects.order_by("pk").values_list("pk", "number", "text", "choices")),
    }


@pytest.fixture(scope="module")
def _seeded_once(django_db_setup, django_db_blocker, tmp_path_factory):
    """The demo, seeded once for this module (it takes a while) in a transaction rolled back at the
    end; each test runs in its own savepoint inside it, so what a test writes does not leak."""
    files = override_settings(
        MEDIA_ROOT=tmp_path_factory.mktemp("media"), PRIVATE_MEDIA_ROOT=tmp_path_factory.mktemp("private")
    )
    output = io.StringIO()
    with django_db_blocker.unblock(), files, transaction.atomic():
        with freeze_time("2026-11-22 09:00"):
            call_command("seed_demo", stdout=output)
        yield output.getvalue()
        transaction.set_rollback(True)


@pytest.fixture
def seeded(_seeded_once, db):
    """The demo seeded on Sunday 22 November 2026 at 10:00 (Paris); the command's output."""
    return _seeded_once


def test_seed_demo_twice_leaves_the_same_row_counts(seeded):
    before, surveys = _row_counts(), _survey_rows()

    with freeze_time("2027-01-15 09:00"):  # even run on another day (new sessions would be due for surveys)
        call_command("seed_demo", stdout=io.StringIO())

    assert _row_counts() == before
    assert _survey_rows() == surveys


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


# Surveys -------------------------------------------------------------------------------------


def test_demo_surveys_cover_every_kind_with_answers(seeded):
    held = Session.objects.with_schedule().filter(status=SessionStatus.DONE, last_day__lt=datetime.date(2026, 11, 22))

    kinds = {kind: Campaign.objects.filter(kind=kind) for kind in QuestionnaireKind.values}
    assert kinds[QuestionnaireKind.HOT].count() == kinds[QuestionnaireKind.TRAINER].count() == held.count() > 30
    assert kinds[QuestionnaireKind.CLIENT].count() == held.filter(funding=Funding.INTRA).count() > 5
    assert kinds[QuestionnaireKind.COLD].count() == held.filter(last_day__lte=datetime.date(2026, 5, 22)).count() > 5
    assert kinds[QuestionnaireKind.POSITIONING].exists()
    assert not kinds[QuestionnaireKind.FUNDER].exists()
    for kind in (QuestionnaireKind.HOT, QuestionnaireKind.TRAINER, QuestionnaireKind.COLD):
        assert Response.objects.filter(campaign__kind=kind).count() > 20, kind
    assert not kinds[QuestionnaireKind.CLIENT].filter(invitations__isnull=True).exists()
    assert Response.objects.filter(campaign__kind=QuestionnaireKind.CLIENT).count() > 5
    hot = Invitation.objects.filter(campaign__kind=QuestionnaireKind.HOT)
    assert 0.7 < hot.filter(answered_at__isnull=False).count() / hot.count() < 0.9
    cold = Invitation.objects.filter(campaign__kind=QuestionnaireKind.COLD)
    assert 0.35 < cold.filter(answered_at__isnull=False).count() / cold.count() < 0.65
    # Every kind of free comment is there, a few of them negative.
    comments = set(Answer.objects.exclude(text="").values_list("text", flat=True))
    assert len(comments) > 30
    assert any("froide" in text for text in comments)


def test_demo_surveys_follow_the_rules_of_the_services(seeded):
    # Answers only while the campaign was open, and never in the future.
    responses = Response.objects.select_related("campaign")
    assert all(r.campaign.opened_at <= r.submitted_at < min(r.campaign.closes_at, SEEDED_AT) for r in responses)
    assert all(r.updated_at == r.submitted_at for r in responses)
    # Campaigns past their date are closed; the latest held sessions' are still open.
    assert not Campaign.objects.filter(status=CampaignStatus.OPEN, closes_at__lte=SEEDED_AT).exists()
    assert Campaign.objects.filter(kind=QuestionnaireKind.HOT, status=CampaignStatus.CLOSED).exists()
    open_hot = Campaign.objects.filter(kind=QuestionnaireKind.HOT, status=CampaignStatus.OPEN)
    assert open_hot.filter(invitations__answered_at__isnull=True).exists()
    # Invitations were sent when their campaign opened (the e-mails went nowhere); reminders as the schedule sends them.
    invitations = Invitation.objects.select_related("campaign")
    assert all(i.campaign.opened_at <= i.sent_at <= SEEDED_AT and i.created_at == i.sent_at for i in invitations)
    reminded = invitations.filter(reminders_sent__gt=0)
    assert reminded.filter(answered_at__isnull=True).exists()
    assert all(i.sent_at < i.last_reminded_at < SEEDED_AT for i in reminded)
    # Only trainees with attended hours are asked after the training.
    invited = Registration.objects.filter(
        survey_invitations__campaign__kind__in=(QuestionnaireKind.HOT, QuestionnaireKind.COLD)
    ).with_hours_attended()
    assert invited.exists()
    assert not invited.filter(hours_attended=0).exists()


def test_demo_hot_surveys_show_about_nine_in_ten_trainees_satisfied(seeded):
    def share_satisfied(key):
        numbers = list(
            Answer.objects.filter(question__key=key, response__campaign__kind=QuestionnaireKind.HOT).values_list(
                "number", flat=True
            )
        )
        return sum(number in SCALE_SATISFIED for number in numbers) / len(numbers)

    expectations = share_satisfied("attentes")

    assert 0.85 <= expectations <= 0.95
    assert 0.75 <= share_satisfied("objectifs") < expectations
    assert Answer.objects.filter(question__key="recommandation", number__isnull=False).count() > 10


def test_demo_six_month_surveys_show_needs_met_and_practice_with_before_after(seeded):
    def share_yes(key):
        numbers = list(Answer.objects.filter(question__key=key).values_list("number", flat=True))
        return sum(numbers) / len(numbers)

    assert share_yes("besoins") > 0.9
    assert 0.75 <= share_yes("mise_en_pratique") <= 0.95
    assert Answer.objects.filter(question__key="freins").exclude(choices=[]).exists()
    # Some trainees unhappy at the end did not put the training into practice: the before/after view shows it.
    not_practised = Answer.objects.filter(question__key="mise_en_pratique", number=0).values("response__registration")
    assert Answer.objects.filter(
        question__key="attentes", number__lte=2, response__registration__in=not_practised
    ).exists()


def test_demo_learner_has_an_open_survey_waiting_and_the_command_prints_its_link(seeded):
    waiting = Invitation.objects.get(
        email=LEARNER,
        campaign__kind=QuestionnaireKind.HOT,
        campaign__status=CampaignStatus.OPEN,
        campaign__closes_at__gt=SEEDED_AT,
        answered_at__isnull=True,
    )

    latest_drapps = (
        Session.objects.with_schedule()
        .filter(status=SessionStatus.DONE, funding=Funding.DRAPPS, registrations__user__email=LEARNER)
        .latest("last_day")
    )
    assert waiting.campaign.session == latest_drapps
    assert waiting.campaign.origin in (CampaignOrigin.AUTOMATIC, CampaignOrigin.MANUAL)
    assert f"http://127.0.0.1:8000/questionnaire/{waiting.token}/" in seeded
    assert set(re.findall(r"/questionnaire/([^/]+)/", seeded)) == set(
        Invitation.objects.filter(
            email=LEARNER, answered_at__isnull=True, campaign__status=CampaignStatus.OPEN
        ).values_list("token", flat=True)
    )
    # The learner can answer it.
    response = response_submit(
        token=waiting.token, values={"attentes": 4, "objectifs": 3}, now=SEEDED_AT + datetime.timedelta(hours=1)
    )
    assert response.registration.user.email == LEARNER


# The quality system ---------------------------------------------------------------------------


def test_demo_complaints_are_at_every_stage_one_late_one_closed_with_its_action(seeded):
    from evaluations.models import ActionSource, Complaint, ComplaintStatus, ImprovementAction
    from evaluations.services.complaints import complaint_overdue_q

    today = datetime.date(2026, 11, 22)
    statuses = set(Complaint.objects.values_list("status", flat=True))
    assert {ComplaintStatus.RECEIVED, ComplaintStatus.ACKNOWLEDGED, ComplaintStatus.ANSWERED} < statuses
    assert {ComplaintStatus.ANALYSED, ComplaintStatus.CLOSED} < statuses
    assert Complaint.objects.filter(complaint_overdue_q(today)).count() == 1
    assert not Complaint.objects.filter(acknowledge_by__isnull=True).exists()  # all received through the service
    closed = Complaint.objects.get(status=ComplaintStatus.CLOSED)
    assert closed.answer and closed.analysis and closed.closed_at <= SEEDED_AT
    assert closed.received_at <= closed.acknowledged_at <= closed.answered_at <= closed.closed_at
    assert closed.improvement_actions.filter(source=ActionSource.COMPLAINT).exists()
    assert closed.source_response is not None  # the survey answer that told about the cold room
    assert set(ImprovementAction.objects.values_list("source", flat=True)) >= {
        ActionSource.COMPLAINT,
        ActionSource.SURVEY,
        ActionSource.AUDIT,
        ActionSource.TRAINER_REPORT,
    }


def test_demo_registers_show_each_kind_of_record_and_a_needs_analysis_gap(seeded):
    from evaluations.models import (
        AccessibilityAdaptation,
        DisabilityPartner,
        NeedsAnalysis,
        StaffTraining,
        Subcontractor,
        TrainerQualification,
        WatchEntry,
        WatchKind,
    )

    today = datetime.date(2026, 11, 22)
    assert set(WatchEntry.objects.values_list("kind", flat=True)) == set(WatchKind.values)
    assert WatchEntry.objects.filter(action__isnull=False).exists()
    assert TrainerQualification.objects.filter(expires_on__lt=today).count() == 1
    assert TrainerQualification.objects.filter(
        expires_on__gte=today, expires_on__lte=today + datetime.timedelta(days=31)
    ).exists()
    assert StaffTraining.objects.count() >= 4
    assert 4 <= DisabilityPartner.objects.count() <= 6
    adaptations = AccessibilityAdaptation.objects.select_related("registration")
    assert adaptations.count() == 2
    assert all(adaptation.registration.accessibility_needs for adaptation in adaptations)
    assert not Subcontractor.objects.exists()
    held_intra = Session.objects.with_schedule().filter(
        funding=Funding.INTRA, status=SessionStatus.DONE, last_day__lt=today
    )
    analysed = held_intra.filter(needs_analyses__isnull=False).distinct().count()
    assert 0 < analysed < held_intra.count()
    assert not NeedsAnalysis.objects.exclude(session__funding=Funding.INTRA).exists()
    assert "Réclamations" in seeded
