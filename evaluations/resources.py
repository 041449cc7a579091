"""Tabular exports of the surveys and quality registers, with django-import-export (`training.exports`).

`AnswerResource` writes answers in the long format of the historical workbook's `Reponses` sheet
(session, e-mail, questionnaire, date, question, answer), so an export can be read back by
`import_history`. An anonymous response has no e-mail, by construction.
"""

from import_export.fields import Field
from import_export.widgets import DateTimeWidget, DateWidget, IntegerWidget

from django.utils import timezone
from django.utils.translation import gettext_lazy

from training.resources import ExportResource

from .models import Answer, Campaign, Complaint, ImprovementAction
from .results import campaign_list


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
