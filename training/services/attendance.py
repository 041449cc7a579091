"""Half-day attendance (émargement): signatures with their proof, the trainer's validation and lock.

A half-day's `AttendanceSheet` goes pending ──► open (a trainer of the session opens it in the
room) ──► locked (a trainer marks who was absent or late, signs and locks). Trainees sign while
it is open, within the half-day's window, once each:

- on the trainer's device (`trainer_device`): the trainer hands over the screen and witnesses;
- on their own phone (`qr_account` / `qr_link`) after scanning the QR code shown in the room,
  which changes every `ATTENDANCE_QR_SECONDS`, so that nobody signs from home; the person is
  identified by their account or by a one-time link sent to their e-mail address.

Each event is an `AttendanceProof` whose hash covers its content and the previous record's hash,
written under a lock on the sheet row, so records of one half-day form one chain in order.
After the lock only the coordination changes an attendance (`attendance_correct`), with a
written reason kept in the chain next to the original values. A scanned paper sheet can stand
for a half-day that was not signed digitally (`attendance_paper_record`); the scan is kept.

Hours attended derive from locked sheets only (`Attendance.hours`); absences noticed at the
lock alert the coordination (Qualiopi indicator 12, preventing drop-out).
"""

from __future__ import annotations

import base64
import datetime
import hashlib
import hmac
import io
import json
from dataclasses import dataclass
from decimal import Decimal

from PIL import Image, UnidentifiedImageError

from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from config.uploads import HEAD_BYTES, content_kind

from ..choices import (
    ATTENDED_STATUSES,
    AttendanceStatus,
    ProofKind,
    RegistrationStatus,
    SheetStatus,
    SignatureMethod,
)
from ..exceptions import TrainingError
from ..models import Attendance, AttendanceProof, AttendanceSheet, PaperScan, Registration, Session, Slot
from .audit import attendance_correction_log, attendance_paper_record_log

SIGNATURE_MAX_BYTES = 300 * 1024
SIGNATURE_MAX_PIXELS = 2000 * 1000
SIGNATURE_MIN_INK_PIXELS = 150
SCAN_MAX_BYTES = 20 * 1024 * 1024
_SCAN_TYPES = {"pdf": "application/pdf", "png": "image/png", "jpeg": "image/jpeg"}
_LINK_SALT = "training.attendance.link"


# Reads used by the rules
# ------------------------------------------------------------------------------


def slot_bounds(slot: Slot) -> tuple[datetime.datetime, datetime.datetime]:
    """When the half-day starts and ends (aware, Paris time)."""
    start = timezone.make_aware(datetime.datetime.combine(slot.date, slot.starts_at))
    end = timezone.make_aware(datetime.datetime.combine(slot.date, slot.ends_at))
    return start, end


def slot_signing_window(slot: Slot) -> tuple[datetime.datetime, datetime.datetime]:
    """Signatures are taken from `ATTENDANCE_SIGN_BEFORE_MINUTES` before the start to
    `ATTENDANCE_SIGN_AFTER_MINUTES` after the end of the half-day."""
    start, end = slot_bounds(slot)
    return (
        start - datetime.timedelta(minutes=settings.ATTENDANCE_SIGN_BEFORE_MINUTES),
        end + datetime.timedelta(minutes=settings.ATTENDANCE_SIGN_AFTER_MINUTES),
    )


def is_session_trainer(*, user, session: Session) -> bool:
    return user.is_authenticated and session.trainers.filter(user=user, is_active=True).exists()


def attendance_hours(*, slot: Slot, status: str, minutes_missed: int) -> Decimal:
    """Hours a half-day counts for a trainee: all of them when present, minus the time missed
    when partly present, none when absent (excused or not)."""
    if status == AttendanceStatus.PRESENT:
        return slot.hours
    if status == AttendanceStatus.PARTIAL:
        hours = slot.hours - Decimal(minutes_missed) / Decimal(60)
        return max(hours, Decimal("0")).quantize(Decimal("0.01"))
    return Decimal("0")


