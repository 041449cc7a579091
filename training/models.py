"""Sessions of the courses, their half-day slots, venues, trainers, client structures and registrations.

A `Session` is what people register to: one course given at one place on given half-days.
Dates, planned hours and seats left are derived from the slots and registrations (see
`SessionQuerySet`), never stored twice.
"""

import secrets
from decimal import Decimal

from modelcluster.fields import ParentalKey
from modelcluster.models import ClusterableModel

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Count, F, Max, Min, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce, Greatest, Lower
from django.utils.translation import gettext_lazy as _

from cms.choices import Modality
from config.storages import private_storage

from .choices import (
    ACTIVE_STATUSES,
    SEAT_HOLDING_STATUSES,
    AbandonmentReason,
    AttendanceStatus,
    BatchStatus,
    CancelledBy,
    DocumentKind,
    FunderCategory,
    Funding,
    MessageKind,
    Period,
    ProofKind,
    RegistrationSource,
    RegistrationStatus,
    RetentionClass,
    SessionStatus,
    SheetStatus,
    SignatureMethod,
    TraineeType,
    TrainerKind,
)


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        abstract = True


class Venue(TimeStampedModel):
    """A training room, with what a person with reduced mobility needs to know before coming."""

    name = models.CharField(_("name"), max_length=150)
    address = models.CharField(_("address"), max_length=200, blank=True)
    postcode = models.CharField(_("postcode"), max_length=5, blank=True)
    city = models.CharField(_("city"), max_length=80)
    department = models.ForeignKey(
        "accounts.Department", on_delete=models.PROTECT, related_name="venues", verbose_name=_("département")
    )
    step_free_access = models.BooleanField(_("step-free access"), default=False)
    accessible_toilets = models.BooleanField(_("accessible toilets"), default=False)
    hearing_loop = models.BooleanField(_("hearing loop"), default=False)
    accessibility_notes = models.TextField(_("accessibility details"), blank=True)
    access_notes = models.TextField(
        _("how to get there"), blank=True, help_text=_("Public transport, parking, entrance.")
    )

    class Meta:
        verbose_name = _("venue")
        verbose_name_plural = _("venues")
        ordering = ["city", "name"]
        constraints = [models.UniqueConstraint(fields=["name", "city"], name="venue_name_city_unique")]

    def __str__(self):
        return f"{self.name}, {self.city}"

    @property
    def full_address(self) -> str:
        return ", ".join(part for part in (self.name, self.address, f"{self.postcode} {self.city}".strip()) if part)


class Trainer(TimeStampedModel):
    """A person who teaches sessions: a member of staff or an external trainer."""

    first_name = models.CharField(_("first name"), max_length=150)
    last_name = models.CharField(_("last name"), max_length=150)
    email = models.EmailField(_("e-mail address"), blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    kind = models.CharField(_("status"), max_length=10, choices=TrainerKind.choices, default=TrainerKind.INTERNAL)
    employer = models.CharField(_("employer"), max_length=150, blank=True, help_text=_("For external trainers."))
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="trainer",
        verbose_name=_("user account"),
        help_text=_("The account the trainer signs in with to reach the trainer space."),
    )
    bio = models.TextField(_("qualifications and experience"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("trainer")
        verbose_name_plural = _("trainers")
        ordering = ["last_name", "first_name"]
        constraints = [
            models.UniqueConstraint(Lower("email"), condition=~Q(email=""), name="trainer_email_ci_unique"),
        ]

    def __str__(self):
        return f"{self.first_name} {self.last_name}"


class Organisation(TimeStampedModel):
    """A structure: client of an intra session, or employer of trainees."""

    name = models.CharField(_("name"), max_length=200)
    siret = models.CharField(_("SIRET"), max_length=14, blank=True)
    structure_type = models.ForeignKey(
        "accounts.StructureType",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="organisations",
        verbose_name=_("structure type"),
    )
    department = models.ForeignKey(
        "accounts.Department",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="organisations",
        verbose_name=_("département"),
    )
    address = models.CharField(_("address"), max_length=200, blank=True)
    postcode = models.CharField(_("postcode"), max_length=5, blank=True)
    city = models.CharField(_("city"), max_length=80, blank=True)
    contact_name = models.CharField(_("contact name"), max_length=150, blank=True)
    contact_email = models.EmailField(_("contact e-mail"), blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=20, blank=True)

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["siret"], condition=~Q(siret=""), name="organisation_siret_unique"),
            models.UniqueConstraint(Lower("name"), "postcode", name="organisation_name_postcode_unique"),
        ]

    def __str__(self):
        return f"{self.name} ({self.city})" if self.city else self.name


