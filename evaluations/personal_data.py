"""The surveys a person was sent and their answers (sheets of their data export).

Answers to anonymous questionnaires are not linked to anyone, so they cannot be part of it.
"""

from django.utils.translation import gettext as _

from accounts.personal_data import personal_data_section

from .choices import SCALE_LABELS, QuestionType
from .models import Answer, Invitation, SurveyOptOut


@personal_data_section(lambda: _("Surveys"), order=50)
def _invitations(user):
    invitations = (
        Invitation.objects.filter(registration__user=user)
        .select_related("campaign__session", "campaign__questionnaire")
        .order_by("created_at")
    )
    headings = (_("Session"), _("Questionnaire"), _("Sent on"), _("Reminders"), _("Answered on"))
    rows = [
        (
            i.campaign.session.code if i.campaign.session_id else i.campaign.year,
            i.campaign.questionnaire.title,
            i.sent_at,
            i.reminders_sent,
            i.answered_at,
        )
        for i in invitations
    ]
    opted_out = SurveyOptOut.objects.filter(email__iexact=user.email).first()
    if opted_out is not None:
        rows.append(("", _("No more surveys asked on"), opted_out.created_at, "", ""))
    return headings, rows


def _answer_number(answer):
    """A number as the person chose it: the scale's words, yes or no, or the score."""
    if answer.number is None:
        return ""
    if answer.question.type == QuestionType.SCALE:
        return f"{answer.number} — {SCALE_LABELS.get(answer.number, '')}"
    if answer.question.type == QuestionType.YES_NO:
        return _("Yes") if answer.number else _("No")
    return answer.number


@personal_data_section(lambda: _("Survey answers"), order=55)
def _answers(user):
    answers = (
        Answer.objects.filter(response__registration__user=user)
        .select_related("question", "response__campaign__session", "response__campaign__questionnaire")
        .order_by("response__submitted_at", "question__sort_order")
    )
    headings = (_("Session"), _("Questionnaire"), _("Answered on"), _("Question"), _("Answer"))
    rows = []
    for answer in answers:
        campaign = answer.response.campaign
        value = answer.text or ", ".join(answer.choices) or _answer_number(answer)
        rows.append(
            (
                campaign.session.code if campaign.session_id else campaign.year,
                campaign.questionnaire.title,
                answer.response.submitted_at,
                answer.question.text,
                value,
            )
        )
    return headings, rows
