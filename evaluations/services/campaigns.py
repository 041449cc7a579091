"""Survey campaigns: who is asked what and when, the invitations, the e-mails and the reminders.

The schedule (`surveys_due_send`, every hour from Celery beat and the `send_due_surveys` command):

- when the last half-day of a session has ended: the end-of-training survey to every trainee
  with attended hours (locked half-days), the trainer's report to its trainers, and for an intra
  session the client structure's survey to its contact;
- `SURVEY_COLD_MONTHS` after the last day: the six-month survey to the same trainees;
- `SURVEY_POSITIONING_DAYS` before the first day: the positioning questionnaire to those confirmed.

A kind is sent only when a questionnaire of that kind is in use. A session has at most one
campaign per kind (a database constraint), and a campaign at most one invitation per address,
per registration and per trainer (constraints too: a trainee who changed address is asked once):
running the schedule twice, or concurrently, sends nothing twice. While a campaign is open,
each run invites whoever became eligible since (a half-day locked late, a late confirmation).

E-mails leave from Celery tasks once the transaction commits. `invitation_send` and
`invitation_remind` lock the invitation row, check it still needs the message and stamp it,
so a retried or duplicated task never sends a second e-mail; a worker that dies mid-way leaves the
invitation unsent for the task delivered again (the lock is released by the rollback): at-least-once,
with the trade-off explained in `training.services.messages`. Reminders follow
`SURVEY_REMINDER_DAYS` and stop as soon as the person answers, opts out or the survey closes.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from dateutil.relativedelta import relativedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from training.choices import Funding, RegistrationStatus, SessionStatus
from training.models import Registration, Session, Trainer
from training.services.attendance import slot_bounds

from ..choices import CampaignOrigin, CampaignStatus, QuestionnaireKind
from ..exceptions import SurveyError
from ..models import Campaign, Invitation, Questionnaire, SurveyOptOut
from .messages import invitation_message_build

# Sent when the last half-day ends (the others have their own moment).
END_OF_TRAINING_KINDS = (QuestionnaireKind.HOT, QuestionnaireKind.TRAINER, QuestionnaireKind.CLIENT)


@dataclass(frozen=True)
class Addressee:
    email: str
    name: str
    registration: Registration | None = None
    trainer: Trainer | None = None


# Reads used by the rules
# ------------------------------------------------------------------------------


def active_questionnaire(kind: str) -> Questionnaire | None:
    return Questionnaire.objects.filter(kind=kind, is_active=True).first()


def is_opted_out(email: str) -> bool:
    return SurveyOptOut.objects.filter(email__iexact=email.strip()).exists()


def session_ended(session: Session, now: datetime.datetime) -> bool:
    """Whether the last half-day of the session is over."""
    last = session.slots.order_by("-date", "-ends_at").first()
    return last is not None and slot_bounds(last)[1] <= now


def _trainees(session: Session):
    """The session's confirmed trainees who are still themselves (not erased nor anonymised)."""
    return session.registrations.filter(
        status=RegistrationStatus.CONFIRMED, user__erased_at__isnull=True, user__anonymised_at__isnull=True
    )


def campaign_addressees(campaign: Campaign) -> list[Addressee]:
    """Who this campaign asks, as of now (opted-out addresses left out; nobody whose data was
    erased or anonymised: their address is no longer theirs)."""
    session = campaign.session
    if campaign.kind in (QuestionnaireKind.HOT, QuestionnaireKind.COLD):
        registrations = _trainees(session).with_hours_attended().filter(hours_attended__gt=0).select_related("user")
        people = [Addressee(r.user.email, r.user.get_full_name(), registration=r) for r in registrations]
    elif campaign.kind == QuestionnaireKind.POSITIONING:
        registrations = _trainees(session).select_related("user")
        people = [Addressee(r.user.email, r.user.get_full_name(), registration=r) for r in registrations]
    elif campaign.kind == QuestionnaireKind.TRAINER:
        people = [
            Addressee(t.email, f"{t.first_name} {t.last_name}", trainer=t)
            for t in session.trainers.filter(is_active=True).exclude(email="")
        ]
    elif campaign.kind == QuestionnaireKind.CLIENT and session.client_organisation_id:
        client = session.client_organisation
        people = [Addressee(client.contact_email, client.contact_name or client.name)] if client.contact_email else []
    else:  # the funder's yearly survey goes to the addresses the coordination adds
        people = []
    opted_out = {email.lower() for email in SurveyOptOut.objects.values_list("email", flat=True)}
    return [person for person in people if person.email.lower() not in opted_out]