def sheet_for_slot(slot: Slot) -> AttendanceSheet:
    sheet, _created = AttendanceSheet.objects.get_or_create(slot=slot)
    return sheet


def _sheet_lock(slot: Slot) -> AttendanceSheet:
    """The half-day's sheet row, locked until the end of the transaction: one chain writer at a time."""
    sheet = AttendanceSheet.objects.select_for_update().filter(slot=slot).first()
    if sheet is None:  # the first event of the half-day
        sheet_for_slot(slot)
        sheet = AttendanceSheet.objects.select_for_update().get(slot=slot)
    sheet.slot = slot
    return sheet


# The proof chain
# ------------------------------------------------------------------------------


def proof_content(proof: AttendanceProof) -> bytes:
    """The canonical bytes a proof record's hash covers (everything but the hash itself)."""
    content = {
        "sheet": proof.sheet_id,
        "sequence": proof.sequence,
        "kind": proof.kind,
        "registration": proof.registration_id,
        "actor": proof.actor_id,
        "method": proof.method,
        "created_at": proof.created_at.astimezone(datetime.UTC).isoformat(),
        "ip_address": proof.ip_address,
        "user_agent": proof.user_agent,
        "signature_sha256": proof.signature_sha256,
        "data": proof.data,
        "previous_hash": proof.previous_hash,
    }
    return json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


def proof_hash(proof: AttendanceProof) -> str:
    return hashlib.sha256(proof_content(proof)).hexdigest()


@dataclass(frozen=True)
class Client:
    """Where a request came from: kept in the proof of each signature."""

    ip_address: str | None = None
    user_agent: str = ""


def _proof_append(
    sheet: AttendanceSheet,
    *,
    kind: str,
    now: datetime.datetime,
    actor=None,
    registration: Registration | None = None,
    method: str = "",
    client: Client | None = None,
    signature_png: bytes = b"",
    data: dict | None = None,
) -> AttendanceProof:
    """Append a record to the sheet's chain; the caller holds the sheet's lock."""
    client = client or Client()
    # Hash the address as the database stores it (IPv6 in canonical form), or the chain would break.
    ip_address = AttendanceProof._meta.get_field("ip_address").to_python(client.ip_address)
    proof = AttendanceProof(
        sheet=sheet,
        sequence=sheet.proof_count + 1,
        kind=kind,
        registration=registration,
        actor=actor,
        method=method,
        created_at=now,
        ip_address=ip_address,
        user_agent=client.user_agent[:400],
        signature_png=signature_png,
        signature_sha256=hashlib.sha256(signature_png).hexdigest() if signature_png else "",
        data=data or {},
        previous_hash=sheet.last_hash,
    )
    proof.hash = proof_hash(proof)
    proof.save()
    sheet.proof_count = proof.sequence
    sheet.last_hash = proof.hash
    return proof


def attendance_chain_verify(*, sheet: AttendanceSheet) -> list[int]:
    """The sequence numbers of the records that break the sheet's chain (empty: intact).

    A record breaks it when its content no longer gives its hash, when it does not point to
    the previous record's hash, when its image no longer matches the image's hash, or when
    numbers are missing; the sheet's own head must be the last record. A record whose personal
    data was erased when its retention expired (`redacted_at`) keeps its place in the chain
    (sequence and links) but its content can no longer be recomputed: only the links are checked.
    """
    sheet = AttendanceSheet.objects.get(pk=sheet.pk)  # the head as stored, not as the caller last saw it
    broken = []
    previous_hash = ""
    expected = 1
    for proof in AttendanceProof.objects.filter(sheet=sheet).order_by("sequence"):
        image = bytes(proof.signature_png or b"")
        image_hash = hashlib.sha256(image).hexdigest() if image else ""
        content_broken = proof.redacted_at is None and (
            proof.hash != proof_hash(proof) or proof.signature_sha256 != image_hash
        )
        if proof.sequence != expected or proof.previous_hash != previous_hash or content_broken:
            broken.append(proof.sequence)
        previous_hash = proof.hash
        expected = proof.sequence + 1
    if previous_hash != sheet.last_hash or expected - 1 != sheet.proof_count:
        broken.append(sheet.proof_count)
    return broken


