"""The yearly indicators (`evaluations.indicators`, `indicators --year Y`) on small data sets with known answers."""

import datetime
import io
import json
from decimal import Decimal

import pandas  # noqa: F401  imported before any frozen clock: importing it under freezegun crashes the interpreter
import pytest

from django.core.management import CommandError, call_command
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import ActivitySector, ProfessionalCategory
from cms.models import CoursePage, Theme
from evaluations.choices import CampaignOrigin, CampaignStatus, QuestionnaireKind, ResponseSource
from evaluations.indicators import IndicatorFilters, indicators_for_period, indicators_for_year
from evaluations.models import Answer, Campaign, Invitation, Questionnaire, Response
from evaluations.services.campaigns import campaign_open
from evaluations.services.responses import response_submit
from tests.clock import NOW
from tests.factories import (
    OrganisationFactory,
    RegistrationFactory,
    SessionFactory,
    TrainerFactory,
    UserFactory,
    course_create,
    department,
    slots_create,
)
from training.choices import AttendanceStatus, Funding, RegistrationStatus, SessionStatus, SheetStatus
from training.models import Attendance, AttendanceSheet

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 11, 22)
HOT, COLD = QuestionnaireKind.HOT, QuestionnaireKind.COLD


# Hand-made data
# ------------------------------------------------------------------------------


@pytest.fixture
def course(catalogue):
    return course_create(catalogue=catalogue, title="Développer les compétences psychosociales", slug="cps")


def held(course, first_day, *, days=2, funding=Funding.DRAPPS, status=SessionStatus.DONE, dept="31", capacity=12):
    """A session of `days` days (7 h a day) from `first_day`."""
    client = OrganisationFactory() if funding == Funding.INTRA else None
    session = SessionFactory(
        course=course,
        funding=funding,
        status=status,
        department=department(dept),
        capacity=capacity,
        client_organisation=client,
    )
    slots_create(session=session, first_day=first_day, days=days)
    return session


def trainee(session, hours="14", *, user=None, status=RegistrationStatus.CONFIRMED, **fields):
    if user is not None:
        fields["user"] = user
    return RegistrationFactory(
        session=session, status=status, hours_recorded=None if hours is None else Decimal(hours), **fields
    )


def imported_answers(session, kind, answers: list[tuple]) -> Campaign:
    """History as the workbook import stores it: a closed campaign of origin import, one response (source
    import) per (registration or None, {question key: number}), no invitation."""
    questionnaire = Questionnaire.objects.get(slug="a_chaud" if kind == HOT else "a_froid_6_mois")
    questions = {question.key: question for question in questionnaire.questions.all()}
    opened = timezone.make_aware(datetime.datetime(2025, 12, 1))
    campaign = Campaign.objects.create(
        questionnaire=questionnaire,
        kind=kind,
        session=session,
        status=CampaignStatus.CLOSED,
        origin=CampaignOrigin.IMPORT,
        opened_at=opened,
        closes_at=opened,
    )
    for registration, values in answers:
        response = Response.objects.create(
            campaign=campaign, registration=registration, source=ResponseSource.IMPORT, submitted_at=opened
        )
        Answer.objects.bulk_create(
            Answer(response=response, question=questions[key], number=number) for key, number in values.items()
        )
    return campaign


def year(y=2025, **filters):
    return indicators_for_year(year=y, filters=IndicatorFilters(**filters), today=TODAY)


# Sessions
# ------------------------------------------------------------------------------


def test_a_session_counts_in_the_year_of_its_first_day_when_held(course):
    held(course, datetime.date(2025, 3, 10))
    held(course, datetime.date(2025, 6, 2), funding=Funding.INTRA)
    held(course, datetime.date(2025, 12, 30), days=3)  # ends in January 2026: still 2025
    held(course, datetime.date(2024, 12, 16))  # the year before
    held(course, datetime.date(2025, 4, 7), status=SessionStatus.CANCELLED)
    held(course, datetime.date(2025, 5, 5), status=SessionStatus.DRAFT)
    SessionFactory(course=course, status=SessionStatus.DONE)  # no half-day: no date, no year

    data = year(2025)

    assert data["sessions"] == {"total": 3, "by_funding": {"drapps": 2, "intra": 1, "inter": 0, "other": 0}}
    assert year(2026)["sessions"]["total"] == 0
    assert year(2024)["sessions"]["total"] == 1


