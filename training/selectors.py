"""Reads of the training domain, shared by views, Wagtail pages (through template tags) and reports."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Case, Count, IntegerField, Max, Prefetch, Q, QuerySet, Sum, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone

from accounts.models import Department
from cms.models import Audience, CoursePage, Theme

from .choices import ACTIVE_STATUSES, AttendanceStatus, Funding, RegistrationStatus, SessionStatus, SheetStatus
from .models import Attendance, Document, Registration, RegistrationMessage, Session, Slot, Trainer

PUBLIC_STATUSES = (SessionStatus.OPEN, SessionStatus.CLOSED)


def session_list_upcoming(
    *, course_id: int | None = None, today: datetime.date | None = None, with_slots: bool = True
) -> QuerySet[Session]:
    """Sessions shown to the public: offered (open or closed to registration), not yet over, and
    not reserved to a client structure (intra sessions are arranged with that structure).

    Each session carries `first_day`, `last_day`, `planned_hours`, `seats_taken`, `seats_left`,
    its venue and département (and its half-days unless `with_slots` is false), so a listing
    costs a fixed number of queries.
    """
    today = today or timezone.localdate()
    sessions = (
        Session.objects.filter(status__in=PUBLIC_STATUSES)
        .exclude(funding=Funding.INTRA)
        .with_schedule()
        .with_seats()
        .filter(last_day__gte=today)
        .select_related("venue", "department")
        .order_by("first_day", "code")
    )
    if with_slots:
        sessions = sessions.prefetch_related(Prefetch("slots", queryset=Slot.objects.order_by("date", "starts_at")))
    if course_id is not None:
        sessions = sessions.filter(course_id=course_id)
    return sessions


@dataclass(frozen=True)
class CatalogueFilters:
    """What a visitor asked the catalogue for; empty values mean "any"."""

    query: str = ""
    theme: Theme | None = None
    audience: Audience | None = None
    level: str = ""
    modality: str = ""
    department: Department | None = None
    month: datetime.date | None = None  # first day of the month
    funding: str = ""
    with_seats: bool = False

    @property
    def filters_sessions(self) -> bool:
        return bool(self.department or self.month or self.funding or self.with_seats)


def session_list_catalogue(*, filters: CatalogueFilters, today: datetime.date | None = None) -> QuerySet[Session]:
    """Upcoming public sessions matching the session-level filters (place, month, funding, seats)."""
    sessions = session_list_upcoming(today=today, with_slots=False)
    if filters.department:
        sessions = sessions.filter(department=filters.department)
    if filters.month:
        next_month = (filters.month.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)
        sessions = sessions.filter(first_day__gte=filters.month, first_day__lt=next_month)
    if filters.funding:
        sessions = sessions.filter(funding=filters.funding)
    if filters.with_seats:
        sessions = sessions.filter(status=SessionStatus.OPEN, seats_left__gt=0)
    return sessions


def course_list_catalogue(*, filters: CatalogueFilters, today: datetime.date | None = None) -> QuerySet[CoursePage]:
    """Live course sheets matching the filters, best search match first, otherwise by title.

    Course-level filters (theme, audience, level, modality, words) select the sheets; when a
    session-level filter is set, only courses with at least one matching session remain.
    """
    courses = CoursePage.objects.live().public()
    if filters.theme:
        courses = courses.filter(themes=filters.theme)
    if filters.audience:
        courses = courses.filter(audiences=filters.audience)
    if filters.level:
        courses = courses.filter(level=filters.level)
    if filters.modality:
        courses = courses.filter(modality=filters.modality)
    if filters.filters_sessions:
        courses = courses.filter(pk__in=session_list_catalogue(filters=filters, today=today).values("course_id"))
    courses = courses.distinct()
    if not filters.query:
        return courses.order_by("title")
    ranked_ids = [page.pk for page in CoursePage.objects.live().public().search(filters.query, operator="and")]
    ranking = Case(*(When(pk=pk, then=Value(rank)) for rank, pk in enumerate(ranked_ids)), output_field=IntegerField())
    return courses.filter(pk__in=ranked_ids).annotate(search_rank=ranking).order_by("search_rank", "title")


def sessions_by_course(
    *, course_ids: list[int], filters: CatalogueFilters, today: datetime.date | None = None
) -> dict[int, list[Session]]:
    """The matching upcoming sessions of the given courses, in one query."""
    grouped: dict[int, list[Session]] = {course_id: [] for course_id in course_ids}
    for session in session_list_catalogue(filters=filters, today=today).filter(course_id__in=course_ids):
        grouped[session.course_id].append(session)
    return grouped


def session_for_registration(*, session_id: int) -> Session:
    """A session as the registration page shows it: course, place, schedule and seats."""
    return (
        Session.objects.with_schedule()
        .with_seats()
        .select_related("course", "venue", "department")
        .prefetch_related(Prefetch("slots", queryset=Slot.objects.order_by("date", "starts_at")))
        .get(pk=session_id)
    )


def registration_list_for_person(*, user) -> list[Registration]:
    """A person's registrations, latest first, each with its session's schedule, the messages sent,
    `waitlist_rank` (1 = next in line) when waiting, and `hours_attended` (from the half-days the
    trainer validated; None before any). A fixed number of queries."""
    sessions = Session.objects.with_schedule().select_related("course", "venue", "department")
    registrations = list(
        Registration.objects.filter(user=user)
        .prefetch_related(
            Prefetch("session", queryset=sessions),
            Prefetch("messages", queryset=RegistrationMessage.objects.filter(sent_at__isnull=False)),
        )
        .order_by("-created_at")
    )
    waiting_sessions = {r.session_id for r in registrations if r.status == RegistrationStatus.WAITLISTED}
    ranks: dict[int, int] = {}
    counters: dict[int, int] = {}
    queue = (
        Registration.objects.filter(session_id__in=waiting_sessions)
        .waiting_list()
        .order_by("session_id", "waitlist_position", "created_at", "pk")
    )
    for pk, session_id in queue.values_list("pk", "session_id"):
        counters[session_id] = counters.get(session_id, 0) + 1
        ranks[pk] = counters[session_id]
    hours = dict(
        Attendance.objects.filter(registration__user=user, slot__sheet__status=SheetStatus.LOCKED)
        .values("registration_id")
        .annotate(total=Sum("hours"))
        .values_list("registration_id", "total")
    )
    for registration in registrations:
        registration.waitlist_rank = ranks.get(registration.pk)
        registration.hours_attended = hours.get(registration.pk)
    return registrations


# Back office
# ------------------------------------------------------------------------------

# The order in which the coordinator meets the registrations of a session: what awaits a
# decision first, then the waiting list (in promotion order), then the people holding a seat.
BOARD_STATUS_ORDER = (
    RegistrationStatus.PENDING,
    RegistrationStatus.WAITLISTED,
    RegistrationStatus.OFFERED,
    RegistrationStatus.CONFIRMED,
    RegistrationStatus.CANCELLED,
    RegistrationStatus.REFUSED,
)


@dataclass(frozen=True)
class RegistrationGroup:
    status: str
    label: str
    registrations: list[Registration]


@dataclass(frozen=True)
class SessionRegistrationBoard:
    """A session's registrations as the coordinator manages them, with its fill figures."""

    session: Session
    groups: list[RegistrationGroup]
    confirmed: int
    offered: int
    pending: int
    waitlisted: int

    @property
    def count(self) -> int:
        return sum(len(group.registrations) for group in self.groups)

    @property
    def seats_held(self) -> int:
        return self.confirmed + self.offered

    @property
    def fill_rate(self) -> float | None:
        """Confirmed people over seats (a fraction, unrounded); None for a session without seats."""
        return self.confirmed / self.session.capacity if self.session.capacity else None

    def group(self, status: str) -> RegistrationGroup:
        return next(group for group in self.groups if group.status == status)


