"""The surveys' back office: the "Evaluations" menu of the Wagtail admin."""

from django.contrib.auth import get_permission_codename
from django.contrib.auth.models import Permission
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _

from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.panels import FieldPanel, FieldRowPanel, InlinePanel, MultiFieldPanel, ObjectList
from wagtail.admin.viewsets.base import ViewSet
from wagtail.admin.viewsets.model import ModelViewSet, ModelViewSetGroup

from .admin_forms import QuestionnaireAdminForm
from .filters import CampaignFilterSet
from .models import Campaign, Questionnaire, SurveyOptOut
from .views_admin import campaigns, dashboard, history, questionnaires, results
from .views_admin.common import VIEW_RESPONSE


class QuestionnaireViewSet(ModelViewSet):
    """Questionnaires and their questions, edited inline. "Dupliquer" replaces Wagtail's copy view
    (which cannot copy the questions); a questionnaire that was sent is never deleted."""

    model = Questionnaire
    icon = "form"
    menu_label = _("Questionnaires")
    index_view_class = questionnaires.QuestionnaireIndexView
    add_view_class = questionnaires.QuestionnaireCreateView
    edit_view_class = questionnaires.QuestionnaireEditView
    delete_view_class = questionnaires.QuestionnaireDeleteView
    copy_view_enabled = False
    list_filter = ["kind", "is_active", "anonymous"]
    search_fields = ["title", "slug"]
    ordering = ["kind", "title"]
    edit_handler = ObjectList(
        [
            MultiFieldPanel(
                [
                    FieldPanel("title"),
                    FieldRowPanel([FieldPanel("slug"), FieldPanel("kind")]),
                    FieldRowPanel([FieldPanel("is_active"), FieldPanel("anonymous")]),
                    FieldPanel("introduction"),
                ],
                heading=_("Questionnaire"),
            ),
            InlinePanel(
                "questions",
                heading=_("Questions"),
                label=_("question"),
                min_num=1,
                panels=[
                    FieldRowPanel([FieldPanel("key"), FieldPanel("type"), FieldPanel("required")]),
                    FieldPanel("text"),
                    FieldPanel("help_text"),
                    FieldPanel("options"),
                    FieldPanel("indicator"),
                ],
            ),
        ],
        base_form_class=QuestionnaireAdminForm,
    )

    def get_urlpatterns(self):
        return [
            *super().get_urlpatterns(),
            path("<int:pk>/dupliquer/", questionnaires.QuestionnaireDuplicateView.as_view(), name="duplicate"),
        ]


class CampaignViewSet(ModelViewSet):
    """Campaigns are opened by the schedule or launched here, never edited or deleted by hand: the
    listing, a campaign's page (its results), "remind now", adding a person, launching."""

    model = Campaign
    icon = "mail"
    menu_label = _("Campaigns")
    url_prefix = "enquetes"
    index_view_class = campaigns.CampaignIndexView
    filterset_class = CampaignFilterSet
    search_fields = ["session__code", "session__course__title"]
    copy_view_enabled = False

    def get_common_view_kwargs(self, **kwargs):
        return super().get_common_view_kwargs(
            add_url_name=None,
            edit_url_name=None,
            delete_url_name=None,
            history_url_name=None,
            usage_url_name=None,
            **kwargs,
        )

    def get_urlpatterns(self):
        return [
            path("", self.index_view, name="index"),
            path("results/", self.index_results_view, name="index_results"),
            path("lancer/", campaigns.CampaignLaunchView.as_view(), name="launch"),
            path("<int:pk>/", campaigns.CampaignResultsView.as_view(), name="results"),
            path("<int:pk>/relancer/", campaigns.CampaignRemindView.as_view(), name="remind"),
            path("<int:pk>/reponses.xlsx", campaigns.CampaignAnswersExportView.as_view(), name="answers_export"),
        ]

    def get_permissions_to_register(self):
        """Viewing and launching (which also reminds and invites) are the rights given here."""
        codenames = [get_permission_codename(action, self.model_opts) for action in ("view", "add")]
        return super().get_permissions_to_register().filter(codename__in=codenames)


class ResultsMenuItem(MenuItem):
    def is_shown(self, request):
        return request.user.has_perm(VIEW_RESPONSE)


