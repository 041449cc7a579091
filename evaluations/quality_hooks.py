"""The back office of the Qualiopi quality system: the "Quality" menu (imported by `wagtail_hooks`).

Complaints (indicator 31) and improvement actions (32), the watch (23–25), the trainers'
qualifications (21), the staff's trainings (22), the disability partners and the adaptations made
(10, 26), the subcontractors (27) and the needs analyses (4). Each register is a `ModelViewSet`
whose list exports through its `Resource`; the views are in `views_admin.quality` and
`views_admin.registers`. Deleting is left to those given the right: the coordination never
deletes a complaint (see `accounts.roles`).
"""

from django import forms
from django.urls import path
from django.utils.translation import gettext_lazy as _

from wagtail import hooks
from wagtail.admin.panels import FieldPanel, FieldRowPanel, MultiFieldPanel, ObjectList
from wagtail.admin.viewsets.model import ModelViewSet, ModelViewSetGroup
from wagtail.permissions import register_permission_policy

from .models import (
    AccessibilityAdaptation,
    Complaint,
    DisabilityPartner,
    ImprovementAction,
    NeedsAnalysis,
    StaffTraining,
    Subcontractor,
    TrainerQualification,
    WatchEntry,
)
from .services import complaints
from .views_admin import quality, registers


class PrivateFileViewSetMixin:
    """A register whose record keeps a file in private storage: served at `<pk>/<file_url_segment>/`
    (URL name `document`) to those who may read the register."""

    file_url_segment = "document"

    def get_urlpatterns(self):
        download = registers.PrivateFileView.as_view(model=self.model)
        return [*super().get_urlpatterns(), path(f"<int:pk>/{self.file_url_segment}/", download, name="document")]


class ImprovementActionViewSet(ModelViewSet):
    model = ImprovementAction
    icon = "tasks"
    menu_label = _("Improvement actions")
    url_prefix = "actions-amelioration"
    index_view_class = quality.ImprovementActionIndexView
    add_view_class = quality.ImprovementActionCreateView
    list_filter = ["status", "source"]
    search_fields = ["title", "description", "session__code"]
    ordering = ["-created_at"]
    copy_view_enabled = False
    edit_handler = ObjectList(
        [
            FieldPanel("title"),
            FieldPanel("description"),
            FieldRowPanel([FieldPanel("source"), FieldPanel("session"), FieldPanel("complaint")]),
            FieldPanel("source_detail"),
            FieldPanel("source_response", read_only=True),
            FieldRowPanel([FieldPanel("status"), FieldPanel("owner")]),
            FieldRowPanel([FieldPanel("due_on"), FieldPanel("done_on")]),
            FieldPanel("follow_up"),
        ],
        base_form_class=quality.QualityRecordForm,
    )


class ComplaintViewSet(ModelViewSet):
    """Complaints are received through `complaint_receive` and move through the workflow's
    buttons (acknowledge, answer, analyse, close) only: the form edits what was said and by whom."""

    model = Complaint
    icon = "warning"
    menu_label = _("Complaints")
    url_prefix = "reclamations"
    index_view_class = quality.ComplaintIndexView
    add_view_class = quality.ComplaintCreateView
    edit_view_class = quality.ComplaintEditView
    filterset_class = quality.ComplaintFilterSet
    search_fields = ["subject", "description", "complainant", "email", "session__code"]
    ordering = ["-received_at"]
    copy_view_enabled = False
    edit_handler = ObjectList(
        [
            FieldRowPanel([FieldPanel("received_at", read_only=True), FieldPanel("kind"), FieldPanel("channel")]),
            FieldRowPanel([FieldPanel("complainant"), FieldPanel("email")]),
            FieldPanel("session"),
            FieldPanel("subject"),
            FieldPanel("description"),
            FieldPanel("source_response", read_only=True),
            FieldPanel("owner"),
        ],
        base_form_class=quality.QualityRecordForm,
    )

    def get_urlpatterns(self):
        step = quality.ComplaintStepView.as_view()
        return [
            *super().get_urlpatterns(),
            path("<int:pk>/accuser-reception/", step, {"step": "acknowledge"}, name="acknowledge"),
            path("<int:pk>/repondre/", step, {"step": "answer"}, name="answer"),
            path("<int:pk>/analyser/", step, {"step": "analyse"}, name="analyse"),
            path("<int:pk>/cloturer/", step, {"step": "close"}, name="close"),
        ]


