"""The Qualiopi self-assessment: applicability, each indicator's status on prepared data, the gaps'
counts and links, a fixed number of queries, and the back-office pages."""

import datetime
import itertools
from decimal import Decimal

import pandas  # noqa: F401  imported before any frozen clock: importing it under freezegun crashes the interpreter
import pytest
from freezegun import freeze_time

from django.contrib.auth.models import Group, Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from wagtail.rich_text import RichText

from accounts.roles import DISABILITY_REFERENT
from cms.models import ContentPage, OrganisationSettings
from evaluations.choices import CampaignOrigin, QuestionnaireKind, ResponseSource
from evaluations.exceptions import SurveyError
from evaluations.models import (
    AccessibilityAdaptation,
    ActionSource,
    ActionStatus,
    Answer,
    Campaign,
    Complaint,
    ComplaintStatus,
    DisabilityPartner,
    ImprovementAction,
    NeedsAnalysis,
    PartnerKind,
    QualiopiIndicator,
    Questionnaire,
    Response,
    StaffTraining,
    StaffTrainingKind,
    TrainerQualification,
    WatchEntry,
    WatchKind,
)
from evaluations.qualiopi import CHECKS, Status, default_period, indicator_statuses, summary_build
from tests.clock import NOW
from tests.factories import (
    OrganisationFactory,
    RegistrationFactory,
    SessionFactory,
    TrainerFactory,
    UserFactory,
    course_create,
    slots_create,
)
from training.choices import (
    AttendanceStatus,
    DocumentKind,
    Funding,
    MessageKind,
    RegistrationStatus,
    RetentionClass,
    SessionStatus,
    SheetStatus,
)
from training.models import Attendance, AttendanceSheet, Document, RegistrationMessage

pytestmark = pytest.mark.django_db

TODAY = NOW.date()  # Sunday 22 November 2026
PERIOD = default_period(TODAY)  # 23 November 2025 – 22 November 2026
ENDED_DAY = datetime.date(2026, 11, 16)  # a Monday of the week before
URL = "/admin/qualiopi/"
_codes = itertools.count(1)


def assess(period=PERIOD) -> dict:
    with freeze_time(NOW):
        statuses = indicator_statuses(date_from=period[0], date_to=period[1], today=TODAY)
    return {status.number: status for status in statuses}


def gaps(status) -> dict:
    return {gap.code: gap for gap in status.gaps}


def moment(day: datetime.date, hour: int = 10) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


# Data
# ------------------------------------------------------------------------------


@pytest.fixture
def organisation(home_page) -> OrganisationSettings:
    """The organisation's settings, complete: contact, référent handicap, internal rules, signatory."""
    rules = home_page.add_child(instance=ContentPage(title="Règlement intérieur", slug="reglement-interieur"))
    settings = OrganisationSettings.load()
    settings.email = "contact@exemple.fr"
    settings.disability_referent_name = "Sam Référent"
    settings.disability_referent_email = "handicap@exemple.fr"
    settings.internal_rules_page = rules
    settings.legal_representative_name = "Dominique Directrice"
    settings.save()
    return settings


def complete_course(catalogue, **fields):
    """A course sheet stating everything indicator 1 asks, its programme in sequences adding up to 21 h."""
    defaults = {
        "programme": [
            ("step", {"title": "Les CPS", "duration_hours": Decimal("14"), "content": RichText("<p>Apports.</p>")}),
            (
                "step",
                {"title": "Mises en pratique", "duration_hours": Decimal("7"), "content": RichText("<p>Jeux.</p>")},
            ),
        ],
        "contact_email": "formation@exemple.fr",
    }
    return course_create(catalogue=catalogue, **{**defaults, **fields})


@pytest.fixture
def course(catalogue):
    return complete_course(catalogue)


def session_make(course, *, first_day=ENDED_DAY, days=1, trainees=2, **fields):
    """A session with its half-days and `trainees` confirmed trainees who attended (hours recorded)."""
    fields.setdefault("status", SessionStatus.DONE if first_day < TODAY else SessionStatus.OPEN)
    fields.setdefault("code", f"2026-QLP-{next(_codes):03d}")
    if fields.get("funding") == Funding.INTRA:
        fields.setdefault("client_organisation", OrganisationFactory())
    session = SessionFactory(course=course, **fields)
    slots_create(session=session, first_day=first_day, days=days)
    for _i in range(trainees):
        RegistrationFactory(session=session, status=RegistrationStatus.CONFIRMED, hours_recorded=Decimal("7"))
    return session


