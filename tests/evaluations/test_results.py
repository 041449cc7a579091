"""The survey results the back office shows: one question's figures, a campaign's, the results
across campaigns (grouped tables, comments, standard indicators) and the before/after comparison."""

import datetime
from decimal import Decimal

import pytest
from freezegun import freeze_time

from django.db import connection
from django.test.utils import CaptureQueriesContext

from evaluations.choices import QuestionnaireKind, QuestionType
from evaluations.models import Question, Questionnaire
from evaluations.results import (
    ResultsFilter,
    answer_is_low,
    before_after,
    campaign_for_results,
    campaign_results,
    question_result,
    results_overview,
)
from evaluations.services.campaigns import campaign_open, invitation_create
from evaluations.services.responses import response_submit
from tests.clock import NOW
from tests.factories import (
    RegistrationFactory,
    SessionFactory,
    TrainerFactory,
    UserFactory,
    course_create,
    department,
    slots_create,
)
from training.choices import Funding, RegistrationStatus, SessionStatus

pytestmark = pytest.mark.django_db

LATER = NOW + datetime.timedelta(hours=1)
YEAR_2026 = {"date_from": datetime.date(2026, 1, 1), "date_to": datetime.date(2026, 12, 31)}


@pytest.fixture(autouse=True)
def _frozen():
    with freeze_time(LATER):
        yield


def _answer(invitation, **values):
    return response_submit(token=invitation.token, values=values, now=LATER)


def _invitations(campaign):
    return list(campaign.invitations.select_related("registration__user").order_by("pk"))


def _session(
    course, *, code, first_day=datetime.date(2026, 10, 5), trainer="Durand", dep="31", funding=Funding.DRAPPS, people=3
):
    session = SessionFactory(
        course=course, code=code, status=SessionStatus.DONE, department=department(dep), funding=funding
    )
    session.trainers.add(TrainerFactory(first_name="Inès", last_name=trainer))
    slots_create(session=session, first_day=first_day, days=1)
    for index in range(people):
        RegistrationFactory(
            session=session,
            status=RegistrationStatus.CONFIRMED,
            hours_recorded=Decimal("7"),
            user=UserFactory(first_name="Léa", last_name=f"{code}-{index}"),
        )
    return session


def _hot(session):
    return campaign_open(kind=QuestionnaireKind.HOT, session=session, now=NOW)


# One question
# ------------------------------------------------------------------------------


def test_a_scale_question_counts_each_level_and_the_satisfied():
    question = Question(key="attentes", text="Attentes", type=QuestionType.SCALE)
    result = question_result(question, [(4, "", []), (3, "", []), (1, "", []), (4, "", []), (None, "", [])])

    assert result.n == 4
    assert [(bar.count, bar.share) for bar in result.bars] == [(1, 0.25), (0, 0.0), (1, 0.25), (2, 0.5)]
    assert result.satisfied_rate == 0.75
    assert result.satisfied_count == 3


def test_yes_no_score_choices_and_text_questions():
    yes_no = question_result(Question(type=QuestionType.YES_NO), [(1, "", []), (0, "", []), (1, "", [])])
    assert (yes_no.n, yes_no.yes_rate) == (3, 2 / 3)
    assert [bar.count for bar in yes_no.bars] == [2, 1]

    score = question_result(Question(type=QuestionType.SCORE), [(10, "", []), (7, "", []), (4, "", [])])
    assert score.mean == 7
    assert len(score.bars) == 11 and score.bars[10].count == 1

    multiple = question_result(
        Question(type=QuestionType.MULTIPLE, options="Temps\nMoyens\nAutre"),
        [(None, "", ["Temps", "Moyens"]), (None, "", ["Temps"]), (None, "", ["Ancienne option"]), (None, "", [])],
    )
    assert multiple.n == 3
    assert [(bar.label, bar.count) for bar in multiple.bars] == [
        ("Temps", 2),
        ("Moyens", 1),
        ("Autre", 0),
        ("Ancienne option", 1),  # an option removed since is still counted, last
    ]

    text = question_result(Question(type=QuestionType.TEXT), [(None, "Bien", []), (None, "  ", [])])
    assert (text.n, text.bars) == (1, [])


