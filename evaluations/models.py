"""Questionnaires, the campaigns that send them, the invitations and the answers.

A `Questionnaire` is data the coordination edits (kind, questions, whether it is anonymous).
A `Campaign` sends one questionnaire about one session (or, for the funder, about one year):
at most one campaign per session and kind, so a survey never goes out twice. Each addressee
gets an `Invitation` with an unguessable token, the link of the e-mail; their `Response` holds
one `Answer` per question. Imported history has campaigns and responses without invitations.

An anonymous questionnaire's responses are stored without any link to the invitation or the
registration, and with the day only as their time: the invitation knows that its addressee
answered (reminders stop), never what.
"""

import secrets

from modelcluster.fields import ParentalKey
from modelcluster.models import ClusterableModel

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

from wagtail.models import Orderable

from config.storages import private_storage
from training.models import Registration, Session, Trainer

from .choices import (
    CampaignOrigin,
    CampaignStatus,
    Indicator,
    QuestionnaireKind,
    QuestionType,
    ResponseSource,
)


class Questionnaire(ClusterableModel):
    """A survey: its questions, who it is for (its kind) and whether answers are anonymous."""

    title = models.CharField(_("title"), max_length=200)
    slug = models.SlugField(
        _("code"),
        max_length=50,
        unique=True,
        help_text=_("Used by imports, for example a_chaud or a_froid_6_mois."),
    )
    kind = models.CharField(_("kind"), max_length=12, choices=QuestionnaireKind.choices)
    introduction = models.TextField(_("introduction"), blank=True, help_text=_("Shown above the questions."))
    is_active = models.BooleanField(
        _("used for new campaigns"),
        default=False,
        help_text=_("One questionnaire per kind is sent automatically; the previous one stays for its results."),
    )
    anonymous = models.BooleanField(
        _("anonymous"),
        default=False,
        help_text=_(
            "Answers are kept without the name of who gave them. They cannot be edited after sending and are "
            "left out of the before/after comparison."
        ),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("questionnaire")
        verbose_name_plural = _("questionnaires")
        ordering = ["kind", "title"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind"],
                condition=Q(is_active=True),
                name="questionnaire_one_active_per_kind",
                violation_error_message=_("Another questionnaire of this kind is already used for new campaigns."),
                violation_error_code="active_kind_taken",
            ),
        ]

    def __str__(self):
        return self.title


class Question(Orderable):
    questionnaire = ParentalKey(
        Questionnaire, on_delete=models.CASCADE, related_name="questions", verbose_name=_("questionnaire")
    )
    key = models.SlugField(
        _("key"), max_length=50, help_text=_("Stable name of the question in imports, exports and indicators.")
    )
    text = models.CharField(_("question"), max_length=300)
    help_text = models.CharField(_("help text"), max_length=300, blank=True)
    type = models.CharField(_("type of answer"), max_length=10, choices=QuestionType.choices)
    options = models.TextField(_("options"), blank=True, help_text=_("For a choice: one option per line."))
    required = models.BooleanField(_("required"), default=True)
    indicator = models.CharField(
        _("indicator fed"), max_length=20, choices=Indicator.choices, blank=True, help_text=_("Optional.")
    )

    class Meta(Orderable.Meta):
        verbose_name = _("question")
        verbose_name_plural = _("questions")
        constraints = [
            models.UniqueConstraint(
                fields=["questionnaire", "key"],
                name="question_key_unique",
                violation_error_message=_("Two questions of a questionnaire cannot share a key."),
                violation_error_code="duplicate_key",
            ),
        ]

    def __str__(self):
        return self.text

    @property
    def option_list(self) -> list[str]:
        return [line.strip() for line in self.options.splitlines() if line.strip()]


class CampaignQuerySet(models.QuerySet):
    def open(self):
        return self.filter(status=CampaignStatus.OPEN)