def campaign(session, kind, *, year=None) -> Campaign:
    questionnaire = Questionnaire.objects.get(kind=kind, is_active=True)
    opened = NOW - datetime.timedelta(days=1)
    return Campaign.objects.create(
        questionnaire=questionnaire,
        kind=kind,
        session=session,
        year=year,
        origin=CampaignOrigin.MANUAL,
        opened_at=opened,
        closes_at=opened + datetime.timedelta(days=30),
    )


def document(registration, kind) -> Document:
    return Document.objects.create(
        kind=kind,
        session=registration.session,
        registration=registration,
        issued_at=NOW,
        file=f"documents/{kind}-{registration.pk}.pdf",
        size=1000,
        sha256="0" * 64,
        verification_code=f"{kind[:3].upper()}{registration.pk:07d}",
        retention_class=RetentionClass.EVIDENCE,
        retain_until=datetime.date(2032, 12, 31),
    )


def lock_all(session) -> None:
    for slot in session.slots.all():
        AttendanceSheet.objects.update_or_create(
            slot=slot, defaults={"status": SheetStatus.LOCKED, "locked_at": moment(slot.date, 18)}
        )


# Applicability
# ------------------------------------------------------------------------------


def test_an_indicator_marked_not_applicable_is_not_checked_and_shows_as_without_object(catalogue, monkeypatch):
    QualiopiIndicator.objects.filter(number=4).update(applicable=False, applicability_note="Aucune formation intra")
    QualiopiIndicator.objects.filter(number=13).update(applicable=True)

    def never(data):
        raise AssertionError("a non-applicable indicator was checked")

    monkeypatch.setitem(CHECKS, 4, never)
    session_make(complete_course(catalogue), funding=Funding.INTRA)  # an intra session without needs analysis

    statuses = assess()

    assert statuses[4].status == Status.NOT_APPLICABLE
    assert (statuses[4].gaps, statuses[4].applicability_note) == ([], "Aucune formation intra")
    assert statuses[3].status == Status.NOT_APPLICABLE  # by default: no certifying course
    assert statuses[13].status == Status.MANUAL  # applies, but the system holds no evidence of it
    reference = QualiopiIndicator.objects.get(number=31)
    assert (statuses[31].automatic, statuses[31].manual, statuses[31].major) == (
        reference.evidence_automatic,
        reference.evidence_manual,
        True,
    )
    summary = summary_build(list(statuses.values()))
    assert (summary.applicable, summary.not_applicable) == (22, 10)
    assert all(item.applicable and item.status in (Status.MISSING, Status.PARTIAL) for item in summary.priorities)
    assert sum(summary.counts.values()) == 22


def test_the_major_indicators_come_first_among_the_priorities(db):
    priorities = summary_build(list(assess().values())).priorities

    majors = [item.major for item in priorities]
    assert majors == sorted(majors, reverse=True) and any(majors) and not all(majors)


def test_a_reversed_period_is_refused(db):
    with pytest.raises(SurveyError) as error:
        indicator_statuses(date_from=TODAY, date_to=TODAY - datetime.timedelta(days=1), today=TODAY)
    assert error.value.code == "period_reversed"


# Criterion 1
# ------------------------------------------------------------------------------


def test_1_without_a_published_course_the_public_information_is_missing(catalogue, organisation):
    complete_course(catalogue, publish=False)

    status = assess()[1]

    assert status.status == Status.MISSING and "no_course_published" in gaps(status)


def test_1_complete_course_sheets_leave_nothing_missing(course, organisation):
    status = assess()[1]

    assert (status.status, status.gaps) == (Status.COMPLETE, [])


def test_1_a_sheet_without_accessibility_statement_is_counted_with_its_edit_link(catalogue, course, organisation):
    lacking = complete_course(catalogue, title="Santé mentale", accessibility="")
    complete_course(catalogue, title="Brouillon", accessibility="", publish=False)  # drafts are not public

    status = assess()[1]

    assert status.status == Status.PARTIAL
    gap = gaps(status)["no_accessibility"]
    assert gap.count == 1
    assert [item.url for item in gap.items] == [reverse("wagtailadmin_pages:edit", args=[lacking.pk])]
    assert gap.url == reverse("wagtailadmin_explore", args=[catalogue.pk])


