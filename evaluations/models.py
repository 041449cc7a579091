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
from django.db.models import F, Q
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
            # A trainee or a trainer who changed address since is still asked once.
            models.UniqueConstraint(
                fields=["campaign", "registration"],
                condition=Q(registration__isnull=False),
                name="invitation_one_per_registration",
                violation_error_code="already_invited",
            ),
            models.UniqueConstraint(
                fields=["campaign", "trainer"],
                condition=Q(trainer__isnull=False),
                name="invitation_one_per_trainer",
                violation_error_code="already_invited",
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
    ANALYSED = "analysed", _("Analysed")
    CLOSED = "closed", _("Closed")


class ComplaintKind(models.TextChoices):
    COMPLAINT = "complaint", _("Complaint")
    DIFFICULTY = "difficulty", _("Difficulty reported")
    INCIDENT = "incident", _("Incident (hazard during a training)")


class ComplaintChannel(models.TextChoices):
    FORM = "form", _("Form on the website")
    EMAIL = "email", _("E-mail")
    PHONE = "phone", _("Phone")
    LETTER = "letter", _("Letter")
    SURVEY = "survey", _("Survey answer")
    IN_PERSON = "in_person", _("In person")
    OTHER = "other", _("Other")


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
    kind = models.CharField(_("kind"), max_length=12, choices=ComplaintKind.choices, default=ComplaintKind.COMPLAINT)
    channel = models.CharField(
        _("received by"), max_length=12, choices=ComplaintChannel.choices, default=ComplaintChannel.EMAIL
    )
    status = models.CharField(
        _("status"), max_length=15, choices=ComplaintStatus.choices, default=ComplaintStatus.RECEIVED
    )
    acknowledge_by = models.DateField(_("acknowledge by"), null=True, blank=True)
    answer_by = models.DateField(_("answer by"), null=True, blank=True)
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    answer = models.TextField(_("answer given"), blank=True)
    analysis = models.TextField(_("analysis (causes, what it says about our practice)"), blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    owner_reminded_at = models.DateTimeField(_("owner last reminded at"), null=True, blank=True)
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
    source_detail = models.CharField(
        _("source details"), max_length=300, blank=True, help_text=_("For example the audit finding's reference.")
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


# The Qualiopi quality system (the 32 indicators and the registers that evidence them)
# ------------------------------------------------------------------------------


class QualiopiIndicator(models.Model):
    """One of the 32 indicators of the Référentiel national qualité, as it applies to this organisation."""

    number = models.PositiveSmallIntegerField(_("indicator"), unique=True)
    criterion = models.PositiveSmallIntegerField(_("criterion"))
    title = models.CharField(_("title"), max_length=300)
    applicable = models.BooleanField(_("applies to us"), default=True)
    applicability_note = models.TextField(_("why (not) applicable"), blank=True)
    major = models.BooleanField(
        _("a failure can be a major non-conformity"),
        default=False,
        help_text=_("Major non-conformities cost the certification."),
    )
    evidence_automatic = models.TextField(_("evidence the system collects"), blank=True)
    evidence_manual = models.TextField(_("evidence a person supplies"), blank=True)

    class Meta:
        verbose_name = _("Qualiopi indicator")
        verbose_name_plural = _("Qualiopi indicators")
        ordering = ["number"]

    def __str__(self):
        return f"{self.number}. {self.title}"


class WatchKind(models.TextChoices):
    LEGAL = "legal", _("Legal and regulatory (indicator 23)")
    JOBS = "jobs", _("Jobs, trades and skills (indicator 24)")
    INNOVATION = "innovation", _("Teaching and technical innovation (indicator 25)")


class WatchEntry(models.Model):
    """Something learnt from the watch (veille) and what it changed."""

    kind = models.CharField(_("watch"), max_length=12, choices=WatchKind.choices)
    observed_on = models.DateField(_("date"))
    source = models.CharField(_("source"), max_length=300, help_text=_("Newsletter, decree, webinar, network…"))
    title = models.CharField(_("title"), max_length=200)
    summary = models.TextField(_("what we learnt"), blank=True)
    impact = models.TextField(_("impact on our trainings"), blank=True)
    action = models.ForeignKey(
        "ImprovementAction",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="watch_entries",
        verbose_name=_("improvement action decided"),
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("watch entry")
        verbose_name_plural = _("watch entries")
        ordering = ["-observed_on"]

    def __str__(self):
        return self.title


class TrainerQualification(models.Model):
    """A diploma, certification or habilitation of a trainer (indicator 21), with its expiry."""

    trainer = models.ForeignKey(
        Trainer, on_delete=models.CASCADE, related_name="qualifications", verbose_name=_("trainer")
    )
    title = models.CharField(_("qualification"), max_length=200)
    issuer = models.CharField(_("issued by"), max_length=200, blank=True)
    obtained_on = models.DateField(_("obtained on"), null=True, blank=True)
    expires_on = models.DateField(_("expires on"), null=True, blank=True)
    document = models.FileField(
        _("proof (PDF or image)"), upload_to="qualite/formateurs/%Y/", storage=private_storage, blank=True
    )
    notes = models.TextField(_("notes"), blank=True)

    class Meta:
        verbose_name = _("trainer qualification")
        verbose_name_plural = _("trainer qualifications")
        ordering = ["trainer", "title"]

    def __str__(self):
        return f"{self.trainer} — {self.title}"


class StaffTrainingKind(models.TextChoices):
    TRAINING = "training", _("Training")
    CONFERENCE = "conference", _("Conference or congress")
    WEBINAR = "webinar", _("Webinar")
    INTERNAL = "internal", _("Internal training")
    REVIEW = "review", _("Professional review (entretien professionnel)")


class StaffTraining(models.Model):
    """The development of the staff's skills (indicator 22)."""

    person = models.CharField(_("person"), max_length=200)
    kind = models.CharField(
        _("kind"), max_length=12, choices=StaffTrainingKind.choices, default=StaffTrainingKind.TRAINING
    )
    title = models.CharField(_("title"), max_length=200)
    provider = models.CharField(_("provider"), max_length=200, blank=True)
    started_on = models.DateField(_("date"))
    hours = models.DecimalField(_("hours"), max_digits=6, decimal_places=2, null=True, blank=True)
    notes = models.TextField(_("notes"), blank=True)

    class Meta:
        verbose_name = _("staff training")
        verbose_name_plural = _("staff trainings")
        ordering = ["-started_on"]

    def __str__(self):
        return f"{self.person} — {self.title}"


class PartnerKind(models.TextChoices):
    AGEFIPH = "agefiph", _("Agefiph")
    CAP_EMPLOI = "cap_emploi", _("Cap emploi")
    MDPH = "mdph", _("MDPH")
    RHF = "rhf", _("Ressource handicap formation")
    ASSOCIATION = "association", _("Association")
    OTHER = "other", _("Other")


class DisabilityPartner(models.Model):
    """The référent handicap's network (indicator 26)."""

    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=12, choices=PartnerKind.choices)
    department = models.ForeignKey(
        "accounts.Department",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("département"),
    )
    contact_name = models.CharField(_("contact"), max_length=200, blank=True)
    email = models.EmailField(_("e-mail address"), blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    website = models.URLField(_("website"), blank=True)
    notes = models.TextField(_("what they help with"), blank=True)

    class Meta:
        verbose_name = _("disability partner")
        verbose_name_plural = _("disability partners")
        ordering = ["name"]

    def __str__(self):
        return self.name


class AccessibilityAdaptation(models.Model):
    """An adaptation made for a trainee or a session (indicators 10 and 26). Health data: restricted."""

    registration = models.ForeignKey(
        Registration,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="adaptations",
        verbose_name=_("trainee"),
    )
    session = models.ForeignKey(
        Session, on_delete=models.CASCADE, null=True, blank=True, related_name="adaptations", verbose_name=_("session")
    )
    need = models.TextField(_("need expressed"))
    adaptation = models.TextField(_("adaptation made"))
    decided_on = models.DateField(_("decided on"))
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    partner = models.ForeignKey(
        DisabilityPartner,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="adaptations",
        verbose_name=_("partner involved"),
    )
    follow_up = models.TextField(_("follow-up"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("accessibility adaptation")
        verbose_name_plural = _("accessibility adaptations")
        ordering = ["-decided_on"]
        constraints = [
            models.CheckConstraint(
                condition=Q(registration__isnull=False) | Q(session__isnull=False), name="adaptation_has_subject"
            ),
        ]

    def __str__(self):
        return self.adaptation[:80]


class Subcontractor(models.Model):
    """A training organisation we subcontract to (indicator 27): selected, contracted, checked."""

    name = models.CharField(_("name"), max_length=200)
    siret = models.CharField(_("SIRET"), max_length=14, blank=True)
    contact_name = models.CharField(_("contact"), max_length=200, blank=True)
    email = models.EmailField(_("e-mail address"), blank=True)
    scope = models.TextField(_("what they deliver for us"), blank=True)
    qualiopi_certified = models.BooleanField(_("Qualiopi certified"), default=False)
    certificate_expires_on = models.DateField(_("certificate valid until"), null=True, blank=True)
    contract_signed_on = models.DateField(_("contract signed on"), null=True, blank=True)
    contract = models.FileField(_("contract"), upload_to="qualite/sous-traitants/", storage=private_storage, blank=True)
    last_review_on = models.DateField(_("last checked on"), null=True, blank=True)
    notes = models.TextField(_("notes"), blank=True)

    class Meta:
        verbose_name = _("subcontractor")
        verbose_name_plural = _("subcontractors")
        ordering = ["name"]

    def __str__(self):
        return self.name


class NeedsAnalysis(models.Model):
    """The analysis of a client's need before an intra training (indicator 4)."""

    session = models.ForeignKey(
        Session,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="needs_analyses",
        verbose_name=_("session"),
    )
    organisation = models.ForeignKey(
        "training.Organisation",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="needs_analyses",
        verbose_name=_("client structure"),
    )
    carried_out_on = models.DateField(_("carried out on"))
    carried_out_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )
    context = models.TextField(_("context and request"))
    audience = models.TextField(_("people to train (profiles, number, level)"), blank=True)
    objectives = models.TextField(_("objectives agreed"), blank=True)
    constraints = models.TextField(_("constraints (dates, place, accessibility, budget)"), blank=True)
    document = models.FileField(
        _("document (notes, specifications)"), upload_to="qualite/besoins/%Y/", storage=private_storage, blank=True
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("needs analysis")
        verbose_name_plural = _("needs analyses")
        ordering = ["-carried_out_on"]

    def __str__(self):
        subject = self.session.code if self.session_id else (self.organisation or "")
        return f"{subject} — {self.carried_out_on:%d/%m/%Y}"


class EvidencePackStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Being built")
    DONE = "done", _("Ready")
    FAILED = "failed", _("Failed")


class EvidencePack(models.Model):
    """The auditor's evidence for a period: one folder per indicator and a manifest, as a ZIP."""

    date_from = models.DateField(_("from"))
    date_to = models.DateField(_("to"))
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("requested by"),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=EvidencePackStatus.choices, default=EvidencePackStatus.QUEUED
    )
    done = models.PositiveIntegerField(_("steps done"), default=0)
    total = models.PositiveIntegerField(_("steps"), default=0)
    file = models.FileField(_("ZIP"), upload_to="qualite/dossiers/%Y/", storage=private_storage, blank=True)
    size = models.PositiveBigIntegerField(_("size (bytes)"), default=0)
    sha256 = models.CharField(_("sha256"), max_length=64, blank=True)
    file_count = models.PositiveIntegerField(_("files"), default=0)
    error = models.TextField(_("error"), blank=True)
    created_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    finished_at = models.DateTimeField(_("ready at"), null=True, blank=True)

    class Meta:
        verbose_name = _("evidence pack")
        verbose_name_plural = _("evidence packs")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=Q(date_to__gte=F("date_from")), name="evidence_pack_period_ordered"),
        ]

    def __str__(self):
        return f"{self.date_from:%d/%m/%Y} – {self.date_to:%d/%m/%Y}"


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
