"""The historical workbook import (`import_history`): the example imports, bad rows are all reported
with their sheet, row, column and code and nothing is written, re-importing changes nothing."""

import datetime
import io
import json
import zipfile
from decimal import Decimal
from pathlib import Path

import pytest

from django.core.management import CommandError, call_command
from django.db import IntegrityError, connection
from django.test.utils import CaptureQueriesContext
from django.utils.timezone import localdate

from wagtail.models import Page, Revision

from accounts.models import ActivitySector, ProfessionalCategory, Profile, StructureType, User
from cms.cache import public_cache_version
from cms.models import CoursePage
from evaluations import history
from evaluations.choices import CampaignOrigin, CampaignStatus, ResponseSource
from evaluations.history import SlotSpec, history_import, history_read, history_validate, slots_plan
from evaluations.models import Answer, Campaign, Invitation, Question, Questionnaire, Response
from tests.factories import ProfileFactory, TrainerFactory, UserFactory, course_create
from training.choices import Funding, Period, RegistrationSource, RegistrationStatus, SessionStatus
from training.models import Attendance, Organisation, Registration, Session, Slot, Trainer, Venue

from .workbooks import (
    ALICE,
    BRUNO,
    CANCELLED,
    CHLOE,
    CPS,
    CPS_TITLE,
    DAVID,
    INTRA,
    INTRA_TITLE,
    cell_set,
    column_drop,
    history_sheets,
    people_sheets,
    row_add,
    workbook_bytes,
    workbook_file,
)

# A copy of `shared/examples/` (the sample workbook and its expected figures), kept with the tests.
EXAMPLES = Path(__file__).resolve().parent / "examples"
EXAMPLE = EXAMPLES / "historical-workbook-example.xlsx"

TOUCHED = (
    User,
    Profile,
    StructureType,
    ActivitySector,
    ProfessionalCategory,
    Page,
    CoursePage,
    Revision,
    Venue,
    Trainer,
    Organisation,
    Session,
    Session.trainers.through,
    Slot,
    Registration,
    Campaign,
    Invitation,
    Response,
    Answer,
)


def row_counts() -> dict[str, int]:
    return {model._meta.label: model.objects.count() for model in TOUCHED}


def problems(report) -> set[tuple]:
    return {(error.sheet, error.row, error.column, error.code) for error in report.errors}


def remarks(report) -> set[tuple]:
    return {(warning.sheet, warning.row, warning.column, warning.code) for warning in report.warnings}


def imported(sheets=None, **kwargs):
    report = history_import(workbook_file(sheets), **kwargs)
    assert report.errors == []
    return report


# The example workbook
# ------------------------------------------------------------------------------


def test_example_workbook_gives_the_expected_figures(catalogue):
    expected = json.loads((EXAMPLES / "historical-workbook-example.expected.json").read_text())
    before = row_counts()

    report = history_import(EXAMPLE)

    assert report.errors == []
    assert report.written
    assert report.rows == {"Sessions": 7, "Participants": 59, "Inscriptions": 65, "Reponses": 90}
    after = row_counts()
    assert after["training.Session"] - before["training.Session"] == 7
    assert after["accounts.User"] - before["accounts.User"] == 59
    assert after["accounts.Profile"] - before["accounts.Profile"] == 59
    assert after["training.Registration"] - before["training.Registration"] == 65
    assert after["evaluations.Campaign"] - before["evaluations.Campaign"] == 10
    assert after["evaluations.Response"] - before["evaluations.Response"] == 40
    assert after["evaluations.Answer"] - before["evaluations.Answer"] == 84
    assert after["evaluations.Invitation"] == before["evaluations.Invitation"]
    assert sum(r.hours_recorded for r in Registration.objects.all()) == Decimal("686")

    year = expected["year"]
    held = Session.objects.filter(status=SessionStatus.DONE).with_schedule().filter(first_day__year=year)
    assert held.count() == expected["sessions"]["total"]
    assert Session.objects.filter(status=SessionStatus.CANCELLED).count() == 2
    for funding, count in expected["sessions"]["by_funding"].items():
        assert held.filter(funding=funding).count() == count
    trainees = (
        Registration.objects.filter(session__in=held, status=RegistrationStatus.CONFIRMED)
        .with_hours_attended()
        .filter(hours_attended__gt=0)
    )
    assert trainees.count() == expected["trainees"]
    assert trainees.values("user").distinct().count() == expected["distinct_trainees"]
    intra = [session.planned_hours / 7 for session in held.filter(funding=Funding.INTRA)]
    assert round(sum(intra) / len(intra), 2) == Decimal(str(expected["avg_duration_days"]["intra"]))

    def answers(slug, key):
        return Answer.objects.filter(
            question__questionnaire__slug=slug, question__key=key, response__campaign__session__in=held
        )

    expectations = answers("a_chaud", "attentes")
    assert expectations.count() == expected["hot"]["n"]
    assert (
        round(expectations.filter(number__gte=3).count() / expectations.count(), 3)
        == expected["hot"]["expectations_rate"]
    )
    needs, practice = answers("a_froid_6_mois", "besoins"), answers("a_froid_6_mois", "mise_en_pratique")
    assert needs.count() == expected["cold"]["n"]
    assert round(needs.filter(number=1).count() / needs.count(), 3) == expected["cold"]["needs_met_rate"]
    assert round(practice.filter(number=1).count() / practice.count(), 3) == expected["cold"]["practice_rate"]