def test_1_the_organisation_s_contact_stands_for_a_sheet_without_its_own(catalogue, home_page):
    complete_course(catalogue, contact_email="")
    assert "no_contact" in gaps(assess()[1])

    settings = OrganisationSettings.load()
    settings.phone = "05 61 00 00 00"
    settings.save()
    assert "no_contact" not in gaps(assess()[1])


def _hot_answers(course, expectations: list[int]) -> None:
    session = session_make(course, first_day=datetime.date(2026, 10, 5), trainees=0)
    survey = campaign(session, QuestionnaireKind.HOT)
    question = survey.questionnaire.questions.get(key="attentes")
    for value in expectations:
        registration = RegistrationFactory(
            session=session, status=RegistrationStatus.CONFIRMED, hours_recorded=Decimal("7")
        )
        response = Response.objects.create(
            campaign=survey, registration=registration, source=ResponseSource.ONLINE, submitted_at=NOW
        )
        Answer.objects.create(response=response, question=question, number=value)


def test_2_no_result_published_is_missing(course):
    status = assess()[2]

    assert status.status == Status.MISSING
    assert {code: gap.count for code, gap in gaps(status).items()} == {
        "satisfaction_not_published": 0,
        "needs_met_not_published": 0,
        "practice_not_published": 0,
    }
    assert gaps(status)["satisfaction_not_published"].url == reverse("survey_results:index")


def test_2_fewer_than_five_answers_are_not_published(course):
    _hot_answers(course, [4, 4, 3, 2])

    assert gaps(assess()[2])["satisfaction_not_published"].count == 4


def test_2_a_satisfaction_rate_with_enough_answers_is_published_the_six_month_ones_not_yet(course):
    _hot_answers(course, [4, 4, 3, 3, 2])

    status = assess()[2]

    assert status.status == Status.PARTIAL
    assert set(gaps(status)) == {"needs_met_not_published", "practice_not_published"}
    assert any("80" in fact for fact in status.facts)  # 4 satisfied out of 5


# Criterion 2
# ------------------------------------------------------------------------------


def test_4_an_intra_session_without_needs_analysis_links_to_the_prefilled_form(course):
    session = session_make(course, funding=Funding.INTRA)

    status = assess()[4]

    assert status.status == Status.MISSING
    gap = gaps(status)["intra_without_needs_analysis"]
    add_url = reverse("needs_analyses:add")
    assert (gap.count, gap.url) == (1, add_url)
    assert [item.url for item in gap.items] == [f"{add_url}?session={session.pk}"]


def test_4_some_intra_sessions_analysed_is_partial_all_is_complete(course):
    analysed = session_make(course, funding=Funding.INTRA)
    other = session_make(course, funding=Funding.INTRA, first_day=datetime.date(2026, 10, 5))
    session_make(course)  # an inter session needs none
    NeedsAnalysis.objects.create(session=analysed, carried_out_on=datetime.date(2026, 10, 1), context="Demande")

    status = assess()[4]
    assert status.status == Status.PARTIAL and gaps(status)["intra_without_needs_analysis"].count == 1

    # An analysis of the client structure in the year before the session covers it.
    NeedsAnalysis.objects.create(
        organisation=other.client_organisation, carried_out_on=datetime.date(2026, 6, 1), context="Plan annuel"
    )
    assert assess()[4].status == Status.COMPLETE


def test_4_without_intra_session_the_needs_are_complete(course):
    session_make(course)

    assert assess()[4].status == Status.COMPLETE


def test_5_and_6_a_sheet_without_objectives_or_programme(catalogue, course):
    bare = complete_course(catalogue, title="Sans programme", programme=[])
    bare.objectives.all().delete()

    statuses = assess()

    assert statuses[5].status == Status.PARTIAL and gaps(statuses[5])["no_operational_objectives"].count == 1
    assert statuses[6].status == Status.PARTIAL and gaps(statuses[6])["no_programme"].count == 1


def test_6_sequences_not_adding_up_to_the_duration_are_only_a_warning(catalogue):
    complete_course(catalogue, duration_hours=Decimal("28"))

    status = assess()[6]

    assert status.status == Status.COMPLETE
    assert gaps(status)["programme_duration_mismatch"].warning


def test_8_a_session_started_without_positioning_questionnaire_is_missing(course):
    session = session_make(course)

    status = assess()[8]

    assert status.status == Status.MISSING
    gap = gaps(status)["started_without_positioning"]
    assert gap.count == 1
    assert gap.items[0].url == reverse("sessions:inspect", args=[session.pk])


