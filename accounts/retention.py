"""How long each kind of personal record is kept, and what happens to it then (RGPD art. 5.1.e).

One registry for the whole project. Each app declares its record types in its own `retention`
module (imported by its `AppConfig.ready`), so no lower layer reaches into a higher one:

- `@record_type(...)` registers a purge function `(cutoff, now, held) -> (done, kept_on_hold)`
  that anonymises or deletes what expired before `cutoff` (today minus the type's duration, read
  from its `RETENTION_*` setting) and counts what a legal hold kept back;
- `@erasure_step(order)` registers a function `(person, now) -> (erased, kept)` run when the
  coordination carries out a person's erasure request (art. 17): it erases at once what no legal
  obligation keeps, and lists what it keeps and until when (art. 17.3.b).

`personal_data_purge` (the `purge_expired_data` command and its Celery beat task) runs every
purge function in one transaction and writes a `PurgeRun` with the counts; a dry run rolls back.
Anonymising keeps every fact the yearly indicators and the BPF count (who is the same person,
département, structure type, sector, category, hours, statuses, answers' values): only
identities and free texts go. `docs/rgpd-registre.md` lists the same record types and durations
(a test keeps them in step).
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field

from dateutil.relativedelta import relativedelta

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from .models import ErasureRequest, ErasureStatus, LegalHold, Profile, PurgeRun, User

ANONYMOUS_DOMAIN = "anonyme.invalid"


class PersonalDataError(Exception):
    """A rule of the personal-data workflow was broken; `code` says which."""

    def __init__(self, message: str, code: str):
        super().__init__(message)
        self.message = message
        self.code = code


# The registry
# ------------------------------------------------------------------------------


@dataclass(frozen=True)
class RecordType:
    key: str
    label: Callable[[], str]
    setting: str  # the setting holding the duration
    unit: str  # "years", "months" or "days"
    counts_from: Callable[[], str]
    then: Callable[[], str]  # what happens at expiry
    purge: Callable  # (cutoff: date, now: datetime, held: Held) -> (done, kept on hold)
    order: int

    @property
    def duration(self) -> int:
        return getattr(settings, self.setting)

    def cutoff(self, today: datetime.date) -> datetime.date:
        return today - relativedelta(**{self.unit: self.duration})

    def duration_label(self) -> str:
        unit = {"years": _("years"), "months": _("months"), "days": _("days")}[self.unit]
        return f"{self.duration} {unit}"


_RECORD_TYPES: dict[str, RecordType] = {}
_ERASURE_STEPS: list[tuple[int, Callable]] = []
# Higher apps tell which people still have records kept (`(user_ids) -> set of ids`) and which
# sessions are on legal hold (`() -> ids`), so this module never imports them.
_RECORDS_KEPT: list[Callable[[list[int]], set[int]]] = []
_HELD_SESSIONS: list[Callable[[], set[int]]] = []
_RECIPIENTS: list[Callable[[], list[str]]] = []


def people_with_records_kept(function):
    """Register `(user_ids) -> ids of those who still have a record within its retention`."""
    _RECORDS_KEPT.append(function)
    return function


def erasure_request_recipients(function):
    """Register `() -> addresses` told of a new erasure request (the coordination)."""
    _RECIPIENTS.append(function)
    return function


def sessions_on_hold(function):
    """Register `() -> ids of the sessions on legal hold`."""
    _HELD_SESSIONS.append(function)
    return function


def record_type(
    key: str, *, label, setting: str, unit: str, counts_from, then, order: int
) -> Callable[[Callable], Callable]:
    """Register a purge function as the retention rule of one kind of record."""
    if unit not in ("years", "months", "days"):
        raise ValueError(unit)

    def register(function):
        _RECORD_TYPES[key] = RecordType(
            key=key,
            label=label,
            setting=setting,
            unit=unit,
            counts_from=counts_from,
            then=then,
            purge=function,
            order=order,
        )
        return function

    return register


def erasure_step(*, order: int) -> Callable[[Callable], Callable]:
    """Register a function `(person, now) -> (erased: list[str], kept: list[(label, until)])`."""

    def register(function):
        _ERASURE_STEPS.append((order, function))
        return function

    return register


def record_types() -> list[RecordType]:
    return sorted(_RECORD_TYPES.values(), key=lambda record: record.order)


@dataclass(frozen=True)
class Held:
    """What legal holds protect, read once per run: people (`LegalHold`) and sessions (their flag)."""

    person_ids: frozenset[int]
    session_ids: frozenset[int]


def _held() -> Held:
    return Held(
        person_ids=frozenset(LegalHold.objects.values_list("person_id", flat=True)),
        session_ids=frozenset(session_id for provider in _HELD_SESSIONS for session_id in provider()),
    )


def file_delete_on_commit(field_file) -> None:
    """Delete a stored file once the purge that dropped its record is committed (never on a dry run)."""
    if not field_file:
        return
    storage, name = field_file.storage, field_file.name
    transaction.on_commit(lambda: storage.delete(name))


# The purge
# ------------------------------------------------------------------------------


@dataclass
class PurgeReport:
    ran_at: datetime.datetime
    dry_run: bool
    rows: list[tuple[RecordType, int, int]] = field(default_factory=list)  # (type, done, held)

    @property
    def counts(self) -> dict[str, int]:
        return {record.key: done for record, done, _held in self.rows}

    @property
    def held(self) -> dict[str, int]:
        return {record.key: held for record, _done, held in self.rows if held}


def personal_data_purge(*, dry_run: bool = False, now: datetime.datetime | None = None) -> PurgeReport:
    """Anonymise or delete every record whose retention expired, except what a legal hold keeps.

    Idempotent: a second run the same day finds nothing. A dry run counts the same and keeps
    nothing (the transaction rolls back, no file is deleted)."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    report = PurgeReport(ran_at=now, dry_run=dry_run)
    with transaction.atomic():
        held = _held()
        for record in record_types():
            done, kept = record.purge(cutoff=record.cutoff(today), now=now, held=held)
            report.rows.append((record, done, kept))
        if dry_run:
            transaction.set_rollback(True)
        else:
            PurgeRun.objects.create(ran_at=now, counts=report.counts, held=report.held)
    return report


