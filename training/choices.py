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


# A seat is taken by a confirmed person and held for a person who has been offered one.
SEAT_HOLDING_STATUSES = (RegistrationStatus.CONFIRMED, RegistrationStatus.OFFERED)
# Only one registration per person and session may be in one of these states.
ACTIVE_STATUSES = (
    RegistrationStatus.PENDING,
    RegistrationStatus.CONFIRMED,
    RegistrationStatus.WAITLISTED,
    RegistrationStatus.OFFERED,
)
