"""Attendance e-mails and drop-out follow-up (Qualiopi indicator 12).

When a trainer locks a half-day with absences, the coordination is told once (the sheet records
when), to call the person and, if they give up the training, record the reason
(`registration_abandonment_record`). The one-time signing link is sent from here too.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.roles import COORDINATION
from cms.models import OrganisationSettings

from ..choices import AbandonmentReason, AttendanceStatus
from ..exceptions import TrainingError
from ..models import Attendance, AttendanceSheet, Registration


def _email(*, subject: str, template: str, context: dict, to: list[str]) -> EmailMultiAlternatives:
    organisation = OrganisationSettings.load()
    context = {**context, "organisation": organisation}
    text = render_to_string(template, context)
    html = render_to_string("emails/registration/message.html", {**context, "subject": subject, "body": text})
    message = EmailMultiAlternatives(
        subject=subject, body=text, to=to, reply_to=[organisation.email] if organisation.email else None
    )
    message.attach_alternative(html, "text/html")
    return message


def _absolute(path: str) -> str:
    return settings.WAGTAILADMIN_BASE_URL.rstrip("/") + path


def attendance_link_message_send(*, sheet: AttendanceSheet, registration: Registration, token: str) -> None:
    """The one-time link to sign this half-day, sent at once (the trainee is waiting in the room)."""
    with translation.override("fr"), timezone.override(settings.TIME_ZONE):
        slot = sheet.slot
        subject = _("Sign your attendance: %(course)s") % {"course": slot.session.course.title}
        _email(
            subject=subject,
            template="emails/attendance/sign_link.txt",
            context={
                "slot": slot,
                "session": slot.session,
                "person": registration.user,
                "link": _absolute(reverse("training:sign-link", args=[token])),
                "minutes": settings.ATTENDANCE_LINK_MINUTES,
            },
            to=[registration.user.email],
        ).send()


def absence_alert_enqueue(*, sheet_id: int) -> None:
    from ..tasks import absence_alert_send_task

    transaction.on_commit(lambda: absence_alert_send_task.delay(sheet_id))


def coordination_recipients() -> list[str]:
    """The active members of the Coordination group, or the organisation's address without any."""
    emails = list(
        get_user_model()
        .objects.filter(groups__name=COORDINATION, is_active=True)
        .exclude(email="")
        .order_by("email")
        .values_list("email", flat=True)
        .distinct()
    )
    if not emails and OrganisationSettings.load().email:
        emails = [OrganisationSettings.load().email]
    return emails


def absence_alert_send(*, sheet_id: int, now: datetime.datetime | None = None) -> bool:
    """Tell the coordination who was absent from a locked half-day, once; True when sent now."""
    now = now or timezone.now()
    with transaction.atomic():
        sheet = AttendanceSheet.objects.select_for_update().select_related("slot__session__course").get(pk=sheet_id)
        if sheet.absence_alert_sent_at is not None:
            return False
        absences = list(
            Attendance.objects.filter(slot=sheet.slot, status=AttendanceStatus.ABSENT)
            .select_related("registration__user")
            .order_by("registration__user__last_name", "registration__user__first_name")
        )
        recipients = coordination_recipients()
        if not absences or not recipients:
            return False
        session = sheet.slot.session
        with translation.override("fr"), timezone.override(settings.TIME_ZONE):
            subject = _("Absences to follow up: %(code)s") % {"code": session.code}
            _email(
                subject=subject,
                template="emails/attendance/absence_alert.txt",
                context={
                    "slot": sheet.slot,
                    "session": session,
                    "absences": absences,
                    "followup_url": _absolute(reverse("attendance:absences")),
                },
                to=recipients,
            ).send()
        sheet.absence_alert_sent_at = now
        sheet.save(update_fields=["absence_alert_sent_at"])
    return True


@transaction.atomic
def registration_abandonment_record(
    *, registration: Registration, reason: str, details: str = "", by, now: datetime.datetime | None = None
) -> Registration:
    """The coordination records that a trainee gave up the training, and why (indicator 12).

    Recording again replaces the reason. Errors: `reason_invalid`, `details_required` (for "other").
    """
    now = now or timezone.now()
    if reason not in AbandonmentReason.values:
        raise TrainingError(_("Choose the reason the person gave."), "reason_invalid")
    if reason == AbandonmentReason.OTHER and not details.strip():
        raise TrainingError(_("Please describe the reason."), "details_required")
    registration = Registration.objects.select_for_update().get(pk=registration.pk)
    registration.abandoned_at = registration.abandoned_at or now
    registration.abandonment_reason = reason
    registration.abandonment_details = details.strip()
    registration.decided_by = by
    registration.save(update_fields=["abandoned_at", "abandonment_reason", "abandonment_details", "decided_by"])
    return registration