# Accounts
# ------------------------------------------------------------------------------


def anonymous_email(prefix: str, pk: int) -> str:
    return f"{prefix}-{pk}@{ANONYMOUS_DOMAIN}"


def _account_anonymise(user: User, *, now: datetime.datetime, keep_name: bool = False) -> None:
    """Nothing left to sign in with or to reach the person; the row stays (a person trained twice is
    still counted once). `keep_name`: the name is still on records kept under a legal obligation."""
    from allauth.account.models import EmailAddress

    EmailAddress.objects.filter(user=user).delete()
    Profile.objects.filter(user=user).delete()
    _log_labels_anonymise(user)
    user.email = anonymous_email("personne", user.pk)
    if not keep_name:
        user.first_name, user.last_name = "", ""
        user.anonymised_at = now
    user.password = make_password(None)
    user.is_active = False
    user.save()


def _log_labels_anonymise(user: User) -> None:
    """The back office's history names its records: those about the person lose the name."""
    from django.contrib.contenttypes.models import ContentType

    from wagtail.models import ModelLogEntry

    for model, ids in (
        (ErasureRequest, ErasureRequest.objects.filter(person=user).values_list("pk", flat=True)),
        (LegalHold, LegalHold.objects.filter(person=user).values_list("pk", flat=True)),
        (User, [user.pk]),
    ):
        ModelLogEntry.objects.filter(
            content_type=ContentType.objects.get_for_model(model), object_id__in=[str(pk) for pk in ids]
        ).update(label=anonymous_email("personne", user.pk))


def _account_activity_cutoff_ids(cutoff: datetime.date):
    """People whose last sign-in, sign-up and registration are all before `cutoff`."""
    from django.db.models import Max, Q

    start = timezone.make_aware(datetime.datetime.combine(cutoff, datetime.time.min))
    return (
        User.objects.annotate(last_registered=Max("registrations__created_at"))
        .filter(Q(last_login__isnull=True) | Q(last_login__lt=start), date_joined__lt=start)
        .filter(Q(last_registered__isnull=True) | Q(last_registered__lt=start))
        .values("pk")
    )