def campaign_closes_at(*, kind: str, session: Session | None, opened_at: datetime.datetime) -> datetime.datetime:
    """Answers are taken for `SURVEY_OPEN_DAYS`; the positioning questionnaire until the first half-day starts."""
    closes_at = opened_at + datetime.timedelta(days=settings.SURVEY_OPEN_DAYS)
    if kind == QuestionnaireKind.POSITIONING and session is not None:
        first = session.slots.order_by("date", "starts_at").first()
        if first is not None:
            closes_at = max(min(closes_at, slot_bounds(first)[0]), opened_at + datetime.timedelta(hours=1))
    return closes_at


# Campaigns
# ------------------------------------------------------------------------------


def campaign_open(
    *,
    kind: str,
    session: Session | None = None,
    year: int | None = None,
    by=None,
    origin: str = CampaignOrigin.AUTOMATIC,
    now: datetime.datetime | None = None,
) -> Campaign:
    """Open the campaign of this kind for this session (or year) and invite its addressees.

    Opening a campaign that exists returns it (and invites whoever is newly eligible): never two.
    """
    now = now or timezone.now()
    questionnaire = active_questionnaire(kind)
    if questionnaire is None:
        raise SurveyError(_("No questionnaire of this kind is in use."), "no_questionnaire")
    if session is None and year is None:
        raise SurveyError(_("A survey is sent about a session or a year."), "campaign_subject_missing")
    if session is not None and session.status in (SessionStatus.CANCELLED, SessionStatus.DRAFT):
        raise SurveyError(_("No survey is sent for a cancelled or draft session."), "session_not_held")
    if kind == QuestionnaireKind.CLIENT and (session is None or session.funding != Funding.INTRA):
        raise SurveyError(_("The client structure's survey is for intra sessions."), "not_intra")
    lookup = (
        {"session": session, "kind": kind} if session is not None else {"session": None, "kind": kind, "year": year}
    )
    with transaction.atomic():
        campaign = Campaign.objects.filter(**lookup).first()
        if campaign is None:
            try:
                with transaction.atomic():
                    campaign = Campaign.objects.create(
                        **lookup,
                        questionnaire=questionnaire,
                        origin=origin,
                        opened_at=now,
                        closes_at=campaign_closes_at(kind=kind, session=session, opened_at=now),
                        created_by=by,
                    )
            except IntegrityError:  # opened concurrently: use that one
                campaign = Campaign.objects.get(**lookup)
        if campaign.status == CampaignStatus.OPEN:
            campaign_invitations_sync(campaign=campaign)
    return campaign


def campaign_invitations_sync(*, campaign: Campaign) -> int:
    """Invite the addressees of an open campaign who have no invitation yet; how many were invited."""
    if campaign.status != CampaignStatus.OPEN:
        return 0
    invited = {email.lower() for email in campaign.invitations.values_list("email", flat=True)}
    # Whoever was invited under another address (changed since) is not invited again.
    registrations = set(campaign.invitations.exclude(registration=None).values_list("registration_id", flat=True))
    trainers = set(campaign.invitations.exclude(trainer=None).values_list("trainer_id", flat=True))
    created = 0
    for person in campaign_addressees(campaign):
        if (
            person.email.lower() in invited
            or (person.registration is not None and person.registration.pk in registrations)
            or (person.trainer is not None and person.trainer.pk in trainers)
        ):
            continue
        invitation = invitation_create(
            campaign=campaign,
            email=person.email,
            name=person.name,
            registration=person.registration,
            trainer=person.trainer,
        )
        if invitation is not None:
            invited.add(person.email.lower())
            created += 1
    return created


