"""Answering: the token, one response per invitation, the answer rules, anonymity."""

import datetime

import pytest
from freezegun import freeze_time

from evaluations.choices import QuestionType
from evaluations.exceptions import SurveyError
from evaluations.models import Answer, Question, Response
from evaluations.services.responses import answer_value_clean, response_submit, response_values


def _answer(invitation, values, **kwargs):
    return response_submit(token=invitation.token, values=values, **kwargs)


def _code(call) -> str:
    with pytest.raises(SurveyError) as refused:
        call()
    return refused.value.code


@pytest.fixture
def invitation(hot_campaign):
    return hot_campaign.invitations.select_related("registration").first()


def test_an_answer_is_kept_with_the_registration_and_stops_the_reminders(invitation):
    response = _answer(invitation, {"attentes": "4", "objectifs": 3, "commentaire": "  Très concret  "})

    invitation.refresh_from_db()
    assert invitation.answered_at is not None
    assert response.registration == invitation.registration and response.invitation == invitation
    assert {a.question.key: (a.number, a.text) for a in response.answers.select_related("question")} == {
        "attentes": (4, ""),
        "objectifs": (3, ""),
        "commentaire": (None, "Très concret"),
    }


def test_answering_again_edits_the_one_response(invitation):
    _answer(invitation, {"attentes": 2, "objectifs": 2, "commentaire": "Trop de théorie"})
    first_answered = type(invitation).objects.get(pk=invitation.pk).answered_at

    _answer(invitation, {"attentes": 3, "objectifs": 2})

    response = Response.objects.get()
    assert response.answers.get(question__key="attentes").number == 3
    assert not response.answers.filter(question__key="commentaire").exists()  # emptied: removed
    assert type(invitation).objects.get(pk=invitation.pk).answered_at == first_answered
    assert response_values(invitation) == {"attentes": 3, "objectifs": 2}


@pytest.mark.parametrize("token", ["", "inconnu", "x" * 43])
def test_a_wrong_token_is_refused(hot_campaign, token):
    assert _code(lambda: response_submit(token=token, values={"attentes": 4, "objectifs": 4})) == "link_invalid"


def test_a_closed_survey_takes_no_answer(invitation, hot_campaign):
    with freeze_time(hot_campaign.closes_at):
        assert _code(lambda: _answer(invitation, {"attentes": 4, "objectifs": 4})) == "survey_closed"
    assert not Response.objects.exists()


def test_required_questions_must_be_answered(invitation):
    assert _code(lambda: _answer(invitation, {"attentes": 4})) == "answer_required"
    assert not Response.objects.exists()


@pytest.mark.parametrize("value", [0, 5, "4,5", "beaucoup", True])
def test_a_scale_answer_outside_one_to_four_is_refused(invitation, value):
    assert _code(lambda: _answer(invitation, {"attentes": value, "objectifs": 4})) == "answer_invalid"


def test_a_comment_too_long_is_refused(invitation):
    values = {"attentes": 4, "objectifs": 4, "commentaire": "a" * 5001}
    assert _code(lambda: _answer(invitation, values)) == "answer_too_long"


def _question(**fields) -> Question:
    return Question(key="q", text="?", **fields)


@pytest.mark.parametrize(
    ("question", "raw", "stored"),
    [
        (_question(type=QuestionType.YES_NO), "Oui", (1, "", [])),
        (_question(type=QuestionType.YES_NO), "non", (0, "", [])),
        (_question(type=QuestionType.YES_NO), False, (0, "", [])),
        (_question(type=QuestionType.SCORE), "10", (10, "", [])),
        (_question(type=QuestionType.SCORE), 0, (0, "", [])),
        (_question(type=QuestionType.SINGLE, options="Oui, souvent\nParfois"), "parfois", (None, "", ["Parfois"])),
        (
            _question(type=QuestionType.MULTIPLE, options="Temps\nMoyens\nAutre"),
            ["Moyens", "temps", "Moyens"],
            (None, "", ["Moyens", "Temps"]),
        ),
        (_question(type=QuestionType.TEXT), "  ", None),
        (_question(type=QuestionType.MULTIPLE, options="Temps"), [], None),
    ],
)
def test_answers_are_stored_in_one_form_per_type(question, raw, stored):
    assert answer_value_clean(question, raw) == stored


@pytest.mark.parametrize(
    ("question", "raw"),
    [
        (_question(type=QuestionType.YES_NO), "peut-être"),
        (_question(type=QuestionType.SCORE), 11),
        (_question(type=QuestionType.SINGLE, options="A\nB"), "C"),
        (_question(type=QuestionType.SINGLE, options="A\nB"), ["A", "B"]),
        (_question(type=QuestionType.MULTIPLE, options="A\nB"), ["A", "Z"]),
    ],
)
def test_answers_not_offered_are_refused(question, raw):
    assert _code(lambda: answer_value_clean(question, raw)) == "answer_invalid"


# Anonymous questionnaires
# ------------------------------------------------------------------------------


@pytest.fixture
def anonymous_invitation(invitation):
    invitation.campaign.questionnaire.anonymous = True
    invitation.campaign.questionnaire.save()
    return invitation


def test_an_anonymous_response_never_says_who_answered(anonymous_invitation, hot_campaign):
    with freeze_time(hot_campaign.opened_at + datetime.timedelta(hours=5, minutes=17)):
        response = _answer(anonymous_invitation, {"attentes": 1, "objectifs": 2, "commentaire": "Décevant"})

    response.refresh_from_db()
    assert response.invitation is None and response.registration is None
    local = response.submitted_at.astimezone(datetime.UTC)
    assert (local.minute, local.second) == (0, 0)  # only the day is kept (midnight, Paris time)
    anonymous_invitation.refresh_from_db()
    assert anonymous_invitation.answered_at is not None  # reminders stop
    assert response_values(anonymous_invitation) == {}


def test_an_anonymous_questionnaire_is_answered_once(anonymous_invitation):
    _answer(anonymous_invitation, {"attentes": 4, "objectifs": 4})

    assert _code(lambda: _answer(anonymous_invitation, {"attentes": 1, "objectifs": 1})) == "already_answered"
    assert Response.objects.count() == 1
    assert list(Answer.objects.order_by("question__key").values_list("number", flat=True)) == [4, 4]