def test_example_workbook_dry_run_writes_nothing(catalogue):
    before = row_counts()

    report = history_import(EXAMPLE, dry_run=True)

    assert report.errors == []
    assert report.dry_run and not report.written
    assert row_counts() == before
    assert report.created["sessions"] == 7
    assert report.created["people"] == 59
    assert report.created["registrations"] == 65
    assert report.created["responses"] == 40
    assert report.created["answers"] == 84
    assert report.created["slots"] == sum(len(slots) for slots in report.plan.session_slots.values())


def test_example_workbook_imported_twice_changes_nothing(catalogue):
    history_import(EXAMPLE)
    after_first = row_counts()
    slots = set(Slot.objects.values_list("pk", "date", "period", "hours"))

    report = history_import(EXAMPLE)

    assert report.errors == []
    assert row_counts() == after_first
    assert set(Slot.objects.values_list("pk", "date", "period", "hours")) == slots
    assert all(count.created == 0 and count.updated == 0 for count in report.counts.values())
    assert report.counts["sessions"].unchanged == 7
    assert report.counts["answers"].unchanged == 84


# What an import writes
# ------------------------------------------------------------------------------


def test_sessions_are_written_with_their_course_venue_trainers_client_and_half_days(catalogue):
    course = course_create(catalogue=catalogue, title="SOUTENIR le developpement des competences PSYCHOSOCIALES")
    trainer = TrainerFactory(first_name="Géraldine", last_name="Tisserant")

    report = imported()

    cps = Session.objects.get(code=CPS)
    assert cps.course == course  # same title, case and accents aside
    assert cps.funding == Funding.DRAPPS
    assert cps.department.code == "31"
    assert (cps.venue.name, cps.venue.city, cps.venue.department.code) == ("Toulouse", "Toulouse", "31")
    assert cps.capacity == 12
    assert cps.status == SessionStatus.DONE
    assert cps.client_organisation is None
    assert {str(t) for t in cps.trainers.all()} == {"Géraldine Tisserant", "Paul Martin"}
    assert cps.trainers.filter(pk=trainer.pk).exists()
    assert [(s.date, s.period, s.starts_at, s.ends_at, s.hours) for s in cps.slots.order_by("date", "starts_at")] == [
        (datetime.date(2024, 3, 4), Period.MORNING, datetime.time(9), datetime.time(12, 30), Decimal("3.5")),
        (datetime.date(2024, 3, 4), Period.AFTERNOON, datetime.time(13, 30), datetime.time(17), Decimal("3.5")),
        (datetime.date(2024, 3, 5), Period.MORNING, datetime.time(9), datetime.time(12, 30), Decimal("3.5")),
        (datetime.date(2024, 3, 5), Period.AFTERNOON, datetime.time(13, 30), datetime.time(17), Decimal("3.5")),
    ]

    intra = Session.objects.with_schedule().get(code=INTRA)
    assert intra.funding == Funding.INTRA
    assert intra.department.code == "09"
    assert intra.client_organisation.name == "Mairie de Foix"
    assert intra.capacity == 1  # no seats given: those registered (one)
    assert (intra.first_day, intra.last_day, intra.planned_hours) == (
        datetime.date(2024, 5, 13),
        datetime.date(2024, 5, 14),
        Decimal("10.5"),
    )
    draft = intra.course
    assert draft.title == INTRA_TITLE
    assert not draft.live
    assert draft.get_parent().specific == catalogue
    assert draft.latest_revision is not None
    assert draft.offered_intra
    assert Trainer.objects.filter(first_name="Paul", last_name="Martin").count() == 1
    assert Session.objects.get(code=CANCELLED).status == SessionStatus.CANCELLED
    assert ("Sessions", 3, "formation", "course_created") in remarks(report)
    assert report.created["courses"] == 1


def test_people_get_an_account_without_password_and_their_profile(catalogue):
    imported()

    bruno = User.objects.get(email=BRUNO)
    assert (bruno.first_name, bruno.last_name) == ("Bruno", "Petit")
    assert not bruno.has_usable_password()
    profile = bruno.profile
    assert profile.job_title == "Travailleur social"
    assert profile.structure_name == "CCAS de Pamiers"
    assert profile.structure_type.label == "État, collectivité territoriale"
    assert profile.activity_sector.label == "Social"
    assert profile.professional_category.label == "Employé"
    assert profile.department.code == "09"  # the 9 Excel made of 09
    assert User.objects.get(email=CHLOE).profile.department.code == "09"  # Ariège, by name


def test_a_person_without_a_complete_profile_gets_an_account_only(catalogue):
    sheets = history_sheets()
    cell_set(sheets, "Participants", 5, "secteur_activite", None)

    report = imported(sheets)

    david = User.objects.get(email=DAVID)
    assert not Profile.objects.filter(user=david).exists()
    assert ("Participants", 5, "email", "profile_incomplete") in remarks(report)
    registration = Registration.objects.get(user=david)
    assert registration.activity_sector is None
    assert registration.structure_type.label == "Établissement de santé"