class SessionQuerySet(models.QuerySet):
    def with_schedule(self):
        """Annotate `first_day`, `last_day` and `planned_hours` from the slots."""
        slots = Slot.objects.filter(session=OuterRef("pk")).values("session")
        return self.annotate(
            first_day=Subquery(slots.annotate(v=Min("date")).values("v")),
            last_day=Subquery(slots.annotate(v=Max("date")).values("v")),
            planned_hours=Subquery(slots.annotate(v=Sum("hours")).values("v")),
        )

    def with_seats(self):
        """Annotate `seats_taken` (confirmed or offered) and `seats_left` (never below zero)."""
        taken = (
            Registration.objects.filter(session=OuterRef("pk"), status__in=SEAT_HOLDING_STATUSES)
            .values("session")
            .annotate(n=Count("pk"))
            .values("n")
        )
        return self.annotate(seats_taken=Coalesce(Subquery(taken), Value(0))).annotate(
            seats_left=Greatest(F("capacity") - F("seats_taken"), Value(0))
        )

    def with_registration_counts(self):
        """Annotate `confirmed_count` and `waitlist_count` (one subquery each)."""

        def count(status):
            registrations = Registration.objects.filter(session=OuterRef("pk"), status=status)
            return Coalesce(Subquery(registrations.values("session").annotate(n=Count("pk")).values("n")), Value(0))

        return self.annotate(
            confirmed_count=count(RegistrationStatus.CONFIRMED),
            waitlist_count=count(RegistrationStatus.WAITLISTED),
        )


class Session(TimeStampedModel, ClusterableModel):
    """One delivery of a course: where, when (its slots), for how many, funded by whom."""

    course = models.ForeignKey(
        "cms.CoursePage", on_delete=models.PROTECT, related_name="sessions", verbose_name=_("course")
    )
    course_revision = models.ForeignKey(
        "wagtailcore.Revision",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("programme revision"),
        help_text=_("The published version of the course sheet this session was offered with."),
    )
    code = models.CharField(_("code"), max_length=40, unique=True, help_text=_("For example 2026-CPS1-12-01."))
    funding = models.CharField(_("funding"), max_length=10, choices=Funding.choices, default=Funding.DRAPPS)
    department = models.ForeignKey(
        "accounts.Department", on_delete=models.PROTECT, related_name="sessions", verbose_name=_("département")
    )
    venue = models.ForeignKey(
        Venue, null=True, blank=True, on_delete=models.PROTECT, related_name="sessions", verbose_name=_("venue")
    )
    modality = models.CharField(_("modality"), max_length=20, choices=Modality.choices, default=Modality.ON_SITE)
    capacity = models.PositiveIntegerField(_("seats"))
    status = models.CharField(_("status"), max_length=10, choices=SessionStatus.choices, default=SessionStatus.DRAFT)
    registration_opens_at = models.DateTimeField(_("registration opens"), null=True, blank=True)
    registration_closes_at = models.DateTimeField(_("registration closes"), null=True, blank=True)
    requires_approval = models.BooleanField(
        _("registrations need approval"), default=False, help_text=_("The coordinator confirms each registration.")
    )
    trainers = models.ManyToManyField(Trainer, blank=True, related_name="sessions", verbose_name=_("trainers"))
    client_organisation = models.ForeignKey(
        Organisation,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="client_sessions",
        verbose_name=_("client structure"),
        help_text=_("Required for an intra session."),
    )
    price_per_trainee = models.DecimalField(
        _("price per trainee (€)"),
        max_digits=8,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
    )
    notes = models.TextField(_("internal notes"), blank=True)
    legal_hold = models.BooleanField(
        _("legal hold"),
        default=False,
        help_text=_("Keep every record of this session (litigation, funder control): never purged."),
    )
    legal_hold_reason = models.TextField(_("reason for the legal hold"), blank=True)
    imported_at = models.DateTimeField(
        _("imported from the history"),
        null=True,
        blank=True,
        editable=False,
        help_text=_(
            "Sessions held before the system, brought by the historical workbook: no e-mail is sent about them."
        ),
    )

    objects = SessionQuerySet.as_manager()

    class Meta:
        verbose_name = _("session")
        verbose_name_plural = _("sessions")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(capacity__gte=0),
                name="session_capacity_not_negative",
                violation_error_message=_("The number of seats cannot be negative."),
                violation_error_code="negative_capacity",
            ),
            models.CheckConstraint(
                condition=Q(registration_opens_at__isnull=True)
                | Q(registration_closes_at__isnull=True)
                | Q(registration_closes_at__gt=F("registration_opens_at")),
                name="session_registration_window_ordered",
                violation_error_message=_("Registration must close after it opens."),
                violation_error_code="registration_window_reversed",
            ),
            models.CheckConstraint(
                condition=~Q(funding=Funding.INTRA) | Q(client_organisation__isnull=False),
                name="session_intra_has_client",
                violation_error_message=_("An intra session needs its client structure."),
                violation_error_code="intra_without_client",
            ),
            models.CheckConstraint(
                condition=Q(price_per_trainee__isnull=True) | Q(price_per_trainee__gte=0),
                name="session_price_not_negative",
                violation_error_message=_("The price cannot be negative."),
                violation_error_code="negative_price",
            ),
            models.CheckConstraint(
                condition=Q(legal_hold=False) | ~Q(legal_hold_reason=""),
                name="session_legal_hold_has_reason",
                violation_error_message=_("Give the reason for the legal hold."),
                violation_error_code="legal_hold_reason_required",
            ),
        ]
        indexes = [models.Index(fields=["status", "department"], name="session_status_dept_idx")]

    def __str__(self):
        return f"{self.code} — {self.course.title}"


