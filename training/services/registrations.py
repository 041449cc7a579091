"""Every transition of a registration, and the rules that decide it.

Capacity is enforced by locking the session row (`SELECT … FOR UPDATE`) before counting the
seats held, so concurrent requests are serialised per session and can never overbook. A seat
is held by a confirmed person or by a person who was offered one; a pending registration
(awaiting approval) holds none.

Statuses:

    (new) ──► confirmed            a seat is free, no approval needed, nobody waiting
          ──► pending              the session needs the coordinator's approval
          ──► waitlisted           no seat free, or people already waiting
    pending ──► confirmed | waitlisted (approved)   ──► refused
    waitlisted ──► offered (a seat freed: first in line, time-limited)  ──► refused
    offered ──► confirmed (accepted in time) | cancelled (declined, or expired: next in line)
    any active ──► cancelled (by the person before the deadline, or by the coordination with a reason)

Each change sends its e-mail after commit (see `training.services.messages`) and refreshes the
public pages' seat figures.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import Count, Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Profile
from cms.cache import public_cache_bump
from cms.models import CoursePage

from ..choices import (
    ACTIVE_STATUSES,
    SEAT_HOLDING_STATUSES,
    CancelledBy,
    Funding,
    MessageKind,
    RegistrationSource,
    RegistrationStatus,
    SessionStatus,
)
from ..exceptions import TrainingError
from ..models import Organisation, Registration, Session, Slot
from .messages import registration_message_enqueue

User = get_user_model()


# Reads used by the rules
# ------------------------------------------------------------------------------


def session_starts_at(*, session: Session) -> datetime.datetime | None:
    """When the first half-day of the session begins (aware, Paris time), or None without slots."""
    first = Slot.objects.filter(session=session).order_by("date", "starts_at").first()
    if first is None:
        return None
    return timezone.make_aware(datetime.datetime.combine(first.date, first.starts_at))


def registration_cancellation_deadline(*, session: Session) -> datetime.datetime | None:
    """The last moment a confirmed person may cancel online: midnight, N days before the first day.

    N is `REGISTRATION_CANCELLATION_DAYS`. After it, the person asks the coordination, which
    cancels with a reason (and can offer the seat to the waiting list in time or not).
    """
    starts_at = session_starts_at(session=session)
    if starts_at is None:
        return None
    first_day = timezone.localtime(starts_at).date()
    deadline_day = first_day - datetime.timedelta(days=settings.REGISTRATION_CANCELLATION_DAYS)
    return timezone.make_aware(datetime.datetime.combine(deadline_day, datetime.time.min))


@dataclass(frozen=True)
class _SeatCounts:
    held: int  # confirmed or offered
    waiting: int
    last_position: int | None  # of the waiting list, to append after it


def _seat_counts(session: Session) -> _SeatCounts:
    """Seats held, people waiting and the waiting list's last position, in one query."""
    counts = Registration.objects.filter(session=session).aggregate(
        held=Count("pk", filter=Q(status__in=SEAT_HOLDING_STATUSES)),
        waiting=Count("pk", filter=Q(status=RegistrationStatus.WAITLISTED)),
        last_position=Max("waitlist_position"),
    )
    return _SeatCounts(**counts)


def _session_lock(session_id: int) -> Session:
    """The session row, locked until the end of the transaction: one seat decision at a time."""
    return Session.objects.select_for_update().select_related("course").get(pk=session_id)


def _registration_lock(registration_id: int) -> tuple[Registration, Session]:
    """Lock the session first, then the registration (always in this order: no deadlock)."""
    session_id = Registration.objects.values_list("session_id", flat=True).get(pk=registration_id)
    session = _session_lock(session_id)
    registration = Registration.objects.select_for_update().select_related("user").get(pk=registration_id)
    registration.session = session
    return registration, session


def _prerequisite_attended(*, user, course: CoursePage) -> bool:
    """True when our records show the person confirmed on a finished session of every prerequisite course."""
    required_ids = set(course.prerequisite_courses.values_list("pk", flat=True))
    if not required_ids:
        return False
    finished = (
        Session.objects.filter(course_id__in=required_ids)
        .exclude(status__in=(SessionStatus.DRAFT, SessionStatus.CANCELLED))
        .with_schedule()
        .filter(last_day__lt=timezone.localdate())
    )
    attended = set(
        Registration.objects.filter(user=user, status=RegistrationStatus.CONFIRMED, session__in=finished)
        .values_list("session__course_id", flat=True)
        .distinct()
    )
    return required_ids <= attended