def test_8_positioning_sent_is_complete_unconfirmed_prerequisites_are_partial(catalogue):
    course = complete_course(catalogue, prerequisites="Avoir suivi le niveau 1.")
    session = session_make(course)
    campaign(session, QuestionnaireKind.POSITIONING)
    session_make(complete_course(catalogue, title="À venir"), first_day=datetime.date(2026, 12, 14))  # not started

    status = assess()[8]
    assert status.status == Status.PARTIAL and set(gaps(status)) == {"prerequisites_not_confirmed"}
    gap = gaps(status)["prerequisites_not_confirmed"]
    assert gap.count == 2
    assert gap.items[0].url == reverse("registrations:session", args=[session.pk])

    session.registrations.update(prerequisites_declared=True)
    assert assess()[8].status == Status.COMPLETE


# Criterion 3
# ------------------------------------------------------------------------------


def test_9_confirmed_trainees_without_convocation(course, organisation):
    session = session_make(course, trainees=3)
    convened = session.registrations.first()
    RegistrationMessage.objects.create(
        registration=convened, kind=MessageKind.CONFIRMED, recipient="a@exemple.fr", sent_at=NOW
    )

    status = assess()[9]

    assert status.status == Status.PARTIAL
    gap = gaps(status)["convocation_not_sent"]
    assert gap.count == 2
    assert gap.items[0].url == reverse("registrations:session", args=[session.pk])

    for registration in session.registrations.exclude(pk=convened.pk):
        RegistrationMessage.objects.create(
            registration=registration, kind=MessageKind.CONFIRMED, recipient="b@exemple.fr", sent_at=NOW
        )
    assert assess()[9].status == Status.COMPLETE


def test_9_no_convocation_at_all_is_missing_and_the_internal_rules_are_asked_for(course, home_page):
    session_make(course)

    status = assess()[9]

    assert status.status == Status.MISSING
    assert gaps(status)["no_internal_rules"].url == reverse(
        "wagtailsettings:edit", args=["cms", "organisationsettings"]
    )


def test_10_a_declared_need_without_adaptation(course):
    session = session_make(course, trainees=1)
    registration = session.registrations.get()
    registration.accessibility_needs = "Déplacement en fauteuil"
    registration.accessibility_consent_at = NOW
    registration.save()

    status = assess()[10]
    assert status.status == Status.MISSING
    assert gaps(status)["need_without_adaptation"].count == 1

    # An adaptation of the whole session answers it as well as one for the trainee.
    AccessibilityAdaptation.objects.create(
        session=session, need="Accès de plain-pied", adaptation="Salle au rez-de-chaussée", decided_on=TODAY
    )
    assert assess()[10].status == Status.COMPLETE


def test_10_without_declared_need_is_complete(course):
    session_make(course)

    assert assess()[10].status == Status.COMPLETE


def test_11_an_ended_session_without_survey_nor_documents_is_missing(course, organisation):
    session_make(course)

    status = assess()[11]

    assert status.status == Status.MISSING
    assert set(gaps(status)) == {"ended_without_hot_survey", "attestations_missing", "certificates_missing"}


def test_11_survey_and_attestations_sent_certificates_partly(course, organisation):
    session = session_make(course, trainees=2)
    session_make(course, first_day=datetime.date(2026, 12, 14))  # not ended: nothing asked yet
    campaign(session, QuestionnaireKind.HOT)
    first, second = session.registrations.all()
    for registration in (first, second):
        document(registration, DocumentKind.ATTESTATION)
    document(first, DocumentKind.CERTIFICATE)

    status = assess()[11]
    assert status.status == Status.PARTIAL
    gap = gaps(status)["certificates_missing"]
    assert (gap.count, set(gaps(status))) == (1, {"certificates_missing"})
    assert gap.items[0].url == reverse("documents:session", args=[session.pk])

    document(second, DocumentKind.CERTIFICATE)
    assert assess()[11].status == Status.COMPLETE