# Checks
# ------------------------------------------------------------------------------


def _check_trainer(user, session: Session) -> None:
    if not is_session_trainer(user=user, session=session):
        raise TrainingError(_("Only the trainers of this session can do this."), "not_session_trainer")


def _check_open(sheet: AttendanceSheet) -> None:
    if sheet.status == SheetStatus.LOCKED:
        raise TrainingError(_("This half-day is locked: its attendance can no longer change."), "sheet_locked")
    if sheet.status != SheetStatus.OPEN:
        raise TrainingError(_("The trainer has not opened this half-day yet."), "sheet_not_open")


def _check_window(slot: Slot, now: datetime.datetime) -> None:
    opens, closes = slot_signing_window(slot)
    if not opens <= now <= closes:
        raise TrainingError(_("Signatures are only taken during the half-day."), "outside_half_day")


def _check_trainee(registration: Registration, slot: Slot) -> None:
    if registration.session_id != slot.session_id or registration.status != RegistrationStatus.CONFIRMED:
        raise TrainingError(_("This person is not a confirmed trainee of this session."), "not_registered")


def signature_png_clean(data: bytes | str) -> bytes:
    """A drawn signature as PNG bytes, from bytes or a `data:image/png;base64,…` URL.

    Errors: `signature_invalid` (not a PNG, or too large), `signature_empty` (nothing drawn).
    """
    if isinstance(data, str):
        prefix = "data:image/png;base64,"
        if not data.startswith(prefix):
            raise TrainingError(_("The signature could not be read. Please sign again."), "signature_invalid")
        try:
            data = base64.b64decode(data.removeprefix(prefix), validate=True)
        except ValueError as error:
            raise TrainingError(
                _("The signature could not be read. Please sign again."), "signature_invalid"
            ) from error
    if len(data) > SIGNATURE_MAX_BYTES or not data.startswith(b"\x89PNG\r\n\x1a\n"):
        raise TrainingError(_("The signature could not be read. Please sign again."), "signature_invalid")
    try:
        image = Image.open(io.BytesIO(data))
        # The header gives the size: a small PNG may unpack to a huge image, refused before decoding it.
        if image.width * image.height > SIGNATURE_MAX_PIXELS:
            raise TrainingError(_("The signature could not be read. Please sign again."), "signature_invalid")
        image.load()
    except (UnidentifiedImageError, OSError, ValueError) as error:
        raise TrainingError(_("The signature could not be read. Please sign again."), "signature_invalid") from error
    # Ink: pixels that are neither transparent nor near white.
    grey = Image.alpha_composite(Image.new("RGBA", image.size, "white"), image.convert("RGBA")).convert("L")
    ink = sum(grey.histogram()[:160])
    if ink < SIGNATURE_MIN_INK_PIXELS:
        raise TrainingError(_("The signature is empty. Please sign in the box."), "signature_empty")
    return data


# Transitions
# ------------------------------------------------------------------------------


@transaction.atomic
def attendance_sheet_open(
    *, slot: Slot, user, client: Client | None = None, now: datetime.datetime | None = None
) -> AttendanceSheet:
    """A trainer of the session opens the half-day for signatures, from the start of its window.

    Opening an open sheet again does nothing. Errors: `not_session_trainer`, `sheet_locked`,
    `outside_half_day` (too early), `half_day_over`.
    """
    now = now or timezone.now()
    _check_trainer(user, slot.session)
    sheet = _sheet_lock(slot)
    if sheet.status == SheetStatus.LOCKED:
        raise TrainingError(_("This half-day is locked: its attendance can no longer change."), "sheet_locked")
    if sheet.status == SheetStatus.OPEN:
        return sheet
    if now > slot_signing_window(slot)[1]:
        raise TrainingError(
            _(
                "This half-day is over: its attendance can no longer be signed here. Print its paper sheet, "
                "have it signed and give it to the coordination."
            ),
            "half_day_over",
        )
    _check_window(slot, now)
    sheet.status = SheetStatus.OPEN
    sheet.opened_at = now
    sheet.opened_by = user
    _proof_append(sheet, kind=ProofKind.OPENED, now=now, actor=user, client=client)
    sheet.save()
    return sheet