def course_has_prerequisites(*, course: CoursePage) -> bool:
    return bool(course.prerequisites.strip()) or course.prerequisite_courses.exists()


# Transitions
# ------------------------------------------------------------------------------


def _transition(registration: Registration, status: str, *, now: datetime.datetime) -> None:
    registration.status = status
    registration.status_changed_at = now


def _changed(registration: Registration, kind: str) -> None:
    """After commit: tell the person, and refresh the public seat figures."""
    registration_message_enqueue(registration_id=registration.pk, kind=kind)
    transaction.on_commit(public_cache_bump)


def _seat_or_waiting_list(registration: Registration, session: Session, *, now: datetime.datetime) -> str:
    """Confirm when a seat is free and nobody waits, else append to the waiting list; the message kind."""
    seats = _seat_counts(session)
    if seats.waiting or seats.held >= session.capacity:
        _transition(registration, RegistrationStatus.WAITLISTED, now=now)
        registration.waitlisted_at = now
        registration.waitlist_position = (seats.last_position or 0) + 1
        return MessageKind.WAITLISTED
    _confirm(registration, now=now)
    return MessageKind.CONFIRMED


def _confirm(registration: Registration, *, now: datetime.datetime) -> None:
    _transition(registration, RegistrationStatus.CONFIRMED, now=now)
    registration.confirmed_at = now
    registration.waitlist_position = None
    registration.offer_expires_at = None


def _check_open(session: Session, *, now: datetime.datetime) -> None:
    if session.status != SessionStatus.OPEN:
        raise TrainingError(_("Registration to this session is closed."), "session_not_open")
    if session.registration_opens_at and now < session.registration_opens_at:
        raise TrainingError(_("Registration to this session has not opened yet."), "registration_not_open_yet")
    if session.registration_closes_at and now >= session.registration_closes_at:
        raise TrainingError(_("The registration deadline for this session has passed."), "registration_closed")
    starts_at = session_starts_at(session=session)
    if starts_at is None or now >= starts_at:
        raise TrainingError(_("This session has already started."), "session_started")


@transaction.atomic
def registration_create(
    *,
    session: Session,
    user,
    expectations: str = "",
    prerequisites_declared: bool = False,
    accessibility_needs: str = "",
    accessibility_consent: bool = False,
    funding_note: str = "",
    now: datetime.datetime | None = None,
) -> Registration:
    """A professional registers online to a public session.

    The person is confirmed when a seat is free, nobody is waiting and no approval is needed;
    pending when the session needs approval; otherwise waitlisted, behind those already waiting.

    Errors: `session_not_open`, `registration_not_open_yet`, `registration_closed`,
    `session_started`, `session_reserved` (intra sessions are filled by the coordination),
    `profile_incomplete`, `already_registered`, `prerequisites_not_confirmed`,
    `accessibility_consent_missing`.
    """
    now = now or timezone.now()
    # What concerns the person alone is checked before taking the session's lock, which then
    # covers only the few queries that decide the seat.
    course = CoursePage.objects.get(sessions=session.pk)
    profile = Profile.objects.filter(user=user).first()
    if profile is None:
        raise TrainingError(_("Please complete your professional profile first."), "profile_incomplete")
    prerequisites_checked = _prerequisite_attended(user=user, course=course)
    if course_has_prerequisites(course=course) and not (prerequisites_checked or prerequisites_declared):
        raise TrainingError(_("Please confirm that you meet the prerequisites."), "prerequisites_not_confirmed")
    accessibility_needs = accessibility_needs.strip()
    if accessibility_needs and not accessibility_consent:
        raise TrainingError(
            _("We need your consent to record your accessibility needs."), "accessibility_consent_missing"
        )

    session = _session_lock(session.pk)
    if session.funding == Funding.INTRA:
        raise TrainingError(_("This session is reserved to the staff of a client structure."), "session_reserved")
    _check_open(session, now=now)
    if Registration.objects.filter(session=session, user=user, status__in=ACTIVE_STATUSES).exists():
        raise TrainingError(_("You are already registered to this session."), "already_registered")
    registration = Registration(
        session=session,
        user=user,
        source=RegistrationSource.ONLINE,
        expectations=expectations.strip(),
        prerequisites_declared=prerequisites_declared,
        prerequisites_checked=prerequisites_checked,
        accessibility_needs=accessibility_needs,
        accessibility_consent_at=now if accessibility_needs else None,
        funding_note=funding_note.strip(),
        job_title=profile.job_title,
        structure_name=profile.structure_name,
        structure_type_id=profile.structure_type_id,
        activity_sector_id=profile.activity_sector_id,
        professional_category_id=profile.professional_category_id,
        department_id=profile.department_id,
    )
    if session.requires_approval:
        _transition(registration, RegistrationStatus.PENDING, now=now)
        kind = MessageKind.RECEIVED
    else:
        kind = _seat_or_waiting_list(registration, session, now=now)
    try:
        with transaction.atomic():
            registration.save()
    except IntegrityError as error:  # the same person, twice at the same instant
        raise TrainingError(_("You are already registered to this session."), "already_registered") from error
    _changed(registration, kind)
    return registration