def test_a_live_session_whose_days_are_over_counts_even_if_nobody_marked_it_held(course):
    """Held = `done`, or still `open`/`closed` with its last day before today; never cancelled or draft."""
    held(course, datetime.date(2026, 11, 2), status=SessionStatus.CLOSED)  # over
    held(course, datetime.date(2026, 10, 5), status=SessionStatus.OPEN)  # over, registration left open
    held(course, datetime.date(2026, 11, 19), status=SessionStatus.CLOSED)  # last day 20/11, over
    held(course, datetime.date(2026, 11, 23), status=SessionStatus.CLOSED)  # not over yet
    held(course, datetime.date(2026, 9, 7), status=SessionStatus.CANCELLED)
    held(course, datetime.date(2026, 9, 14), status=SessionStatus.DRAFT)

    assert year(2026)["sessions"]["total"] == 3
    # The day of its last half-day is not over: it counts from the next day.
    assert indicators_for_year(year=2026, today=datetime.date(2026, 11, 20))["sessions"]["total"] == 2
    assert indicators_for_year(year=2026, today=datetime.date(2026, 11, 21))["sessions"]["total"] == 3


def test_average_duration_is_planned_hours_over_seven_by_funding(course):
    held(course, datetime.date(2025, 3, 10), days=2)  # 14 h
    held(course, datetime.date(2025, 3, 17), days=3)  # 21 h
    held(course, datetime.date(2025, 3, 24), days=1, funding=Funding.INTRA)  # 7 h
    held(course, datetime.date(2025, 3, 31), days=5, status=SessionStatus.CANCELLED)

    assert year(2025)["avg_duration_days"] == {"all": 2.0, "drapps": 2.5, "intra": 1.0, "inter": None, "other": None}


# Trainees
# ------------------------------------------------------------------------------


def test_trainees_are_confirmed_registrations_with_attended_hours(course):
    session = held(course, datetime.date(2025, 3, 10))
    trainee(session, "14")
    trainee(session, "10.5")
    trainee(session, "0")  # no-show
    trainee(session, None)  # confirmed, no half-day locked: nothing attended yet
    trainee(session, "14", status=RegistrationStatus.WAITLISTED)
    trainee(session, "14", status=RegistrationStatus.REFUSED)
    trainee(session, "14", status=RegistrationStatus.CANCELLED)
    trainee(session, "14", status=RegistrationStatus.PENDING)
    cancelled = held(course, datetime.date(2025, 3, 17), status=SessionStatus.CANCELLED)
    trainee(cancelled, "14")

    data = year(2025)

    assert data["trainees"] == 2
    assert data["distinct_trainees"] == 2
    assert data["trainee_hours"] == 24.5


def test_hours_come_from_locked_half_days_when_none_were_recorded(course):
    session = held(course, datetime.date(2025, 3, 10), days=1)
    morning, afternoon = session.slots.order_by("starts_at")
    AttendanceSheet.objects.create(slot=morning, status=SheetStatus.LOCKED, locked_at=timezone.now())
    AttendanceSheet.objects.create(slot=afternoon, status=SheetStatus.OPEN)
    signed_morning = trainee(session, None)
    signed_afternoon_only = trainee(session, None)
    Attendance.objects.create(
        registration=signed_morning, slot=morning, status=AttendanceStatus.PRESENT, hours=Decimal("3.5")
    )
    Attendance.objects.create(
        registration=signed_afternoon_only, slot=afternoon, status=AttendanceStatus.PRESENT, hours=Decimal("3.5")
    )

    data = year(2025)

    assert (data["trainees"], data["trainee_hours"]) == (1, 3.5)