@transaction.atomic
def attendance_sign(
    *,
    slot: Slot,
    registration: Registration,
    signature: bytes | str,
    method: str,
    actor=None,
    client: Client | None = None,
    now: datetime.datetime | None = None,
) -> Attendance:
    """A trainee signs the half-day: recorded present, with the proof of the signature.

    `actor` is who was signed in: the trainer for `trainer_device`, the trainee for
    `qr_account`, nobody for `qr_link` (the link identified the trainee). A trainee the trainer
    had marked absent becomes present. Errors: `not_registered`, `not_session_trainer`,
    `sheet_not_open`, `sheet_locked`, `outside_half_day`, `already_signed`,
    `signature_invalid`, `signature_empty`.
    """
    now = now or timezone.now()
    png = signature_png_clean(signature)
    _check_trainee(registration, slot)
    if method == SignatureMethod.TRAINER_DEVICE:
        _check_trainer(actor, slot.session)
    elif method == SignatureMethod.QR_ACCOUNT:
        if actor is None or actor.pk != registration.user_id:
            raise TrainingError(_("You can only sign for yourself."), "not_your_registration")
    elif method != SignatureMethod.QR_LINK:
        raise TrainingError(_("This way of signing is not accepted."), "method_invalid")
    sheet = _sheet_lock(slot)
    _check_open(sheet)
    _check_window(slot, now)
    attendance = Attendance.objects.filter(registration=registration, slot=slot).first()
    if attendance is not None and attendance.signature_id is not None:
        raise TrainingError(_("This trainee has already signed this half-day."), "already_signed")
    proof = _proof_append(
        sheet,
        kind=ProofKind.SIGNATURE,
        now=now,
        actor=actor,
        registration=registration,
        method=method,
        client=client,
        signature_png=png,
        data={"trainee": registration.user.get_full_name() or registration.user.email},
    )
    sheet.save(update_fields=["proof_count", "last_hash"])
    attendance = attendance or Attendance(registration=registration, slot=slot)
    if attendance.status != AttendanceStatus.PARTIAL:
        attendance.status = AttendanceStatus.PRESENT
        attendance.reason = ""
    attendance.signature = proof
    attendance.save()
    return attendance


def _attendance_values(slot: Slot, status: str, minutes_missed: int, reason: str) -> tuple[int, str]:
    """Check a status given by a trainer or the coordination; the minutes and reason to keep."""
    reason = reason.strip()
    if status not in AttendanceStatus.values:
        raise TrainingError(_("Unknown attendance status."), "status_invalid")
    if status == AttendanceStatus.PARTIAL:
        start, end = slot_bounds(slot)
        if not 0 < minutes_missed < (end - start).total_seconds() / 60:
            raise TrainingError(
                _("Give the minutes missed, more than zero and less than the half-day."), "minutes_invalid"
            )
    else:
        minutes_missed = 0
    if status == AttendanceStatus.EXCUSED and not reason:
        raise TrainingError(_("Please give the reason of the excused absence."), "reason_required")
    return minutes_missed, reason