@transaction.atomic
def registration_approve(*, registration: Registration, by, now: datetime.datetime | None = None) -> Registration:
    """The coordination accepts a pending registration: confirmed if a seat is free, else waitlisted.

    Errors: `not_pending`.
    """
    now = now or timezone.now()
    registration, session = _registration_lock(registration.pk)
    if registration.status != RegistrationStatus.PENDING:
        raise TrainingError(_("Only a registration awaiting approval can be approved."), "not_pending")
    kind = _seat_or_waiting_list(registration, session, now=now)
    registration.decided_by = by
    registration.save()
    _changed(registration, kind)
    return registration


@transaction.atomic
def registration_refuse(
    *, registration: Registration, by, reason: str, now: datetime.datetime | None = None
) -> Registration:
    """The coordination turns down a pending or waitlisted registration, saying why.

    Errors: `not_refusable`, `reason_required`.
    """
    now = now or timezone.now()
    registration, _session = _registration_lock(registration.pk)
    if registration.status not in (RegistrationStatus.PENDING, RegistrationStatus.WAITLISTED):
        raise TrainingError(
            _("Only a registration awaiting approval or on the waiting list can be refused."), "not_refusable"
        )
    if not reason.strip():
        raise TrainingError(_("Please give the reason, it is sent to the person."), "reason_required")
    _transition(registration, RegistrationStatus.REFUSED, now=now)
    registration.refused_at = now
    registration.refusal_reason = reason.strip()
    registration.waitlist_position = None
    registration.decided_by = by
    registration.save()
    _changed(registration, MessageKind.REFUSED)
    return registration


def _cancel(
    registration: Registration, session: Session, *, by: str, reason: str, now: datetime.datetime, kind: str
) -> None:
    held_a_seat = registration.status in SEAT_HOLDING_STATUSES
    _transition(registration, RegistrationStatus.CANCELLED, now=now)
    registration.cancelled_at = now
    registration.cancelled_by = by
    registration.cancellation_reason = reason.strip()
    registration.waitlist_position = None
    registration.offer_expires_at = None
    registration.save()
    _changed(registration, kind)
    if held_a_seat:
        waitlist_promote(session=session, now=now)


@transaction.atomic
def registration_cancel_by_person(
    *, registration: Registration, reason: str = "", now: datetime.datetime | None = None
) -> Registration:
    """The person withdraws. A confirmed person may do so online until the cancellation deadline
    (`registration_cancellation_deadline`); a waiting, pending or offered one at any time. A freed
    seat goes to the waiting list.

    Errors: `not_cancellable`, `cancellation_deadline_passed`.
    """
    now = now or timezone.now()
    registration, session = _registration_lock(registration.pk)
    if registration.status not in ACTIVE_STATUSES:
        raise TrainingError(_("This registration is no longer active."), "not_cancellable")
    if registration.status == RegistrationStatus.CONFIRMED:
        deadline = registration_cancellation_deadline(session=session)
        if deadline is not None and now >= deadline:
            raise TrainingError(
                _("The online cancellation deadline has passed: please contact us."), "cancellation_deadline_passed"
            )
    _cancel(registration, session, by=CancelledBy.PERSON, reason=reason, now=now, kind=MessageKind.CANCELLED)
    return registration