class Slot(models.Model):
    """A half-day of a session. Attendance, hours done, certificates and the BPF derive from slots."""

    session = ParentalKey(Session, on_delete=models.CASCADE, related_name="slots", verbose_name=_("session"))
    date = models.DateField(_("date"))
    period = models.CharField(_("half-day"), max_length=2, choices=Period.choices)
    starts_at = models.TimeField(_("start"))
    ends_at = models.TimeField(_("end"))
    hours = models.DecimalField(
        _("hours"), max_digits=4, decimal_places=2, help_text=_("Teaching hours of this half-day, breaks excluded.")
    )

    class Meta:
        verbose_name = _("half-day")
        verbose_name_plural = _("half-days")
        ordering = ["date", "starts_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["session", "date", "period"],
                name="slot_one_per_half_day",
                violation_error_message=_("This session already has this half-day."),
                violation_error_code="duplicate_half_day",
            ),
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")),
                name="slot_ends_after_start",
                violation_error_message=_("A half-day must end after it starts."),
                violation_error_code="slot_ends_before_start",
            ),
            models.CheckConstraint(
                condition=Q(hours__gt=0) & Q(hours__lte=6),
                name="slot_hours_in_range",
                violation_error_message=_("A half-day counts between 0 and 6 teaching hours."),
                violation_error_code="slot_hours_out_of_range",
            ),
        ]

    def __str__(self):
        return f"{self.date:%d/%m/%Y} {self.get_period_display().lower()} ({self.starts_at:%H:%M}–{self.ends_at:%H:%M})"


class FundingLine(models.Model):
    """Money received for a session (an invoice or a grant), by origin: cadre C of the BPF counts them
    by the year they are invoiced."""

    session = ParentalKey(Session, on_delete=models.CASCADE, related_name="funding_lines", verbose_name=_("session"))
    category = models.CharField(_("origin (BPF)"), max_length=25, choices=FunderCategory.choices)
    payer = models.CharField(_("paid by"), max_length=200, help_text=_("For example ARS Occitanie, or the client."))
    amount = models.DecimalField(
        _("amount excluding tax (€)"), max_digits=10, decimal_places=2, validators=[MinValueValidator(Decimal("0"))]
    )
    invoiced_on = models.DateField(_("invoiced or granted on"))
    reference = models.CharField(_("invoice or decision number"), max_length=60, blank=True)

    class Meta:
        verbose_name = _("funding line")
        verbose_name_plural = _("funding lines")
        ordering = ["invoiced_on"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gte=0), name="funding_line_amount_not_negative"),
        ]

    def __str__(self):
        return f"{self.payer} — {self.amount} €"


