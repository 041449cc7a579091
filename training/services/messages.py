"""E-mails about a registration, each sent once and kept as evidence (Qualiopi indicator 9).

`registration_message_enqueue` is called by the registration services inside their
transaction: the Celery task leaves only once the change is committed. The task calls
`registration_message_send`, which writes the `RegistrationMessage` row under a lock before
sending and marks it sent afterwards, so a retried or duplicated task never sends twice.

Delivery guarantee (the same for every e-mail a task sends: survey invitations and reminders,
absence alerts, complaint messages). A task is acknowledged when it ends (`acks_late`), so it may
run again: after a retry, after a worker died (the broker delivers it again), or twice at once
(delivered again while still running). The order is: claim the row → send → mark it sent, and the
claim is the row lock itself, held in the transaction that marks it sent:

- a second run waits for the lock, then finds the message sent and sends nothing;
- a worker that dies before the server accepted the message loses its database connection:
  PostgreSQL rolls its transaction back at once, which releases the claim (no stale claim to
  time out and take over) and leaves the message unsent, for the run delivered again to send;
- a send that fails (SMTP error, `EMAIL_TIMEOUT`) rolls back too, and the task retries.

What remains is the few milliseconds between the server accepting the message and the commit: a
worker dying exactly then sends the message a second time. That is at-least-once, chosen over
at-most-once (marking sent before sending loses the message whenever the worker dies during the
SMTP exchange, a window a hundred times longer): a convocation or a certificate notice missed
costs more than one received twice. `tests/faults/` kills a real worker mid-way and checks that
every e-mail left once.
"""

from __future__ import annotations

import contextlib

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from cms.models import OrganisationSettings
from cms.pdf import page_pdf

from ..choices import DocumentKind, MessageKind, RegistrationStatus
from ..exceptions import TrainingError
from ..ics import session_calendar
from ..models import Document, Registration, RegistrationMessage

# The status a registration must still have for its message to make sense when the task runs.
_EXPECTED_STATUS = {
    MessageKind.RECEIVED: RegistrationStatus.PENDING,
    MessageKind.CONFIRMED: RegistrationStatus.CONFIRMED,
    MessageKind.WAITLISTED: RegistrationStatus.WAITLISTED,
    MessageKind.OFFERED: RegistrationStatus.OFFERED,
    MessageKind.OFFER_EXPIRED: RegistrationStatus.CANCELLED,
    MessageKind.CANCELLED: RegistrationStatus.CANCELLED,
    MessageKind.REFUSED: RegistrationStatus.REFUSED,
    MessageKind.REMINDER_7: RegistrationStatus.CONFIRMED,
    MessageKind.REMINDER_1: RegistrationStatus.CONFIRMED,
    MessageKind.DOCUMENTS: RegistrationStatus.CONFIRMED,
}


def _subject(kind: str, course_title: str) -> str:
    subjects = {
        MessageKind.RECEIVED: _("Registration received: %(course)s"),
        MessageKind.CONFIRMED: _("Convocation: %(course)s"),
        MessageKind.WAITLISTED: _("Waiting list: %(course)s"),
        MessageKind.OFFERED: _("A seat is free for you: %(course)s"),
        MessageKind.OFFER_EXPIRED: _("Seat offer expired: %(course)s"),
        MessageKind.CANCELLED: _("Registration cancelled: %(course)s"),
        MessageKind.REFUSED: _("Registration not accepted: %(course)s"),
        MessageKind.REMINDER_7: _("In one week: %(course)s"),
        MessageKind.REMINDER_1: _("Tomorrow: %(course)s"),
        MessageKind.DOCUMENTS: _("Your certificate is available: %(course)s"),
    }
    return subjects[kind] % {"course": course_title}


def registration_message_enqueue(*, registration_id: int, kind: str) -> None:
    """Send the message once the current transaction commits (at once outside a transaction)."""
    from ..tasks import registration_message_send_task

    transaction.on_commit(lambda: registration_message_send_task.delay(registration_id, kind))


def _absolute(path: str) -> str:
    return settings.WAGTAILADMIN_BASE_URL.rstrip("/") + path


def _page_url(page) -> str:
    return _absolute(page.url) if page is not None and page.live and page.url else ""