def test_registrations_keep_status_hours_and_profile_as_it_was(catalogue):
    imported()

    registrations = {(r.session.code, r.user.email): r for r in Registration.objects.select_related("session", "user")}
    assert len(registrations) == 7
    alice = registrations[(CPS, ALICE)]
    assert alice.status == RegistrationStatus.CONFIRMED
    assert alice.source == RegistrationSource.COORDINATION
    assert alice.hours_recorded == Decimal("14")
    assert alice.job_title == "Infirmière scolaire"
    assert alice.structure_name == "Collège Jean Moulin"
    assert alice.structure_type.label == "Éducation nationale"
    assert alice.activity_sector.label == "Éducation"
    assert alice.professional_category.label == "Profession intermédiaire"
    assert alice.department.code == "31"
    assert registrations[(CPS, BRUNO)].hours_recorded == Decimal("10.5")  # "10,5", and "  BRUNO@… " matched
    assert registrations[(CPS, DAVID)].hours_recorded == 0  # a no-show: empty is 0
    assert registrations[(CPS, CHLOE)].status == RegistrationStatus.CANCELLED
    assert registrations[(INTRA, BRUNO)].status == RegistrationStatus.WAITLISTED
    assert registrations[(INTRA, CHLOE)].hours_recorded == Decimal("10.5")


def test_answers_become_closed_import_campaigns_and_the_latest_answer_wins(catalogue):
    report = imported()

    hot = Campaign.objects.get(session__code=CPS, kind="hot")
    assert hot.questionnaire.slug == "a_chaud"
    assert (hot.origin, hot.status) == (CampaignOrigin.IMPORT, CampaignStatus.CLOSED)
    assert localdate(hot.opened_at) == datetime.date(2024, 3, 5)
    assert localdate(hot.closes_at) == datetime.date(2024, 3, 7)
    assert hot.invitations.count() == 0
    response = Response.objects.get(campaign=hot, registration__user__email=ALICE)
    assert response.source == ResponseSource.IMPORT
    assert response.invitation is None
    assert localdate(response.submitted_at) == datetime.date(2024, 3, 6)
    values = {a.question.key: (a.number, a.text) for a in response.answers.select_related("question")}
    assert values == {"attentes": (4, ""), "objectifs": (3, ""), "commentaire": (None, "Très utile pour mon poste.")}
    assert ("Reponses", 2, "date_reponse", "answer_superseded") in remarks(report)

    cold = Response.objects.get(campaign__session__code=CPS, campaign__kind="cold")
    assert {a.question.key: a.number for a in cold.answers.select_related("question")} == {
        "besoins": 1,
        "mise_en_pratique": 0,
    }
    assert Campaign.objects.count() == 3
    assert Response.objects.count() == 4
    assert Answer.objects.count() == 8


def test_import_bumps_the_public_cache_once_committed(catalogue, committed):
    version = public_cache_version()

    with committed():
        imported()

    assert public_cache_version() != version


# Normalisation
# ------------------------------------------------------------------------------


def test_headings_sheet_names_and_reference_values_ignore_case_accents_and_spaces(catalogue):
    sheets = history_sheets()
    sheets["  RÉPONSES "] = sheets.pop("Reponses")
    sheets["sessions"] = sheets.pop("Sessions")
    sheets["sessions"][0][3] = " Département "
    sheets["sessions"][0][7] = "DURÉE_HEURES"
    sheets["Inscriptions"][0][3] = "Heures réalisées"
    cell_set(sheets, "sessions", 2, "financement", "DRAPPS")
    cell_set(sheets, "sessions", 2, "statut", " Réalisée ")
    cell_set(sheets, "sessions", 3, "financement", "intra")
    cell_set(sheets, "Inscriptions", 7, "statut", "Liste d'attente")
    cell_set(sheets, "  RÉPONSES ", 2, "questionnaire", "A_Chaud")
    cell_set(sheets, "  RÉPONSES ", 2, "question", "Attentes")
    cell_set(sheets, "Participants", 2, "type_structure", "EDUCATION NATIONALE")

    imported(sheets)

    assert Session.objects.get(code=CPS).funding == Funding.DRAPPS
    assert Session.objects.get(code=CPS).status == SessionStatus.DONE
    assert Registration.objects.get(session__code=INTRA, user__email=BRUNO).status == RegistrationStatus.WAITLISTED
    assert Registration.objects.get(session__code=CPS, user__email=BRUNO).hours_recorded == Decimal("10.5")
    assert User.objects.get(email=ALICE).profile.structure_type.label == "Éducation nationale"
    assert StructureType.objects.filter(label__iexact="EDUCATION NATIONALE").count() == 0


def test_dates_numbers_and_codes_in_their_usual_spellings(catalogue):
    sheets = history_sheets()
    cell_set(sheets, "Sessions", 2, "date_debut", datetime.date(2024, 3, 4))  # a real Excel date
    cell_set(sheets, "Sessions", 2, "date_fin", "5/3/2024")
    cell_set(sheets, "Sessions", 2, "duree_heures", "14.0")
    cell_set(sheets, "Sessions", 2, "departement", 31)
    cell_set(sheets, "Sessions", 4, "departement", "aveyron")
    cell_set(sheets, "Inscriptions", 2, "heures_realisees", " 3,5 ")
    cell_set(sheets, "Inscriptions", 2, "email", "  ALICE.DURAND@EXEMPLE.FR ")
    cell_set(sheets, "Participants", 2, "email", "Alice.Durand@Exemple.fr ")
    cell_set(sheets, "Participants", 2, "departement", 9)

    imported(sheets)

    cps = Session.objects.with_schedule().get(code=CPS)
    assert (cps.first_day, cps.last_day, cps.planned_hours, cps.department.code) == (
        datetime.date(2024, 3, 4),
        datetime.date(2024, 3, 5),
        Decimal("14"),
        "31",
    )
    assert Session.objects.get(code=CANCELLED).department.code == "12"
    alice = User.objects.get(email=ALICE)
    assert alice.profile.department.code == "09"
    assert Registration.objects.get(session=cps, user=alice).hours_recorded == Decimal("3.5")