class RegistrationQuerySet(models.QuerySet):
    def with_first_day(self):
        """Annotate `first_day`, the date of the session's first half-day."""
        first = Slot.objects.filter(session=OuterRef("session_id")).order_by("date").values("date")[:1]
        return self.annotate(first_day=Subquery(first))

    def with_session_confirmed(self):
        """Annotate `session_confirmed`, how many people are confirmed on the registration's session."""
        confirmed = (
            Registration.objects.filter(session=OuterRef("session_id"), status=RegistrationStatus.CONFIRMED)
            .values("session")
            .annotate(n=Count("pk"))
            .values("n")
        )
        return self.annotate(session_confirmed=Coalesce(Subquery(confirmed), Value(0)))

    def with_hours_attended(self):
        """Annotate `hours_attended`: the hours recorded before the system (imported history) when there are,
        otherwise the sum over the locked half-days (a half-day still open counts nothing yet); and
        `hours_locked`, that sum alone (None when no half-day of the registration is locked)."""
        hours = models.DecimalField(max_digits=6, decimal_places=2)
        locked = (
            Attendance.objects.filter(registration=OuterRef("pk"), slot__sheet__status=SheetStatus.LOCKED)
            .values("registration")
            .annotate(total=Sum("hours"))
            .values("total")
        )
        return self.annotate(hours_locked=Subquery(locked, output_field=hours)).annotate(
            hours_attended=Coalesce("hours_recorded", "hours_locked", Value(Decimal("0")), output_field=hours)
        )

    def waiting_list(self):
        """Waitlisted registrations in promotion order: position, then arrival."""
        return self.filter(status=RegistrationStatus.WAITLISTED).order_by("waitlist_position", "created_at", "pk")