class WatchEntryViewSet(ModelViewSet):
    model = WatchEntry
    icon = "globe"
    menu_label = _("Watch")
    url_prefix = "veille"
    index_view_class = registers.WatchEntryIndexView
    add_view_class = registers.WatchEntryCreateView
    list_filter = ["kind"]
    search_fields = ["title", "source", "summary", "impact"]
    ordering = ["-observed_on"]
    copy_view_enabled = False
    edit_handler = ObjectList(
        [
            FieldRowPanel([FieldPanel("kind"), FieldPanel("observed_on")]),
            FieldPanel("title"),
            FieldPanel("source"),
            FieldPanel("summary"),
            FieldPanel("impact"),
            FieldPanel("action"),
            FieldPanel("recorded_by", read_only=True),
        ],
        base_form_class=registers.RegisterForm,
    )


class TrainerQualificationViewSet(PrivateFileViewSetMixin, ModelViewSet):
    model = TrainerQualification
    icon = "success"
    menu_label = _("Trainers' qualifications")
    url_prefix = "qualifications-formateurs"
    index_view_class = registers.TrainerQualificationIndexView
    add_view_class = registers.TrainerQualificationCreateView
    filterset_class = registers.TrainerQualificationFilterSet
    search_fields = ["title", "issuer", "trainer__last_name", "trainer__first_name"]
    ordering = ["expires_on"]
    copy_view_enabled = False
    edit_handler = ObjectList(
        [
            FieldPanel("trainer"),
            FieldRowPanel([FieldPanel("title"), FieldPanel("issuer")]),
            FieldRowPanel([FieldPanel("obtained_on"), FieldPanel("expires_on")]),
            FieldPanel("document"),
            FieldPanel("notes"),
        ],
        base_form_class=registers.RegisterForm,
    )
    file_url_segment = "justificatif"


class StaffTrainingViewSet(ModelViewSet):
    model = StaffTraining
    icon = "user"
    menu_label = _("Staff trainings")
    url_prefix = "formations-personnel"
    index_view_class = registers.StaffTrainingIndexView
    list_filter = ["kind"]
    search_fields = ["person", "title", "provider"]
    ordering = ["-started_on"]
    copy_view_enabled = False
    edit_handler = ObjectList(
        [
            FieldRowPanel([FieldPanel("person"), FieldPanel("kind")]),
            FieldRowPanel([FieldPanel("title"), FieldPanel("provider")]),
            FieldRowPanel([FieldPanel("started_on"), FieldPanel("hours")]),
            FieldPanel("notes"),
        ],
        base_form_class=registers.RegisterForm,
    )


class DisabilityPartnerViewSet(ModelViewSet):
    model = DisabilityPartner
    icon = "group"
    menu_label = _("Disability partners")
    url_prefix = "partenaires-handicap"
    index_view_class = registers.DisabilityPartnerIndexView
    list_filter = ["kind", "department"]
    search_fields = ["name", "contact_name", "notes"]
    ordering = ["name"]
    copy_view_enabled = False
    edit_handler = ObjectList(
        [
            FieldRowPanel([FieldPanel("name"), FieldPanel("kind")]),
            FieldPanel("department"),
            MultiFieldPanel(
                [
                    FieldPanel("contact_name"),
                    FieldRowPanel([FieldPanel("email"), FieldPanel("phone")]),
                    FieldPanel("website"),
                ],
                heading=_("Contact"),
            ),
            FieldPanel("notes"),
        ],
        base_form_class=registers.RegisterForm,
    )


# Health data: the model's rights are not enough (see `registers.AccessibilityPermissionPolicy`).
register_permission_policy(
    AccessibilityAdaptation, registers.AccessibilityPermissionPolicy(AccessibilityAdaptation), exact_class=True
)


class AccessibilityAdaptationViewSet(ModelViewSet):
    """Health data: every view (list, forms, history, export) needs the right to read
    accessibility needs besides the model's own rights."""

    model = AccessibilityAdaptation
    icon = "view"
    menu_label = _("Accessibility adaptations")
    url_prefix = "adaptations"
    index_view_class = registers.AccessibilityAdaptationIndexView
    add_view_class = registers.AccessibilityAdaptationCreateView
    edit_view_class = registers.AccessibilityAdaptationEditView
    delete_view_class = registers.AccessibilityAdaptationDeleteView
    list_filter = ["partner"]
    search_fields = ["need", "adaptation", "registration__user__last_name", "session__code"]
    ordering = ["-decided_on"]
    copy_view_enabled = False
    edit_handler = ObjectList(
        [
            FieldRowPanel([FieldPanel("registration"), FieldPanel("session")]),
            FieldPanel("need"),
            FieldPanel("adaptation"),
            FieldRowPanel([FieldPanel("decided_on"), FieldPanel("decided_by")]),
            FieldPanel("partner"),
            FieldPanel("follow_up"),
        ],
        base_form_class=registers.AccessibilityAdaptationForm,
    )


