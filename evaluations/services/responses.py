"""Answering a survey: one response per invitation, checked question by question, editable while open.

`answer_value_clean` is the one definition of what a valid answer is for each type of question;
the answer form, the historical import and the service all use it.
"""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cms.cache import public_cache_bump

from ..choices import CampaignStatus, QuestionnaireKind, QuestionType
from ..exceptions import SurveyError
from ..models import Answer, Invitation, Question, Response

TEXT_MAX_LENGTH = 5000
_YES = {"oui", "yes", "true", "1", "o", "y"}
_NO = {"non", "no", "false", "0", "n"}


def _is_empty(raw) -> bool:
    return raw is None or (isinstance(raw, str) and not raw.strip()) or (isinstance(raw, list | tuple) and not raw)


def _integer(raw, low: int, high: int) -> int | None:
    if isinstance(raw, bool):
        return None
    if isinstance(raw, float) and raw.is_integer():
        raw = int(raw)
    try:
        value = int(str(raw).strip())
    except ValueError:
        return None
    return value if low <= value <= high else None


def answer_value_clean(question: Question, raw) -> tuple[int | None, str, list[str]] | None:
    """The stored form (number, text, options) of a raw answer; None when there is no answer.

    Raises `SurveyError` (`answer_invalid`, with the question key) for a value the question does not
    accept: a scale outside 1–4, a score outside 0–10, an option that is not offered…
    """
    if _is_empty(raw):
        return None
    invalid = SurveyError(_("This answer is not one of those offered."), "answer_invalid", field=question.key)
    kind = question.type
    if kind == QuestionType.SCALE:
        number = _integer(raw, 1, 4)
    elif kind == QuestionType.SCORE:
        number = _integer(raw, 0, 10)
    elif kind == QuestionType.YES_NO:
        word = str(raw).strip().lower() if not isinstance(raw, bool) else ("oui" if raw else "non")
        number = 1 if word in _YES else 0 if word in _NO else None
    elif kind in (QuestionType.SINGLE, QuestionType.MULTIPLE):
        chosen = [raw] if isinstance(raw, str) else list(raw)
        offered = {option.casefold(): option for option in question.option_list}
        labels = [offered.get(str(choice).strip().casefold()) for choice in chosen]
        if None in labels or (kind == QuestionType.SINGLE and len(labels) != 1):
            raise invalid
        return None, "", list(dict.fromkeys(labels))
    else:
        text = str(raw).strip()
        if len(text) > TEXT_MAX_LENGTH:
            raise SurveyError(
                _("This answer is too long (%(max)s characters at most).") % {"max": TEXT_MAX_LENGTH},
                "answer_too_long",
                field=question.key,
            )
        return None, text, []
    if number is None:
        raise invalid
    return number, "", []


def answers_clean(questions, values: dict) -> dict[Question, tuple]:
    """Every question's stored answer from `values` (question key → raw value), required ones present."""
    cleaned = {}
    for question in questions:
        value = answer_value_clean(question, values.get(question.key))
        if value is None:
            if question.required:
                raise SurveyError(_("This question needs an answer."), "answer_required", field=question.key)
            continue
        cleaned[question] = value
    return cleaned


def invitation_for_token(token: str, *, lock: bool = False) -> Invitation:
    """The invitation of this link; `link_invalid` when there is none (the page is a 404)."""
    invitations = Invitation.objects.select_related(
        "campaign__questionnaire", "campaign__session__course", "registration__user"
    )
    if lock:
        invitations = invitations.select_for_update(of=("self",))
    invitation = invitations.filter(token=token).first() if token else None
    if invitation is None:
        raise SurveyError(_("This link is not valid."), "link_invalid")
    return invitation


def invitation_is_open(invitation: Invitation, now: datetime.datetime | None = None) -> bool:
    campaign = invitation.campaign
    return campaign.status == CampaignStatus.OPEN and campaign.closes_at > (now or timezone.now())


def response_submit(*, token: str, values: dict, now: datetime.datetime | None = None) -> Response:
    """Record (or replace) the answers of the invitation behind `token`.

    Codes: `link_invalid`, `survey_closed`, `already_answered` (an anonymous questionnaire is
    answered once), `answer_required`, `answer_invalid`, `answer_too_long`.
    """
    now = now or timezone.now()
    with transaction.atomic():
        invitation = invitation_for_token(token, lock=True)
        campaign = invitation.campaign
        if not invitation_is_open(invitation, now):
            raise SurveyError(_("This survey is closed: answers are no longer accepted."), "survey_closed")
        questionnaire = campaign.questionnaire
        if questionnaire.anonymous and invitation.answered_at is not None:
            raise SurveyError(_("You have already answered this anonymous questionnaire."), "already_answered")
        cleaned = answers_clean(questionnaire.questions.all(), values)

        if questionnaire.anonymous:
            midnight = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
            response = Response.objects.create(campaign=campaign, submitted_at=midnight)
        else:
            response = Response.objects.filter(invitation=invitation).first()
            if response is None:
                response = Response(campaign=campaign, invitation=invitation, registration=invitation.registration)
            response.submitted_at = now
            response.save()
            response.answers.all().delete()
        Answer.objects.bulk_create(
            Answer(response=response, question=question, number=number, text=text, choices=choices)
            for question, (number, text, choices) in cleaned.items()
        )
        if invitation.answered_at is None:
            invitation.answered_at = now
            invitation.save(update_fields=["answered_at"])
        if campaign.kind in (QuestionnaireKind.HOT, QuestionnaireKind.COLD):
            transaction.on_commit(public_cache_bump)  # the published results of the course change
    return response


def response_values(invitation: Invitation) -> dict:
    """The answers already given through this invitation (question key → value), to edit them."""
    if invitation.campaign.questionnaire.anonymous:
        return {}
    response = Response.objects.filter(invitation=invitation).first()
    if response is None:
        return {}
    values = {}
    for answer in response.answers.select_related("question"):
        question = answer.question
        if question.type == QuestionType.YES_NO:
            values[question.key] = "oui" if answer.number else "non"
        elif question.type in (QuestionType.SCALE, QuestionType.SCORE):
            values[question.key] = answer.number
        elif question.type == QuestionType.SINGLE:
            values[question.key] = answer.choices[0] if answer.choices else ""
        elif question.type == QuestionType.MULTIPLE:
            values[question.key] = list(answer.choices)
        else:
            values[question.key] = answer.text
    return values