def _records_kept(user_ids) -> set[int]:
    """Among these people, those who still have a record within its retention (a registration…)."""
    return {user_id for provider in _RECORDS_KEPT for user_id in provider(list(user_ids))}


@record_type(
    "account",
    label=lambda: _("Accounts and prospects"),
    setting="RETENTION_ACCOUNT_YEARS",
    unit="years",
    counts_from=lambda: _("the last contact (sign-in, registration), once no record of theirs is kept any more"),
    then=lambda: _("identity, e-mail, phone and profile erased, account closed"),
    order=90,
)
def _accounts_purge(*, cutoff, now, held) -> tuple[int, int]:
    # Staff (back-office roles) and trainers are not purged as prospects: their accounts are closed by hand.
    candidates = User.objects.filter(
        anonymised_at__isnull=True, is_staff=False, is_superuser=False, groups__isnull=True, trainer__isnull=True
    ).filter(pk__in=_account_activity_cutoff_ids(cutoff)) | User.objects.filter(
        anonymised_at__isnull=True, erased_at__isnull=False
    )
    candidates = list(candidates.distinct())
    retained = _records_kept([user.pk for user in candidates])
    done = kept = 0
    for user in candidates:
        if user.pk in retained:
            continue
        if user.pk in held.person_ids:
            kept += 1
            continue
        _account_anonymise(user, now=now)
        done += 1
    return done, kept


@record_type(
    "erasure_request",
    label=lambda: _("Erasure requests"),
    setting="RETENTION_ACCOUNT_YEARS",
    unit="years",
    counts_from=lambda: _("the decision"),
    then=lambda: _("deleted"),
    order=95,
)
def _erasure_requests_purge(*, cutoff, now, held) -> tuple[int, int]:
    start = timezone.make_aware(datetime.datetime.combine(cutoff, datetime.time.min))
    expired = ErasureRequest.objects.exclude(status=ErasureStatus.PENDING).filter(decided_at__lt=start)
    kept = expired.filter(person_id__in=held.person_ids).count()
    done, _deleted = expired.exclude(person_id__in=held.person_ids).delete()
    return done, kept


@erasure_step(order=90)
def _account_erase(person: User, now: datetime.datetime):
    keep_name = bool(_records_kept([person.pk]))
    _account_anonymise(person, now=now, keep_name=keep_name)
    erased = [_("your account (you can no longer sign in), e-mail address, phone and professional profile")]
    if not keep_name:
        erased.append(_("your name"))
    return erased, []


# Erasure requests (RGPD art. 17)
# ------------------------------------------------------------------------------


def _absolute(path: str) -> str:
    return settings.WAGTAILADMIN_BASE_URL.rstrip("/") + path


def _send(*, subject: str, template: str, context: dict, to: list[str]) -> None:
    text = render_to_string(template, context)
    EmailMultiAlternatives(subject=subject, body=text, to=to).send()


def erasure_request_create(*, person: User, message: str = "", now: datetime.datetime | None = None):
    """The person asks that their data be erased; the coordination is told once.

    Asking again while a request waits returns that request (one per person, by a database
    constraint). Errors: `erasure_staff` (staff accounts are closed by an administrator),
    `erasure_already_done`."""
    now = now or timezone.now()
    if person.is_staff or person.is_superuser or person.groups.exists():
        raise PersonalDataError(_("Staff accounts are closed by an administrator."), "erasure_staff")
    if person.erased_at is not None or person.anonymised_at is not None:
        raise PersonalDataError(_("Your data has already been erased."), "erasure_already_done")
    pending = ErasureRequest.objects.filter(person=person, status=ErasureStatus.PENDING).first()
    if pending is not None:
        return pending
    try:
        with transaction.atomic():
            request = ErasureRequest.objects.create(
                person=person,
                requested_at=now,
                due_on=timezone.localdate(now) + relativedelta(months=1),
                message=message.strip(),
            )
    except IntegrityError:  # a second submission won the race: that one stands
        return ErasureRequest.objects.get(person=person, status=ErasureStatus.PENDING)
    transaction.on_commit(lambda: erasure_request_notify(request_id=request.pk))
    return request