class Campaign(models.Model):
    """One questionnaire sent about one session (or one year, for the funder)."""

    questionnaire = models.ForeignKey(
        Questionnaire, on_delete=models.PROTECT, related_name="campaigns", verbose_name=_("questionnaire")
    )
    kind = models.CharField(_("kind"), max_length=12, choices=QuestionnaireKind.choices)
    session = models.ForeignKey(
        Session,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="campaigns",
        verbose_name=_("session"),
    )
    year = models.PositiveSmallIntegerField(_("year"), null=True, blank=True, help_text=_("For a yearly survey."))
    status = models.CharField(_("status"), max_length=10, choices=CampaignStatus.choices, default=CampaignStatus.OPEN)
    origin = models.CharField(
        _("origin"), max_length=10, choices=CampaignOrigin.choices, default=CampaignOrigin.AUTOMATIC
    )
    opened_at = models.DateTimeField(_("opened at"))
    closes_at = models.DateTimeField(_("closes at"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("launched by"),
    )

    objects = CampaignQuerySet.as_manager()

    class Meta:
        verbose_name = _("survey campaign")
        verbose_name_plural = _("survey campaigns")
        ordering = ["-opened_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["session", "kind"],
                condition=Q(session__isnull=False),
                name="campaign_one_per_session_kind",
                violation_error_message=_("This survey was already sent for this session."),
                violation_error_code="campaign_exists",
            ),
            models.UniqueConstraint(
                fields=["kind", "year"],
                condition=Q(session__isnull=True),
                name="campaign_one_per_year_kind",
                violation_error_message=_("This survey was already sent for this year."),
                violation_error_code="campaign_exists",
            ),
            models.CheckConstraint(
                condition=Q(session__isnull=False) | Q(year__isnull=False),
                name="campaign_has_session_or_year",
            ),
        ]
        indexes = [models.Index(fields=["status", "closes_at"], name="campaign_status_idx")]

    def __str__(self):
        subject = self.session.code if self.session_id else str(self.year)
        return f"{self.get_kind_display()} — {subject}"


def _token() -> str:
    return secrets.token_urlsafe(32)


class Invitation(models.Model):
    """One addressee of a campaign: a trainee (registration), a trainer, or an e-mail address."""

    campaign = models.ForeignKey(
        Campaign, on_delete=models.CASCADE, related_name="invitations", verbose_name=_("campaign")
    )
    registration = models.ForeignKey(
        Registration,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="survey_invitations",
        verbose_name=_("registration"),
    )
    trainer = models.ForeignKey(
        Trainer,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="survey_invitations",
        verbose_name=_("trainer"),
    )
    email = models.EmailField(_("e-mail address"))
    name = models.CharField(_("name"), max_length=200, blank=True)
    token = models.CharField(max_length=64, unique=True, default=_token, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    reminders_sent = models.PositiveSmallIntegerField(_("reminders sent"), default=0)
    last_reminded_at = models.DateTimeField(_("last reminded at"), null=True, blank=True)
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        ordering = ["campaign", "name"]
        constraints = [
            models.UniqueConstraint(
                "campaign", Lower("email"), name="invitation_one_per_address", violation_error_code="already_invited"
            ),
        ]
        indexes = [models.Index(fields=["answered_at", "sent_at"], name="invitation_pending_idx")]

    def __str__(self):
        return f"{self.name or self.email} — {self.campaign}"


class Response(models.Model):
    """The answers of one person to one campaign (for an anonymous questionnaire, of someone)."""

    campaign = models.ForeignKey(
        Campaign, on_delete=models.CASCADE, related_name="responses", verbose_name=_("campaign")
    )
    invitation = models.OneToOneField(
        Invitation,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="response",
        verbose_name=_("invitation"),
    )
    registration = models.ForeignKey(
        Registration,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="survey_responses",
        verbose_name=_("registration"),
    )
    source = models.CharField(_("source"), max_length=10, choices=ResponseSource.choices, default=ResponseSource.ONLINE)
    submitted_at = models.DateTimeField(_("answered at"))
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("response")
        verbose_name_plural = _("responses")
        ordering = ["-submitted_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "registration"],
                condition=Q(registration__isnull=False),
                name="response_one_per_registration",
                violation_error_code="already_answered",
            ),
        ]

    def __str__(self):
        return f"{self.campaign} — {self.submitted_at:%d/%m/%Y}"


class Answer(models.Model):
    """The answer to one question: a number (scale, score, yes = 1 / no = 0), a text, or options."""

    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="answers", verbose_name=_("response"))
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="answers", verbose_name=_("question"))
    number = models.SmallIntegerField(_("value"), null=True, blank=True)
    text = models.TextField(_("text"), blank=True)
    choices = models.JSONField(_("options chosen"), default=list, blank=True)

    class Meta:
        verbose_name = _("answer")
        verbose_name_plural = _("answers")
        constraints = [
            models.UniqueConstraint(fields=["response", "question"], name="answer_one_per_question"),
        ]

    def __str__(self):
        return f"{self.question.key}: {self.number if self.number is not None else self.text}"