@transaction.atomic
def attendance_mark(
    *,
    slot: Slot,
    registration: Registration,
    status: str,
    user,
    minutes_missed: int = 0,
    reason: str = "",
    client: Client | None = None,
    now: datetime.datetime | None = None,
) -> Attendance:
    """A trainer records a trainee absent, excused (with a reason), partly present (minutes
    missed) or present again, before locking. A trainee who signed cannot be marked absent.

    Errors: `not_session_trainer`, `not_registered`, `sheet_not_open`, `sheet_locked`,
    `status_invalid`, `minutes_invalid`, `reason_required`, `signed_cannot_be_absent`,
    `signature_required` (present needs the trainee's signature).
    """
    now = now or timezone.now()
    _check_trainer(user, slot.session)
    _check_trainee(registration, slot)
    minutes_missed, reason = _attendance_values(slot, status, minutes_missed, reason)
    sheet = _sheet_lock(slot)
    _check_open(sheet)
    attendance = Attendance.objects.filter(registration=registration, slot=slot).first()
    signed = attendance is not None and attendance.signature_id is not None
    if signed and status not in ATTENDED_STATUSES:
        raise TrainingError(_("This trainee signed: they cannot be marked absent."), "signed_cannot_be_absent")
    if not signed and status in ATTENDED_STATUSES:
        raise TrainingError(_("A trainee is present once they have signed."), "signature_required")
    attendance = attendance or Attendance(registration=registration, slot=slot)
    attendance.status, attendance.minutes_missed, attendance.reason = status, minutes_missed, reason
    attendance.save()
    _proof_append(
        sheet,
        kind=ProofKind.MARK,
        now=now,
        actor=user,
        registration=registration,
        client=client,
        data={"status": status, "minutes_missed": minutes_missed, "reason": reason},
    )
    sheet.save(update_fields=["proof_count", "last_hash"])
    return attendance


def _lock(sheet: AttendanceSheet, *, user, now: datetime.datetime, client: Client | None) -> list[Registration]:
    """Record the unsigned, unmarked trainees absent, count every trainee's hours and lock; the absent."""
    slot = sheet.slot
    attendances = {a.registration_id: a for a in Attendance.objects.filter(slot=slot)}
    confirmed = list(
        Registration.objects.filter(session_id=slot.session_id, status=RegistrationStatus.CONFIRMED).select_related(
            "user"
        )
    )
    for registration in confirmed:
        if registration.pk not in attendances:
            attendances[registration.pk] = Attendance(
                registration=registration, slot=slot, status=AttendanceStatus.ABSENT
            )
    for attendance in attendances.values():
        attendance.hours = attendance_hours(
            slot=slot, status=attendance.status, minutes_missed=attendance.minutes_missed
        )
        attendance.save()
    summary = {
        str(registration_id): [attendance.status, str(attendance.hours)]
        for registration_id, attendance in sorted(attendances.items())
    }
    _proof_append(sheet, kind=ProofKind.LOCKED, now=now, actor=user, client=client, data={"attendance": summary})
    sheet.status = SheetStatus.LOCKED
    sheet.locked_at = now
    sheet.locked_by = user
    sheet.save()
    absent = [a.registration_id for a in attendances.values() if a.status == AttendanceStatus.ABSENT]
    if absent:
        from .absences import absence_alert_enqueue

        absence_alert_enqueue(sheet_id=sheet.pk)
    return [r for r in confirmed if r.pk in absent]


@transaction.atomic
def attendance_sheet_lock(
    *,
    slot: Slot,
    user,
    signature: bytes | str,
    client: Client | None = None,
    now: datetime.datetime | None = None,
) -> AttendanceSheet:
    """A trainer signs the half-day and locks it, once it has started. Trainees who neither signed
    nor were marked are recorded absent; each trainee's hours are counted; absences alert the
    coordination. Nothing changes afterwards except through `attendance_correct`.

    Errors: `not_session_trainer`, `sheet_not_open`, `sheet_locked`, `half_day_not_started`,
    `signature_invalid`, `signature_empty`.
    """
    now = now or timezone.now()
    png = signature_png_clean(signature)
    _check_trainer(user, slot.session)
    sheet = _sheet_lock(slot)
    _check_open(sheet)
    start, _end = slot_bounds(slot)
    if now < start:
        raise TrainingError(_("A half-day can be locked once it has started."), "half_day_not_started")
    trainer = slot.session.trainers.filter(user=user).first()
    _proof_append(
        sheet,
        kind=ProofKind.TRAINER_SIGNATURE,
        now=now,
        actor=user,
        method=SignatureMethod.TRAINER_DEVICE,
        client=client,
        signature_png=png,
        data={"trainer": str(trainer)},
    )
    _lock(sheet, user=user, now=now, client=client)
    return sheet


