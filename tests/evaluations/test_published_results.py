"""Results published on the course sheets and the home page (Qualiopi indicator 2): computed, never typed."""

import datetime
import html
from decimal import Decimal

import pandas  # noqa: F401  imported before any frozen clock: importing it under freezegun crashes the interpreter
import pytest
from freezegun import freeze_time

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cms.cache import public_cache_bump
from evaluations.choices import CampaignOrigin, CampaignStatus, QuestionnaireKind, ResponseSource
from evaluations.indicators import PUBLICATION_MIN_RESPONDENTS, publication_period
from evaluations.models import Answer, Campaign, Questionnaire, Response
from evaluations.services.responses import response_submit
from tests.clock import NOW
from tests.factories import RegistrationFactory, SessionFactory, course_create, slots_create
from training.choices import RegistrationStatus, SessionStatus

pytestmark = pytest.mark.django_db

LATER = NOW + datetime.timedelta(hours=2)


def history(course, kind, answers: list[dict], *, first_day=datetime.date(2025, 10, 6)) -> None:
    """A held session of `course` with one trainee per answer, and those answers as the import stores them."""
    session = SessionFactory(course=course, status=SessionStatus.DONE)
    slots_create(session=session, first_day=first_day, days=2)
    slug = "a_chaud" if kind == QuestionnaireKind.HOT else "a_froid_6_mois"
    questionnaire = Questionnaire.objects.get(slug=slug)
    questions = {question.key: question for question in questionnaire.questions.all()}
    opened = timezone.make_aware(datetime.datetime(2025, 10, 8))
    campaign = Campaign.objects.create(
        questionnaire=questionnaire,
        kind=kind,
        session=session,
        status=CampaignStatus.CLOSED,
        origin=CampaignOrigin.IMPORT,
        opened_at=opened,
        closes_at=opened,
    )
    for values in answers:
        registration = RegistrationFactory(
            session=session, status=RegistrationStatus.CONFIRMED, hours_recorded=Decimal("14")
        )
        response = Response.objects.create(
            campaign=campaign, registration=registration, source=ResponseSource.IMPORT, submitted_at=opened
        )
        Answer.objects.bulk_create(
            Answer(response=response, question=questions[key], number=number) for key, number in values.items()
        )


def hot(*expectations) -> list[dict]:
    return [{"attentes": value, "objectifs": 3} for value in expectations]


def cold(*pairs) -> list[dict]:
    return [{"besoins": needs, "mise_en_pratique": practice} for needs, practice in pairs]


def results_of(client, url: str) -> str:
    with freeze_time(LATER):
        response = client.get(url)
    assert response.status_code == 200
    return html.unescape(response.content.decode()).split('id="results"')[1].split("</section>")[0]


def row(results: str, key: str) -> str:
    return results.split(f'data-result="{key}"')[1].split("</div>")[0]


def test_without_answers_the_pages_keep_saying_nothing_is_published_yet(client, course):
    for url in (course.url, "/"):
        results = results_of(client, url)

        assert "Aucun résultat publié" in results
        assert "data-result" not in results
        assert "%" not in results


@pytest.mark.parametrize("respondents", [PUBLICATION_MIN_RESPONDENTS - 1, 1])
def test_a_rate_is_not_published_below_the_threshold(client, course, respondents):
    history(course, QuestionnaireKind.HOT, hot(*[4] * respondents))

    results = results_of(client, course.url)

    assert "Aucun résultat publié" not in results
    assert 'data-result="expectations"' in results
    assert "%" not in results
    assert str(PUBLICATION_MIN_RESPONDENTS) in row(results, "expectations")