def invitation_create(*, campaign: Campaign, email: str, name: str = "", registration=None, trainer=None):
    """Add one addressee to an open campaign and send their invitation once committed (None if already invited)."""
    from ..tasks import invitation_send_task

    if campaign.status != CampaignStatus.OPEN:
        raise SurveyError(_("This survey is closed."), "survey_closed")
    try:
        with transaction.atomic():
            invitation = Invitation.objects.create(
                campaign=campaign,
                email=email.strip(),
                name=name,
                registration=registration,
                trainer=trainer,
            )
    except IntegrityError:
        return None
    transaction.on_commit(lambda: invitation_send_task.delay(invitation.pk))
    return invitation


def campaign_close(*, campaign: Campaign) -> None:
    Campaign.objects.filter(pk=campaign.pk).update(status=CampaignStatus.CLOSED)


def _sessions_held():
    """Sessions that take place, except those imported from the history (their surveys are history too)."""
    return (
        Session.objects.exclude(status__in=(SessionStatus.CANCELLED, SessionStatus.DRAFT))
        .filter(imported_at__isnull=True)
        .with_schedule()
    )


def _ensure(session: Session, kind: str, now: datetime.datetime) -> int:
    """Open the campaign unless it exists or cannot be (no questionnaire in use, not intra…); how many
    invitations it created."""
    if Campaign.objects.filter(session=session, kind=kind).exists():
        return 0
    try:
        return campaign_open(kind=kind, session=session, now=now).invitations.count()
    except SurveyError:
        return 0