@transaction.atomic
def attendance_correct(
    *,
    slot: Slot,
    registration: Registration,
    status: str,
    user,
    reason: str,
    minutes_missed: int = 0,
    client: Client | None = None,
    now: datetime.datetime | None = None,
) -> Attendance:
    """The coordination changes a locked half-day's attendance, with a written reason. The chain
    keeps the original values next to the new ones; the signature, if any, stays.

    Errors: `sheet_not_locked` (the trainer still decides), `reason_required`, `status_invalid`,
    `minutes_invalid`, `not_registered`.
    """
    now = now or timezone.now()
    if registration.session_id != slot.session_id:
        raise TrainingError(_("This person is not a trainee of this session."), "not_registered")
    if not reason.strip():
        raise TrainingError(_("Please write the reason for this correction."), "reason_required")
    minutes_missed, _reason = _attendance_values(slot, status, minutes_missed, reason)
    sheet = _sheet_lock(slot)
    if sheet.status != SheetStatus.LOCKED:
        raise TrainingError(_("This half-day is not locked yet: the trainer records it."), "sheet_not_locked")
    attendance = Attendance.objects.filter(registration=registration, slot=slot).first()
    attendance = attendance or Attendance(registration=registration, slot=slot, status=AttendanceStatus.ABSENT)
    before = {"status": attendance.status, "minutes_missed": attendance.minutes_missed, "hours": str(attendance.hours)}
    attendance.status, attendance.minutes_missed = status, minutes_missed
    # The reason of an excused absence; the correction's own reason stays in the chain.
    attendance.reason = reason.strip() if status == AttendanceStatus.EXCUSED else ""
    attendance.hours = attendance_hours(slot=slot, status=status, minutes_missed=minutes_missed)
    attendance.save()
    after = {"status": status, "minutes_missed": minutes_missed, "hours": str(attendance.hours)}
    _proof_append(
        sheet,
        kind=ProofKind.CORRECTION,
        now=now,
        actor=user,
        registration=registration,
        client=client,
        data={"before": before, "after": after, "reason": reason.strip()},
    )
    sheet.save(update_fields=["proof_count", "last_hash"])
    attendance_correction_log(
        registration=registration, slot=slot, user=user, before=before, after=after, reason=reason.strip()
    )
    return attendance


def scan_clean(*, content: bytes) -> str:
    """The content type of a scanned sheet, checked from its bytes. Errors: `scan_invalid`, `scan_too_large`."""
    if len(content) > SCAN_MAX_BYTES:
        raise TrainingError(_("The scan is larger than 20 MB."), "scan_too_large")
    content_type = _SCAN_TYPES.get(content_kind(content[:HEAD_BYTES]))
    if content_type is not None:
        return content_type
    raise TrainingError(_("The scan must be a PDF, PNG or JPEG file."), "scan_invalid")


@dataclass(frozen=True)
class PaperMark:
    registration_id: int
    status: str
    minutes_missed: int = 0
    reason: str = ""


@transaction.atomic
def attendance_paper_record(
    *,
    session: Session,
    slots: list[Slot],
    marks: dict[int, list[PaperMark]],
    scan_name: str,
    scan_content: bytes,
    user,
    client: Client | None = None,
    now: datetime.datetime | None = None,
) -> PaperScan:
    """The coordination records half-days from a scanned, signed paper sheet, and keeps the scan.

    `marks` gives, per slot id, each confirmed trainee's status as read on the paper. All the
    half-days are recorded and locked, or none. Errors: `scan_invalid`, `scan_too_large`,
    `no_half_day`, `half_day_not_started`, `sheet_locked` (a locked half-day is corrected one attendance at a time),
    `marks_incomplete`, and those of a status.
    """
    now = now or timezone.now()
    content_type = scan_clean(content=scan_content)
    if not slots:
        raise TrainingError(_("Choose the half-days the paper sheet covers."), "no_half_day")
    confirmed = {
        r.pk: r
        for r in Registration.objects.filter(session=session, status=RegistrationStatus.CONFIRMED).select_related(
            "user"
        )
    }
    scan = PaperScan(
        session=session,
        original_name=scan_name[:255],
        content_type=content_type,
        size=len(scan_content),
        sha256=hashlib.sha256(scan_content).hexdigest(),
        uploaded_at=now,
        uploaded_by=user,
    )
    scan.file.save(scan_name, ContentFile(scan_content), save=False)
    scan.save()
    try:
        _paper_slots_record(scan, slots=slots, marks=marks, confirmed=confirmed, user=user, client=client, now=now)
    except BaseException:
        scan.file.delete(save=False)  # the transaction rolls back: leave no file behind it
        raise
    return scan