def test_several_options_of_a_multiple_choice_are_separated_by_semicolons(catalogue):
    sheets = history_sheets()
    row_add(
        sheets,
        "Reponses",
        session=CPS,
        email=ALICE,
        questionnaire="a_froid_6_mois",
        date_reponse="10/09/2024",
        question="freins",
        reponse="manque de temps ; Changement de poste",
    )

    imported(sheets)

    answer = Answer.objects.get(question__key="freins")
    assert answer.choices == ["Manque de temps", "Changement de poste"]


def test_a_new_label_of_a_free_list_is_created_and_reported(catalogue):
    sheets = history_sheets()
    cell_set(sheets, "Participants", 3, "type_structure", "Tiers-lieu")
    cell_set(sheets, "Participants", 4, "type_structure", "tiers lieu")
    cell_set(sheets, "Participants", 5, "categorie_socioprofessionnelle", "Professions intermédiaires")
    before = StructureType.objects.count()

    report = imported(sheets)

    assert StructureType.objects.count() == before + 1
    created = StructureType.objects.get(label="Tiers-lieu")
    assert User.objects.get(email=BRUNO).profile.structure_type == created
    assert User.objects.get(email=CHLOE).profile.structure_type == created
    assert ("Participants", 3, "type_structure", "label_created") in remarks(report)
    assert report.created["structure_types"] == 1
    # A plural of a label of the list is that label, not a new one.
    assert User.objects.get(email=DAVID).profile.professional_category.label == "Profession intermédiaire"
    assert report.created["professional_categories"] == 0


def test_an_unknown_column_is_ignored_and_reported(catalogue):
    sheets = history_sheets()
    sheets["Participants"][0].append("Commentaire interne")
    sheets["Participants"][1].append("à rappeler")
    sheets["Notes"] = [["texte"], ["brouillon"]]

    report = imported(sheets)

    assert ("Participants", 1, "Commentaire interne", "column_ignored") in remarks(report)
    assert ("Notes", None, "", "sheet_ignored") in remarks(report)
    assert User.objects.filter(email=ALICE).exists()


def test_empty_rows_are_skipped_and_row_numbers_stay_those_of_excel(catalogue):
    sheets = history_sheets()
    sheets["Inscriptions"].insert(3, [None, None, None, None])  # becomes row 4; the next rows move down
    cell_set(sheets, "Inscriptions", 5, "heures_realisees", "beaucoup")

    report = history_import(workbook_file(sheets))

    assert problems(report) == {("Inscriptions", 5, "heures_realisees", "number_invalid")}


def test_the_report_previews_the_first_rows(catalogue):
    report = history_import(workbook_file(), dry_run=True)

    assert report.preview["Sessions"][0]["code"] == CPS
    assert report.preview["Sessions"][1]["date_debut"] == "13/05/2024"
    assert len(report.preview["Reponses"]) == 5


# Re-importing
# ------------------------------------------------------------------------------


def test_importing_the_same_workbook_twice_changes_no_row(catalogue):
    imported()
    counts = row_counts()
    snapshot = {
        "registrations": set(Registration.objects.values_list("pk", "status", "hours_recorded", "updated_at")),
        "answers": set(Answer.objects.values_list("pk", "number", "text")),
        "slots": set(Slot.objects.values_list("pk", "hours")),
        "responses": set(Response.objects.values_list("pk", "submitted_at", "updated_at")),
    }

    report = imported()

    assert row_counts() == counts
    assert snapshot == {
        "registrations": set(Registration.objects.values_list("pk", "status", "hours_recorded", "updated_at")),
        "answers": set(Answer.objects.values_list("pk", "number", "text")),
        "slots": set(Slot.objects.values_list("pk", "hours")),
        "responses": set(Response.objects.values_list("pk", "submitted_at", "updated_at")),
    }
    assert sum(count.created + count.updated for count in report.counts.values()) == 0


def test_reimport_never_overwrites_what_people_typed(catalogue):
    alice = UserFactory(email="Alice.Durand@exemple.fr", first_name="Alicia", last_name="")
    ProfileFactory(user=alice, job_title="Infirmière", structure_name="")

    report = imported()

    alice.refresh_from_db()
    assert (alice.first_name, alice.last_name) == ("Alicia", "Durand")  # only the blank is filled
    assert alice.has_usable_password()
    assert alice.profile.job_title == "Infirmière"
    assert alice.profile.structure_name == "Collège Jean Moulin"
    assert User.objects.filter(email__iexact=ALICE).count() == 1
    assert report.counts["people"].updated == 1