def surveys_due_send(*, now: datetime.datetime | None = None) -> int:
    """Open the campaigns that are due, invite the newly eligible, close those past their date.
    Returns how many invitations were created."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    catch_up = datetime.timedelta(days=settings.SURVEY_CATCH_UP_DAYS)
    Campaign.objects.open().filter(closes_at__lte=now).update(status=CampaignStatus.CLOSED)

    created = 0
    for session in _sessions_held().filter(last_day__gte=today - catch_up, last_day__lte=today):
        if session.last_day < today or session_ended(session, now):  # only today's need their last hour
            for kind in END_OF_TRAINING_KINDS:
                if kind != QuestionnaireKind.CLIENT or session.funding == Funding.INTRA:
                    created += _ensure(session, kind, now)
    cold_day = today - relativedelta(months=settings.SURVEY_COLD_MONTHS)
    for session in _sessions_held().filter(last_day__gte=cold_day - catch_up, last_day__lte=cold_day):
        created += _ensure(session, QuestionnaireKind.COLD, now)
    positioning_day = today + datetime.timedelta(days=settings.SURVEY_POSITIONING_DAYS)
    upcoming = _sessions_held().filter(
        status__in=(SessionStatus.OPEN, SessionStatus.CLOSED), first_day__gt=today, first_day__lte=positioning_day
    )
    for session in upcoming:
        created += _ensure(session, QuestionnaireKind.POSITIONING, now)

    for campaign in (
        Campaign.objects.open().filter(session__isnull=False).select_related("session__client_organisation")
    ):
        with transaction.atomic():
            created += campaign_invitations_sync(campaign=campaign)
    return created


# E-mails
# ------------------------------------------------------------------------------


def _invitation_locked(invitation_id: int) -> Invitation | None:
    return (
        Invitation.objects.select_related("campaign__questionnaire", "campaign__session__course", "registration__user")
        .select_for_update(of=("self",))
        .filter(pk=invitation_id)
        .first()
    )


def _still_wanted(invitation: Invitation, now: datetime.datetime) -> bool:
    campaign = invitation.campaign
    return (
        invitation.answered_at is None
        and campaign.status == CampaignStatus.OPEN
        and campaign.closes_at > now
        and not is_opted_out(invitation.email)
    )


def invitation_send(*, invitation_id: int) -> bool:
    """Send the invitation e-mail unless it was sent already or is no longer wanted; True when sent now."""
    now = timezone.now()
    with transaction.atomic():
        invitation = _invitation_locked(invitation_id)
        if invitation is None or invitation.sent_at is not None or not _still_wanted(invitation, now):
            return False
        invitation_message_build(invitation=invitation, reminder=False).send()
        invitation.sent_at = now
        invitation.save(update_fields=["sent_at"])
    return True


def reminder_due(invitation: Invitation, now: datetime.datetime) -> bool:
    """Whether the next automatic reminder of this invitation is due."""
    delays = settings.SURVEY_REMINDER_DAYS
    if invitation.sent_at is None or invitation.reminders_sent >= len(delays):
        return False
    return invitation.sent_at + datetime.timedelta(days=delays[invitation.reminders_sent]) <= now


# A manual "remind now" is ignored when the person was reminded or invited this recently (a double click).
MANUAL_REMINDER_GAP = datetime.timedelta(hours=12)


def invitation_remind(*, invitation_id: int, manual: bool = False) -> bool:
    """Send a reminder if one is due (or asked by the coordination) and still wanted; True when sent now."""
    now = timezone.now()
    with transaction.atomic():
        invitation = _invitation_locked(invitation_id)
        if invitation is None or invitation.sent_at is None or not _still_wanted(invitation, now):
            return False
        if manual:
            last = invitation.last_reminded_at or invitation.sent_at
            if now - last < MANUAL_REMINDER_GAP:
                return False
        elif not reminder_due(invitation, now):
            return False
        invitation_message_build(invitation=invitation, reminder=True).send()
        invitation.reminders_sent += 1
        invitation.last_reminded_at = now
        invitation.save(update_fields=["reminders_sent", "last_reminded_at"])
    return True


def reminders_due_send(*, now: datetime.datetime | None = None) -> int:
    """Queue the reminders that are due; the task checks again under the row lock. Returns how many."""
    from ..tasks import invitation_remind_task

    now = now or timezone.now()
    due = Q()
    for count, days in enumerate(settings.SURVEY_REMINDER_DAYS):
        due |= Q(reminders_sent=count, sent_at__lte=now - datetime.timedelta(days=days))
    if not due:
        return 0
    ids = list(
        Invitation.objects.filter(due, answered_at__isnull=True, campaign__status=CampaignStatus.OPEN)
        .filter(campaign__closes_at__gt=now)
        .values_list("pk", flat=True)
    )
    for pk in ids:
        transaction.on_commit(lambda pk=pk: invitation_remind_task.delay(pk))
    return len(ids)


def campaign_remind_now(*, campaign: Campaign, invitation_ids=None) -> int:
    """The coordination's "remind now": queue a reminder to the non-respondents (or those chosen) not
    invited or reminded in the last `MANUAL_REMINDER_GAP`; how many are queued."""
    from ..tasks import invitation_remind_task

    if campaign.status != CampaignStatus.OPEN:
        raise SurveyError(_("This survey is closed: no reminder can be sent."), "survey_closed")
    recently = timezone.now() - MANUAL_REMINDER_GAP
    pending = campaign.invitations.filter(answered_at__isnull=True, sent_at__isnull=False).filter(
        Q(last_reminded_at__lte=recently) | Q(last_reminded_at__isnull=True, sent_at__lte=recently)
    )
    if invitation_ids is not None:
        pending = pending.filter(pk__in=list(invitation_ids))
    ids = list(pending.values_list("pk", flat=True))
    for pk in ids:
        transaction.on_commit(lambda pk=pk: invitation_remind_task.delay(pk, True))
    return len(ids)


def survey_opt_out(*, email: str) -> None:
    """Record that this address wants no more surveys (idempotent)."""
    email = email.strip()
    if not is_opted_out(email):
        try:
            with transaction.atomic():
                SurveyOptOut.objects.create(email=email)
        except IntegrityError:  # recorded concurrently
            pass