@transaction.atomic
def registration_cancel_by_coordination(
    *, registration: Registration, by, reason: str, now: datetime.datetime | None = None
) -> Registration:
    """The coordination cancels a registration at any time, saying why (sent to the person).

    Errors: `not_cancellable`, `reason_required`.
    """
    now = now or timezone.now()
    registration, session = _registration_lock(registration.pk)
    if registration.status not in ACTIVE_STATUSES:
        raise TrainingError(_("This registration is no longer active."), "not_cancellable")
    if not reason.strip():
        raise TrainingError(_("Please give the reason, it is sent to the person."), "reason_required")
    registration.decided_by = by
    _cancel(registration, session, by=CancelledBy.COORDINATION, reason=reason, now=now, kind=MessageKind.CANCELLED)
    return registration


@transaction.atomic
def registration_offer_accept(*, registration: Registration, now: datetime.datetime | None = None) -> Registration:
    """The person takes the seat they were offered, before the offer expires.

    Errors: `not_offered`, `offer_expired`.
    """
    now = now or timezone.now()
    registration, _session = _registration_lock(registration.pk)
    if registration.status != RegistrationStatus.OFFERED:
        raise TrainingError(_("No seat is offered to you on this session."), "not_offered")
    if now >= registration.offer_expires_at:
        raise TrainingError(_("This offer has expired."), "offer_expired")
    _confirm(registration, now=now)
    registration.save()
    _changed(registration, MessageKind.CONFIRMED)
    return registration


def _offer_expiry(session: Session, *, now: datetime.datetime) -> datetime.datetime | None:
    """An offer lasts `REGISTRATION_OFFER_HOURS`, and never beyond the start of the session."""
    starts_at = session_starts_at(session=session)
    if starts_at is None or starts_at <= now:
        return None
    return min(now + datetime.timedelta(hours=settings.REGISTRATION_OFFER_HOURS), starts_at)


def waitlist_promote(*, session: Session, now: datetime.datetime) -> list[Registration]:
    """Offer every free seat to the next people on the waiting list, in order.

    Must run inside the transaction that holds the session's lock. Nothing is offered once the
    session has started or while it is not open.
    """
    if session.status not in (SessionStatus.OPEN, SessionStatus.CLOSED):
        return []
    expires_at = _offer_expiry(session, now=now)
    if expires_at is None:
        return []
    free = session.capacity - _seat_counts(session).held
    if free <= 0:
        return []
    offered = list(Registration.objects.filter(session=session).waiting_list().select_for_update()[:free])
    for registration in offered:
        _transition(registration, RegistrationStatus.OFFERED, now=now)
        registration.offered_at = now
        registration.offer_expires_at = expires_at
        registration.waitlist_position = None
        registration.save()
        _changed(registration, MessageKind.OFFERED)
    return offered


def registration_offers_expire(*, now: datetime.datetime | None = None) -> int:
    """Cancel the offers left unanswered past their expiry and pass each seat to the next in line.

    Each session is handled in its own transaction; returns how many offers expired.
    """
    now = now or timezone.now()
    expired = 0
    session_ids = (
        Registration.objects.filter(status=RegistrationStatus.OFFERED, offer_expires_at__lte=now)
        .values_list("session_id", flat=True)
        .distinct()
    )
    for session_id in list(session_ids):
        with transaction.atomic():
            session = _session_lock(session_id)
            for registration in Registration.objects.select_for_update().filter(
                session=session, status=RegistrationStatus.OFFERED, offer_expires_at__lte=now
            ):
                registration.session = session
                _cancel(
                    registration,
                    session,
                    by=CancelledBy.SYSTEM,
                    reason=_("The seat offer was not accepted in time."),
                    now=now,
                    kind=MessageKind.OFFER_EXPIRED,
                )
                expired += 1
    return expired


@transaction.atomic
def waitlist_move(*, registration: Registration, position: int, by) -> list[Registration]:
    """Put a waitlisted person at `position` (1 = next) and renumber the whole list.

    Errors: `not_waitlisted`, `invalid_position`.
    """
    registration, session = _registration_lock(registration.pk)
    if registration.status != RegistrationStatus.WAITLISTED:
        raise TrainingError(_("This person is not on the waiting list."), "not_waitlisted")
    others = [r for r in Registration.objects.filter(session=session).waiting_list() if r.pk != registration.pk]
    if not 1 <= position <= len(others) + 1:
        raise TrainingError(_("This position is outside the waiting list."), "invalid_position")
    others.insert(position - 1, registration)
    for rank, entry in enumerate(others, start=1):
        entry.waitlist_position = rank
    Registration.objects.bulk_update(others, ["waitlist_position"])
    registration.decided_by = by
    registration.save(update_fields=["decided_by", "updated_at"])
    return others


