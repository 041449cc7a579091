from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **extra_fields):
        if not email:
            raise ValueError("An e-mail address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra_fields):
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email: str, password: str | None = None, **extra_fields):
        extra_fields.setdefault("is_staff", True)
        extra_fields.setdefault("is_superuser", True)
        return self._create_user(email, password, **extra_fields)

    def get_by_natural_key(self, username):
        return self.get(email__iexact=username)


class User(AbstractUser):
    """A person: learner, trainer or staff. The e-mail address is the login."""

    username = None
    email = models.EmailField(_("e-mail address"), unique=True)

    # Personal data (`accounts.retention`): when the person's erasure was carried out (their
    # identity stays only on the records kept under a legal obligation), and when the account was
    # anonymised for good (nothing left identifies the person).
    erased_at = models.DateTimeField(_("erasure carried out at"), null=True, blank=True, editable=False)
    anonymised_at = models.DateTimeField(_("anonymised at"), null=True, blank=True, editable=False)

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS = ["first_name", "last_name"]

    objects = UserManager()

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["last_name", "first_name"]
        constraints = [
            models.UniqueConstraint(Lower("email"), name="user_email_ci_unique"),
        ]

    def __str__(self):
        return self.get_full_name() or self.email

    def get_full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


class Department(models.Model):
    """One of the 13 départements of Occitanie (INSEE code and name)."""

    code = models.CharField(_("code"), max_length=3, unique=True)
    name = models.CharField(_("name"), max_length=80, unique=True)

    class Meta:
        verbose_name = _("département")
        verbose_name_plural = _("départements")
        ordering = ["code"]

    def __str__(self):
        return f"{self.name} ({self.code})"


class ReferenceItem(models.Model):
    """An entry of an editable list of values (labels the coordinator may add to)."""

    label = models.CharField(_("label"), max_length=120, unique=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        abstract = True
        ordering = ["position", "label"]

    def __str__(self):
        return self.label


class StructureType(ReferenceItem):
    class Meta(ReferenceItem.Meta):
        verbose_name = _("structure type")
        verbose_name_plural = _("structure types")


class ActivitySector(ReferenceItem):
    class Meta(ReferenceItem.Meta):
        verbose_name = _("activity sector")
        verbose_name_plural = _("activity sectors")


class ProfessionalCategory(ReferenceItem):
    class Meta(ReferenceItem.Meta):
        verbose_name = _("socio-professional category")
        verbose_name_plural = _("socio-professional categories")


class Profile(models.Model):
    """What a professional tells about their work once, reused by every registration.

    The yearly indicators count trainees by structure type, activity sector, socio-professional
    category and département; each registration keeps a copy of these answers as they were.
    """

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="profile", verbose_name=_("person"))
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    job_title = models.CharField(_("job title"), max_length=150)
    structure_name = models.CharField(_("structure"), max_length=200)
    structure_type = models.ForeignKey(
        StructureType, on_delete=models.PROTECT, related_name="profiles", verbose_name=_("structure type")
    )
    activity_sector = models.ForeignKey(
        ActivitySector, on_delete=models.PROTECT, related_name="profiles", verbose_name=_("activity sector")
    )
    professional_category = models.ForeignKey(
        ProfessionalCategory,
        on_delete=models.PROTECT,
        related_name="profiles",
        verbose_name=_("socio-professional category"),
    )
    department = models.ForeignKey(
        Department,
        on_delete=models.PROTECT,
        related_name="profiles",
        verbose_name=_("département of work"),
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("professional profile")
        verbose_name_plural = _("professional profiles")

    def __str__(self):
        return f"{self.user} — {self.job_title}"


# Personal data: legal holds, erasure requests, purge runs (`accounts.retention`)
# ------------------------------------------------------------------------------


class LegalHold(models.Model):
    """A person whose records must not be purged nor erased (litigation, control, audit in progress).

    Active while it exists: the référent RGPD deletes it when the reason is over. Sessions carry
    their own hold (`training.Session.legal_hold`)."""

    person = models.OneToOneField(User, on_delete=models.CASCADE, related_name="legal_hold", verbose_name=_("person"))
    reason = models.TextField(_("reason"), help_text=_("Why the records are kept: litigation, funder control…"))
    set_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("set by")
    )
    created_at = models.DateTimeField(_("set at"), auto_now_add=True)

    class Meta:
        verbose_name = _("legal hold")
        verbose_name_plural = _("legal holds")
        ordering = ["-created_at"]

    def __str__(self):
        return str(self.person)


class ErasureStatus(models.TextChoices):
    PENDING = "pending", _("To review")
    DONE = "done", _("Carried out")
    REFUSED = "refused", _("Refused")


class ErasureRequest(models.Model):
    """A person asks that their data be erased (RGPD art. 17); answered within a month (art. 12.3).

    Carried out or refused by the coordination (`accounts.retention.erasure_request_execute` /
    `erasure_request_refuse`); what was erased and what is kept (and until when) is recorded
    here and e-mailed to the person."""

    person = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="erasure_requests", verbose_name=_("person")
    )
    requested_at = models.DateTimeField(_("requested at"))
    due_on = models.DateField(_("answer due by"))
    message = models.TextField(_("message from the person"), blank=True)
    status = models.CharField(_("status"), max_length=10, choices=ErasureStatus.choices, default=ErasureStatus.PENDING)
    coordination_notified_at = models.DateTimeField(_("coordination told at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("reviewed by")
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    reason = models.TextField(_("reason for refusing"), blank=True)
    erased = models.JSONField(_("erased"), default=list, blank=True)
    kept = models.JSONField(_("kept under a legal obligation"), default=list, blank=True)

    class Meta:
        verbose_name = _("erasure request")
        verbose_name_plural = _("erasure requests")
        ordering = ["-requested_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["person"],
                condition=Q(status="pending"),
                name="erasure_request_one_pending",
                violation_error_code="erasure_already_requested",
            ),
            models.CheckConstraint(condition=~Q(status="refused") | ~Q(reason=""), name="erasure_refusal_has_reason"),
        ]

    def __str__(self):
        return f"{self.person} — {self.requested_at:%d/%m/%Y}"


class PurgeRun(models.Model):
    """The audit entry of one run of `purge_expired_data`: counts per record type, never personal data."""

    ran_at = models.DateTimeField(_("ran at"))
    counts = models.JSONField(_("anonymised or deleted"), default=dict)
    held = models.JSONField(_("kept under a legal hold"), default=dict)

    class Meta:
        verbose_name = _("purge run")
        verbose_name_plural = _("purge runs")
        ordering = ["-ran_at"]

    def __str__(self):
        return f"{self.ran_at:%d/%m/%Y %H:%M}"