def test_rates_are_published_with_their_number_and_period(client, course):
    history(course, QuestionnaireKind.HOT, hot(4, 4, 3, 3, 2, 4))
    history(course, QuestionnaireKind.COLD, cold((1, 1), (1, 1), (1, 0), (1, 0), (0, 1)))

    results = results_of(client, course.url)

    assert "janvier 2025" in results and "novembre 2026" in results
    expectations = row(results, "expectations")
    assert "83,3\u00a0%" in expectations
    assert " 6 " in expectations.replace("(", " ")
    assert expectations.count("%") == 1  # imported answers: no response rate to show
    assert "80\u00a0%" in row(results, "needs_met")
    assert "60\u00a0%" in row(results, "practice")
    assert " 5 " in row(results, "practice").replace("(", " ")


def test_exactly_the_threshold_is_published(client, course):
    history(course, QuestionnaireKind.HOT, hot(*[4] * PUBLICATION_MIN_RESPONDENTS))
    history(course, QuestionnaireKind.COLD, cold((1, 1)))

    results = results_of(client, course.url)

    assert "100\u00a0%" in row(results, "expectations")
    assert "%" not in row(results, "needs_met")  # one six-month answer only


def test_the_period_is_last_year_and_this_one():
    assert publication_period(datetime.date(2026, 11, 22)) == (datetime.date(2025, 1, 1), datetime.date(2026, 11, 22))


def test_sessions_before_the_period_are_left_out(client, course):
    history(course, QuestionnaireKind.HOT, hot(*[1] * 6), first_day=datetime.date(2024, 12, 2))
    history(course, QuestionnaireKind.HOT, hot(*[4] * 5))

    assert "100\u00a0%" in row(results_of(client, course.url), "expectations")


def test_the_course_page_shows_its_course_and_the_home_page_all_courses(client, catalogue, course):
    other = course_create(catalogue=catalogue, title="Premiers secours en santé mentale", slug="pssm")
    history(course, QuestionnaireKind.HOT, hot(4, 4, 4, 4, 4))
    history(other, QuestionnaireKind.HOT, hot(1, 1, 1, 1, 1))

    assert "100\u00a0%" in row(results_of(client, course.url), "expectations")
    other_expectations = row(results_of(client, other.url), "expectations")
    assert "0\u00a0%" in other_expectations and "100" not in other_expectations
    home = row(results_of(client, "/"), "expectations")
    assert "50\u00a0%" in home
    assert " 10 " in home.replace("(", " ")


def test_a_new_response_shows_at_once_despite_the_public_cache(client, course, held_session, hot_campaign, committed):
    """The held session (of the same course) has three invitations; history adds five imported answers."""
    history(course, QuestionnaireKind.HOT, hot(4, 4, 4, 4, 1))
    assert "80\u00a0%" in row(results_of(client, course.url), "expectations")
    with CaptureQueriesContext(connection) as queries:
        results_of(client, course.url)
    assert len(queries) == 0  # served from the public cache
    invitation = hot_campaign.invitations.filter(registration__isnull=False).first()

    with committed():
        response_submit(token=invitation.token, values={"attentes": "4", "objectifs": "4"}, now=LATER)

    expectations = row(results_of(client, course.url), "expectations")
    assert "83,3\u00a0%" in expectations
    assert "33,3\u00a0%" in expectations  # response rate of the online survey: 1 answer out of 3 invitations


def _page_queries(client, url: str) -> int:
    public_cache_bump()
    with CaptureQueriesContext(connection) as queries:
        results_of(client, url)
    return len(queries)


def test_the_pages_cost_the_same_queries_whatever_the_number_of_answers(client, course):
    results_of(client, course.url)  # first render: Wagtail's one-time lookups
    results_of(client, "/")
    course_before, home_before = _page_queries(client, course.url), _page_queries(client, "/")

    for week in range(4):
        first_day = datetime.date(2025, 3, 3) + datetime.timedelta(weeks=week)
        history(course, QuestionnaireKind.HOT, hot(4, 3, 2, 4, 4, 3), first_day=first_day)
        history(course, QuestionnaireKind.COLD, cold((1, 1), (1, 0), (0, 0), (1, 1), (1, 1)), first_day=first_day)

    assert _page_queries(client, course.url) == course_before
    assert _page_queries(client, "/") == home_before