class SubcontractorViewSet(PrivateFileViewSetMixin, ModelViewSet):
    model = Subcontractor
    icon = "site"
    menu_label = _("Subcontractors")
    url_prefix = "sous-traitants"
    index_view_class = registers.SubcontractorIndexView
    filterset_class = registers.SubcontractorFilterSet
    search_fields = ["name", "siret", "contact_name"]
    ordering = ["name"]
    copy_view_enabled = False
    edit_handler = ObjectList(
        [
            FieldRowPanel([FieldPanel("name"), FieldPanel("siret")]),
            FieldRowPanel([FieldPanel("contact_name"), FieldPanel("email")]),
            FieldPanel("scope"),
            FieldRowPanel([FieldPanel("qualiopi_certified"), FieldPanel("certificate_expires_on")]),
            FieldRowPanel([FieldPanel("contract_signed_on"), FieldPanel("last_review_on")]),
            FieldPanel("contract"),
            FieldPanel("notes"),
        ],
        base_form_class=registers.RegisterForm,
    )
    file_url_segment = "contrat"


class NeedsAnalysisViewSet(PrivateFileViewSetMixin, ModelViewSet):
    model = NeedsAnalysis
    icon = "clipboard-list"
    menu_label = _("Needs analyses")
    url_prefix = "analyses-besoin"
    index_view_class = registers.NeedsAnalysisIndexView
    add_view_class = registers.NeedsAnalysisCreateView
    list_filter = ["organisation"]
    search_fields = ["session__code", "organisation__name", "context", "objectives"]
    ordering = ["-carried_out_on"]
    copy_view_enabled = False
    edit_handler = ObjectList(
        [
            FieldRowPanel([FieldPanel("session"), FieldPanel("organisation")]),
            FieldRowPanel([FieldPanel("carried_out_on"), FieldPanel("carried_out_by")]),
            FieldPanel("context", widget=forms.Textarea(attrs={"rows": 4})),
            FieldPanel("audience"),
            FieldPanel("objectives"),
            FieldPanel("constraints"),
            FieldPanel("document"),
        ],
        base_form_class=registers.NeedsAnalysisForm,
    )
    file_url_segment = "document"


class QualityViewSetGroup(ModelViewSetGroup):
    menu_label = _("Quality")
    menu_icon = "success"
    menu_order = 350
    items = (
        ComplaintViewSet("complaints"),
        ImprovementActionViewSet("improvement_actions"),
        WatchEntryViewSet("watch_entries"),
        TrainerQualificationViewSet("trainer_qualifications"),
        StaffTrainingViewSet("staff_trainings"),
        DisabilityPartnerViewSet("disability_partners"),
        AccessibilityAdaptationViewSet("accessibility_adaptations"),
        SubcontractorViewSet("subcontractors"),
        NeedsAnalysisViewSet("needs_analyses"),
    )


@hooks.register("register_admin_viewset")
def register_quality_viewsets():
    return QualityViewSetGroup()


@hooks.register("register_log_actions")
def register_complaint_log_actions(actions):
    """The steps of a complaint and its e-mails, as its history shows them."""
    actions.register_action(complaints.ACTION_ACKNOWLEDGE, _("Acknowledge"), _("Complaint acknowledged"))
    actions.register_action(complaints.ACTION_ANSWER, _("Answer"), _("Complaint answered"))
    actions.register_action(complaints.ACTION_ANALYSE, _("Analyse"), _("Complaint analysed"))
    actions.register_action(complaints.ACTION_CLOSE, _("Close"), _("Complaint closed"))
    actions.register_action(
        complaints.MESSAGE_ACTIONS[complaints.MESSAGE_ACKNOWLEDGEMENT],
        _("Acknowledgement e-mailed"),
        _("Acknowledgement e-mailed to the complainant"),
    )
    actions.register_action(
        complaints.MESSAGE_ACTIONS[complaints.MESSAGE_ANSWER],
        _("Answer e-mailed"),
        _("Answer e-mailed to the complainant"),
    )
    actions.register_action(
        complaints.MESSAGE_ACTIONS[complaints.MESSAGE_COORDINATION],
        _("Coordination told"),
        _("New complaint e-mailed to the coordination"),
    )
    actions.register_action(
        complaints.ACTION_OWNER_REMINDED, _("Reminder"), _("Owner reminded: the complaint is past its deadline")
    )


# The "Qualiopi" menu (self-assessment, evidence pack, the indicators) registers itself.
from . import qualiopi_hooks  # noqa: E402, F401