def test_12_past_half_days_not_validated(course):
    session = session_make(course, days=2)

    status = assess()[12]
    assert status.status == Status.MISSING
    gap = gaps(status)["half_days_not_validated"]
    assert gap.count == 4
    assert gap.items[0].url == reverse("attendance:session", args=[session.pk])

    sheet_slot = session.slots.order_by("date", "starts_at").first()
    AttendanceSheet.objects.create(slot=sheet_slot, status=SheetStatus.LOCKED, locked_at=NOW)
    status = assess()[12]
    assert status.status == Status.PARTIAL and gaps(status)["half_days_not_validated"].count == 3

    lock_all(session)
    assert assess()[12].status == Status.COMPLETE


def test_12_a_trainee_who_stopped_coming_needs_a_drop_out_reason(course):
    session = session_make(course, days=1, trainees=1)
    lock_all(session)
    registration = session.registrations.get()
    morning, afternoon = session.slots.order_by("starts_at")
    Attendance.objects.create(registration=registration, slot=morning, status=AttendanceStatus.PRESENT, hours=3.5)
    Attendance.objects.create(registration=registration, slot=afternoon, status=AttendanceStatus.ABSENT)

    status = assess()[12]
    assert status.status == Status.PARTIAL
    gap = gaps(status)["dropout_without_reason"]
    assert (gap.count, gap.url) == (1, reverse("attendance:absences"))

    registration.abandoned_at = NOW
    registration.abandonment_reason = "work"
    registration.save()
    assert assess()[12].status == Status.COMPLETE


# Criteria 4 and 5
# ------------------------------------------------------------------------------


def test_17_and_18_a_venue_silent_on_accessibility_and_a_session_without_trainer(course):
    session = session_make(course)

    statuses = assess()

    assert gaps(statuses[17])["venue_accessibility_unknown"].items[0].url == reverse(
        "venues:edit", args=[session.venue.pk]
    )
    assert gaps(statuses[18])["session_without_trainer"].count == 1

    session.venue.step_free_access = True
    session.venue.save()
    session.trainers.add(TrainerFactory())
    statuses = assess()
    assert (statuses[17].status, statuses[18].status) == (Status.COMPLETE, Status.COMPLETE)


def test_21_trainers_without_qualification_expired_and_expiring(course):
    session = session_make(course)
    trainer, other = TrainerFactory(), TrainerFactory()
    session.trainers.add(trainer, other)
    TrainerFactory()  # teaches nothing in the period: not asked

    status = assess()[21]
    assert status.status == Status.MISSING
    gap = gaps(status)["trainer_without_qualification"]
    assert gap.count == 2
    add_url = reverse("trainer_qualifications:add")
    assert {item.url for item in gap.items} == {f"{add_url}?trainer={trainer.pk}", f"{add_url}?trainer={other.pk}"}

    expired = TrainerQualification.objects.create(
        trainer=trainer, title="Formateur PSSM", expires_on=TODAY - datetime.timedelta(days=1)
    )
    TrainerQualification.objects.create(
        trainer=other, title="Instructeur PSC1", expires_on=TODAY + datetime.timedelta(days=30)
    )
    status = assess()[21]
    assert status.status == Status.PARTIAL
    assert set(gaps(status)) == {"qualification_expired", "qualification_expiring"}
    assert gaps(status)["qualification_expired"].items[0].url == reverse(
        "trainer_qualifications:edit", args=[expired.pk]
    )
    assert gaps(status)["qualification_expiring"].warning

    expired.expires_on = TODAY + datetime.timedelta(days=365)
    expired.save()
    assert assess()[21].status == Status.COMPLETE  # the one expiring soon is only a warning


def test_22_staff_training(db):
    status = assess()[22]
    assert status.status == Status.MISSING and "no_staff_training" in gaps(status)

    StaffTraining.objects.create(person="Claire", title="Webinaire Qualiopi V9", started_on=datetime.date(2026, 3, 12))
    status = assess()[22]
    assert status.status == Status.COMPLETE and gaps(status)["no_professional_review"].warning

    StaffTraining.objects.create(
        person="Claire",
        kind=StaffTrainingKind.REVIEW,
        title="Entretien professionnel",
        started_on=datetime.date(2025, 6, 1),
    )
    assert assess()[22].gaps == []


# Criterion 6
# ------------------------------------------------------------------------------