def test_a_person_trained_twice_counts_twice_as_trainee_once_as_person(course):
    person = UserFactory()
    trainee(held(course, datetime.date(2025, 3, 10)), "14", user=person)
    trainee(held(course, datetime.date(2025, 9, 8)), "7", user=person)
    trainee(held(course, datetime.date(2025, 9, 15)), "14")

    data = year(2025)

    assert data["trainees"] == 3
    assert data["distinct_trainees"] == 2
    assert data["trainee_hours"] == 35.0


def test_fill_rate_is_trainees_over_the_seats_of_the_held_sessions(course):
    first = held(course, datetime.date(2025, 3, 10), capacity=10)
    for _ in range(4):
        trainee(first, "14")
    trainee(first, "0")  # a no-show takes a seat nobody used
    second = held(course, datetime.date(2025, 3, 17), capacity=10)
    trainee(second, "14")
    unknown_capacity = held(course, datetime.date(2025, 3, 24), capacity=0)  # imported without seats
    trainee(unknown_capacity, "14")
    held(course, datetime.date(2025, 3, 31), capacity=30, status=SessionStatus.CANCELLED)

    data = year(2025)

    assert data["seats"] == 20
    assert data["fill_rate"] == 0.25
    assert data["trainees"] == 6


def test_fill_rate_is_none_without_seats(course):
    trainee(held(course, datetime.date(2025, 3, 10), capacity=0), "14")

    assert year(2025)["fill_rate"] is None


# Surveys
# ------------------------------------------------------------------------------


def test_hot_expectations_rate_is_the_share_of_respondents_answering_3_or_4(course):
    session = held(course, datetime.date(2025, 3, 10))
    people = [trainee(session, "14") for _ in range(6)]
    imported_answers(
        session,
        HOT,
        [
            (people[0], {"attentes": 4, "objectifs": 4}),
            (people[1], {"attentes": 3, "objectifs": 2}),
            (people[2], {"attentes": 2, "objectifs": 3}),
            (people[3], {"attentes": 1, "objectifs": 1}),
            (people[4], {"attentes": 3, "objectifs": 3}),
            (people[5], {"objectifs": 4}),  # did not answer the expectations question
        ],
    )
    cancelled = held(course, datetime.date(2025, 4, 7), status=SessionStatus.CANCELLED)
    imported_answers(cancelled, HOT, [(trainee(cancelled, "14"), {"attentes": 1})])

    hot = year(2025)["hot"]

    assert hot["n"] == 5
    assert hot["expectations_rate"] == 3 / 5
    assert (hot["objectives_rate"], hot["objectives_n"]) == (4 / 6, 6)
    assert hot["response_rate"] is None  # imported history: nobody knows how many were asked
    assert hot["invitations"] == 0


def test_cold_rates_are_the_share_answering_yes(course):
    session = held(course, datetime.date(2025, 3, 10))
    people = [trainee(session, "14") for _ in range(4)]
    imported_answers(
        session,
        COLD,
        [
            (people[0], {"besoins": 1, "mise_en_pratique": 1}),
            (people[1], {"besoins": 1, "mise_en_pratique": 0}),
            (people[2], {"besoins": 0, "mise_en_pratique": 0}),
            (people[3], {"mise_en_pratique": 1}),  # skipped needs met
        ],
    )

    cold = year(2025)["cold"]

    assert cold["n"] == 3
    assert cold["needs_met_rate"] == 2 / 3
    assert (cold["practice_rate"], cold["practice_n"]) == (2 / 4, 4)
    assert cold["response_rate"] is None


def test_answers_count_in_the_year_of_the_training_not_of_the_answer(course):
    session = held(course, datetime.date(2025, 11, 17))
    campaign = imported_answers(session, COLD, [(trainee(session, "14"), {"besoins": 1, "mise_en_pratique": 0})])
    campaign.responses.update(submitted_at=timezone.make_aware(datetime.datetime(2026, 5, 20)))

    assert year(2025)["cold"]["n"] == 1
    assert year(2025)["cold"]["needs_met_rate"] == 1.0
    assert year(2026)["cold"]["n"] == 0