def session_registration_board(*, session_id: int) -> SessionRegistrationBoard:
    """Every registration of a session grouped by status, the waiting list in promotion order
    (each waiting registration carries `waitlist_rank`, 1 = next). Two queries, whatever the size."""
    session = (
        Session.objects.select_related("course", "department", "client_organisation").with_seats().get(pk=session_id)
    )
    registrations = list(
        Registration.objects.filter(session=session).select_related("user", "organisation").order_by("created_at", "pk")
    )
    by_status: dict[str, list[Registration]] = {status: [] for status in BOARD_STATUS_ORDER}
    for registration in registrations:
        registration.session = session
        by_status[registration.status].append(registration)
    waiting = by_status[RegistrationStatus.WAITLISTED]
    waiting.sort(key=lambda registration: registration.waitlist_position or 0)  # stable: then arrival
    for rank, registration in enumerate(waiting, start=1):
        registration.waitlist_rank = rank
    groups = [
        RegistrationGroup(status=status, label=RegistrationStatus(status).label, registrations=by_status[status])
        for status in BOARD_STATUS_ORDER
    ]
    return SessionRegistrationBoard(
        session=session,
        groups=groups,
        confirmed=len(by_status[RegistrationStatus.CONFIRMED]),
        offered=len(by_status[RegistrationStatus.OFFERED]),
        pending=len(by_status[RegistrationStatus.PENDING]),
        waitlisted=len(by_status[RegistrationStatus.WAITLISTED]),
    )


def registration_statuses_for_person(*, user) -> dict[int, str]:
    """{session id: status label} of the person's active registrations (pending, confirmed, waiting, offered)."""
    labels = dict(RegistrationStatus.choices)
    rows = Registration.objects.filter(user=user, status__in=ACTIVE_STATUSES).values_list("session_id", "status")
    return {session_id: str(labels[status]) for session_id, status in rows}


# Attendance
# ------------------------------------------------------------------------------


def trainer_for_user(user) -> Trainer | None:
    """The trainer record a signed-in person teaches as, if any."""
    if not user.is_authenticated:
        return None
    return Trainer.objects.filter(user=user, is_active=True).first()