def erasure_request_notify(*, request_id: int, now: datetime.datetime | None = None) -> bool:
    """E-mail the coordination about a new request, once; True when sent now."""
    now = now or timezone.now()
    with transaction.atomic():
        request = ErasureRequest.objects.select_for_update().select_related("person").get(pk=request_id)
        if request.coordination_notified_at is not None:
            return False
        recipients = [address for provider in _RECIPIENTS for address in provider()]
        if not recipients:
            return False
        with translation.override("fr"), timezone.override(settings.TIME_ZONE):
            _send(
                subject=_("Erasure request to answer by %(date)s") % {"date": f"{request.due_on:%d/%m/%Y}"},
                template="emails/personal_data/erasure_requested.txt",
                context={
                    "request": request,
                    "url": _absolute(reverse("erasure_requests:edit", args=[request.pk])),
                },
                to=recipients,
            )
        request.coordination_notified_at = now
        request.save(update_fields=["coordination_notified_at"])
    return True


def _pending_for_update(request: ErasureRequest) -> ErasureRequest:
    request = ErasureRequest.objects.select_for_update().select_related("person").get(pk=request.pk)
    if request.status != ErasureStatus.PENDING:
        raise PersonalDataError(_("This request has already been answered."), "erasure_already_decided")
    return request


@transaction.atomic
def erasure_request_execute(*, request: ErasureRequest, by: User, now: datetime.datetime | None = None):
    """Erase now everything no legal obligation keeps; tell the person what was erased and what is
    kept until when. Errors: `erasure_already_decided`, `erasure_legal_hold` (refuse it instead),
    `erasure_ongoing_session` (the person is registered to a session not over: they cancel first,
    or the coordination waits for its end)."""
    now = now or timezone.now()
    request = _pending_for_update(request)
    person = User.objects.select_for_update().get(pk=request.person_id)
    if LegalHold.objects.filter(person=person).exists():
        raise PersonalDataError(
            _("A legal hold keeps this person's records: refuse the request."), "erasure_legal_hold"
        )
    address = person.email
    erased, kept = [], []
    for _order, step in sorted(_ERASURE_STEPS, key=lambda item: item[0]):
        step_erased, step_kept = step(person, now)
        erased += [str(item) for item in step_erased]
        kept += [[str(label), until.isoformat() if until else None] for label, until in step_kept]
    person.refresh_from_db()
    person.erased_at = now
    person.save(update_fields=["erased_at"])
    request.status = ErasureStatus.DONE
    request.decided_by, request.decided_at = by, now
    request.erased, request.kept = erased, kept
    request.save()
    transaction.on_commit(lambda: _erasure_answer_send(request_id=request.pk, address=address))
    return request


@transaction.atomic
def erasure_request_refuse(
    *, request: ErasureRequest, by: User, reason: str, now: datetime.datetime | None = None
) -> ErasureRequest:
    """Refuse the request with the reason the person is told (e.g. a legal hold).

    Errors: `erasure_already_decided`, `reason_required`."""
    now = now or timezone.now()
    if not reason.strip():
        raise PersonalDataError(_("Give the reason the person will read."), "reason_required")
    request = _pending_for_update(request)
    request.status = ErasureStatus.REFUSED
    request.decided_by, request.decided_at = by, now
    request.reason = reason.strip()
    request.save()
    address = request.person.email
    transaction.on_commit(lambda: _erasure_answer_send(request_id=request.pk, address=address))
    return request


def _erasure_answer_send(*, request_id: int, address: str) -> None:
    request = ErasureRequest.objects.get(pk=request_id)
    kept = [(label, datetime.date.fromisoformat(until) if until else None) for label, until in request.kept]
    with translation.override("fr"), timezone.override(settings.TIME_ZONE):
        _send(
            subject=_("Your erasure request")
            if request.status == ErasureStatus.DONE
            else _("Your erasure request was refused"),
            template="emails/personal_data/erasure_answer.txt",
            context={"request": request, "kept": kept, "done": request.status == ErasureStatus.DONE},
            to=[address],
        )
