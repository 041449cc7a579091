"""The survey e-mails: the invitation and its reminders, each with the answer link and the opt-out link."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from cms.models import OrganisationSettings

from ..choices import QuestionnaireKind
from ..models import Invitation


def _absolute(path: str) -> str:
    return settings.WAGTAILADMIN_BASE_URL.rstrip("/") + path


def _subject(invitation: Invitation, reminder: bool) -> str:
    campaign = invitation.campaign
    subject_of = {
        QuestionnaireKind.HOT: _("Your opinion on the training: %(subject)s"),
        QuestionnaireKind.COLD: _("Six months later: %(subject)s"),
        QuestionnaireKind.POSITIONING: _("Before the training: %(subject)s"),
        QuestionnaireKind.TRAINER: _("Trainer's report: %(subject)s"),
        QuestionnaireKind.CLIENT: _("Your opinion on the training delivered: %(subject)s"),
        QuestionnaireKind.FUNDER: _("Our yearly survey: %(subject)s"),
    }[campaign.kind]
    what = campaign.session.course.title if campaign.session_id else str(campaign.year)
    subject = subject_of % {"subject": what}
    return _("Reminder — %(subject)s") % {"subject": subject} if reminder else subject


def invitation_links(invitation: Invitation) -> dict[str, str]:
    return {
        "answer_url": _absolute(reverse("evaluations:answer", args=[invitation.token])),
        "opt_out_url": _absolute(reverse("evaluations:opt_out", args=[invitation.token])),
    }


def invitation_message_build(*, invitation: Invitation, reminder: bool) -> EmailMultiAlternatives:
    """The French e-mail (text and HTML) inviting, or reminding, this addressee to answer."""
    organisation = OrganisationSettings.load()
    campaign = invitation.campaign
    with translation.override("fr"), timezone.override(settings.TIME_ZONE):
        links = invitation_links(invitation)
        context = {
            "invitation": invitation,
            "campaign": campaign,
            "questionnaire": campaign.questionnaire,
            "session": campaign.session,
            "course": campaign.session.course if campaign.session_id else None,
            "organisation": organisation,
            "reminder": reminder,
            **links,
        }
        subject = _subject(invitation, reminder)
        text = render_to_string("emails/surveys/invitation.txt", context)
        html = render_to_string("emails/registration/message.html", {**context, "subject": subject, "body": text})
        message = EmailMultiAlternatives(
            subject=subject,
            body=text,
            to=[invitation.email],
            reply_to=[organisation.email] if organisation.email else None,
            # RFC 8058: mail clients offer a one-click "unsubscribe" that posts to the opt-out link.
            headers={
                "List-Unsubscribe": f"<{links['opt_out_url']}>",
                "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            },
        )
        message.attach_alternative(html, "text/html")
    return message