def _paper_slots_record(
    scan: PaperScan,
    *,
    slots: list[Slot],
    marks: dict[int, list[PaperMark]],
    confirmed: dict[int, Registration],
    user,
    client: Client | None,
    now: datetime.datetime,
) -> None:
    session = scan.session
    recorded: dict[int, list[dict]] = {}
    slots = sorted(slots, key=lambda s: (s.date, s.starts_at))
    for slot in slots:
        if slot.session_id != session.pk:
            raise TrainingError(_("This half-day belongs to another session."), "not_session_slot")
        if now < slot_bounds(slot)[0]:
            raise TrainingError(
                _("The half-day of %(slot)s has not started yet: a paper sheet records what happened.")
                % {"slot": slot},
                "half_day_not_started",
            )
        sheet = _sheet_lock(slot)
        if sheet.status == SheetStatus.LOCKED:
            raise TrainingError(_("The half-day of %(slot)s is already locked.") % {"slot": slot}, "sheet_locked")
        slot_marks = {mark.registration_id: mark for mark in marks.get(slot.pk, [])}
        signed = set(
            Attendance.objects.filter(slot=slot, signature__isnull=False).values_list("registration_id", flat=True)
        )
        if set(confirmed) - signed - set(slot_marks):
            raise TrainingError(
                _("Give the attendance of every trainee for %(slot)s.") % {"slot": slot}, "marks_incomplete"
            )
        for registration_id, mark in slot_marks.items():
            registration = confirmed.get(registration_id)
            if registration is None:
                raise TrainingError(_("This person is not a confirmed trainee of this session."), "not_registered")
            minutes_missed, reason = _attendance_values(slot, mark.status, mark.minutes_missed, mark.reason)
            attendance = Attendance.objects.filter(registration=registration, slot=slot).first()
            if attendance is not None and attendance.signature_id is not None:
                continue  # a digital signature already stands for this trainee
            attendance = attendance or Attendance(registration=registration, slot=slot)
            attendance.status, attendance.minutes_missed, attendance.reason = mark.status, minutes_missed, reason
            attendance.save()
            _proof_append(
                sheet,
                kind=ProofKind.PAPER,
                now=now,
                actor=user,
                registration=registration,
                method=SignatureMethod.PAPER,
                client=client,
                data={"status": mark.status, "minutes_missed": minutes_missed, "scan_sha256": scan.sha256},
            )
            recorded.setdefault(slot.pk, []).append(
                {
                    "registration_id": registration.pk,
                    "person": str(registration.user),
                    "status": mark.status,
                    "minutes_missed": minutes_missed,
                }
            )
        if sheet.status == SheetStatus.PENDING:
            sheet.opened_at = now
            sheet.opened_by = user
        sheet.paper_scan = scan
        _lock(sheet, user=user, now=now, client=client)
    attendance_paper_record_log(scan=scan, slots=slots, recorded=recorded, user=user)


# Signing from one's own phone: the rotating QR code and the one-time link
# ------------------------------------------------------------------------------


def _qr_window(now: datetime.datetime) -> int:
    return int(now.timestamp()) // settings.ATTENDANCE_QR_SECONDS


def _qr_code_for(sheet: AttendanceSheet, window: int) -> str:
    digest = hmac.new(sheet.qr_secret.encode(), f"{sheet.slot_id}:{window}".encode(), hashlib.sha256).digest()
    return base64.b32encode(digest[:10]).decode().lower()