def test_23_to_25_the_watch_kept_stale_or_silent(db):
    def entry(kind, day, impact="Programme mis à jour"):
        WatchEntry.objects.create(kind=kind, observed_on=day, source="Centre Inffo", title="Note", impact=impact)

    entry(WatchKind.LEGAL, datetime.date(2026, 3, 2))  # more than six months ago
    entry(WatchKind.JOBS, datetime.date(2026, 10, 20))
    entry(WatchKind.JOBS, datetime.date(2026, 11, 2), impact="")
    entry(WatchKind.INNOVATION, datetime.date(2025, 6, 1))  # before the period

    statuses = assess()

    assert statuses[23].status == Status.PARTIAL and "watch_stale" in gaps(statuses[23])
    assert statuses[24].status == Status.COMPLETE and gaps(statuses[24])["watch_without_impact"].warning
    assert statuses[25].status == Status.MISSING and "no_watch_entry" in gaps(statuses[25])
    assert gaps(statuses[25])["no_watch_entry"].url == reverse("watch_entries:add") + "?kind=innovation"


def test_26_referent_and_partners(course, home_page):
    status = assess()[26]
    assert status.status == Status.MISSING
    assert {"no_disability_referent", "no_disability_partner"} <= set(gaps(status))

    settings = OrganisationSettings.load()
    settings.disability_referent_name = "Sam Référent"
    settings.save()
    status = assess()[26]
    assert status.status == Status.PARTIAL
    assert {"disability_referent_unreachable", "no_disability_partner"} == set(gaps(status))

    settings.disability_referent_phone = "05 61 00 00 01"
    settings.save()
    DisabilityPartner.objects.create(name="Cap emploi 31", kind=PartnerKind.CAP_EMPLOI)
    assert assess()[26].status == Status.COMPLETE


def test_27_when_applicable_checks_the_subcontractors(db):
    from evaluations.models import Subcontractor

    QualiopiIndicator.objects.filter(number=27).update(applicable=True)
    assert assess()[27].status == Status.MISSING

    Subcontractor.objects.create(name="Formations Sud", qualiopi_certified=True)
    status = assess()[27]
    assert status.status == Status.PARTIAL
    assert set(gaps(status)) == {"subcontractor_without_contract", "subcontractor_not_reviewed"}


# Criterion 7
# ------------------------------------------------------------------------------


def test_30_surveys_of_the_session_and_the_funders_survey_of_the_year(course):
    session = session_make(course)
    session.trainers.add(TrainerFactory(email="f@exemple.fr"))
    old = session_make(course, first_day=datetime.date(2026, 3, 2))  # ended over six months ago
    for each in (session, old):
        campaign(each, QuestionnaireKind.HOT)
        campaign(each, QuestionnaireKind.TRAINER)

    status = assess()[30]
    assert status.status == Status.PARTIAL
    assert set(gaps(status)) == {"without_cold_survey", "no_funder_survey"}
    cold = gaps(status)["without_cold_survey"]
    assert cold.items[0].url == reverse("survey_campaigns:launch") + f"?session={old.pk}&kind=cold"
    assert gaps(status)["no_funder_survey"].url == reverse("survey_campaigns:launch") + "?kind=funder"

    campaign(old, QuestionnaireKind.COLD)
    campaign(None, QuestionnaireKind.FUNDER, year=2026)
    status = assess()[30]
    assert status.status == Status.COMPLETE
    assert gaps(status)["funder_survey_unanswered"].warning


def test_30_an_intra_session_asks_its_client(course):
    session = session_make(course, funding=Funding.INTRA)
    for kind in (QuestionnaireKind.HOT,):
        campaign(session, kind)

    assert gaps(assess()[30])["intra_without_client_survey"].count == 1


def test_31_complaints_open_too_long_or_closed_without_analysis(db):
    assert assess()[31].status == Status.COMPLETE  # no complaint: nothing late

    late = Complaint.objects.create(
        received_at=NOW - datetime.timedelta(days=40),
        subject="Salle trop petite",
        description="…",
        status=ComplaintStatus.ACKNOWLEDGED,
        acknowledged_at=NOW - datetime.timedelta(days=39),
    )
    Complaint.objects.create(
        received_at=NOW - datetime.timedelta(days=20),
        subject="Retard de l'attestation",
        description="…",
        status=ComplaintStatus.CLOSED,
        closed_at=NOW - datetime.timedelta(days=5),
    )
    Complaint.objects.create(
        received_at=NOW - datetime.timedelta(days=10),
        subject="Horaires",
        description="…",
        status=ComplaintStatus.CLOSED,
        analysis="Horaires précisés dans la convocation.",
    )

    status = assess()[31]
    assert status.status == Status.PARTIAL
    assert set(gaps(status)) == {"complaint_open_30_days", "complaint_closed_without_analysis"}
    open_gap = gaps(status)["complaint_open_30_days"]
    assert open_gap.count == 1
    assert open_gap.items[0].url == reverse("complaints:edit", args=[late.pk])