def _convocation_issue(*, registration_id: int) -> None:
    """Issue the convocation PDF (kept, verifiable) before its e-mail, in its own transaction: the
    session row is locked before the registration's, in the same order as every other service."""
    from .documents import document_issue

    registration = Registration.objects.select_related("session").get(pk=registration_id)
    if registration.status != RegistrationStatus.CONFIRMED:
        return
    with contextlib.suppress(TrainingError):  # no half-day yet: the e-mail alone convenes, with its calendar
        document_issue(kind=DocumentKind.CONVOCATION, session=registration.session, registration=registration)


def _attachments(registration: Registration, kind: str, organisation: OrganisationSettings) -> list[tuple]:
    """The convocation carries the calendar, the convocation as a PDF, the programme and the internal rules."""
    if kind != MessageKind.CONFIRMED:
        return []
    session = registration.session
    files = [
        (
            f"convocation-{session.code}.ics",
            session_calendar(session=session, registration=registration, organiser=organisation.name),
            "text/calendar; charset=utf-8; method=PUBLISH",
        ),
    ]
    convocation = Document.objects.current().filter(kind=DocumentKind.CONVOCATION, registration=registration).first()
    if convocation is not None:
        with convocation.file.open("rb") as stored:
            files.append((f"convocation-{session.code}.pdf", stored.read(), "application/pdf"))
    files += [
        (
            f"programme-{session.course.slug}.pdf",
            page_pdf(page=session.course, template_name="pdf/programme.html"),
            "application/pdf",
        ),
    ]
    rules = organisation.internal_rules_page
    if rules is not None and rules.live:
        files.append(
            (
                "reglement-interieur.pdf",
                page_pdf(page=rules.specific, template_name="pdf/content_page.html"),
                "application/pdf",
            )
        )
    return files


def registration_message_build(*, registration: Registration, kind: str) -> EmailMultiAlternatives:
    """The French e-mail (text and HTML) for this registration and kind."""
    organisation = OrganisationSettings.load()
    session = registration.session
    with translation.override("fr"), timezone.override(settings.TIME_ZONE):
        from ..services.registrations import registration_cancellation_deadline

        context = {
            "registration": registration,
            "session": session,
            "course": session.course,
            "slots": list(session.slots.order_by("date", "starts_at")),
            "venue": session.venue,
            "organisation": organisation,
            "kind": kind,
            "person": registration.user,
            "space_url": _absolute(reverse("training:space")),
            "course_url": _absolute(session.course.url or ""),
            "cancellation_deadline": registration_cancellation_deadline(session=session),
            "rules_url": _page_url(organisation.internal_rules_page),
            "privacy_url": _page_url(organisation.privacy_page),
        }
        subject = _subject(kind, session.course.title)
        text = render_to_string(f"emails/registration/{kind}.txt", context)
        html = render_to_string("emails/registration/message.html", {**context, "subject": subject, "body": text})
        message = EmailMultiAlternatives(
            subject=subject,
            body=text,
            to=[registration.user.email],
            reply_to=[organisation.email] if organisation.email else None,
        )
        message.attach_alternative(html, "text/html")
        for name, content, mimetype in _attachments(registration, kind, organisation):
            message.attach(name, content, mimetype)
    return message


def registration_message_send(*, registration_id: int, kind: str) -> bool:
    """Send this message of this registration unless it was already sent; True when sent now.

    A message whose moment has passed (a convocation for a registration cancelled since) is
    not sent. The row is locked while sending, so two workers never send the same message (see
    the module's docstring for what happens when a worker dies mid-way).
    """
    if kind == MessageKind.CONFIRMED:
        _convocation_issue(registration_id=registration_id)
    with transaction.atomic():
        registration = (
            Registration.objects.select_related("user", "session__course", "session__venue")
            .select_for_update(of=("self",))
            .get(pk=registration_id)
        )
        if registration.status != _EXPECTED_STATUS[kind]:
            return False
        message, _created = RegistrationMessage.objects.select_for_update().get_or_create(
            registration=registration, kind=kind, defaults={"recipient": registration.user.email}
        )
        if message.sent_at is not None:
            return False
        email = registration_message_build(registration=registration, kind=kind)
        email.send()
        message.recipient = registration.user.email
        message.subject = email.subject
        message.attachments = [name for name, _content, _mimetype in email.attachments]
        message.sent_at = timezone.now()
        message.save()
    return True