class SurveyOptOut(models.Model):
    """An address that asked to receive no more surveys (the opt-out link of every survey e-mail)."""

    email = models.EmailField(_("e-mail address"))
    created_at = models.DateTimeField(_("since"), auto_now_add=True)

    class Meta:
        verbose_name = _("survey opt-out")
        verbose_name_plural = _("survey opt-outs")
        constraints = [models.UniqueConstraint(Lower("email"), name="survey_opt_out_unique_email")]

    def __str__(self):
        return self.email


# Quality registers fed by the surveys (Qualiopi indicators 31 and 32)
# ------------------------------------------------------------------------------


class ComplaintStatus(models.TextChoices):
    RECEIVED = "received", _("Received")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    ANSWERED = "answered", _("Answered")
    CLOSED = "closed", _("Closed")


class Complaint(models.Model):
    """A complaint or a difficulty reported (indicator 31), here possibly from a survey answer."""

    received_at = models.DateTimeField(_("received at"))
    complainant = models.CharField(_("from"), max_length=200, blank=True)
    email = models.EmailField(_("e-mail address"), blank=True)
    session = models.ForeignKey(
        Session, on_delete=models.SET_NULL, null=True, blank=True, related_name="complaints", verbose_name=_("session")
    )
    subject = models.CharField(_("subject"), max_length=200)
    description = models.TextField(_("description"))
    status = models.CharField(
        _("status"), max_length=15, choices=ComplaintStatus.choices, default=ComplaintStatus.RECEIVED
    )
    source_response = models.ForeignKey(
        Response,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="complaints",
        verbose_name=_("survey response"),
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("owner"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("complaint")
        verbose_name_plural = _("complaints")
        ordering = ["-received_at"]

    def __str__(self):
        return self.subject


class ActionSource(models.TextChoices):
    SURVEY = "survey", _("Survey result")
    COMPLAINT = "complaint", _("Complaint")
    AUDIT = "audit", _("Audit finding")
    TRAINER_REPORT = "trainer_report", _("Trainer's report")
    OTHER = "other", _("Other")


class ActionStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    IN_PROGRESS = "in_progress", _("In progress")
    DONE = "done", _("Done")
    ABANDONED = "abandoned", _("Abandoned")


class ImprovementAction(models.Model):
    """An improvement decided from a source (indicator 32), followed until it is done."""

    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    source = models.CharField(_("source"), max_length=20, choices=ActionSource.choices)
    source_response = models.ForeignKey(
        Response,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="improvement_actions",
        verbose_name=_("survey response"),
    )
    complaint = models.ForeignKey(
        Complaint,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="improvement_actions",
        verbose_name=_("complaint"),
    )
    session = models.ForeignKey(
        Session,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="improvement_actions",
        verbose_name=_("session"),
    )
    status = models.CharField(_("status"), max_length=15, choices=ActionStatus.choices, default=ActionStatus.PLANNED)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("owner"),
    )
    due_on = models.DateField(_("due on"), null=True, blank=True)
    done_on = models.DateField(_("done on"), null=True, blank=True)
    follow_up = models.TextField(_("follow-up and effect"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("improvement action")
        verbose_name_plural = _("improvement actions")
        ordering = ["-created_at"]

    def __str__(self):
        return self.title


# The historical workbook imported from the back office
# ------------------------------------------------------------------------------


class HistoryImportStatus(models.TextChoices):
    REJECTED = "rejected", _("Errors found: nothing imported")
    CHECKED = "checked", _("Checked: waiting for confirmation")
    QUEUED = "queued", _("Being imported")
    IMPORTED = "imported", _("Imported")
    FAILED = "failed", _("Failed: nothing imported")


class HistoryImport(models.Model):
    """A workbook uploaded in the back office: checked at once, imported once the coordinator confirms.

    The file is kept (private storage, with its sha256) as the record of what was brought in, with the
    report of the check and of the import.
    """

    file = models.FileField(_("workbook"), upload_to="imports/%Y/%m/", storage=private_storage)
    original_name = models.CharField(_("file name"), max_length=255)
    size = models.PositiveIntegerField(_("size (bytes)"))
    sha256 = models.CharField(_("sha256"), max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("uploaded by")
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)
    status = models.CharField(_("status"), max_length=10, choices=HistoryImportStatus.choices)
    report = models.JSONField(_("report"), default=dict, blank=True)
    imported_at = models.DateTimeField(_("imported at"), null=True, blank=True)

    class Meta:
        verbose_name = _("historical import")
        verbose_name_plural = _("historical imports")
        ordering = ["-uploaded_at"]

    def __str__(self):
        return self.original_name