def test_reimport_updates_sessions_and_registrations_and_replaces_changed_half_days(catalogue):
    imported()
    untouched = set(Slot.objects.filter(session__code=INTRA).values_list("pk", flat=True))
    sheets = history_sheets()
    cell_set(sheets, "Sessions", 2, "duree_heures", 10)
    cell_set(sheets, "Sessions", 2, "capacite", 20)
    cell_set(sheets, "Inscriptions", 4, "heures_realisees", 7)

    report = imported(sheets)

    cps = Session.objects.with_schedule().get(code=CPS)
    assert (cps.planned_hours, cps.capacity) == (Decimal("10"), 20)
    assert sorted(cps.slots.values_list("hours", flat=True)) == [Decimal("3"), Decimal("3.5"), Decimal("3.5")]
    assert Registration.objects.get(session=cps, user__email=DAVID).hours_recorded == Decimal("7")
    assert set(Slot.objects.filter(session__code=INTRA).values_list("pk", flat=True)) == untouched
    assert report.counts["sessions"].updated == 1
    assert report.counts["slots"].deleted == 4
    assert report.counts["registrations"].updated == 1


def test_a_later_answer_replaces_an_earlier_one_never_the_reverse(catalogue):
    imported()
    older = history_sheets()
    cell_set(older, "Reponses", 3, "date_reponse", "01/03/2024")
    cell_set(older, "Reponses", 3, "reponse", 1)
    cell_set(older, "Reponses", 2, "date_reponse", "01/03/2024")

    report = imported(older)

    def attentes():
        return Answer.objects.get(
            question__key="attentes", response__registration__user__email=ALICE, response__campaign__kind="hot"
        ).number

    assert attentes() == 4
    assert ("Reponses", 3, "reponse", "answer_kept") in remarks(report)

    newer = history_sheets()
    cell_set(newer, "Reponses", 3, "date_reponse", "20/03/2024")
    cell_set(newer, "Reponses", 3, "reponse", 1)
    imported(newer)

    assert attentes() == 1
    response = Response.objects.get(registration__user__email=ALICE, campaign__kind="hot")
    assert localdate(response.submitted_at) == datetime.date(2024, 3, 20)
    assert localdate(Campaign.objects.get(session__code=CPS, kind="hot").closes_at) == datetime.date(2024, 3, 21)


# Invalid workbooks: every bad row reported with its place and code, nothing written
# ------------------------------------------------------------------------------


def _set(sheet: str, row: int, column: str, value):
    return lambda sheets: cell_set(sheets, sheet, row, column, value)


def _add(sheet: str, **values):
    return lambda sheets: row_add(sheets, sheet, **values)