def attendance_qr_code(*, sheet: AttendanceSheet, now: datetime.datetime | None = None) -> str:
    """The code the room's QR carries now; it changes every `ATTENDANCE_QR_SECONDS`."""
    return _qr_code_for(sheet, _qr_window(now or timezone.now()))


def attendance_qr_seconds_left(*, now: datetime.datetime | None = None) -> int:
    """Seconds until the room's QR code changes."""
    period = settings.ATTENDANCE_QR_SECONDS
    return period - int((now or timezone.now()).timestamp()) % period


def attendance_qr_check(*, sheet: AttendanceSheet, code: str, now: datetime.datetime | None = None) -> None:
    """Accept the current code and the previous one (a scan just before it changed).

    Errors: `sheet_not_open`, `sheet_locked`, `qr_expired` (an older or unknown code).
    """
    _check_open(sheet)
    window = _qr_window(now or timezone.now())
    if not any(hmac.compare_digest(code.lower(), _qr_code_for(sheet, w)) for w in (window, window - 1)):
        raise TrainingError(_("This QR code has expired. Scan the code shown in the room again."), "qr_expired")


def attendance_qr_was_shown(*, sheet: AttendanceSheet, code: str, now: datetime.datetime | None = None) -> bool:
    """Whether the code is one the room showed since the half-day opened: an expired scan (a photo
    of the screen, a slow phone), not a guess. Only guesses count against the room's address."""
    if sheet.opened_at is None:
        return False
    last = _qr_window(now or timezone.now())
    first = max(_qr_window(sheet.opened_at), last - 24 * 3600 // settings.ATTENDANCE_QR_SECONDS)
    return any(hmac.compare_digest(code.lower(), _qr_code_for(sheet, window)) for window in range(first, last + 1))


def attendance_link_token(*, sheet: AttendanceSheet, registration: Registration) -> str:
    return signing.dumps({"sheet": sheet.pk, "registration": registration.pk}, salt=_LINK_SALT)


def attendance_link_check(*, token: str) -> tuple[AttendanceSheet, Registration]:
    """The sheet and registration a one-time link signs for; used once (a second signature is refused).

    Errors: `link_expired`, `link_invalid`.
    """
    try:
        payload = signing.loads(token, salt=_LINK_SALT, max_age=settings.ATTENDANCE_LINK_MINUTES * 60)
    except signing.SignatureExpired as error:
        raise TrainingError(_("This link has expired. Scan the QR code again."), "link_expired") from error
    except signing.BadSignature as error:
        raise TrainingError(_("This link is not valid."), "link_invalid") from error
    sheet = AttendanceSheet.objects.select_related("slot__session").filter(pk=payload["sheet"]).first()
    registration = Registration.objects.select_related("user").filter(pk=payload["registration"]).first()
    if sheet is None or registration is None:
        raise TrainingError(_("This link is not valid."), "link_invalid")
    return sheet, registration


def attendance_link_send(*, sheet: AttendanceSheet, email: str, now: datetime.datetime | None = None) -> bool:
    """After a valid scan, e-mail a one-time signing link to the confirmed trainee with this
    address; True when one was sent. The page says the same either way, so that nobody in the
    room learns who is registered."""
    registration = (
        Registration.objects.filter(
            session_id=sheet.slot.session_id, status=RegistrationStatus.CONFIRMED, user__email__iexact=email.strip()
        )
        .select_related("user")
        .first()
    )
    if registration is None:
        return False
    # One link a minute per trainee and half-day: a scan does not let anyone flood a mailbox.
    now = now or timezone.now()
    key = f"attendance-link:{sheet.pk}:{registration.pk}"
    if not cache.add(key, now.timestamp(), timeout=60):
        if now.timestamp() - cache.get(key, 0) < 60:
            return False
        cache.set(key, now.timestamp(), timeout=60)
    from .absences import attendance_link_message_send

    attendance_link_message_send(
        sheet=sheet, registration=registration, token=attendance_link_token(sheet=sheet, registration=registration)
    )
    return True
