"""Tabular exports of the surveys and quality registers, with django-import-export (`training.exports`).

`AnswerResource` writes answers in the long format of the historical workbook's `Reponses` sheet
(session, e-mail, questionnaire, date, question, answer), so an export can be read back by
`import_history`. An anonymous response has no e-mail, by construction.
"""

from import_export.fields import Field
from import_export.widgets import BooleanWidget, DateTimeWidget, DateWidget, DecimalWidget, IntegerWidget

from django.utils import timezone
from django.utils.translation import gettext_lazy

from training.resources import ExportResource

from .models import (
    AccessibilityAdaptation,
    Answer,
    Campaign,
    Complaint,
    DisabilityPartner,
    ImprovementAction,
    NeedsAnalysis,
    StaffTraining,
    Subcontractor,
    TrainerQualification,
    WatchEntry,
)
from .results import campaign_list
from .services.complaints import complaint_reference


class CampaignResource(ExportResource):
    subject = Field(column_name=gettext_lazy("Session or year"))
    course = Field(attribute="session__course__title", column_name=gettext_lazy("Course"))
    kind = Field(column_name=gettext_lazy("Kind"))
    questionnaire = Field(attribute="questionnaire__title", column_name=gettext_lazy("Questionnaire"))
    opened_at = Field(attribute="opened_at", column_name=gettext_lazy("Opened at"), widget=DateTimeWidget())
    closes_at = Field(attribute="closes_at", column_name=gettext_lazy("Closes at"), widget=DateTimeWidget())
    invited = Field(attribute="invited", column_name=gettext_lazy("Invited"), widget=IntegerWidget())
    answered = Field(attribute="answered", column_name=gettext_lazy("Answered"), widget=IntegerWidget())
    status = Field(column_name=gettext_lazy("Status"))

    class Meta:
        model = Campaign
        fields = (
            "subject",
            "course",
            "kind",
            "questionnaire",
            "opened_at",
            "closes_at",
            "invited",
            "answered",
            "status",
        )
        export_order = fields

    def export_queryset(self, queryset):
        if "invited" in queryset.query.annotations:  # the list's own queryset, already counted
            return queryset
        return campaign_list().filter(pk__in=queryset.values("pk"))

    def dehydrate_subject(self, campaign):
        return campaign.session.code if campaign.session_id else campaign.year

    def dehydrate_kind(self, campaign):
        return self.dehydrate_choice(campaign, "kind")

    def dehydrate_status(self, campaign):
        return self.dehydrate_choice(campaign, "status")


class AnswerResource(ExportResource):
    session = Field(column_name="session")
    email = Field(column_name="email")
    questionnaire = Field(attribute="response__campaign__questionnaire__slug", column_name="questionnaire")
    date = Field(attribute="response__submitted_at", column_name="date_reponse", widget=DateWidget("%d/%m/%Y"))
    question = Field(attribute="question__key", column_name="question")
    answer = Field(column_name="reponse")

    class Meta:
        model = Answer
        fields = ("session", "email", "questionnaire", "date", "question", "answer")
        export_order = fields

    def export_queryset(self, queryset):
        return queryset.select_related(
            "question",
            "response__registration__user",
            "response__campaign__questionnaire",
            "response__campaign__session",
        ).order_by("response__campaign_id", "response_id", "question__sort_order")

    def sheet_title(self) -> str:
        return "Reponses"  # the historical workbook's sheet: the export reads back through the import

    def dehydrate_session(self, answer):
        campaign = answer.response.campaign
        return campaign.session.code if campaign.session_id else campaign.year

    def dehydrate_email(self, answer):
        registration = answer.response.registration
        return registration.user.email if registration is not None else ""

    def dehydrate_date(self, answer):
        return timezone.localdate(answer.response.submitted_at)

    def dehydrate_answer(self, answer):
        if answer.choices:
            return "; ".join(answer.choices)
        if answer.text:
            return answer.text
        if answer.number is None:
            return ""
        if answer.question.type == "yes_no":
            return "oui" if answer.number else "non"
        return answer.number


