from django.db import models
from django.utils.translation import gettext_lazy as _


class Funding(models.TextChoices):
    DRAPPS = "drapps", _("Drapps (funded by the ARS)")
    INTRA = "intra", _("Intra (in-house for a structure)")
    INTER = "inter", _("Inter (paid, open to all)")
    OTHER = "other", _("Other funding")


class SessionStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    OPEN = "open", _("Open for registration")
    CLOSED = "closed", _("Registration closed")
    DONE = "done", _("Held")
    CANCELLED = "cancelled", _("Cancelled")


class Period(models.TextChoices):
    MORNING = "am", _("Morning")
    AFTERNOON = "pm", _("Afternoon")


class TrainerKind(models.TextChoices):
    INTERNAL = "internal", _("Internal (staff)")
    EXTERNAL = "external", _("External")


class RegistrationStatus(models.TextChoices):
    PENDING = "pending", _("Awaiting approval")
    CONFIRMED = "confirmed", _("Confirmed")
    WAITLISTED = "waitlisted", _("On the waiting list")
    OFFERED = "offered", _("Seat offered")
    CANCELLED = "cancelled", _("Cancelled")
    REFUSED = "refused", _("Refused")


class RegistrationSource(models.TextChoices):
    ONLINE = "online", _("Online, by the person")
    COORDINATION = "coordination", _("Added by the coordination")


class CancelledBy(models.TextChoices):
    PERSON = "person", _("The person")
    COORDINATION = "coordination", _("The coordination")
    SYSTEM = "system", _("Automatically (offer expired)")


class MessageKind(models.TextChoices):
    RECEIVED = "received", _("Registration received")
    CONFIRMED = "confirmed", _("Convocation")
    WAITLISTED = "waitlisted", _("Waiting list")
    OFFERED = "offered", _("Seat offered")
    OFFER_EXPIRED = "offer_expired", _("Offer expired")
    CANCELLED = "cancelled", _("Cancellation")
    REFUSED = "refused", _("Refusal")
    REMINDER_7 = "reminder_7", _("Reminder 7 days before")
    REMINDER_1 = "reminder_1", _("Reminder the day before")
    DOCUMENTS = "documents", _("Documents available")


# A seat is taken by a confirmed person and held for a person who has been offered one.
SEAT_HOLDING_STATUSES = (RegistrationStatus.CONFIRMED, RegistrationStatus.OFFERED)
# Only one registration per person and session may be in one of these states.
ACTIVE_STATUSES = (
    RegistrationStatus.PENDING,
    RegistrationStatus.CONFIRMED,
    RegistrationStatus.WAITLISTED,
    RegistrationStatus.OFFERED,
)


class AttendanceStatus(models.TextChoices):
    PRESENT = "present", _("Present")
    PARTIAL = "partial", _("Partly present (late or left early)")
    ABSENT = "absent", _("Absent")
    EXCUSED = "excused", _("Absent, excused")


class SheetStatus(models.TextChoices):
    PENDING = "pending", _("Not opened")
    OPEN = "open", _("Open for signatures")
    LOCKED = "locked", _("Validated and locked")


class SignatureMethod(models.TextChoices):
    TRAINER_DEVICE = "trainer_device", _("On the trainer's device")
    QR_ACCOUNT = "qr_account", _("Own phone: QR code, signed in")
    QR_LINK = "qr_link", _("Own phone: QR code, one-time link")
    PAPER = "paper", _("Paper sheet (scan kept)")


class ProofKind(models.TextChoices):
    OPENED = "opened", _("Half-day opened")
    SIGNATURE = "signature", _("Trainee signature")
    MARK = "mark", _("Marked by the trainer")
    TRAINER_SIGNATURE = "trainer_signature", _("Trainer signature")
    LOCKED = "locked", _("Half-day locked")
    PAPER = "paper", _("Recorded from the paper sheet")
    CORRECTION = "correction", _("Correction after the lock")


class AbandonmentReason(models.TextChoices):
    HEALTH = "health", _("Health")
    WORK = "work", _("Professional constraint")
    PERSONAL = "personal", _("Personal or family reason")
    CONTENT = "content", _("The training did not meet their needs")
    UNKNOWN = "unknown", _("No answer from the person")
    OTHER = "other", _("Other")


# Statuses in which a trainee was in the room (and may have signed).
ATTENDED_STATUSES = (AttendanceStatus.PRESENT, AttendanceStatus.PARTIAL)


class DocumentKind(models.TextChoices):
    CERTIFICATE = "certificate", _("Certificate of completion")
    ATTESTATION = "attestation", _("End-of-training attestation")
    CONVOCATION = "convocation", _("Convocation")
    PROGRAMME = "programme", _("Programme")
    AGREEMENT = "agreement", _("Training agreement")
    ATTENDANCE_SHEET = "attendance_sheet", _("Signed attendance sheet")


class RetentionClass(models.TextChoices):
    """How long a document is kept (Qualiopi research §5); the years count from the end of the training."""

    EVIDENCE = "evidence", _("Evidence of the training: 6 years")
    CONTRACT = "contract", _("Contract: 5 years")
    INFORMATION = "information", _("Information sent: 3 years")


class BatchStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("In progress")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class FunderCategory(models.TextChoices):
    """Where the money of a training comes from: the lines of cadre C of the BPF (cerfa 10443)."""

    COMPANY = "company", _("C1 Companies, for their staff")
    OPCO_PLAN = "opco_plan", _("C2h OPCO: skills development plan and other schemes")
    OPCO_CPF = "opco_cpf", _("C2e OPCO or Caisse des dépôts: CPF")
    PUBLIC_EMPLOYER = "public_employer", _("C3 Public employers, for their staff")
    EUROPE = "europe", _("C4 European bodies")
    STATE = "state", _("C5 The State (including its agencies such as the ARS)")
    REGION = "region", _("C6 Regional councils")
    FRANCE_TRAVAIL = "france_travail", _("C7 France Travail")
    OTHER_PUBLIC = "other_public", _("C8 Other public funds")
    INDIVIDUAL = "individual", _("C9 Individuals paying for themselves")
    TRAINING_ORGANISATION = "training_organisation", _("C10 Other training organisations (subcontracting)")
    OTHER = "other", _("C11 Other income")


class TraineeType(models.TextChoices):
    """The trainee's situation, counted in cadre F-1 of the BPF."""

    PRIVATE_EMPLOYEE = "private_employee", _("Employee of a private employer")
    APPRENTICE = "apprentice", _("Apprentice")
    JOBSEEKER = "jobseeker", _("Jobseeker")
    INDIVIDUAL = "individual", _("Individual paying for themselves")
    OTHER = "other", _("Other (public servant, volunteer, self-employed…)")
