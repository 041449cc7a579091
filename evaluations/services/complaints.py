"""Complaints, difficulties and incidents (Qualiopi indicator 31): received, acknowledged,
answered, analysed, closed, each step dated and kept in the record's history.

    received ──acknowledge──► acknowledged ──answer──► answered ──analyse──► analysed ──close──► closed
        └────────────────────answer───────────────────┘   (an answer also acknowledges)

- Deadlines, set on receipt: acknowledge within `COMPLAINT_ACKNOWLEDGE_DAYS` working days
  (default 2: Monday to Friday, French public holidays excluded), answer within
  `COMPLAINT_ANSWER_DAYS` calendar days (default 15). A complaint is *overdue* the day after a
  deadline it has not met (`complaint_overdue_q`).
- E-mails to the complainant, when they gave an address: the acknowledgement and the answer,
  each sent once (after the commit, by a Celery task that records the sending in the complaint's
  history and sends nothing when it finds it there). A complaint made on the website's form is
  acknowledged at once and the coordination is told about it.
- `complaints_overdue_remind` (the morning reminders) e-mails each overdue complaint's owner, or
  the organisation's address when nobody owns it, at most once a day per complaint.
- Every step is logged with `wagtail.log_actions.log` (who, when, what), which the back office's
  history view shows.

Error codes (`SurveyError`): `subject_required`, `description_required`, `email_required`,
`email_invalid`, `complaint_wrong_state`, `answer_required`, `analysis_required`.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from functools import cache

from dateutil.easter import easter

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from wagtail.log_actions import log
from wagtail.models import ModelLogEntry

from cms.models import OrganisationSettings
from training.models import Session
from training.services.absences import coordination_recipients

from ..exceptions import SurveyError
from ..models import Complaint, ComplaintChannel, ComplaintKind, ComplaintStatus, Response

# History actions (registered with their labels in `evaluations.quality_hooks`).
ACTION_ACKNOWLEDGE = "evaluations.complaint.acknowledge"
ACTION_ANSWER = "evaluations.complaint.answer"
ACTION_ANALYSE = "evaluations.complaint.analyse"
ACTION_CLOSE = "evaluations.complaint.close"
ACTION_OWNER_REMINDED = "evaluations.complaint.owner_reminded"

# The e-mails of a complaint, each sent once: its kind → the history action recording it.
MESSAGE_ACKNOWLEDGEMENT = "acknowledgement"
MESSAGE_ANSWER = "answer"
MESSAGE_COORDINATION = "coordination"
MESSAGE_ACTIONS = {
    MESSAGE_ACKNOWLEDGEMENT: "evaluations.complaint.acknowledgement_sent",
    MESSAGE_ANSWER: "evaluations.complaint.answer_sent",
    MESSAGE_COORDINATION: "evaluations.complaint.coordination_notified",
}

# Which step may follow which status.
OPEN_STATUSES = (ComplaintStatus.RECEIVED, ComplaintStatus.ACKNOWLEDGED)
_ALLOWED_FROM = {
    "acknowledge": (ComplaintStatus.RECEIVED,),
    "answer": OPEN_STATUSES,
    "analyse": (ComplaintStatus.ANSWERED,),
    "close": (ComplaintStatus.ANALYSED,),
}


# Deadlines
# ------------------------------------------------------------------------------


@cache
def _public_holidays(year: int) -> frozenset[datetime.date]:
    """The French public holidays of a year (metropolitan calendar)."""
    easter_sunday = easter(year)
    fixed = [(1, 1), (5, 1), (5, 8), (7, 14), (8, 15), (11, 1), (11, 11), (12, 25)]
    movable = [easter_sunday + datetime.timedelta(days=offset) for offset in (1, 39, 50)]
    return frozenset([datetime.date(year, month, day) for month, day in fixed] + movable)


def is_working_day(day: datetime.date) -> bool:
    return day.weekday() < 5 and day not in _public_holidays(day.year)


def working_days_after(day: datetime.date, count: int) -> datetime.date:
    """The `count`-th working day after `day` (Friday + 2 → Tuesday); `day` itself for 0."""
    remaining = count
    while remaining > 0:
        day += datetime.timedelta(days=1)
        if is_working_day(day):
            remaining -= 1
    return day


def complaint_deadlines(received_at: datetime.datetime) -> tuple[datetime.date, datetime.date]:
    """The dates by which a complaint received then is acknowledged and answered."""
    received_on = timezone.localdate(received_at)
    acknowledge_days = getattr(settings, "COMPLAINT_ACKNOWLEDGE_DAYS", 2)
    answer_days = getattr(settings, "COMPLAINT_ANSWER_DAYS", 15)
    return (
        working_days_after(received_on, acknowledge_days),
        received_on + datetime.timedelta(days=answer_days),
    )


def complaint_overdue_q(today: datetime.date) -> Q:
    """The complaints past a deadline they have not met: not acknowledged after `acknowledge_by`,
    not answered after `answer_by`."""
    return Q(status=ComplaintStatus.RECEIVED, acknowledge_by__lt=today) | Q(
        status__in=OPEN_STATUSES, answer_by__lt=today
    )


def complaint_late_steps(complaint: Complaint, today: datetime.date) -> list[str]:
    """What is late on this complaint: "acknowledge" and/or "answer" (empty when nothing is)."""
    late = []
    if complaint.status == ComplaintStatus.RECEIVED and complaint.acknowledge_by and complaint.acknowledge_by < today:
        late.append("acknowledge")
    if complaint.status in OPEN_STATUSES and complaint.answer_by and complaint.answer_by < today:
        late.append("answer")
    return late


def complaint_reference(complaint: Complaint) -> str:
    """The number given to the complainant: REC-2026-0042 (year received, record number)."""
    return f"REC-{timezone.localtime(complaint.received_at).year}-{complaint.pk:04d}"


# The workflow
# ------------------------------------------------------------------------------


def _clean_email(email: str, *, required: bool) -> str:
    email = email.strip()
    if not email:
        if required:
            raise SurveyError(_("Give an e-mail address so that we can answer."), "email_required", field="email")
        return ""
    try:
        validate_email(email)
    except ValidationError:
        raise SurveyError(_("This e-mail address is not valid."), "email_invalid", field="email") from None
    return email


def _session_named(text: str) -> Session | None:
    """The session whose code the complainant typed, if they typed exactly one."""
    code = text.strip()
    if not code or " " in code:
        return None
    return Session.objects.filter(code__iexact=code).first()


@transaction.atomic
def complaint_receive(
    *,
    subject: str,
    description: str,
    received_at: datetime.datetime | None = None,
    complainant: str = "",
    email: str = "",
    session: Session | None = None,
    about: str = "",
    kind: str = ComplaintKind.COMPLAINT,
    channel: str = ComplaintChannel.EMAIL,
    owner=None,
    source_response: Response | None = None,
    by=None,
    acknowledge: bool = False,
    notify_coordination: bool = False,
    now: datetime.datetime | None = None,
) -> Complaint:
    """Record a complaint, a difficulty or an incident as received, with its deadlines.

    `about` is what the complainant said of the training concerned (free text, kept at the top of
    the description; a session code typed exactly links the session). A complaint from the
    website's form needs an address to answer to. `acknowledge` acknowledges it at once (its
    e-mail goes once committed); `notify_coordination` tells the coordination by e-mail. `now` is
    when it is recorded (the history's date), `received_at` when it was received (now by default).

    Errors: `subject_required`, `description_required`, `email_required`, `email_invalid`.
    """
    now = now or timezone.now()
    received_at = received_at or now
    if not subject.strip():
        raise SurveyError(_("Give the complaint a subject."), "subject_required", field="subject")
    if not description.strip():
        raise SurveyError(_("Describe the complaint."), "description_required", field="description")
    email = _clean_email(email, required=channel == ComplaintChannel.FORM)
    about = " ".join(about.split())
    if session is None and about:
        session = _session_named(about)
    description = description.strip()
    if about:
        description = _("Training or session concerned: %(about)s") % {"about": about} + "\n\n" + description
    acknowledge_by, answer_by = complaint_deadlines(received_at)
    complaint = Complaint.objects.create(
        received_at=received_at,
        complainant=" ".join(complainant.split()),
        email=email,
        session=session,
        subject=" ".join(subject.split())[:200],
        description=description,
        kind=kind,
        channel=channel,
        status=ComplaintStatus.RECEIVED,
        acknowledge_by=acknowledge_by,
        answer_by=answer_by,
        owner=owner,
        source_response=source_response,
    )
    log(instance=complaint, action="wagtail.create", user=by, timestamp=now)
    if acknowledge:
        complaint = complaint_acknowledge(complaint=complaint, by=by, now=now)
    if notify_coordination:
        complaint_message_enqueue(complaint_id=complaint.pk, kind=MESSAGE_COORDINATION)
    return complaint


def _lock(complaint: Complaint) -> Complaint:
    return Complaint.objects.select_for_update().get(pk=complaint.pk)


def _check_step(complaint: Complaint, step: str) -> None:
    if complaint.status not in _ALLOWED_FROM[step]:
        messages = {
            "acknowledge": _("Only a complaint just received can be acknowledged."),
            "answer": _("This complaint was already answered."),
            "analyse": _("A complaint is analysed once it has been answered."),
            "close": _("A complaint is closed once its answer has been analysed."),
        }
        raise SurveyError(messages[step], "complaint_wrong_state")


@transaction.atomic
def complaint_acknowledge(*, complaint: Complaint, by=None, now: datetime.datetime | None = None) -> Complaint:
    """Acknowledge a complaint just received; the complainant gets the acknowledgement by e-mail
    (once) with its reference and the date by which they will be answered.

    Errors: `complaint_wrong_state`.
    """
    now = now or timezone.now()
    complaint = _lock(complaint)
    _check_step(complaint, "acknowledge")
    complaint.status = ComplaintStatus.ACKNOWLEDGED
    complaint.acknowledged_at = now
    complaint.save(update_fields=["status", "acknowledged_at", "updated_at"])
    log(instance=complaint, action=ACTION_ACKNOWLEDGE, user=by, timestamp=now)
    if complaint.email:
        complaint_message_enqueue(complaint_id=complaint.pk, kind=MESSAGE_ACKNOWLEDGEMENT)
    return complaint


@transaction.atomic
def complaint_answer(*, complaint: Complaint, answer: str, by=None, now: datetime.datetime | None = None) -> Complaint:
    """Record the answer given (which also acknowledges a complaint not acknowledged yet); it is
    e-mailed to the complainant (once) when they gave an address.

    Errors: `complaint_wrong_state`, `answer_required`.
    """
    now = now or timezone.now()
    complaint = _lock(complaint)
    _check_step(complaint, "answer")
    if not answer.strip():
        raise SurveyError(_("Write the answer given to the complainant."), "answer_required", field="answer")
    complaint.status = ComplaintStatus.ANSWERED
    complaint.acknowledged_at = complaint.acknowledged_at or now
    complaint.answered_at = now
    complaint.answer = answer.strip()
    complaint.save(update_fields=["status", "acknowledged_at", "answered_at", "answer", "updated_at"])
    log(instance=complaint, action=ACTION_ANSWER, user=by, timestamp=now)
    if complaint.email:
        complaint_message_enqueue(complaint_id=complaint.pk, kind=MESSAGE_ANSWER)
    return complaint


@transaction.atomic
def complaint_analyse(
    *, complaint: Complaint, analysis: str, by=None, now: datetime.datetime | None = None
) -> Complaint:
    """Record the analysis of an answered complaint: its causes and what it says of our practice
    (an improvement action may follow, indicator 32).

    Errors: `complaint_wrong_state`, `analysis_required`.
    """
    now = now or timezone.now()
    complaint = _lock(complaint)
    _check_step(complaint, "analyse")
    if not analysis.strip():
        raise SurveyError(_("Write the analysis of the complaint."), "analysis_required", field="analysis")
    complaint.status = ComplaintStatus.ANALYSED
    complaint.analysis = analysis.strip()
    complaint.save(update_fields=["status", "analysis", "updated_at"])
    log(instance=complaint, action=ACTION_ANALYSE, user=by, timestamp=now)
    return complaint


@transaction.atomic
def complaint_close(*, complaint: Complaint, by=None, now: datetime.datetime | None = None) -> Complaint:
    """Close an analysed complaint.

    Errors: `complaint_wrong_state`.
    """
    now = now or timezone.now()
    complaint = _lock(complaint)
    _check_step(complaint, "close")
    complaint.status = ComplaintStatus.CLOSED
    complaint.closed_at = now
    complaint.save(update_fields=["status", "closed_at", "updated_at"])
    log(instance=complaint, action=ACTION_CLOSE, user=by, timestamp=now)
    return complaint


# E-mails
# ------------------------------------------------------------------------------


def complaint_message_enqueue(*, complaint_id: int, kind: str) -> None:
    """Send this e-mail of the complaint once the current transaction commits."""
    from ..tasks import complaint_message_send_task

    transaction.on_commit(lambda: complaint_message_send_task.delay(complaint_id, kind))


def _absolute(path: str) -> str:
    return settings.WAGTAILADMIN_BASE_URL.rstrip("/") + path


def _privacy_url(organisation: OrganisationSettings) -> str:
    page = organisation.privacy_page
    return _absolute(page.url) if page is not None and page.live and page.url else ""


def _email(*, subject: str, template: str, context: dict, to: list[str]) -> EmailMultiAlternatives:
    organisation = context["organisation"]
    text = render_to_string(template, context)
    html = render_to_string("emails/registration/message.html", {**context, "subject": subject, "body": text})
    message = EmailMultiAlternatives(
        subject=subject, body=text, to=to, reply_to=[organisation.email] if organisation.email else None
    )
    message.attach_alternative(html, "text/html")
    return message


def complaint_message_build(*, complaint: Complaint, kind: str) -> EmailMultiAlternatives | None:
    """The French e-mail of this kind about this complaint, or None when it has nobody to go to."""
    organisation = OrganisationSettings.load()
    with translation.override("fr"), timezone.override(settings.TIME_ZONE):
        reference = complaint_reference(complaint)
        context = {
            "complaint": complaint,
            "reference": reference,
            "organisation": organisation,
            "privacy_url": _privacy_url(organisation),
        }
        if kind == MESSAGE_COORDINATION:
            recipients = coordination_recipients()
            if not recipients:
                return None
            subject = _("New complaint %(reference)s: %(subject)s") % {
                "reference": reference,
                "subject": complaint.subject,
            }
            context["admin_url"] = _absolute(reverse("complaints:edit", args=[complaint.pk]))
            return _email(
                subject=subject, template="emails/complaints/coordination.txt", context=context, to=recipients
            )
        if not complaint.email:
            return None
        if kind == MESSAGE_ACKNOWLEDGEMENT:
            subject = _("We have received your message (reference %(reference)s)") % {"reference": reference}
            template = "emails/complaints/acknowledgement.txt"
        else:
            subject = _("Our answer to your message (reference %(reference)s)") % {"reference": reference}
            template = "emails/complaints/answer.txt"
        return _email(subject=subject, template=template, context=context, to=[complaint.email])


def _message_expected(complaint: Complaint, kind: str) -> bool:
    """Whether this e-mail still makes sense: an acknowledgement or an answer that was given."""
    if kind == MESSAGE_ACKNOWLEDGEMENT:
        return complaint.acknowledged_at is not None
    if kind == MESSAGE_ANSWER:
        return complaint.answered_at is not None and bool(complaint.answer)
    return kind == MESSAGE_COORDINATION


def complaint_message_sent(complaint: Complaint, kind: str) -> bool:
    return ModelLogEntry.objects.for_instance(complaint).filter(action=MESSAGE_ACTIONS[kind]).exists()


def complaint_message_send(*, complaint_id: int, kind: str) -> bool:
    """Send this e-mail of the complaint unless its history shows it sent; True when sent now.

    The complaint is locked while sending, so two workers never send the same e-mail.
    """
    if kind not in MESSAGE_ACTIONS:
        raise ValueError(kind)
    with transaction.atomic():
        complaint = (
            Complaint.objects.select_for_update(of=("self",))
            .select_related("session__course")
            .filter(pk=complaint_id)
            .first()
        )
        if complaint is None or not _message_expected(complaint, kind) or complaint_message_sent(complaint, kind):
            return False
        message = complaint_message_build(complaint=complaint, kind=kind)
        if message is None:
            return False
        message.send()
        log(instance=complaint, action=MESSAGE_ACTIONS[kind], data={"to": message.to, "subject": message.subject})
    return True


# Overdue complaints
# ------------------------------------------------------------------------------


def _reminder_recipient(complaint: Complaint, organisation: OrganisationSettings) -> str:
    owner = complaint.owner
    if owner is not None and owner.is_active and owner.email:
        return owner.email
    return organisation.email


def complaints_overdue_remind(*, now: datetime.datetime | None = None) -> int:
    """E-mail each overdue complaint's owner (or the organisation's address when it has no owner):
    one e-mail per person listing their overdue complaints, each complaint at most once a day.
    Returns how many complaints were reminded.

    One transaction per person, its complaints locked and read again: a run that stops half-way
    (an SMTP failure, a worker killed, then the task delivered again) sends nothing twice to
    those already reminded today.
    """
    now = now or timezone.now()
    today = timezone.localdate(now)
    start_of_day = timezone.make_aware(datetime.datetime.combine(today, datetime.time.min))
    organisation = OrganisationSettings.load()
    due = Q(complaint_overdue_q(today)) & (Q(owner_reminded_at__isnull=True) | Q(owner_reminded_at__lt=start_of_day))
    by_recipient: dict[str, list[int]] = defaultdict(list)
    for complaint in Complaint.objects.filter(due).select_related("owner").order_by("received_at", "pk"):
        recipient = _reminder_recipient(complaint, organisation)
        if recipient:
            by_recipient[recipient].append(complaint.pk)
    reminded = 0
    for recipient, ids in by_recipient.items():
        with transaction.atomic():
            complaints = [
                complaint
                for complaint in Complaint.objects.select_for_update(of=("self",))
                .filter(due, pk__in=ids)
                .select_related("owner", "session")
                .order_by("received_at", "pk")
                if _reminder_recipient(complaint, organisation) == recipient
            ]
            if not complaints:  # reminded meanwhile by another run, or given to someone else
                continue
            with translation.override("fr"), timezone.override(settings.TIME_ZONE):
                rows = [
                    {
                        "complaint": complaint,
                        "reference": complaint_reference(complaint),
                        "late": complaint_late_steps(complaint, today),
                        "url": _absolute(reverse("complaints:edit", args=[complaint.pk])),
                    }
                    for complaint in complaints
                ]
                subject = _("Complaints overdue: %(count)s") % {"count": len(complaints)}
                _email(
                    subject=subject,
                    template="emails/complaints/overdue.txt",
                    context={"rows": rows, "organisation": organisation, "today": today},
                    to=[recipient],
                ).send()
            Complaint.objects.filter(pk__in=[complaint.pk for complaint in complaints]).update(owner_reminded_at=now)
            for complaint in complaints:
                log(instance=complaint, action=ACTION_OWNER_REMINDED, data={"to": recipient}, timestamp=now)
            reminded += len(complaints)
    return reminded