def trainer_session_list(*, trainer: Trainer) -> QuerySet[Session]:
    """The sessions a trainer teaches (not drafts nor cancelled), soonest first day first, with their
    dates, hours and number of confirmed trainees."""
    return (
        Session.objects.filter(trainers=trainer)
        .exclude(status__in=(SessionStatus.DRAFT, SessionStatus.CANCELLED))
        .with_schedule()
        .with_registration_counts()
        .select_related("course", "venue", "department")
        .order_by("first_day", "code")
    )


def session_trainees(*, session: Session) -> QuerySet[Registration]:
    """The confirmed trainees of a session, by name."""
    return (
        Registration.objects.filter(session=session, status=RegistrationStatus.CONFIRMED)
        .select_related("user", "organisation")
        .order_by("user__last_name", "user__first_name", "pk")
    )


@dataclass(frozen=True)
class AttendanceRow:
    registration: Registration
    attendance: Attendance | None

    @property
    def signed(self) -> bool:
        return self.attendance is not None and self.attendance.signature_id is not None


def slot_attendance_board(*, slot: Slot) -> list[AttendanceRow]:
    """Each confirmed trainee of the half-day's session with their attendance so far (two queries).

    Trainees no longer confirmed but who have an attendance (cancelled after signing) are listed too."""
    attendances = {
        a.registration_id: a
        for a in Attendance.objects.filter(slot=slot).select_related("signature").defer("signature__signature_png")
    }
    registrations = (
        Registration.objects.filter(session_id=slot.session_id)
        .filter(Q(status=RegistrationStatus.CONFIRMED) | Q(pk__in=list(attendances)))
        .select_related("user", "organisation")
        .order_by("user__last_name", "user__first_name", "pk")
    )
    return [AttendanceRow(registration=r, attendance=attendances.get(r.pk)) for r in registrations]


@dataclass(frozen=True)
class AttendanceGridRow:
    registration: Registration
    cells: list[Attendance | None]  # one per slot, in the slots' order
    hours_attended: Decimal  # from locked half-days only


@dataclass(frozen=True)
class AttendanceGrid:
    session: Session
    slots: list[Slot]  # each with `.sheet_status`
    rows: list[AttendanceGridRow]
    planned_hours: Decimal


def session_attendance_grid(*, session: Session) -> AttendanceGrid:
    """Trainees × half-days of a session, with each attendance and the hours attended (four queries)."""
    slots = list(
        Slot.objects.filter(session=session)
        .annotate(sheet_status=Coalesce("sheet__status", Value(SheetStatus.PENDING)))
        .order_by("date", "starts_at")
    )
    locked = {slot.pk for slot in slots if slot.sheet_status == SheetStatus.LOCKED}
    attendances: dict[tuple[int, int], Attendance] = {
        (a.registration_id, a.slot_id): a for a in Attendance.objects.filter(slot__session=session).defer("reason")
    }
    registration_ids = {registration_id for registration_id, _slot in attendances}
    registrations = (
        Registration.objects.filter(session=session)
        .filter(Q(status=RegistrationStatus.CONFIRMED) | Q(pk__in=registration_ids))
        .select_related("user", "organisation")
        .order_by("user__last_name", "user__first_name", "pk")
    )
    rows = []
    for registration in registrations:
        cells = [attendances.get((registration.pk, slot.pk)) for slot in slots]
        hours = sum(
            (cell.hours for cell, slot in zip(cells, slots, strict=True) if cell and slot.pk in locked), Decimal("0")
        )
        rows.append(AttendanceGridRow(registration=registration, cells=cells, hours_attended=hours))
    planned = sum((slot.hours for slot in slots), Decimal("0"))
    return AttendanceGrid(session=session, slots=slots, rows=rows, planned_hours=planned)


def registration_hours_attended(*, registration_ids) -> dict[int, Decimal]:
    """Hours attended per registration with a locked half-day or hours recorded by an import (one query)."""
    rows = (
        Registration.objects.filter(pk__in=list(registration_ids))
        .with_hours_attended()
        .filter(Q(hours_recorded__isnull=False) | Q(hours_locked__isnull=False))
        .values_list("pk", "hours_attended")
    )
    return dict(rows)


def absence_followup_list() -> QuerySet[Registration]:
    """Confirmed trainees with at least one unexcused absence on a locked half-day, most recent first,
    annotated with `absences` (how many) and `last_absence` (date)."""
    absent = Q(attendances__status=AttendanceStatus.ABSENT, attendances__slot__sheet__status=SheetStatus.LOCKED)
    return (
        Registration.objects.filter(absent, status=RegistrationStatus.CONFIRMED)
        .annotate(
            absences=Count("attendances", filter=absent, distinct=True),
            last_absence=Max("attendances__slot__date", filter=absent),
        )
        .select_related("user", "session__course")
        .order_by("-last_absence", "user__last_name")
    )


# Documents
# ------------------------------------------------------------------------------


def document_list_for_person(*, user) -> QuerySet[Document]:
    """A person's current documents (the latest version of each), newest first, with their course."""
    return (
        Document.objects.current()
        .filter(registration__user=user)
        .select_related("session__course")
        .order_by("-issued_at", "kind")
    )