def _token(campaign, registration) -> str:
    return Invitation.objects.get(campaign=campaign, registration=registration).token


def test_an_edited_answer_replaces_the_first_one(held_session, hot_campaign):
    """One response per campaign and registration: submitting again replaces it, the latest answer wins."""
    registration = hot_campaign.invitations.filter(registration__isnull=False).first().registration
    token = _token(hot_campaign, registration)
    later = NOW + datetime.timedelta(hours=2)
    response_submit(token=token, values={"attentes": "1", "objectifs": "1"}, now=later)
    assert year(2026)["hot"]["expectations_rate"] == 0.0

    response_submit(token=token, values={"attentes": "4", "objectifs": "3"}, now=later + datetime.timedelta(hours=1))

    hot = year(2026)["hot"]
    assert (hot["n"], hot["expectations_rate"]) == (1, 1.0)
    assert Response.objects.filter(campaign=hot_campaign, registration=registration).count() == 1
    with pytest.raises(IntegrityError), transaction.atomic():
        Response.objects.create(campaign=hot_campaign, registration=registration, submitted_at=later)


def test_online_response_rate_is_invitations_answered_over_invitations(held_session, hot_campaign):
    """The held session has three trainees with hours: three invitations; the no-show is not asked."""
    first, second = (invitation.token for invitation in hot_campaign.invitations.filter(registration__isnull=False)[:2])
    later = NOW + datetime.timedelta(hours=2)
    response_submit(token=first, values={"attentes": "4", "objectifs": "4"}, now=later)
    response_submit(token=second, values={"attentes": "2", "objectifs": "3"}, now=later)

    hot = year(2026)["hot"]

    assert hot["invitations"] == 3
    assert hot["response_rate"] == 2 / 3
    assert (hot["n"], hot["expectations_rate"]) == (2, 0.5)
    assert year(2026)["cold"]["response_rate"] is None  # no six-month survey sent yet


def test_anonymous_responses_count_one_respondent_each(held_session):
    Questionnaire.objects.filter(slug="a_chaud").update(anonymous=True)
    campaign = campaign_open(kind=HOT, session=held_session, now=NOW)
    later = NOW + datetime.timedelta(hours=2)
    for invitation, expectation in zip(campaign.invitations.all(), ("4", "3", "1"), strict=True):
        response_submit(token=invitation.token, values={"attentes": expectation, "objectifs": "3"}, now=later)

    hot = year(2026)["hot"]

    assert not Response.objects.filter(campaign=campaign, registration__isnull=False).exists()
    assert (hot["n"], hot["expectations_rate"], hot["response_rate"]) == (3, 2 / 3, 1.0)


# Filters and breakdowns
# ------------------------------------------------------------------------------


@pytest.fixture
def varied(catalogue, course):
    """Two courses, two départements, two trainers, three fundings, themes, sectors and categories."""
    cps = Theme.objects.get(slug="competences-psychosociales")
    mental = Theme.objects.get(slug="sante-mentale")
    other = course_create(catalogue=catalogue, title="Premiers secours en santé mentale", slug="pssm")
    untitled = course_create(catalogue=catalogue, title="Atelier sans thème", slug="atelier")
    links = CoursePage.themes.through.objects
    links.create(coursepage=course, theme=cps)
    links.create(coursepage=course, theme=mental)
    links.create(coursepage=other, theme=mental)
    alice, bruno = TrainerFactory(), TrainerFactory()
    sector = ActivitySector.objects.order_by("position").first()
    category = ProfessionalCategory.objects.order_by("position").first()

    a = held(course, datetime.date(2025, 3, 10), dept="31")  # drapps, 31, alice
    a.trainers.add(alice)
    for _ in range(3):
        trainee(a, "14", activity_sector=sector, professional_category=category)
    imported_answers(a, HOT, [(r, {"attentes": 4}) for r in a.registrations.all()])
    b = held(other, datetime.date(2025, 5, 12), dept="09", funding=Funding.INTRA)  # intra, 09, bruno
    b.trainers.add(bruno)
    trainee(b, "14", activity_sector=sector)
    trainee(b, "7")
    imported_answers(b, HOT, [(r, {"attentes": 1}) for r in b.registrations.all()])
    c = held(untitled, datetime.date(2025, 6, 2), days=1, dept="31", funding=Funding.INTER)  # inter, 31, both
    c.trainers.add(alice, bruno)
    trainee(c, "7")
    return {"a": a, "b": b, "c": c, "alice": alice, "bruno": bruno, "other": other, "sector": sector}