MALFORMED = [
    pytest.param(lambda s: s.pop("Reponses"), ("Reponses", None, "", "sheet_missing"), id="missing-sheet"),
    pytest.param(
        lambda s: column_drop(s, "Sessions", "date_debut"),
        ("Sessions", 1, "date_debut", "column_missing"),
        id="missing-column",
    ),
    pytest.param(
        _set("Sessions", 2, "date_debut", "4 mars 2024"), ("Sessions", 2, "date_debut", "date_invalid"), id="bad-date"
    ),
    pytest.param(
        _set("Sessions", 3, "date_fin", "31/02/2024"), ("Sessions", 3, "date_fin", "date_impossible"), id="31-february"
    ),
    pytest.param(
        _set("Sessions", 2, "date_fin", "01/03/2024"), ("Sessions", 2, "date_fin", "date_order"), id="end-before-start"
    ),
    pytest.param(
        _set("Sessions", 2, "date_debut", None), ("Sessions", 2, "date_debut", "value_required"), id="missing-date"
    ),
    pytest.param(
        _set("Inscriptions", 3, "session", "2024-XXX-01"),
        ("Inscriptions", 3, "session", "session_unknown"),
        id="unknown-session-code",
    ),
    pytest.param(
        _set("Sessions", 2, "departement", "75"),
        ("Sessions", 2, "departement", "department_unknown"),
        id="unknown-dept",
    ),
    pytest.param(
        _set("Participants", 3, "departement", "Bretagne"),
        ("Participants", 3, "departement", "department_unknown"),
        id="unknown-dept-name",
    ),
    pytest.param(
        _set("Sessions", 2, "financement", "OPCO"),
        ("Sessions", 2, "financement", "funding_unknown"),
        id="unknown-funding",
    ),
    pytest.param(
        _set("Sessions", 2, "statut", "reportee"), ("Sessions", 2, "statut", "status_unknown"), id="unknown-status"
    ),
    pytest.param(
        _set("Sessions", 3, "structure_cliente", None),
        ("Sessions", 3, "structure_cliente", "client_missing"),
        id="intra-without-client",
    ),
    pytest.param(
        _set("Inscriptions", 2, "heures_realisees", -3),
        ("Inscriptions", 2, "heures_realisees", "number_negative"),
        id="negative-hours",
    ),
    pytest.param(
        _set("Inscriptions", 2, "heures_realisees", "quatorze"),
        ("Inscriptions", 2, "heures_realisees", "number_invalid"),
        id="non-numeric-hours",
    ),
    pytest.param(
        _set("Sessions", 2, "duree_heures", 0), ("Sessions", 2, "duree_heures", "duration_invalid"), id="zero-duration"
    ),
    pytest.param(
        _set("Sessions", 2, "duree_heures", 30),
        ("Sessions", 2, "duree_heures", "duration_too_long"),
        id="duration-beyond-the-dates",
    ),
    pytest.param(
        _set("Sessions", 2, "capacite", "12,5"), ("Sessions", 2, "capacite", "integer_invalid"), id="fractional-seats"
    ),
    pytest.param(
        _add(
            "Sessions",
            code=" 2024-cps1-31-01",
            formation=CPS_TITLE,
            financement="Drapps",
            departement="31",
            date_debut="01/02/2024",
            date_fin="01/02/2024",
            duree_heures=7,
            statut="realisee",
        ),
        ("Sessions", 5, "code", "code_duplicate"),
        id="duplicate-session-code",
    ),
    pytest.param(
        _add("Participants", email="  ALICE.Durand@Exemple.FR", nom="Durand"),
        ("Participants", 6, "email", "email_duplicate"),
        id="duplicate-email-after-case-folding",
    ),
    pytest.param(
        _set("Participants", 5, "email", "david.roux.exemple.fr"),
        ("Participants", 5, "email", "email_invalid"),
        id="invalid-email",
    ),
    pytest.param(
        _add("Inscriptions", session=CPS, email="zoe@exemple.fr", statut="inscrit"),
        ("Inscriptions", 9, "email", "person_unknown"),
        id="registration-of-unknown-person",
    ),
    pytest.param(
        _add("Inscriptions", session=CPS, email=ALICE.upper(), statut="annule"),
        ("Inscriptions", 9, "email", "registration_duplicate"),
        id="duplicate-registration",
    ),
    pytest.param(
        _set("Inscriptions", 2, "statut", "present"),
        ("Inscriptions", 2, "statut", "status_unknown"),
        id="unknown-registration-status",
    ),
    pytest.param(
        _add(
            "Reponses",
            session=INTRA,
            email=DAVID,
            questionnaire="a_chaud",
            date_reponse="14/05/2024",
            question="attentes",
            reponse=4,
        ),
        ("Reponses", 11, "email", "respondent_not_registered"),
        id="respondent-not-registered",
    ),
    pytest.param(
        _set("Reponses", 2, "questionnaire", "satisfaction"),
        ("Reponses", 2, "questionnaire", "questionnaire_unknown"),
        id="unknown-questionnaire",
    ),
    pytest.param(
        _set("Reponses", 2, "questionnaire", "rapport_formateur"),
        ("Reponses", 2, "questionnaire", "questionnaire_not_for_trainees"),
        id="trainer-questionnaire",
    ),
    pytest.param(
        _set("Reponses", 4, "question", "ambiance"),
        ("Reponses", 4, "question", "question_unknown"),
        id="unknown-question",
    ),
    pytest.param(
        _set("Reponses", 9, "question", "attentes"),
        ("Reponses", 9, "question", "question_unknown"),
        id="question-of-another-questionnaire",
    ),
    pytest.param(
        _set("Reponses", 3, "reponse", 5), ("Reponses", 3, "reponse", "answer_invalid"), id="outside-the-scale"
    ),
    pytest.param(
        _set("Reponses", 9, "reponse", "peut-être"), ("Reponses", 9, "reponse", "answer_invalid"), id="yes-no-maybe"
    ),
    pytest.param(
        _set("Reponses", 5, "reponse", "x" * 5001), ("Reponses", 5, "reponse", "answer_too_long"), id="comment-too-long"
    ),
    pytest.param(
        _set("Reponses", 7, "date_reponse", "le 5 mars"),
        ("Reponses", 7, "date_reponse", "date_invalid"),
        id="bad-answer-date",
    ),
]


@pytest.mark.parametrize(("mutate", "expected"), MALFORMED)
def test_an_invalid_workbook_is_rejected_with_the_place_of_the_error(catalogue, mutate, expected):
    sheets = history_sheets()
    mutate(sheets)
    before = row_counts()

    report = history_import(workbook_file(sheets))

    assert expected in problems(report)
    assert not report.written
    assert report.counts == {}
    assert row_counts() == before
    error = next(e for e in report.errors if (e.sheet, e.row, e.column, e.code) == expected)
    assert error.reason


def test_every_invalid_row_is_reported_not_only_the_first(catalogue):
    sheets = history_sheets()
    cell_set(sheets, "Sessions", 2, "date_debut", "31/02/2024")
    cell_set(sheets, "Participants", 3, "email", "bruno")
    cell_set(sheets, "Inscriptions", 2, "heures_realisees", -1)
    cell_set(sheets, "Reponses", 3, "reponse", 7)

    report = history_import(workbook_file(sheets))

    assert {
        ("Sessions", 2, "date_debut", "date_impossible"),
        ("Participants", 3, "email", "email_invalid"),
        ("Inscriptions", 2, "heures_realisees", "number_negative"),
        ("Reponses", 3, "reponse", "answer_invalid"),
    } <= problems(report)
    assert Session.objects.count() == 0
    first = next(e for e in report.errors if e.code == "date_impossible")
    assert first.value == "31/02/2024"