class ComplaintResource(ExportResource):
    received_at = Field(attribute="received_at", column_name=gettext_lazy("Received at"), widget=DateTimeWidget())
    complainant = Field(attribute="complainant", column_name=gettext_lazy("From"))
    email = Field(attribute="email", column_name=gettext_lazy("E-mail address"))
    session = Field(attribute="session__code", column_name=gettext_lazy("Session"))
    subject = Field(attribute="subject", column_name=gettext_lazy("Subject"))
    description = Field(attribute="description", column_name=gettext_lazy("Description"))
    status = Field(column_name=gettext_lazy("Status"))
    owner = Field(attribute="owner", column_name=gettext_lazy("Owner"))

    class Meta:
        model = Complaint
        fields = ("received_at", "complainant", "email", "session", "subject", "description", "status", "owner")
        export_order = fields

    def export_queryset(self, queryset):
        return queryset.select_related("session", "owner")

    def dehydrate_status(self, complaint):
        return self.dehydrate_choice(complaint, "status")


class ImprovementActionResource(ExportResource):
    title = Field(attribute="title", column_name=gettext_lazy("Title"))
    description = Field(attribute="description", column_name=gettext_lazy("Description"))
    source = Field(column_name=gettext_lazy("Source"))
    session = Field(attribute="session__code", column_name=gettext_lazy("Session"))
    status = Field(column_name=gettext_lazy("Status"))
    owner = Field(attribute="owner", column_name=gettext_lazy("Owner"))
    due_on = Field(attribute="due_on", column_name=gettext_lazy("Due on"), widget=DateWidget("%d/%m/%Y"))
    done_on = Field(attribute="done_on", column_name=gettext_lazy("Done on"), widget=DateWidget("%d/%m/%Y"))
    follow_up = Field(attribute="follow_up", column_name=gettext_lazy("Follow-up and effect"))

    class Meta:
        model = ImprovementAction
        fields = ("title", "description", "source", "session", "status", "owner", "due_on", "done_on", "follow_up")
        export_order = fields

    def export_queryset(self, queryset):
        return queryset.select_related("session", "owner")

    def dehydrate_source(self, action):
        return self.dehydrate_choice(action, "source")

    def dehydrate_status(self, action):
        return self.dehydrate_choice(action, "status")


# The Qualiopi quality system's registers (complaint register, watch, qualifications, staff
# trainings, disability partners and adaptations, subcontractors, needs analyses)
# ------------------------------------------------------------------------------

_DAY = DateWidget("%d/%m/%Y")


class ComplaintRegisterResource(ExportResource):
    """The complaint register as the auditor reads it (indicator 31): each step dated, the answer
    and the analysis given."""

    reference = Field(column_name=gettext_lazy("Reference"))
    received_at = Field(attribute="received_at", column_name=gettext_lazy("Received at"), widget=DateTimeWidget())
    kind = Field(column_name=gettext_lazy("Kind"))
    channel = Field(column_name=gettext_lazy("Received by"))
    complainant = Field(attribute="complainant", column_name=gettext_lazy("From"))
    email = Field(attribute="email", column_name=gettext_lazy("E-mail address"))
    session = Field(attribute="session__code", column_name=gettext_lazy("Session"))
    subject = Field(attribute="subject", column_name=gettext_lazy("Subject"))
    description = Field(attribute="description", column_name=gettext_lazy("Description"))
    status = Field(column_name=gettext_lazy("Status"))
    owner = Field(attribute="owner", column_name=gettext_lazy("Owner"))
    acknowledge_by = Field(attribute="acknowledge_by", column_name=gettext_lazy("Acknowledge by"), widget=_DAY)
    acknowledged_at = Field(
        attribute="acknowledged_at", column_name=gettext_lazy("Acknowledged at"), widget=DateTimeWidget()
    )
    answer_by = Field(attribute="answer_by", column_name=gettext_lazy("Answer by"), widget=_DAY)
    answered_at = Field(attribute="answered_at", column_name=gettext_lazy("Answered at"), widget=DateTimeWidget())
    answer = Field(attribute="answer", column_name=gettext_lazy("Answer given"))
    analysis = Field(attribute="analysis", column_name=gettext_lazy("Analysis"))
    closed_at = Field(attribute="closed_at", column_name=gettext_lazy("Closed at"), widget=DateTimeWidget())
    actions = Field(column_name=gettext_lazy("Improvement actions"))

    class Meta:
        model = Complaint
        fields = (
            "reference",
            "received_at",
            "kind",
            "channel",
            "complainant",
            "email",
            "session",
            "subject",
            "description",
            "status",
            "owner",
            "acknowledge_by",
            "acknowledged_at",
            "answer_by",
            "answered_at",
            "answer",
            "analysis",
            "closed_at",
            "actions",
        )
        export_order = fields

    def export_queryset(self, queryset):
        return queryset.select_related("session", "owner").prefetch_related("improvement_actions")

    def dehydrate_reference(self, complaint):
        return complaint_reference(complaint)

    def dehydrate_kind(self, complaint):
        return self.dehydrate_choice(complaint, "kind")

    def dehydrate_channel(self, complaint):
        return self.dehydrate_choice(complaint, "channel")

    def dehydrate_status(self, complaint):
        return self.dehydrate_choice(complaint, "status")

    def dehydrate_actions(self, complaint):
        return "; ".join(action.title for action in complaint.improvement_actions.all())


