"""Reads behind the attendance documents and the coordinator's attendance pages.

They complete the "Attendance" section of `training.selectors` (the grid, the half-day board,
the hours attended, the drop-out follow-up): each costs a fixed number of queries whatever the
number of trainees, plus the chain check of each half-day where the chain is verified.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, F, Q, QuerySet

from .choices import ATTENDED_STATUSES, ProofKind, RegistrationStatus, SheetStatus
from .models import Attendance, AttendanceProof, AttendanceSheet, PaperScan, Registration, Session, Slot, Trainer
from .selectors import (
    AttendanceGrid,
    absence_followup_list,
    registration_hours_attended,
    session_attendance_grid,
    session_trainees,
)
from .services.attendance import attendance_chain_verify


def session_for_documents(*, session_id: int) -> Session:
    """A session with what every attendance document prints about it: course, place, client,
    dates, number of half-days (`slot_count`) and planned hours."""
    return (
        Session.objects.select_related("course", "venue", "department", "client_organisation")
        .with_schedule()
        .annotate(slot_count=Count("slots"))
        .get(pk=session_id)
    )


def session_trainer_list(*, session: Session) -> list[Trainer]:
    return list(session.trainers.order_by("last_name", "first_name"))


def session_slot_list(*, session: Session) -> list[Slot]:
    return list(Slot.objects.filter(session=session).order_by("date", "starts_at"))


def session_sheets(*, session: Session) -> dict[int, AttendanceSheet]:
    """{slot id: sheet} of the half-days that have one, with who opened and locked it and the scan."""
    sheets = AttendanceSheet.objects.filter(slot__session=session).select_related(
        "opened_by", "locked_by", "paper_scan"
    )
    return {sheet.slot_id: sheet for sheet in sheets}


def sheet_chain_status(*, sheets) -> dict[int, list[int]]:
    """{slot id: sequence numbers breaking the chain} for each sheet (empty list: intact)."""
    return {sheet.slot_id: attendance_chain_verify(sheet=sheet) for sheet in sheets}


# The signed attendance sheet (PDF)
# ------------------------------------------------------------------------------


@dataclass(frozen=True)
class SignedCell:
    """One trainee on one half-day: the attendance (with its signature proof and image), if any."""

    registration: Registration
    attendance: Attendance | None
    corrected: bool = False


@dataclass(frozen=True)
class SignedHalfDay:
    slot: Slot
    sheet: AttendanceSheet | None
    cells: list[SignedCell]
    trainer_signatures: list[AttendanceProof]
    corrections: list[AttendanceProof]
    broken: list[int] = field(default_factory=list)

    @property
    def status(self) -> str:
        return self.sheet.status if self.sheet else SheetStatus.PENDING

    @property
    def locked(self) -> bool:
        return self.status == SheetStatus.LOCKED

    @property
    def signed_count(self) -> int:
        return sum(1 for cell in self.cells if cell.attendance and cell.attendance.signature_id)

    @property
    def attended_count(self) -> int:
        return sum(1 for cell in self.cells if cell.attendance and cell.attendance.status in ATTENDED_STATUSES)


@dataclass(frozen=True)
class TraineeHours:
    registration: Registration
    hours_attended: Decimal


@dataclass(frozen=True)
class SignedRecord:
    """Everything the signed attendance sheet of a session prints."""

    session: Session
    trainers: list[Trainer]
    half_days: list[SignedHalfDay]
    trainees: list[TraineeHours]
    planned_hours: Decimal
    validated_hours: Decimal  # planned hours of the locked half-days

    @property
    def all_locked(self) -> bool:
        return all(half_day.locked for half_day in self.half_days)


def session_signed_record(*, session: Session) -> SignedRecord:
    """The signed attendance of a session, half-day by half-day: each trainee's attendance with
    its signature (image included), the trainer's signature, the corrections after the lock, the
    scan of a paper half-day and whether each chain is intact; the hours attended per trainee
    over the locked half-days. Eight queries whatever the number of trainees, plus the chain
    check of each half-day (`attendance_chain_verify`)."""
    session = session_for_documents(session_id=session.pk)
    trainers = session_trainer_list(session=session)
    slots = session_slot_list(session=session)
    sheets = session_sheets(session=session)
    attendances = {
        (a.registration_id, a.slot_id): a
        for a in Attendance.objects.filter(slot__session=session).select_related("signature")
    }
    registration_ids = {registration_id for registration_id, _slot in attendances}
    registrations = list(
        Registration.objects.filter(session=session)
        .filter(Q(status=RegistrationStatus.CONFIRMED) | Q(pk__in=registration_ids))
        .select_related("user", "organisation")
        .order_by("user__last_name", "user__first_name", "pk")
    )
    # The trainer's signatures (their images are printed) and the corrections (no image).
    proofs = (
        AttendanceProof.objects.filter(
            sheet__slot__session=session, kind__in=(ProofKind.TRAINER_SIGNATURE, ProofKind.CORRECTION)
        )
        .select_related("actor", "registration__user")
        .order_by("sheet_id", "sequence")
    )
    trainer_signatures: dict[int, list[AttendanceProof]] = {}
    corrections: dict[int, list[AttendanceProof]] = {}
    sheet_slots = {sheet.pk: slot_id for slot_id, sheet in sheets.items()}
    for proof in proofs:
        target = trainer_signatures if proof.kind == ProofKind.TRAINER_SIGNATURE else corrections
        target.setdefault(sheet_slots[proof.sheet_id], []).append(proof)
    broken = sheet_chain_status(sheets=sheets.values())

    half_days = []
    for slot in slots:
        slot_corrections = corrections.get(slot.pk, [])
        corrected = {proof.registration_id for proof in slot_corrections}
        half_days.append(
            SignedHalfDay(
                slot=slot,
                sheet=sheets.get(slot.pk),
                cells=[
                    SignedCell(
                        registration=registration,
                        attendance=attendances.get((registration.pk, slot.pk)),
                        corrected=registration.pk in corrected,
                    )
                    for registration in registrations
                ],
                trainer_signatures=trainer_signatures.get(slot.pk, []),
                corrections=slot_corrections,
                broken=broken.get(slot.pk, []),
            )
        )
    hours = registration_hours_attended(registration_ids=[registration.pk for registration in registrations])
    trainees = [
        TraineeHours(registration=registration, hours_attended=hours.get(registration.pk) or Decimal("0"))
        for registration in registrations
    ]
    return SignedRecord(
        session=session,
        trainers=trainers,
        half_days=half_days,
        trainees=trainees,
        planned_hours=sum((slot.hours for slot in slots), Decimal("0")),
        validated_hours=sum((half_day.slot.hours for half_day in half_days if half_day.locked), Decimal("0")),
    )


# The coordinator's attendance page
# ------------------------------------------------------------------------------


@dataclass(frozen=True)
class OverviewCell:
    slot: Slot
    locked: bool  # the half-day is validated: its hours count, the coordination corrects it
    paper: bool  # the half-day was recorded from a scanned paper sheet
    attendance: Attendance | None
    signed_at: datetime.datetime | None = None  # the server time of the trainee's signature
    corrected: bool = False


@dataclass(frozen=True)
class OverviewRow:
    registration: Registration
    cells: list[OverviewCell]
    hours_attended: Decimal


@dataclass(frozen=True)
class OverviewColumn:
    slot: Slot
    sheet: AttendanceSheet | None
    broken: list[int] | None  # None: no sheet, nothing to verify
    attended: int
    absent: int

    @property
    def status(self) -> str:
        return self.sheet.status if self.sheet else SheetStatus.PENDING

    @property
    def locked(self) -> bool:
        return self.status == SheetStatus.LOCKED


@dataclass(frozen=True)
class AttendanceOverview:
    session: Session
    columns: list[OverviewColumn]
    rows: list[OverviewRow]
    planned_hours: Decimal
    scans: list[PaperScan]

    @property
    def locked_count(self) -> int:
        return sum(1 for column in self.columns if column.locked)

    @property
    def confirmed_count(self) -> int:
        return sum(1 for row in self.rows if row.registration.status == RegistrationStatus.CONFIRMED)


def session_attendance_overview(*, session: Session) -> AttendanceOverview:
    """The session's grid (trainees × half-days) with the time of each signature, the corrected
    attendances, each half-day's sheet and chain status, and the scans kept. Eight queries whatever
    the number of trainees, plus the chain check of each half-day (`attendance_chain_verify`)."""
    grid: AttendanceGrid = session_attendance_grid(session=session)
    sheets = session_sheets(session=session)
    marks = AttendanceProof.objects.filter(
        sheet__slot__session=session, kind__in=(ProofKind.SIGNATURE, ProofKind.CORRECTION)
    ).values_list("kind", "registration_id", "sheet__slot_id", "created_at")
    signed_at, corrected = {}, set()
    for kind, registration_id, slot_id, created_at in marks:
        if kind == ProofKind.SIGNATURE:
            signed_at[(registration_id, slot_id)] = created_at
        else:
            corrected.add((registration_id, slot_id))
    broken = sheet_chain_status(sheets=sheets.values())

    paper = {slot_id for slot_id, sheet in sheets.items() if sheet.paper_scan_id}
    rows = []
    for row in grid.rows:
        cells = [
            OverviewCell(
                slot=slot,
                locked=slot.sheet_status == SheetStatus.LOCKED,
                paper=slot.pk in paper,
                attendance=attendance,
                signed_at=signed_at.get((row.registration.pk, slot.pk)),
                corrected=(row.registration.pk, slot.pk) in corrected,
            )
            for attendance, slot in zip(row.cells, grid.slots, strict=True)
        ]
        rows.append(OverviewRow(registration=row.registration, cells=cells, hours_attended=row.hours_attended))
    columns = []
    for index, slot in enumerate(grid.slots):
        statuses = [row.cells[index].status for row in grid.rows if row.cells[index] is not None]
        columns.append(
            OverviewColumn(
                slot=slot,
                sheet=sheets.get(slot.pk),
                broken=broken.get(slot.pk),
                attended=sum(1 for status in statuses if status in ATTENDED_STATUSES),
                absent=sum(1 for status in statuses if status not in ATTENDED_STATUSES),
            )
        )
    return AttendanceOverview(
        session=session,
        columns=columns,
        rows=rows,
        planned_hours=grid.planned_hours,
        scans=session_scan_list(session=session),
    )


def session_scan_list(*, session: Session) -> list[PaperScan]:
    """The scanned paper sheets of a session, newest first, with the half-days each stands for."""
    return list(
        PaperScan.objects.filter(session=session)
        .select_related("uploaded_by")
        .prefetch_related("sheets__slot")
        .order_by("-uploaded_at")
    )


def slot_proof_list(*, slot: Slot) -> list[AttendanceProof]:
    """Every proof record of a half-day in chain order, with who did it and for whom (images included)."""
    return list(
        AttendanceProof.objects.filter(sheet__slot=slot)
        .select_related("actor", "registration__user")
        .order_by("sequence")
    )


# Recording a paper sheet, correcting, following up absences
# ------------------------------------------------------------------------------


@dataclass(frozen=True)
class PaperRecordData:
    """What the paper form offers: the half-days still open to a record (with `sheet_status`, None
    when never opened), the confirmed trainees, and who already signed one of those half-days
    digitally (their signature stands)."""

    slots: list[Slot]
    trainees: list[Registration]
    signed: set[tuple[int, int]]  # (registration id, slot id)


def session_paper_record_data(*, session: Session) -> PaperRecordData:
    slots = list(
        Slot.objects.filter(session=session)
        .exclude(sheet__status=SheetStatus.LOCKED)
        .annotate(sheet_status=F("sheet__status"))
        .order_by("date", "starts_at")
    )
    signed = set(
        Attendance.objects.filter(slot__in=slots, signature__isnull=False).values_list("registration_id", "slot_id")
    )
    return PaperRecordData(slots=slots, trainees=list(session_trainees(session=session)), signed=signed)


def attendance_with_corrections(
    *, slot: Slot, registration: Registration
) -> tuple[Attendance | None, list[AttendanceProof]]:
    """A trainee's attendance of a half-day (with its signature record, image left out) and the
    corrections already made to it, oldest first."""
    attendance = (
        Attendance.objects.filter(slot=slot, registration=registration)
        .select_related("signature")
        .defer("signature__signature_png")
        .first()
    )
    corrections = list(
        AttendanceProof.objects.filter(sheet__slot=slot, registration=registration, kind=ProofKind.CORRECTION)
        .select_related("actor")
        .defer("signature_png")
        .order_by("sequence")
    )
    return attendance, corrections


def absence_followup_page() -> QuerySet[Registration]:
    """The drop-out follow-up list with the person's phone number (from their profile) and session."""
    return absence_followup_list().annotate(phone=F("user__profile__phone"))