def test_filters_narrow_every_figure_to_their_sessions(varied, course):
    everything = year(2025)
    assert (everything["sessions"]["total"], everything["trainees"], everything["hot"]["n"]) == (3, 6, 5)

    drapps = year(2025, funding=Funding.DRAPPS)
    assert (drapps["sessions"]["total"], drapps["trainees"], drapps["trainee_hours"]) == (1, 3, 42.0)
    assert (drapps["hot"]["n"], drapps["hot"]["expectations_rate"]) == (3, 1.0)

    ariege = year(2025, department="09")
    assert (ariege["sessions"]["by_funding"]["intra"], ariege["trainees"]) == (1, 2)
    assert (ariege["hot"]["n"], ariege["hot"]["expectations_rate"]) == (2, 0.0)

    assert year(2025, course=varied["other"].pk)["sessions"]["total"] == 1
    assert year(2025, theme="sante-mentale")["sessions"]["total"] == 2
    assert year(2025, trainer=varied["alice"].pk)["trainees"] == 4
    bruno = year(2025, trainer=varied["bruno"].pk)
    assert (bruno["sessions"]["total"], bruno["trainees"], bruno["hot"]["n"]) == (2, 3, 2)
    assert year(2025, department="31", funding=Funding.INTRA)["sessions"]["total"] == 0
    assert drapps["filters"] == {"funding": "drapps"}


def test_breakdowns_by_department_theme_sector_and_category(varied):
    data = year(2025)
    sector = varied["sector"]

    assert data["by_department"] == [
        {"code": "09", "label": "Ariège", "sessions": 1, "trainees": 2, "trainee_hours": 21.0},
        {"code": "31", "label": "Haute-Garonne", "sessions": 2, "trainees": 4, "trainee_hours": 49.0},
    ]
    # A course with two themes counts under both; a course without theme comes last.
    assert [(row["code"], row["sessions"], row["trainees"]) for row in data["by_theme"]] == [
        ("competences-psychosociales", 1, 3),
        ("sante-mentale", 2, 5),
        (None, 1, 1),
    ]
    assert data["by_theme"][1]["label"] == "Santé mentale"
    assert data["by_sector"] == [
        {"code": sector.label, "label": sector.label, "sessions": 2, "trainees": 4, "trainee_hours": 56.0},
        {"code": None, "label": data["by_sector"][1]["label"], "sessions": 2, "trainees": 2, "trainee_hours": 14.0},
    ]
    assert [(row["code"] is None, row["trainees"]) for row in data["by_professional_category"]] == [
        (False, 3),
        (True, 3),
    ]


def test_an_empty_year_gives_zeros_and_no_rate():
    data = indicators_for_year(year=2019, today=TODAY)

    assert data["year"] == 2019
    assert data["sessions"] == {"total": 0, "by_funding": {"drapps": 0, "intra": 0, "inter": 0, "other": 0}}
    assert (data["trainees"], data["distinct_trainees"], data["trainee_hours"], data["seats"]) == (0, 0, 0, 0)
    assert data["avg_duration_days"] == dict.fromkeys(("all", "drapps", "intra", "inter", "other"))
    assert data["fill_rate"] is None
    assert data["hot"] == {
        "expectations_rate": None,
        "n": 0,
        "objectives_rate": None,
        "objectives_n": 0,
        "response_rate": None,
        "invitations": 0,
    }
    assert data["cold"] == {
        "needs_met_rate": None,
        "practice_rate": None,
        "n": 0,
        "practice_n": 0,
        "response_rate": None,
        "invitations": 0,
    }
    assert data["by_department"] == data["by_theme"] == data["by_sector"] == data["by_professional_category"] == []
    json.dumps(data)  # plain data