class WatchEntryResource(ExportResource):
    observed_on = Field(attribute="observed_on", column_name=gettext_lazy("Date"), widget=_DAY)
    kind = Field(column_name=gettext_lazy("Watch"))
    source = Field(attribute="source", column_name=gettext_lazy("Source"))
    title = Field(attribute="title", column_name=gettext_lazy("Title"))
    summary = Field(attribute="summary", column_name=gettext_lazy("What we learnt"))
    impact = Field(attribute="impact", column_name=gettext_lazy("Impact on our trainings"))
    action = Field(attribute="action__title", column_name=gettext_lazy("Improvement action decided"))
    recorded_by = Field(attribute="recorded_by", column_name=gettext_lazy("Recorded by"))

    class Meta:
        model = WatchEntry
        fields = ("observed_on", "kind", "source", "title", "summary", "impact", "action", "recorded_by")
        export_order = fields

    def export_queryset(self, queryset):
        return queryset.select_related("action", "recorded_by")

    def dehydrate_kind(self, entry):
        return self.dehydrate_choice(entry, "kind")


class TrainerQualificationResource(ExportResource):
    trainer = Field(attribute="trainer", column_name=gettext_lazy("Trainer"))
    title = Field(attribute="title", column_name=gettext_lazy("Qualification"))
    issuer = Field(attribute="issuer", column_name=gettext_lazy("Issued by"))
    obtained_on = Field(attribute="obtained_on", column_name=gettext_lazy("Obtained on"), widget=_DAY)
    expires_on = Field(attribute="expires_on", column_name=gettext_lazy("Expires on"), widget=_DAY)
    proof = Field(column_name=gettext_lazy("Proof kept"))
    notes = Field(attribute="notes", column_name=gettext_lazy("Notes"))

    class Meta:
        model = TrainerQualification
        fields = ("trainer", "title", "issuer", "obtained_on", "expires_on", "proof", "notes")
        export_order = fields

    def export_queryset(self, queryset):
        return queryset.select_related("trainer")

    def dehydrate_proof(self, qualification):
        return "oui" if qualification.document else "non"


class StaffTrainingResource(ExportResource):
    person = Field(attribute="person", column_name=gettext_lazy("Person"))
    kind = Field(column_name=gettext_lazy("Kind"))
    title = Field(attribute="title", column_name=gettext_lazy("Title"))
    provider = Field(attribute="provider", column_name=gettext_lazy("Provider"))
    started_on = Field(attribute="started_on", column_name=gettext_lazy("Date"), widget=_DAY)
    hours = Field(attribute="hours", column_name=gettext_lazy("Hours"), widget=DecimalWidget())
    notes = Field(attribute="notes", column_name=gettext_lazy("Notes"))

    class Meta:
        model = StaffTraining
        fields = ("person", "kind", "title", "provider", "started_on", "hours", "notes")
        export_order = fields

    def dehydrate_kind(self, training):
        return self.dehydrate_choice(training, "kind")


class DisabilityPartnerResource(ExportResource):
    name = Field(attribute="name", column_name=gettext_lazy("Name"))
    kind = Field(column_name=gettext_lazy("Kind"))
    department = Field(attribute="department__code", column_name=gettext_lazy("Département"))
    contact_name = Field(attribute="contact_name", column_name=gettext_lazy("Contact"))
    email = Field(attribute="email", column_name=gettext_lazy("E-mail address"))
    phone = Field(attribute="phone", column_name=gettext_lazy("Phone"))
    website = Field(attribute="website", column_name=gettext_lazy("Website"))
    notes = Field(attribute="notes", column_name=gettext_lazy("What they help with"))

    class Meta:
        model = DisabilityPartner
        fields = ("name", "kind", "department", "contact_name", "email", "phone", "website", "notes")
        export_order = fields

    def export_queryset(self, queryset):
        return queryset.select_related("department")

    def dehydrate_kind(self, partner):
        return self.dehydrate_choice(partner, "kind")