def test_a_row_referring_to_an_invalid_row_is_not_reported_twice(catalogue):
    sheets = history_sheets()
    cell_set(sheets, "Sessions", 2, "departement", "Paris")
    cell_set(sheets, "Participants", 2, "departement", "Paris")

    report = history_import(workbook_file(sheets))

    assert problems(report) == {
        ("Sessions", 2, "departement", "department_unknown"),
        ("Participants", 2, "departement", "department_unknown"),
    }


def test_half_days_with_attendance_are_not_replaced(catalogue):
    imported()
    registration = Registration.objects.get(session__code=CPS, user__email=ALICE)
    Attendance.objects.create(
        registration=registration, slot=registration.session.slots.first(), status="present", hours=Decimal("3.5")
    )
    sheets = history_sheets()
    cell_set(sheets, "Sessions", 2, "date_fin", "06/03/2024")
    before = row_counts()

    report = history_import(workbook_file(sheets))

    assert problems(report) == {("Sessions", 2, "date_debut", "slots_locked")}
    assert row_counts() == before


def test_answers_to_an_anonymous_questionnaire_are_refused(catalogue):
    Questionnaire.objects.filter(slug="a_froid_6_mois").update(anonymous=True)

    report = history_import(workbook_file())

    assert problems(report) == {
        ("Reponses", 9, "questionnaire", "questionnaire_anonymous"),
        ("Reponses", 10, "questionnaire", "questionnaire_anonymous"),
    }


def test_one_session_answers_one_questionnaire_of_each_kind(catalogue):
    imported()
    older = Questionnaire.objects.create(slug="a_chaud_2023", kind="hot", title="Questionnaire 2023")
    Question.objects.create(questionnaire=older, key="attentes", text="Attentes ?", type="scale")
    sheets = history_sheets()
    cell_set(sheets, "Reponses", 8, "questionnaire", "a_chaud_2023")  # the Intra session: its campaign is a_chaud
    row = row_add(
        sheets,
        "Reponses",
        session=CANCELLED,
        email=ALICE,
        questionnaire="a_chaud_2023",
        date_reponse="11/06/2024",
        question="attentes",
        reponse=3,
    )
    row_add(
        sheets,
        "Reponses",
        session=CANCELLED,
        email=ALICE,
        questionnaire="a_chaud",
        date_reponse="11/06/2024",
        question="objectifs",
        reponse=3,
    )

    report = history_import(workbook_file(sheets))

    assert problems(report) == {
        ("Reponses", 8, "questionnaire", "campaign_other_questionnaire"),
        ("Reponses", row + 1, "questionnaire", "questionnaire_kind_conflict"),
    }


def test_a_failure_while_writing_leaves_nothing_behind(catalogue, monkeypatch):
    write = history._write

    def write_then_fail(plan, **kwargs):
        write(plan, **kwargs)
        raise IntegrityError("a registration was added meanwhile")

    monkeypatch.setattr(history, "_write", write_then_fail)
    before = row_counts()

    report = history_import(workbook_file())

    assert problems(report) == {("", None, "", "conflict")}
    assert not report.written
    assert row_counts() == before