def test_any_period_can_be_asked(varied):
    spring = indicators_for_period(
        first_day=datetime.date(2025, 3, 1), last_day=datetime.date(2025, 5, 31), today=TODAY
    )

    assert spring["sessions"]["total"] == 2
    assert spring["period"] == {"first_day": "2025-03-01", "last_day": "2025-05-31"}


def _queries(**kwargs) -> int:
    with CaptureQueriesContext(connection) as queries:
        indicators_for_year(year=2025, today=TODAY, **kwargs)
    return len(queries)


def test_the_indicators_cost_a_fixed_number_of_queries(varied, course, django_assert_max_num_queries):
    with django_assert_max_num_queries(5):
        indicators_for_year(year=2025, today=TODAY)
    before = _queries()

    for week in range(6):
        session = held(course, datetime.date(2025, 9, 1) + datetime.timedelta(weeks=week))
        people = [trainee(session, "14") for _ in range(8)]
        imported_answers(session, HOT, [(person, {"attentes": 3, "objectifs": 2}) for person in people])
        imported_answers(session, COLD, [(person, {"besoins": 1, "mise_en_pratique": 1}) for person in people])

    assert _queries() == before
    assert _queries(filters=IndicatorFilters(theme="competences-psychosociales", trainer=varied["alice"].pk)) == before


# The command
# ------------------------------------------------------------------------------


def _json_command(*args) -> dict:
    out = io.StringIO()
    call_command("indicators", *args, stdout=out)
    return json.loads(out.getvalue())


def test_command_prints_the_documented_keys_as_json(varied):
    data = _json_command("--year", "2025", "--format", "json")

    for path in (
        "year",
        "sessions.total",
        "sessions.by_funding.drapps",
        "sessions.by_funding.intra",
        "sessions.by_funding.inter",
        "sessions.by_funding.other",
        "trainees",
        "distinct_trainees",
        "trainee_hours",
        "avg_duration_days.all",
        "avg_duration_days.drapps",
        "avg_duration_days.intra",
        "avg_duration_days.inter",
        "avg_duration_days.other",
        "fill_rate",
        "hot.expectations_rate",
        "hot.n",
        "hot.response_rate",
        "cold.needs_met_rate",
        "cold.practice_rate",
        "cold.n",
        "by_department",
        "by_theme",
        "by_sector",
        "by_professional_category",
    ):
        value = data
        for key in path.split("."):
            assert key in value, path
            value = value[key]
    assert data["year"] == 2025
    assert (data["sessions"]["total"], data["trainees"], data["hot"]["n"]) == (3, 6, 5)
    assert data["avg_duration_days"]["all"] == pytest.approx(35 / 21)  # unrounded
    assert data["hot"]["expectations_rate"] == 0.6


def test_command_filters(varied):
    data = _json_command("--year", "2025", "--format", "json", "--funding", "intra", "--department", "9")

    assert (data["sessions"]["total"], data["trainees"]) == (1, 2)
    assert data["filters"] == {"funding": "intra", "department": "09"}


def test_command_table_is_readable(varied):
    out = io.StringIO()

    call_command("indicators", "--year", "2025", stdout=out)

    text = out.getvalue()
    assert "2025" in text.splitlines()[0]
    assert "60\u00a0%" in text  # French percentages
    assert "Haute-Garonne" in text and "Ariège" in text


@pytest.mark.parametrize("value", ["deux-mille", "25000", "0", ""])
def test_command_refuses_an_invalid_year(value):
    with pytest.raises(CommandError):
        call_command("indicators", "--year", value)


@pytest.mark.parametrize(
    "args",
    [
        ("--department", "99"),
        ("--theme", "inconnu"),
        ("--funding", "ars"),
        ("--format", "xml"),
        ("--course", "999999"),
        ("--trainer", "999999"),
    ],
)
def test_command_refuses_unknown_filters(db, args):
    with pytest.raises(CommandError):
        call_command("indicators", "--year", "2025", *args)