def test_low_answers_are_the_ones_to_look_at():
    scale = Question(type=QuestionType.SCALE)
    positioning = Question(type=QuestionType.SCALE, indicator="positioning")
    practice = Question(type=QuestionType.YES_NO, indicator="practice")
    fact = Question(type=QuestionType.YES_NO)
    score = Question(type=QuestionType.SCORE)

    assert [answer_is_low(scale, value) for value in (1, 2, 3, 4)] == [True, True, False, False]
    assert not answer_is_low(positioning, 1)  # a level of knowledge, not an opinion
    assert answer_is_low(practice, 0) and not answer_is_low(practice, 1)
    assert not answer_is_low(fact, 0)
    assert answer_is_low(score, 6) and not answer_is_low(score, 7)


# One campaign
# ------------------------------------------------------------------------------


def test_campaign_results_on_hand_made_answers(hot_campaign):
    first, second, third = _invitations(hot_campaign)
    _answer(first, attentes=4, objectifs=3, recommandation=9, commentaire="Très concret, merci.")
    _answer(second, attentes=1, objectifs=2, recommandation=3)
    _answer(second, attentes=2, objectifs=2, recommandation=5, commentaire="Trop théorique")  # latest answer wins

    results = campaign_results(campaign=campaign_for_results(campaign_id=hot_campaign.pk))

    assert (results.invited, results.answered, results.responses) == (3, 2, 2)
    assert results.rate == 2 / 3
    by_key = {result.question.key: result for result in results.questions}
    assert [bar.count for bar in by_key["attentes"].bars] == [0, 1, 0, 1]
    assert by_key["attentes"].satisfied_rate == 0.5
    assert by_key["recommandation"].mean == 7
    assert by_key["commentaire"].n == 2
    reviews = {review.who: review for review in results.reviews}
    second_name = second.registration.user.get_full_name()
    assert set(reviews) == {first.registration.user.get_full_name(), second_name}
    assert reviews[second_name].comments == [("Commentaire libre", "Trop théorique")]
    assert [question for question, _answer_label in reviews[second_name].low_answers] == [
        "La formation a-t-elle répondu à vos attentes ?",
        "Les objectifs annoncés ont-ils été atteints ?",
        "Recommanderiez-vous cette formation à un collègue ?",
    ]
    assert reviews[second_name].email == second.email
    assert [invitation.pk for invitation in results.non_respondents] == [third.pk]


def test_an_anonymous_campaign_names_nobody(held_session, hot_questionnaire):
    Questionnaire.objects.filter(pk=hot_questionnaire.pk).update(anonymous=True)
    campaign = _hot(held_session)
    first, second, _third = _invitations(campaign)
    _answer(first, attentes=1, objectifs=1, commentaire="Zut")
    _answer(second, attentes=2, objectifs=3, commentaire="Abricot")

    results = campaign_results(campaign=campaign_for_results(campaign_id=campaign.pk))

    assert results.anonymous
    assert [(review.who, review.email, review.submitted_at) for review in results.reviews] == [("", "", None)] * 2
    # ordered by what they say, never by when they came
    assert [review.comments[0][1] for review in results.reviews] == ["Abricot", "Zut"]


# Across campaigns
# ------------------------------------------------------------------------------


@pytest.fixture
def three_sessions(catalogue):
    """Two held sessions of two courses, trainers and départements, and a third cancelled since."""
    cps = course_create(catalogue=catalogue, title="Compétences psychosociales")
    mental = course_create(catalogue=catalogue, title="Santé mentale")
    toulouse = _session(cps, code="2026-CPS-31", trainer="Durand", dep="31")
    foix = _session(mental, code="2026-SM-09", trainer="Barre", dep="09", funding=Funding.INTER)
    cancelled = _session(mental, code="2026-SM-12", trainer="Barre", dep="12")
    campaigns = {session.code: _hot(session) for session in (toulouse, foix, cancelled)}
    a, b, _c = _invitations(campaigns["2026-CPS-31"])
    _answer(a, attentes=4, objectifs=4, commentaire="Parfait")
    _answer(b, attentes=2, objectifs=3)
    d, e, f = _invitations(campaigns["2026-SM-09"])
    _answer(d, attentes=3, objectifs=3)
    _answer(e, attentes=3, objectifs=2, commentaire="Salle trop petite")
    _answer(f, attentes=1, objectifs=1)
    for invitation in _invitations(campaigns["2026-SM-12"]):
        _answer(invitation, attentes=1, objectifs=1, commentaire="Ne doit pas compter")
    cancelled.status = SessionStatus.CANCELLED
    cancelled.save()
    return campaigns


