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


# A seat is taken by a confirmed person and held for a person who has been offered one.
SEAT_HOLDING_STATUSES = (RegistrationStatus.CONFIRMED, RegistrationStatus.OFFERED)
# Only one registration per person and session may be in one of these states.
ACTIVE_STATUSES = (
    RegistrationStatus.PENDING,
    RegistrationStatus.CONFIRMED,
    RegistrationStatus.WAITLISTED,
    RegistrationStatus.OFFERED,
)