class AccessibilityAdaptationResource(ExportResource):
    """Health data: exported only from the restricted list of adaptations."""

    session = Field(column_name=gettext_lazy("Session"))
    trainee = Field(column_name=gettext_lazy("Trainee"))
    need = Field(attribute="need", column_name=gettext_lazy("Need expressed"))
    adaptation = Field(attribute="adaptation", column_name=gettext_lazy("Adaptation made"))
    decided_on = Field(attribute="decided_on", column_name=gettext_lazy("Decided on"), widget=_DAY)
    decided_by = Field(attribute="decided_by", column_name=gettext_lazy("Decided by"))
    partner = Field(attribute="partner__name", column_name=gettext_lazy("Partner involved"))
    follow_up = Field(attribute="follow_up", column_name=gettext_lazy("Follow-up"))

    class Meta:
        model = AccessibilityAdaptation
        fields = ("session", "trainee", "need", "adaptation", "decided_on", "decided_by", "partner", "follow_up")
        export_order = fields

    def export_queryset(self, queryset):
        return queryset.select_related(
            "registration__user", "registration__session", "session", "partner", "decided_by"
        )

    def dehydrate_session(self, adaptation):
        session = adaptation.session if adaptation.session_id else adaptation.registration.session
        return session.code

    def dehydrate_trainee(self, adaptation):
        if adaptation.registration_id is None:
            return ""
        user = adaptation.registration.user
        return user.get_full_name() or user.email


class SubcontractorResource(ExportResource):
    name = Field(attribute="name", column_name=gettext_lazy("Name"))
    siret = Field(attribute="siret", column_name=gettext_lazy("SIRET"))
    contact_name = Field(attribute="contact_name", column_name=gettext_lazy("Contact"))
    email = Field(attribute="email", column_name=gettext_lazy("E-mail address"))
    scope = Field(attribute="scope", column_name=gettext_lazy("What they deliver for us"))
    qualiopi_certified = Field(
        attribute="qualiopi_certified", column_name=gettext_lazy("Qualiopi certified"), widget=BooleanWidget()
    )
    certificate_expires_on = Field(
        attribute="certificate_expires_on", column_name=gettext_lazy("Certificate valid until"), widget=_DAY
    )
    contract_signed_on = Field(
        attribute="contract_signed_on", column_name=gettext_lazy("Contract signed on"), widget=_DAY
    )
    contract = Field(column_name=gettext_lazy("Contract kept"))
    last_review_on = Field(attribute="last_review_on", column_name=gettext_lazy("Last checked on"), widget=_DAY)
    notes = Field(attribute="notes", column_name=gettext_lazy("Notes"))

    class Meta:
        model = Subcontractor
        fields = (
            "name",
            "siret",
            "contact_name",
            "email",
            "scope",
            "qualiopi_certified",
            "certificate_expires_on",
            "contract_signed_on",
            "contract",
            "last_review_on",
            "notes",
        )
        export_order = fields

    def dehydrate_contract(self, subcontractor):
        return "oui" if subcontractor.contract else "non"


class NeedsAnalysisResource(ExportResource):
    carried_out_on = Field(attribute="carried_out_on", column_name=gettext_lazy("Carried out on"), widget=_DAY)
    session = Field(attribute="session__code", column_name=gettext_lazy("Session"))
    course = Field(attribute="session__course__title", column_name=gettext_lazy("Course"))
    organisation = Field(attribute="organisation__name", column_name=gettext_lazy("Client structure"))
    carried_out_by = Field(attribute="carried_out_by", column_name=gettext_lazy("By"))
    context = Field(attribute="context", column_name=gettext_lazy("Context and request"))
    audience = Field(attribute="audience", column_name=gettext_lazy("People to train"))
    objectives = Field(attribute="objectives", column_name=gettext_lazy("Objectives agreed"))
    constraints = Field(attribute="constraints", column_name=gettext_lazy("Constraints"))
    document = Field(column_name=gettext_lazy("Document kept"))

    class Meta:
        model = NeedsAnalysis
        fields = (
            "carried_out_on",
            "session",
            "course",
            "organisation",
            "carried_out_by",
            "context",
            "audience",
            "objectives",
            "constraints",
            "document",
        )
        export_order = fields

    def export_queryset(self, queryset):
        return queryset.select_related("session__course", "organisation", "carried_out_by")

    def dehydrate_document(self, analysis):
        return "oui" if analysis.document else "non"