def test_31_a_complaint_past_its_acknowledgement_deadline(db):
    Complaint.objects.create(
        received_at=NOW - datetime.timedelta(days=5),
        subject="Pas de réponse",
        description="…",
        acknowledge_by=TODAY - datetime.timedelta(days=2),
    )

    gap = gaps(assess()[31])["complaint_not_acknowledged"]
    assert gap.count == 1 and gap.url == reverse("complaints:index") + "?overdue=true"


def test_32_improvement_actions(db):
    assert assess()[32].status == Status.MISSING

    with freeze_time(NOW - datetime.timedelta(days=20)):
        overdue = ImprovementAction.objects.create(
            title="Revoir la convocation", source=ActionSource.COMPLAINT, due_on=TODAY - datetime.timedelta(days=3)
        )
        ImprovementAction.objects.create(title="Nouveau support", source=ActionSource.SURVEY)  # no due date: a warning
    status = assess()[32]
    assert status.status == Status.PARTIAL
    assert gaps(status)["action_overdue"].items[0].url == reverse("improvement_actions:edit", args=[overdue.pk])
    assert gaps(status)["action_without_due_date"].warning

    overdue.status = ActionStatus.DONE
    overdue.done_on = TODAY
    overdue.follow_up = "Convocation envoyée avec le plan d'accès : plus de retard signalé."
    overdue.save()
    assert assess()[32].status == Status.COMPLETE


def test_the_period_decides_what_counts(course):
    session_make(course, funding=Funding.INTRA, first_day=datetime.date(2025, 10, 6))  # before the period

    assert assess()[4].status == Status.COMPLETE
    assert assess(period=(datetime.date(2025, 1, 1), datetime.date(2025, 12, 31)))[4].status == Status.MISSING


# Queries
# ------------------------------------------------------------------------------


def _activity(catalogue, n: int) -> None:
    """`n` of everything the checks read: courses, sessions of every kind with trainees, documents,
    surveys, attendance, registers."""
    for i in range(n):
        course = complete_course(catalogue, title=f"Formation {next(_codes)}")
        for funding in (Funding.DRAPPS, Funding.INTRA):
            session = session_make(course, funding=funding, days=2, trainees=3)
            session.trainers.add(TrainerFactory())
            campaign(session, QuestionnaireKind.HOT)
            lock_all(session)
            for registration in session.registrations.all():
                document(registration, DocumentKind.ATTESTATION)
                RegistrationMessage.objects.create(
                    registration=registration, kind=MessageKind.CONFIRMED, recipient="x@exemple.fr", sent_at=NOW
                )
        trainer = TrainerFactory()
        session.trainers.add(trainer)
        TrainerQualification.objects.create(trainer=trainer, title="DU", expires_on=TODAY)
        Complaint.objects.create(received_at=NOW - datetime.timedelta(days=40 + i), subject="S", description="D")
        with freeze_time(NOW):
            ImprovementAction.objects.create(
                title="A", source=ActionSource.OTHER, due_on=TODAY - datetime.timedelta(days=1)
            )
        WatchEntry.objects.create(kind=WatchKind.LEGAL, observed_on=TODAY, source="S", title="T")
        StaffTraining.objects.create(person=f"P{i}", title="T", started_on=TODAY)
        DisabilityPartner.objects.create(name=f"Partenaire {i}", kind=PartnerKind.OTHER)


def _queries() -> int:
    with CaptureQueriesContext(connection) as captured:
        assess()
    return len(captured)


def test_the_number_of_queries_does_not_grow_with_the_data(catalogue, organisation):
    QualiopiIndicator.objects.update(applicable=True)  # every check runs
    _activity(catalogue, 1)
    few = _queries()

    _activity(catalogue, 4)
    assert _queries() == few
    assert few <= 30


# Back office
# ------------------------------------------------------------------------------


def _grant(user, *codenames):
    user.user_permissions.add(*Permission.objects.filter(content_type__app_label="evaluations", codename__in=codenames))


@pytest.fixture
def quality_client(client, coordinator):
    """The coordination with the rights on the indicators (until `accounts.roles` gives them)."""
    _grant(coordinator, "view_qualiopiindicator", "change_qualiopiindicator")
    client.force_login(coordinator)
    return client