@pytest.mark.parametrize(
    ("content", "code"),
    [
        pytest.param(b"", "file_empty", id="empty"),
        pytest.param(b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n%%EOF", "file_not_xlsx", id="pdf-renamed"),
        pytest.param(b"code;formation\n2024-CPS1;Soutenir\n", "file_not_xlsx", id="csv-renamed"),
    ],
)
def test_a_file_that_is_not_a_workbook_is_rejected(catalogue, content, code):
    report = history_import(io.BytesIO(content))

    assert problems(report) == {("", None, "", code)}
    assert Session.objects.count() == 0


def test_a_zip_that_is_not_a_workbook_is_rejected(catalogue):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("word/document.xml", "<document/>")

    report = history_import(io.BytesIO(buffer.getvalue()))

    assert problems(report) == {("", None, "", "file_not_xlsx")}


def test_a_file_over_the_size_limit_is_rejected(catalogue, settings, tmp_path):
    settings.HISTORY_IMPORT_MAX_BYTES = 2000
    path = tmp_path / "historique.xlsx"
    path.write_bytes(workbook_bytes(history_sheets()))

    assert problems(history_import(path)) == {("", None, "", "file_too_large")}
    assert problems(history_import(workbook_file())) == {("", None, "", "file_too_large")}
    assert Session.objects.count() == 0


def test_read_and_validate_are_usable_apart(catalogue):
    workbook = history_read(workbook_file())
    assert workbook.errors == []
    assert set(workbook.sheets) == {"Sessions", "Participants", "Inscriptions", "Reponses"}

    report = history_validate(workbook)

    assert report.errors == []
    assert report.created["sessions"] == 3
    assert Session.objects.count() == 0


# Speed: no query per row
# ------------------------------------------------------------------------------


def _queries(action) -> int:
    with CaptureQueriesContext(connection) as context:
        action()
    return len(context.captured_queries)


def _people_forget() -> None:
    Answer.objects.all().delete()
    Response.objects.all().delete()
    Campaign.objects.all().delete()
    Registration.objects.all().delete()
    Session.objects.all().delete()
    User.objects.all().delete()


def test_checking_and_importing_take_as_many_queries_for_ten_or_a_hundred_people(catalogue):
    small, large = people_sheets(10), people_sheets(100)
    imported(small)  # the courses, venues, trainers and structures now exist, and the caches are warm

    assert _queries(lambda: history_import(workbook_file(small), dry_run=True)) == _queries(
        lambda: history_import(workbook_file(large), dry_run=True)
    )
    _people_forget()
    queries = _queries(lambda: imported(small))
    _people_forget()
    # 450 more rows to write; SQLite splits bulk inserts of wide rows into batches of a few dozen.
    assert _queries(lambda: imported(large)) <= queries + 10
    assert User.objects.count() == 104


# Half-days of a past session
# ------------------------------------------------------------------------------


def _hours(slots: list[SlotSpec]) -> Decimal:
    return sum((slot.hours for slot in slots), Decimal("0"))


def test_half_days_add_up_to_the_planned_duration():
    slots, compressed = slots_plan(
        first_day=datetime.date(2024, 3, 4), last_day=datetime.date(2024, 3, 5), hours=Decimal("10")
    )

    assert not compressed
    assert [(s.date.day, s.period, s.hours) for s in slots] == [
        (4, Period.MORNING, Decimal("3.5")),
        (4, Period.AFTERNOON, Decimal("3.5")),
        (5, Period.MORNING, Decimal("3")),
    ]


def test_half_days_fall_on_weekdays_between_the_first_and_last_day():
    # Friday 1 to Wednesday 6 March 2024, three days: the Friday, the Monday, the Wednesday.
    slots, _ = slots_plan(first_day=datetime.date(2024, 3, 1), last_day=datetime.date(2024, 3, 6), hours=Decimal("21"))

    assert sorted({slot.date.day for slot in slots}) == [1, 4, 6]
    assert _hours(slots) == Decimal("21")


def test_half_days_of_a_session_held_over_a_weekend_use_it():
    # The example's 2025-D01: Sunday 22 to Tuesday 24 June 2025, 21 h.
    slots, _ = slots_plan(
        first_day=datetime.date(2025, 6, 22), last_day=datetime.date(2025, 6, 24), hours=Decimal("21")
    )

    assert sorted({slot.date.day for slot in slots}) == [22, 23, 24]
    assert len(slots) == 6


@pytest.mark.parametrize("hours", ["0.25", "3", "7", "10.33", "13.99", "17.5", "21", "35"])
def test_half_days_always_sum_exactly(hours):
    slots, _ = slots_plan(
        first_day=datetime.date(2024, 1, 8), last_day=datetime.date(2024, 1, 19), hours=Decimal(hours)
    )

    assert _hours(slots) == Decimal(hours)
    assert all(Decimal("0") < slot.hours <= Decimal("3.5") for slot in slots)
    assert slots[0].date == datetime.date(2024, 1, 8)
    assert slots[-1].date == datetime.date(2024, 1, 19)


def test_more_than_seven_hours_a_day_lengthens_the_half_days_up_to_six_hours():
    slots, compressed = slots_plan(
        first_day=datetime.date(2024, 3, 4), last_day=datetime.date(2024, 3, 5), hours=Decimal("18")
    )

    assert compressed
    assert [slot.hours for slot in slots] == [Decimal("4.5")] * 4
    assert (slots[0].starts_at, slots[1].ends_at) == (datetime.time(8), datetime.time(18))
    assert (
        slots_plan(first_day=datetime.date(2024, 3, 4), last_day=datetime.date(2024, 3, 4), hours=Decimal("13"))[0]
        == []
    )


# The command
# ------------------------------------------------------------------------------


def test_command_imports_the_workbook(catalogue, tmp_path):
    path = tmp_path / "historique.xlsx"
    path.write_bytes(workbook_bytes(history_sheets()))
    out = io.StringIO()

    call_command("import_history", str(path), stdout=out)

    assert Session.objects.count() == 3
    assert out.getvalue()


def test_command_dry_run_writes_nothing(catalogue, tmp_path):
    path = tmp_path / "historique.xlsx"
    path.write_bytes(workbook_bytes(history_sheets()))
    before = row_counts()

    call_command("import_history", str(path), "--dry-run", stdout=io.StringIO())

    assert row_counts() == before


def test_command_prints_every_error_and_exits_with_status_1(catalogue, tmp_path):
    sheets = history_sheets()
    cell_set(sheets, "Sessions", 2, "date_debut", "31/02/2024")
    cell_set(sheets, "Reponses", 9, "reponse", "peut-être")
    path = tmp_path / "historique.xlsx"
    path.write_bytes(workbook_bytes(sheets))
    err = io.StringIO()

    with pytest.raises(CommandError) as raised:
        call_command("import_history", str(path), stdout=io.StringIO(), stderr=err)

    assert raised.value.returncode == 1
    assert "[date_impossible]" in err.getvalue()
    assert "[answer_invalid]" in err.getvalue()
    assert "31/02/2024" in err.getvalue()
    assert Session.objects.count() == 0


def test_command_refuses_a_missing_file(tmp_path, db):
    with pytest.raises(CommandError):
        call_command("import_history", str(tmp_path / "absent.xlsx"))


def test_an_imported_person_claims_their_account_by_resetting_the_password(client, catalogue):
    from django.core import mail
    from django.urls import reverse

    imported()
    person = User.objects.order_by("pk").first()
    assert not person.has_usable_password()

    response = client.post(reverse("account_reset_password"), {"email": person.email.upper()})

    assert response.status_code == 302
    assert [message.to for message in mail.outbox] == [[person.email]]