def _rows(group):
    return [(row.label, row.satisfied, row.n, row.answered, row.invited) for row in group]


def test_results_group_by_session_course_trainer_and_departement(three_sessions, hot_questionnaire):
    results = results_overview(filters=ResultsFilter(questionnaire=hot_questionnaire, **YEAR_2026))

    assert results.campaign_count == 2  # never a cancelled session
    assert (results.invited, results.answered, results.responses) == (6, 5, 5)
    assert results.headline.key == "attentes"
    attentes = next(result for result in results.questions if result.question.key == "attentes")
    assert (attentes.n, attentes.satisfied_count) == (5, 3)
    assert _rows(results.groups["session"]) == [
        ("2026-CPS-31 — Compétences psychosociales", 1, 2, 2, 3),
        ("2026-SM-09 — Santé mentale", 2, 3, 3, 3),
    ]
    assert results.groups["session"][0].campaign_id == three_sessions["2026-CPS-31"].pk
    assert _rows(results.groups["course"]) == [
        ("Compétences psychosociales", 1, 2, 2, 3),
        ("Santé mentale", 2, 3, 3, 3),
    ]
    assert _rows(results.groups["trainer"]) == [("Inès Barre", 2, 3, 3, 3), ("Inès Durand", 1, 2, 2, 3)]
    assert _rows(results.groups["department"]) == [("Ariège", 2, 3, 3, 3), ("Haute-Garonne", 1, 2, 2, 3)]
    assert results.groups["trainer"][0].rate == 2 / 3
    assert sorted(comment.text for comment in results.comments) == ["Parfait", "Salle trop petite"]
    assert all(comment.who.startswith("Léa ") for comment in results.comments)


def test_results_filters_narrow_the_sessions(three_sessions, hot_questionnaire):
    foix = three_sessions["2026-SM-09"].session

    def campaigns(**filters):
        return results_overview(filters=ResultsFilter(questionnaire=hot_questionnaire, **filters)).campaign_count

    assert campaigns() == 2
    assert campaigns(course_id=foix.course_id) == 1
    assert campaigns(trainer_id=foix.trainers.get().pk) == 1
    assert campaigns(department=department("31")) == 1
    assert campaigns(funding=Funding.INTER) == 1
    assert campaigns(date_from=datetime.date(2026, 10, 6)) == 0  # both started on 5 October
    assert campaigns(date_to=datetime.date(2025, 12, 31)) == 0


def test_standard_indicators_use_the_yearly_definitions(three_sessions, hot_questionnaire):
    indicators = results_overview(filters=ResultsFilter(questionnaire=hot_questionnaire, **YEAR_2026)).indicators
    rates = {rate.indicator: rate for rate in indicators["rates"]}

    assert indicators["sessions"] == 2
    assert (rates["expectations"].rate, rates["expectations"].n) == (3 / 5, 5)
    assert (rates["objectives"].rate, rates["objectives"].n) == (3 / 5, 5)
    assert rates["expectations"].response_rate == 5 / 6
    assert rates["needs_met"].n == 0 and rates["needs_met"].rate is None


def test_an_anonymous_questionnaire_s_comments_name_nobody(held_session, hot_questionnaire):
    Questionnaire.objects.filter(pk=hot_questionnaire.pk).update(anonymous=True)
    first, *_ = _invitations(_hot(held_session))
    _answer(first, attentes=3, objectifs=3, commentaire="Bien")
    results = results_overview(filters=ResultsFilter(questionnaire=Questionnaire.objects.get(pk=hot_questionnaire.pk)))

    assert [(comment.text, comment.who, comment.submitted_at) for comment in results.comments] == [("Bien", "", None)]