class ResultsViewSet(ViewSet):
    """Results across campaigns and the before/after comparison (URL namespace `survey_results`)."""

    url_prefix = "resultats-enquetes"
    menu_label = _("Results")
    menu_icon = "table"
    menu_item_class = ResultsMenuItem

    @property
    def menu_url(self):
        return reverse("survey_results:index")

    def get_urlpatterns(self):
        return [
            path("", results.ResultsView.as_view(), name="index"),
            path("avant-apres/", results.BeforeAfterView.as_view(), name="before_after"),
        ]


class DashboardMenuItem(MenuItem):
    def is_shown(self, request):
        return request.user.has_perm(dashboard.VIEW_SESSION)


class DashboardViewSet(ViewSet):
    """The coordinator's dashboard and the annual key-figures PDF (URL namespace `indicators_dashboard`)."""

    url_prefix = "tableau-de-bord"
    menu_label = _("Dashboard")
    menu_icon = "table"
    menu_item_class = DashboardMenuItem

    @property
    def menu_url(self):
        return reverse("indicators_dashboard:index")

    def get_urlpatterns(self):
        return [
            path("", dashboard.DashboardView.as_view(), name="index"),
            path("chiffres-cles-<int:year>.pdf", dashboard.KeyFiguresPdfView.as_view(), name="key_figures_pdf"),
        ]


class SurveyOptOutViewSet(ModelViewSet):
    """The addresses that asked for no more surveys (the link of every survey e-mail): read only."""

    model = SurveyOptOut
    icon = "no-view"
    menu_label = _("Survey opt-outs")
    url_prefix = "desinscriptions-enquetes"
    list_display = ["email", "created_at"]
    search_fields = ["email"]
    ordering = ["-created_at"]
    copy_view_enabled = False
    inspect_view_enabled = False

    def get_common_view_kwargs(self, **kwargs):
        return super().get_common_view_kwargs(
            add_url_name=None,
            edit_url_name=None,
            delete_url_name=None,
            history_url_name=None,
            usage_url_name=None,
            **kwargs,
        )

    def get_urlpatterns(self):
        return [
            path("", self.index_view, name="index"),
            path("results/", self.index_results_view, name="index_results"),
        ]

    def get_permissions_to_register(self):
        codename = get_permission_codename("view", self.model_opts)
        return Permission.objects.filter(content_type__app_label="evaluations", codename=codename)


class HistoryMenuItem(MenuItem):
    def is_shown(self, request):
        return request.user.has_perm(history.IMPORT_PERMISSION)


class HistoryImportViewSet(ViewSet):
    """The historical workbook: upload, preview, confirm (URL namespace `history_imports`)."""

    url_prefix = "historique"
    menu_label = _("Historical workbook")
    menu_icon = "upload"
    menu_item_class = HistoryMenuItem

    @property
    def menu_url(self):
        return reverse("history_imports:index")

    def get_urlpatterns(self):
        return [
            path("", history.HistoryIndexView.as_view(), name="index"),
            path("modele.xlsx", history.HistoryTemplateView.as_view(), name="template"),
            path("<int:upload_id>/", history.HistoryDetailView.as_view(), name="detail"),
            path("<int:upload_id>/erreurs.xlsx", history.HistoryProblemsView.as_view(), name="problems"),
            path("<int:upload_id>/classeur.xlsx", history.HistoryFileView.as_view(), name="file"),
        ]


class EvaluationsViewSetGroup(ModelViewSetGroup):
    menu_label = _("Evaluations")
    menu_icon = "clipboard-list"
    menu_order = 300
    items = (
        DashboardViewSet("indicators_dashboard"),
        CampaignViewSet("survey_campaigns"),
        ResultsViewSet("survey_results"),
        QuestionnaireViewSet("questionnaires"),
        SurveyOptOutViewSet("survey_opt_outs"),
        HistoryImportViewSet("history_imports"),
    )


@hooks.register("register_admin_viewset")
def register_evaluations_viewsets():
    return EvaluationsViewSetGroup()


@hooks.register("construct_homepage_panels")
def add_dashboard_summary_panel(request, panels):
    """The year's headline figures on the admin home page, for those who may read the dashboard."""
    if request.user.has_perm(dashboard.VIEW_SESSION):
        panels.append(dashboard.DashboardSummaryPanel())


# The quality system's menu ("Quality": complaints, improvement actions and the Qualiopi registers)
# lives in its own module.
from . import quality_hooks  # noqa: E402, F401