def test_the_page_shows_each_indicator_with_its_gaps_and_links(
    quality_client, course, organisation, django_assert_max_num_queries
):
    session = session_make(course, funding=Funding.INTRA)
    QualiopiIndicator.objects.filter(number=3).update(applicability_note="Aucune formation certifiante")

    with freeze_time(NOW), django_assert_max_num_queries(45):
        response = quality_client.get(URL)

    assert response.status_code == 200
    page = response.content.decode()
    assert page.count('class="qlp-indicator ') == 32
    indicator_4 = page.split('id="indicateur-4"')[1].split("</article>")[0]
    assert 'data-status="missing"' in indicator_4 and 'class="qlp-major"' in indicator_4
    assert 'data-gap="intra_without_needs_analysis"' in indicator_4
    assert f"{reverse('needs_analyses:add')}?session={session.pk}" in indicator_4
    assert reverse("qualiopi_indicators:edit", args=[QualiopiIndicator.objects.get(number=4).pk]) in indicator_4
    indicator_3 = page.split('id="indicateur-3"')[1].split("</article>")[0]
    assert 'data-status="not_applicable"' in indicator_3 and "Aucune formation certifiante" in indicator_3
    assert "qlp-gap" not in indicator_3 and 'class="qlp-major"' not in indicator_3
    assert 'href="#indicateur-4"' in page.split('id="summary-heading"')[1].split("</section>")[0]


def test_the_period_is_chosen_and_a_reversed_one_is_explained(quality_client, course):
    session_make(course, funding=Funding.INTRA, first_day=datetime.date(2025, 10, 6))

    with freeze_time(NOW):
        last_year = quality_client.get(URL, {"date_from": "2025-01-01", "date_to": "2025-12-31"})
        reversed_ = quality_client.get(URL, {"date_from": "2026-06-01", "date_to": "2026-01-01"})

    assert 'data-gap="intra_without_needs_analysis"' in last_year.content.decode()
    page = reversed_.content.decode()
    assert reversed_.status_code == 200 and 'id="period-errors"' in page and 'href="#id_date_to"' in page
    assert 'data-gap="intra_without_needs_analysis"' not in page  # back to the last twelve months


def test_the_page_is_for_the_coordination_only(client, coordinator):
    client.force_login(coordinator)
    assert client.get(URL).status_code == 200

    referent = UserFactory()
    referent.groups.add(Group.objects.get(name=DISABILITY_REFERENT))  # back office, not this page
    client.force_login(referent)
    assert client.get(URL).status_code in (302, 403)

    client.force_login(UserFactory())
    assert client.get(URL).status_code == 302  # no access to the back office at all


def test_the_referent_changes_applicability_not_the_reference_data(quality_client):
    indicator = QualiopiIndicator.objects.get(number=27)
    url = reverse("qualiopi_indicators:edit", args=[indicator.pk])

    response = quality_client.post(
        url,
        {
            "number": "99",
            "title": "Autre",
            "applicable": "on",
            "applicability_note": "Nous sous-traitons la PSSM depuis 2026.",
            "evidence_manual": "Contrats de sous-traitance",
        },
    )

    assert response.status_code == 302
    indicator.refresh_from_db()
    assert (indicator.number, indicator.applicable, indicator.evidence_manual) == (
        27,
        True,
        "Contrats de sous-traitance",
    )
    assert indicator.title.startswith("Sous-traitance")
    listing = quality_client.get(reverse("qualiopi_indicators:index"))
    assert listing.status_code == 200 and listing.content.decode().count("/qualiopi-indicateurs/edit/") >= 32
    for name in ("qualiopi_indicators:add", "qualiopi_indicators:delete"):
        with pytest.raises(NoReverseMatch):
            reverse(name, args=[indicator.pk] if name.endswith("delete") else [])


def test_the_reference_list_is_refused_without_the_right(client, coordinator):
    referent = UserFactory()
    referent.groups.add(Group.objects.get(name=DISABILITY_REFERENT))
    client.force_login(referent)
    indicator = QualiopiIndicator.objects.get(number=4)

    assert client.get(reverse("qualiopi_indicators:edit", args=[indicator.pk])).status_code in (302, 403)
    client.post(reverse("qualiopi_indicators:edit", args=[indicator.pk]), {"applicable": ""})
    indicator.refresh_from_db()
    assert indicator.applicable
