"""Turning a survey response into a quality record: an improvement action (Qualiopi indicator 32)
or a complaint (indicator 31), linked to the response and its session.

The coordination opens the form from a comment or a low score of the results pages; the
`*_initial` functions prefill it, the `*_create_from_response` functions record it. An anonymous
questionnaire's response never names its author: a complaint made from it names nobody. A
complaint is received through `services.complaints` (its deadlines, its history); an improvement
action can also be decided from a complaint (`improvement_action_initial_from_complaint`).

Error codes (`SurveyError`): `title_required`, `subject_required`, `description_required`,
`anonymous_response` (a name or an address given for an anonymous response).
"""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ..choices import QuestionType
from ..exceptions import SurveyError
from ..models import (
    ActionSource,
    ActionStatus,
    Complaint,
    ComplaintChannel,
    ComplaintKind,
    ImprovementAction,
    Response,
)
from ..results import answer_is_low, answer_label
from .complaints import complaint_receive, complaint_reference

_TITLE_MAX = 200


def _subject_of(response: Response) -> str:
    campaign = response.campaign
    about = campaign.session.code if campaign.session_id else str(campaign.year)
    return f"{campaign.questionnaire.title} — {about}"


def response_comment(response: Response) -> str:
    """The free-text answers of a response, one paragraph each (prefetch `answers__question`)."""
    texts = [
        answer.text.strip()
        for answer in sorted(response.answers.all(), key=lambda answer: answer.question.sort_order or 0)
        if answer.question.type == QuestionType.TEXT and answer.text.strip()
    ]
    return "\n\n".join(texts)


def response_author(response: Response) -> tuple[str, str]:
    """The name and address of whoever gave this response; empty for an anonymous questionnaire."""
    if response.campaign.questionnaire.anonymous:
        return "", ""
    if response.registration_id:
        user = response.registration.user
        return user.get_full_name(), user.email
    if response.invitation_id:
        return response.invitation.name, response.invitation.email
    return "", ""


def response_low_answers(response: Response) -> list[str]:
    """The low answers of a response, as "question: answer" lines (prefetch `answers__question`)."""
    return [
        f"{answer.question.text} {answer_label(answer.question, answer.number)}"
        for answer in sorted(response.answers.all(), key=lambda answer: answer.question.sort_order or 0)
        if answer_is_low(answer.question, answer.number)
    ]


def _truncate(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def improvement_action_initial(*, response: Response) -> dict:
    """What the improvement action form starts with: a title and a description quoting the comment."""
    title = _("Follow-up of a survey answer: %(subject)s") % {"subject": _subject_of(response)}
    received = _("Answer received on %(date)s:") % {"date": f"{timezone.localtime(response.submitted_at):%d/%m/%Y}"}
    quoted = ["\n".join(response_low_answers(response)), response_comment(response)]
    return {
        "title": _truncate(title, _TITLE_MAX),
        "description": "\n\n".join([received, *[part for part in quoted if part]]),
    }


def complaint_initial(*, response: Response) -> dict:
    """What the complaint form starts with: the author (unless anonymous), the date of the answer,
    a subject and the comment as description."""
    complainant, email = response_author(response)
    return {
        "received_at": response.submitted_at,
        "complainant": complainant,
        "email": email,
        "subject": _truncate(_("Survey answer: %(subject)s") % {"subject": _subject_of(response)}, _TITLE_MAX),
        "description": response_comment(response),
    }


@transaction.atomic
def improvement_action_create_from_response(
    *,
    response: Response,
    title: str,
    description: str = "",
    status: str = ActionStatus.PLANNED,
    owner=None,
    due_on: datetime.date | None = None,
    follow_up: str = "",
    by=None,
) -> ImprovementAction:
    """Record an improvement action decided from a survey response (source "survey result"),
    linked to the response and its session; its owner is whoever records it unless given."""
    if not title.strip():
        raise SurveyError(_("Give the action a title."), "title_required", field="title")
    return ImprovementAction.objects.create(
        title=title.strip(),
        description=description.strip(),
        source=ActionSource.SURVEY,
        source_response=response,
        session_id=response.campaign.session_id,
        status=status,
        owner=owner if owner is not None else by,
        due_on=due_on,
        follow_up=follow_up.strip(),
    )


@transaction.atomic
def complaint_create_from_response(
    *,
    response: Response,
    subject: str,
    description: str,
    received_at: datetime.datetime | None = None,
    complainant: str = "",
    email: str = "",
    kind: str = ComplaintKind.COMPLAINT,
    owner=None,
    by=None,
) -> Complaint:
    """Record a complaint expressed in a survey response (`complaints.complaint_receive`, channel
    "survey answer"), linked to it and its session, received when the response was given unless
    told otherwise. For an anonymous questionnaire nobody is named."""
    if response.campaign.questionnaire.anonymous and (complainant.strip() or email.strip()):
        raise SurveyError(
            _("This answer is anonymous: the complaint cannot name its author."), "anonymous_response", field="email"
        )
    return complaint_receive(
        subject=subject,
        description=description,
        received_at=received_at or response.submitted_at,
        complainant=complainant,
        email=email,
        session=response.campaign.session,
        kind=kind,
        channel=ComplaintChannel.SURVEY,
        owner=owner if owner is not None else by,
        source_response=response,
        by=by,
    )


def improvement_action_initial_from_complaint(*, complaint: Complaint) -> dict:
    """What the improvement action form starts with when decided from a complaint: its source,
    session and a description quoting the complaint's analysis (or its description)."""
    title = _("Follow-up of complaint %(reference)s: %(subject)s") % {
        "reference": complaint_reference(complaint),
        "subject": complaint.subject,
    }
    quoted = complaint.analysis or complaint.description
    return {
        "title": _truncate(title, _TITLE_MAX),
        "description": quoted,
        "source": ActionSource.COMPLAINT,
        "complaint": complaint.pk,
        "session": complaint.session_id,
    }