# Group registration (intra)
# ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Participant:
    """A person a client structure sends to its intra session."""

    first_name: str
    last_name: str
    email: str
    job_title: str = ""


def _user_for_participant(participant: Participant):
    email = participant.email.strip().lower()
    user = User.objects.filter(email__iexact=email).first()
    if user is None:
        user = User(email=email, first_name=participant.first_name.strip(), last_name=participant.last_name.strip())
        user.set_unusable_password()  # they choose one through "mot de passe oublié" when they need the space
        user.save()
    return user


@transaction.atomic
def registration_group_add(
    *,
    session: Session,
    participants: list[Participant],
    by,
    organisation: Organisation | None = None,
    now: datetime.datetime | None = None,
) -> list[Registration]:
    """The coordination registers a list of participants at once, all confirmed, or none.

    For an intra session the structure is the session's client. Accounts are created for
    unknown e-mail addresses (without password). Nobody is added if anyone is already
    registered or if the list does not fit in the seats left.

    Errors: `session_closed`, `empty_list`, `duplicate_in_list`, `already_registered`,
    `waiting_list_first` (nobody jumps a waiting list), `capacity_exceeded`.
    """
    now = now or timezone.now()
    session = _session_lock(session.pk)
    if session.status not in (SessionStatus.DRAFT, SessionStatus.OPEN, SessionStatus.CLOSED):
        raise TrainingError(_("Participants can no longer be added to this session."), "session_closed")
    if not participants:
        raise TrainingError(_("The list of participants is empty."), "empty_list")
    emails = [participant.email.strip().lower() for participant in participants]
    duplicates = sorted({email for email in emails if emails.count(email) > 1})
    if duplicates:
        raise TrainingError(
            _("These addresses appear twice in the list: %(emails)s.") % {"emails": ", ".join(duplicates)},
            "duplicate_in_list",
        )
    already = sorted(
        Registration.objects.filter(session=session, user__email__in=emails, status__in=ACTIVE_STATUSES).values_list(
            "user__email", flat=True
        )
    )
    if already:
        raise TrainingError(
            _("Already registered to this session: %(emails)s.") % {"emails": ", ".join(already)},
            "already_registered",
        )
    seats = _seat_counts(session)
    if seats.waiting:
        raise TrainingError(
            _("People are waiting for a seat on this session: the free seats are theirs first."), "waiting_list_first"
        )
    free = session.capacity - seats.held
    if len(participants) > free:
        raise TrainingError(
            _("%(count)s participants for %(free)s seats left.") % {"count": len(participants), "free": max(free, 0)},
            "capacity_exceeded",
        )
    organisation = organisation or session.client_organisation
    registrations = []
    for participant in participants:
        registration = Registration(
            session=session,
            user=_user_for_participant(participant),
            source=RegistrationSource.COORDINATION,
            organisation=organisation,
            job_title=participant.job_title.strip(),
            structure_name=organisation.name if organisation else "",
            structure_type_id=organisation.structure_type_id if organisation else None,
            department_id=organisation.department_id if organisation else None,
            decided_by=by,
        )
        _confirm(registration, now=now)
        registration.save()
        _changed(registration, MessageKind.CONFIRMED)
        registrations.append(registration)
    return registrations


# Reminders
# ------------------------------------------------------------------------------

_REMINDERS = ((7, MessageKind.REMINDER_7), (1, MessageKind.REMINDER_1))


def registration_reminders_send(*, today: datetime.date | None = None) -> int:
    """Queue the J-7 and J-1 reminders of confirmed people whose session starts on those days.

    Safe to run several times a day: each reminder is sent once per registration.
    """
    today = today or timezone.localdate()
    queued = 0
    for days, kind in _REMINDERS:
        first_day = today + datetime.timedelta(days=days)
        registrations = (
            Registration.objects.filter(
                status=RegistrationStatus.CONFIRMED,
                session__status__in=(SessionStatus.OPEN, SessionStatus.CLOSED),
            )
            .with_first_day()
            .filter(first_day=first_day)
            .exclude(messages__kind=kind)
        )
        for registration_id in registrations.values_list("pk", flat=True):
            registration_message_enqueue(registration_id=registration_id, kind=kind)
            queued += 1
    return queued