def test_a_yearly_survey_counts_in_its_year_unless_a_session_filter_applies(held_session):
    funder = Questionnaire.objects.get(kind=QuestionnaireKind.FUNDER)
    campaign = campaign_open(kind=QuestionnaireKind.FUNDER, year=2026, now=NOW)
    invitation = invitation_create(campaign=campaign, email="ars@exemple.fr", name="ARS Occitanie")
    response_submit(token=invitation.token, values={"partenariat": 4, "commentaire": "Bon partenariat"}, now=LATER)

    results = results_overview(filters=ResultsFilter(questionnaire=funder, **YEAR_2026))
    assert results.campaign_count == 1
    assert [comment.subject for comment in results.comments] == ["2026"]
    assert results_overview(filters=ResultsFilter(questionnaire=funder, funding=Funding.DRAPPS)).campaign_count == 0
    assert (
        results_overview(filters=ResultsFilter(questionnaire=funder, date_from=datetime.date(2027, 1, 1))).responses
        == 0
    )


def test_results_cost_the_same_queries_for_one_or_many_campaigns(catalogue, hot_questionnaire):
    course = course_create(catalogue=catalogue, title="Vaccination")

    def add(codes):
        for code in codes:
            session = _session(course, code=code, trainer=code)
            for invitation in _invitations(_hot(session)):
                _answer(invitation, attentes=3, objectifs=4, commentaire=f"Commentaire {code}")

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            results_overview(filters=ResultsFilter(questionnaire=hot_questionnaire, **YEAR_2026))
            before_after(filters=ResultsFilter(**YEAR_2026))
        return len(captured)

    add(["S1"])
    with_one = queries()
    add(["S2", "S3", "S4", "S5"])
    assert queries() == with_one


# Before / after
# ------------------------------------------------------------------------------


def _cold(session):
    return campaign_open(kind=QuestionnaireKind.COLD, session=session, now=NOW)


def test_before_after_links_the_answers_of_the_same_registration(held_session):
    hot, cold = _hot(held_session), _cold(held_session)
    hot_a, hot_b, hot_c = _invitations(hot)
    cold_by_registration = {invitation.registration_id: invitation for invitation in _invitations(cold)}
    _answer(hot_a, attentes=1, objectifs=2)
    _answer(hot_b, attentes=2, objectifs=2)
    _answer(hot_c, attentes=4, objectifs=4)
    _answer(cold_by_registration[hot_a.registration_id], besoins="non", mise_en_pratique="non")
    _answer(cold_by_registration[hot_b.registration_id], besoins="oui", mise_en_pratique="oui")
    # hot_c never answered six months later: not compared

    comparison = before_after(filters=ResultsFilter())

    assert [(row.registration_id, row.expectations, row.needs_met, row.practice) for row in comparison.rows] == [
        (hot_a.registration_id, 1, 0, 0),
        (hot_b.registration_id, 2, 1, 1),
    ]
    assert (comparison.dissatisfied, comparison.dissatisfied_no_practice) == (2, 1)
    assert (comparison.satisfied, comparison.satisfied_practice) == (0, 0)
    assert comparison.rows[0].name == hot_a.registration.user.get_full_name()


def test_before_after_leaves_out_anonymous_questionnaires_and_cancelled_sessions(held_session, hot_questionnaire):
    hot, cold = _hot(held_session), _cold(held_session)
    first = _invitations(hot)[0]
    _answer(first, attentes=1, objectifs=1)
    _answer(
        next(i for i in _invitations(cold) if i.registration_id == first.registration_id),
        besoins="non",
        mise_en_pratique="non",
    )
    assert len(before_after(filters=ResultsFilter()).rows) == 1

    Questionnaire.objects.filter(pk=hot_questionnaire.pk).update(anonymous=True)
    assert before_after(filters=ResultsFilter()).rows == []

    Questionnaire.objects.filter(pk=hot_questionnaire.pk).update(anonymous=False)
    held_session.status = SessionStatus.CANCELLED
    held_session.save()
    assert before_after(filters=ResultsFilter()).rows == []