class Registration(TimeStampedModel):
    """A person's place (or wish of a place) in a session.

    Every transition belongs to `training.services.registrations`; the timestamps below record
    when each happened (evidence for Qualiopi indicator 9). The profile answers are copied at
    registration time so that yearly indicators count people as they were then.
    """

    session = models.ForeignKey(
        Session, on_delete=models.PROTECT, related_name="registrations", verbose_name=_("session")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="registrations", verbose_name=_("person")
    )
    status = models.CharField(
        _("status"), max_length=12, choices=RegistrationStatus.choices, default=RegistrationStatus.PENDING
    )
    status_changed_at = models.DateTimeField(_("status changed at"), auto_now_add=True)
    source = models.CharField(
        _("source"), max_length=12, choices=RegistrationSource.choices, default=RegistrationSource.ONLINE
    )

    # What the person told when registering.
    expectations = models.TextField(_("expectations"), blank=True)
    prerequisites_declared = models.BooleanField(_("prerequisites declared"), default=False)
    prerequisites_checked = models.BooleanField(
        _("prerequisite course attended"),
        default=False,
        help_text=_("The person attended the prerequisite course here, according to our records."),
    )
    accessibility_needs = models.TextField(
        _("accessibility needs"),
        blank=True,
        help_text=_("Health data: visible only to the disability referent, the coordination and the trainers."),
    )
    accessibility_consent_at = models.DateTimeField(_("consent to process accessibility needs"), null=True, blank=True)
    funding_note = models.TextField(_("funding details"), blank=True)

    # The professional profile as it was at registration.
    job_title = models.CharField(_("job title"), max_length=150, blank=True)
    structure_name = models.CharField(_("structure"), max_length=200, blank=True)
    structure_type = models.ForeignKey(
        "accounts.StructureType",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="registrations",
        verbose_name=_("structure type"),
    )
    activity_sector = models.ForeignKey(
        "accounts.ActivitySector",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="registrations",
        verbose_name=_("activity sector"),
    )
    professional_category = models.ForeignKey(
        "accounts.ProfessionalCategory",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="registrations",
        verbose_name=_("socio-professional category"),
    )
    department = models.ForeignKey(
        "accounts.Department",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="registrations",
        verbose_name=_("département of work"),
    )
    organisation = models.ForeignKey(
        Organisation,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="registrations",
        verbose_name=_("employer structure"),
        help_text=_("Set for participants an intra client structure sends."),
    )

    # Transitions.
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    waitlisted_at = models.DateTimeField(_("waitlisted at"), null=True, blank=True)
    waitlist_position = models.PositiveIntegerField(_("position on the waiting list"), null=True, blank=True)
    offered_at = models.DateTimeField(_("seat offered at"), null=True, blank=True)
    offer_expires_at = models.DateTimeField(_("offer expires at"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    cancelled_by = models.CharField(_("cancelled by"), max_length=12, choices=CancelledBy.choices, blank=True)
    cancellation_reason = models.TextField(_("cancellation reason"), blank=True)
    refused_at = models.DateTimeField(_("refused at"), null=True, blank=True)
    refusal_reason = models.TextField(_("refusal reason"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("last decided by"),
    )

    assessment_result = models.TextField(
        _("result of the skills assessment"),
        blank=True,
        help_text=_("Printed on the end-of-training attestation when the course assesses acquired skills."),
    )

    # Drop-out follow-up (Qualiopi indicator 12): recorded by the coordination after absences.
    trainee_type = models.CharField(
        _("situation (BPF)"),
        max_length=20,
        choices=TraineeType.choices,
        blank=True,
        help_text=_("Counted in cadre F-1 of the Bilan pédagogique et financier."),
    )
    hours_recorded = models.DecimalField(
        _("hours attended (recorded before the attendance sheets)"),
        max_digits=6,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
        help_text=_("Imported history: the hours attended according to the sheets of the time."),
    )
    abandoned_at = models.DateTimeField(_("abandonment recorded at"), null=True, blank=True)
    abandonment_reason = models.CharField(
        _("abandonment reason"), max_length=10, choices=AbandonmentReason.choices, blank=True
    )
    abandonment_details = models.TextField(_("abandonment details"), blank=True)
    # When its retention expired (`training.retention`): free texts gone, the facts counted kept.
    anonymised_at = models.DateTimeField(_("anonymised at"), null=True, blank=True, editable=False)

    objects = RegistrationQuerySet.as_manager()

    class Meta:
        verbose_name = _("registration")
        verbose_name_plural = _("registrations")
        ordering = ["created_at"]
        permissions = [("view_accessibility_needs", _("Can read accessibility needs (health data)"))]
        constraints = [
            models.UniqueConstraint(
                fields=["session", "user"],
                condition=Q(status__in=ACTIVE_STATUSES),
                name="registration_one_active_per_person",
                violation_error_message=_("This person is already registered to this session."),
                violation_error_code="already_registered",
            ),
            models.CheckConstraint(
                condition=~Q(status=RegistrationStatus.OFFERED) | Q(offer_expires_at__isnull=False),
                name="registration_offer_has_expiry",
            ),
            models.CheckConstraint(
                condition=Q(accessibility_needs="") | Q(accessibility_consent_at__isnull=False),
                name="registration_needs_have_consent",
            ),
        ]
        indexes = [
            models.Index(fields=["session", "status"], name="registration_status_idx"),
            models.Index(fields=["status", "offer_expires_at"], name="registration_offer_idx"),
        ]

    def __str__(self):
        return f"{self.user} — {self.session.code}"


class RegistrationMessage(models.Model):
    """An e-mail sent about a registration: the proof that the person was informed (indicator 9).

    One row per registration and kind; the row is written before the message leaves and marked
    sent afterwards, so a retried task never sends the same message twice.
    """

    registration = models.ForeignKey(
        Registration, on_delete=models.CASCADE, related_name="messages", verbose_name=_("registration")
    )
    kind = models.CharField(_("kind"), max_length=20, choices=MessageKind.choices)
    recipient = models.EmailField(_("recipient"))
    subject = models.CharField(_("subject"), max_length=255, blank=True)
    attachments = models.JSONField(_("attachments"), default=list, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        verbose_name = _("message sent")
        verbose_name_plural = _("messages sent")
        ordering = ["created_at"]
        constraints = [
            models.UniqueConstraint(fields=["registration", "kind"], name="registration_message_once_per_kind"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} → {self.recipient}"


# Attendance
# ------------------------------------------------------------------------------


def _qr_secret() -> str:
    return secrets.token_hex(32)


class AttendanceSheet(models.Model):
    """The attendance of one half-day: opened by a trainer, signed, validated, then locked.

    Every event of the sheet is an `AttendanceProof`, chained by hashes; the sheet keeps the
    state the screens need. Once locked, only the coordination changes an attendance, with a
    written reason (see `training.services.attendance`).
    """

    slot = models.OneToOneField(Slot, on_delete=models.CASCADE, related_name="sheet", verbose_name=_("half-day"))
    status = models.CharField(_("status"), max_length=10, choices=SheetStatus.choices, default=SheetStatus.PENDING)
    opened_at = models.DateTimeField(_("opened at"), null=True, blank=True)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("opened by"),
    )
    locked_at = models.DateTimeField(_("locked at"), null=True, blank=True)
    locked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("locked by"),
    )
    # The key of the rotating QR code shown in the room; never leaves the server.
    qr_secret = models.CharField(max_length=64, default=_qr_secret, editable=False)
    # The chain: how many proof records, and the hash of the last one.
    proof_count = models.PositiveIntegerField(_("proof records"), default=0)
    last_hash = models.CharField(_("last hash"), max_length=64, blank=True)
    paper_scan = models.ForeignKey(
        "PaperScan",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="sheets",
        verbose_name=_("scanned paper sheet"),
    )
    absence_alert_sent_at = models.DateTimeField(_("absence alert sent at"), null=True, blank=True)

    class Meta:
        verbose_name = _("attendance sheet")
        verbose_name_plural = _("attendance sheets")
        constraints = [
            models.CheckConstraint(
                condition=~Q(status=SheetStatus.LOCKED) | Q(locked_at__isnull=False),
                name="sheet_locked_has_date",
            ),
        ]

    def __str__(self):
        return str(self.slot)


class AttendanceProof(models.Model):
    """One event of a half-day's attendance, append-only and chained to the previous one.

    `hash` is the sha256 of the record's content (`training.services.attendance.proof_content`)
    and of the previous record's hash, so an altered, removed or inserted record breaks the
    chain (`attendance_chain_verify`). A signature keeps its image and how the signer was
    identified: server time, IP address, browser, method.
    """

    sheet = models.ForeignKey(
        AttendanceSheet, on_delete=models.PROTECT, related_name="proofs", verbose_name=_("attendance sheet")
    )
    sequence = models.PositiveIntegerField(_("sequence"))
    kind = models.CharField(_("kind"), max_length=20, choices=ProofKind.choices)
    registration = models.ForeignKey(
        Registration,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="attendance_proofs",
        verbose_name=_("registration"),
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("done by"),
    )
    method = models.CharField(_("method"), max_length=20, choices=SignatureMethod.choices, blank=True)
    created_at = models.DateTimeField(_("server time"))
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    user_agent = models.CharField(_("browser"), max_length=400, blank=True)
    signature_png = models.BinaryField(_("signature image"), blank=True, default=b"")
    signature_sha256 = models.CharField(_("signature image sha256"), max_length=64, blank=True)
    data = models.JSONField(_("details"), default=dict, blank=True)
    previous_hash = models.CharField(_("previous hash"), max_length=64, blank=True)
    hash = models.CharField(_("hash"), max_length=64)
    # Set when the proof's retention expired (`training.retention`): IP address, browser, signature
    # image and names erased; the chain's links stay checkable, not the erased content.
    redacted_at = models.DateTimeField(_("personal data erased at"), null=True, blank=True)

    class Meta:
        verbose_name = _("attendance proof")
        verbose_name_plural = _("attendance proofs")
        ordering = ["sheet", "sequence"]
        constraints = [
            models.UniqueConstraint(fields=["sheet", "sequence"], name="proof_sequence_unique"),
            models.UniqueConstraint(
                fields=["sheet", "registration"],
                condition=Q(kind="signature"),
                name="proof_one_signature_per_half_day",
                violation_error_code="already_signed",
            ),
        ]

    def __str__(self):
        return f"{self.sheet} #{self.sequence} {self.get_kind_display()}"


class Attendance(models.Model):
    """Whether a trainee attended a half-day, and the hours it counts once the sheet is locked."""

    registration = models.ForeignKey(
        Registration, on_delete=models.PROTECT, related_name="attendances", verbose_name=_("registration")
    )
    slot = models.ForeignKey(Slot, on_delete=models.PROTECT, related_name="attendances", verbose_name=_("half-day"))
    status = models.CharField(_("status"), max_length=10, choices=AttendanceStatus.choices)
    minutes_missed = models.PositiveSmallIntegerField(
        _("minutes missed"), default=0, help_text=_("Late arrival or early departure.")
    )
    reason = models.TextField(_("reason"), blank=True)
    hours = models.DecimalField(_("hours attended"), max_digits=4, decimal_places=2, default=Decimal("0"))
    signature = models.OneToOneField(
        AttendanceProof,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="attendance",
        verbose_name=_("signature"),
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("attendance")
        verbose_name_plural = _("attendances")
        ordering = ["slot__date", "slot__starts_at"]
        constraints = [
            models.UniqueConstraint(fields=["registration", "slot"], name="attendance_one_per_half_day"),
            models.CheckConstraint(condition=Q(hours__gte=0), name="attendance_hours_not_negative"),
        ]

    def __str__(self):
        return f"{self.registration.user} — {self.slot}: {self.get_status_display()}"


def _scan_path(instance, filename: str) -> str:
    return f"attendance/scans/{instance.session_id}/{secrets.token_hex(8)}-{filename}"


class PaperScan(models.Model):
    """A scanned paper attendance sheet, kept unchanged as the evidence of what it records."""

    session = models.ForeignKey(
        Session, on_delete=models.PROTECT, related_name="paper_scans", verbose_name=_("session")
    )
    file = models.FileField(_("scan"), upload_to=_scan_path, storage=private_storage)
    original_name = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(_("type"), max_length=40)
    size = models.PositiveIntegerField(_("size (bytes)"))
    sha256 = models.CharField(_("sha256"), max_length=64)
    uploaded_at = models.DateTimeField(_("uploaded at"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("uploaded by")
    )

    class Meta:
        verbose_name = _("scanned attendance sheet")
        verbose_name_plural = _("scanned attendance sheets")
        ordering = ["-uploaded_at"]

    def __str__(self):
        return f"{self.session.code} — {self.original_name}"


# Issued documents
# ------------------------------------------------------------------------------


def _document_path(instance, filename: str) -> str:
    return f"documents/{instance.kind}/{instance.issued_at:%Y/%m}/{filename}"


class DocumentQuerySet(models.QuerySet):
    def current(self):
        return self.filter(superseded_at__isnull=True)


class Document(models.Model):
    """A PDF issued to a trainee or about a session, kept unchanged as the organisation's evidence.

    Never edited: re-issuing creates the next version and marks this one superseded. The file's
    sha256 and a short unguessable code printed on it let anyone check at `/verification/<code>/`
    that a copy is genuine and unchanged (`training.services.documents`).
    """

    kind = models.CharField(_("kind"), max_length=20, choices=DocumentKind.choices)
    session = models.ForeignKey(Session, on_delete=models.PROTECT, related_name="documents", verbose_name=_("session"))
    registration = models.ForeignKey(
        Registration,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="documents",
        verbose_name=_("registration"),
    )
    version = models.PositiveIntegerField(_("version"), default=1)
    issued_at = models.DateTimeField(_("issued at"))
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("issued by"),
    )
    file = models.FileField(_("file"), upload_to=_document_path, storage=private_storage)
    size = models.PositiveIntegerField(_("size (bytes)"))
    sha256 = models.CharField(_("sha256"), max_length=64)
    verification_code = models.CharField(_("verification code"), max_length=16, unique=True)
    retention_class = models.CharField(_("retention"), max_length=12, choices=RetentionClass.choices)
    retain_until = models.DateField(_("keep until"))
    # The facts printed on the document (hours, dates…), for lists and checks without opening the PDF.
    facts = models.JSONField(_("facts"), default=dict, blank=True)
    superseded_at = models.DateTimeField(_("superseded at"), null=True, blank=True)
    reissue_reason = models.TextField(_("reason for re-issuing"), blank=True)
    batch = models.ForeignKey(
        "DocumentBatch",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="documents",
        verbose_name=_("batch"),
    )

    objects = DocumentQuerySet.as_manager()

    class Meta:
        verbose_name = _("document")
        verbose_name_plural = _("documents")
        ordering = ["-issued_at", "-pk"]
        # A trainee's documents and the session's own (no registration) are constrained apart:
        # NULLs are distinct in a unique index, on SQLite and PostgreSQL alike.
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "session", "registration", "version"],
                condition=Q(registration__isnull=False),
                name="document_version_unique",
            ),
            models.UniqueConstraint(
                fields=["kind", "session", "version"],
                condition=Q(registration__isnull=True),
                name="document_session_version_unique",
            ),
            models.UniqueConstraint(
                fields=["kind", "session", "registration"],
                condition=Q(superseded_at__isnull=True, registration__isnull=False),
                name="document_one_current",
            ),
            models.UniqueConstraint(
                fields=["kind", "session"],
                condition=Q(superseded_at__isnull=True, registration__isnull=True),
                name="document_session_one_current",
            ),
        ]
        indexes = [models.Index(fields=["registration", "kind"], name="document_registration_idx")]

    def __str__(self):
        return f"{self.get_kind_display()} v{self.version} — {self.session.code}"


class DocumentBatch(models.Model):
    """A bulk issue of documents run by Celery: what it covers, how far it went, its ZIP."""

    kinds = models.JSONField(_("kinds"), default=list, help_text=_("The kinds of document issued to each trainee."))
    label = models.CharField(_("scope"), max_length=200)
    sessions = models.ManyToManyField(Session, related_name="document_batches", verbose_name=_("sessions"))
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("requested by"),
    )
    created_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    status = models.CharField(_("status"), max_length=10, choices=BatchStatus.choices, default=BatchStatus.QUEUED)
    total = models.PositiveIntegerField(_("documents to issue"), default=0)
    done = models.PositiveIntegerField(_("documents ready"), default=0)
    issued = models.PositiveIntegerField(_("newly issued"), default=0)
    skipped = models.PositiveIntegerField(_("skipped (no hours attended)"), default=0)
    sessions_done = models.JSONField(_("sessions done"), default=list, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    error = models.TextField(_("error"), blank=True)
    archive = models.FileField(
        _("ZIP archive"), upload_to="documents/batches/%Y/%m/", blank=True, storage=private_storage
    )

    class Meta:
        verbose_name = _("document batch")
        verbose_name_plural = _("document batches")
        ordering = ["-created_at"]

    def __str__(self):
        return self.label

    @property
    def progress(self) -> int:
        """Percentage done, 0–100 (0 until the run has counted what it has to do)."""
        if not self.total:
            return 100 if self.status == BatchStatus.DONE else 0
        return round(100 * self.done / self.total)


# Spreadsheet exports prepared in the background
# ------------------------------------------------------------------------------


class DataExport(models.Model):
    """A back-office list exported in the background because it is large (`training.exports`).

    The rows are fixed when it is requested (the primary keys of the filtered list, in order), so
    the file holds what the person saw; only they can download it, from private storage.
    """

    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("requested by")
    )
    resource = models.CharField(_("export"), max_length=200)
    title = models.CharField(_("title"), max_length=200)
    format = models.CharField(_("format"), max_length=4)
    object_ids = models.JSONField(_("rows"), default=list)
    status = models.CharField(_("status"), max_length=10, choices=BatchStatus.choices, default=BatchStatus.QUEUED)
    file = models.FileField(_("file"), upload_to="exports/%Y/%m/", blank=True, storage=private_storage)
    row_count = models.PositiveIntegerField(_("rows"), default=0)
    error = models.TextField(_("error"), blank=True)
    created_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    finished_at = models.DateTimeField(_("ready at"), null=True, blank=True)

    class Meta:
        verbose_name = _("export")
        verbose_name_plural = _("exports")
        ordering = ["-created_at"]

    def __str__(self):
        return self.title
