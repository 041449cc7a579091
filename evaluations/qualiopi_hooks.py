"""The "Qualiopi" menu: the self-assessment and the indicators' reference list (imported by `quality_hooks`).

The reference list (the 32 indicators, created by a migration) is never added to nor deleted
from: the quality référent changes whether an indicator applies, why, and the evidence a person
supplies; its number, criterion, title and the evidence the system collects are read only.
"""

from django.contrib.auth import get_permission_codename
from django.contrib.auth.models import Permission
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _

from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.panels import FieldPanel, FieldRowPanel, MultiFieldPanel, ObjectList
from wagtail.admin.viewsets.base import ViewSet, ViewSetGroup
from wagtail.admin.viewsets.model import ModelViewSet

from .evidence_hooks import EvidencePackViewSet
from .models import QualiopiIndicator
from .views_admin import qualiopi


class YesNoPanel(FieldPanel):
    """A read-only yes/no, written out (Wagtail shows the raw `True`/`False`)."""

    def format_value_for_display(self, value):
        if isinstance(value, bool):
            return _("Yes") if value else _("No")
        return super().format_value_for_display(value)


class SelfAssessmentMenuItem(MenuItem):
    def is_shown(self, request):
        return request.user.has_perm(qualiopi.VIEW_INDICATOR)


class QualiopiSelfAssessmentViewSet(ViewSet):
    """The self-assessment over a period (URL namespace `qualiopi_self_assessment`)."""

    url_prefix = "qualiopi"
    menu_label = _("Self-assessment")
    menu_icon = "success"
    menu_item_class = SelfAssessmentMenuItem

    @property
    def menu_url(self):
        return reverse("qualiopi_self_assessment:index")

    def get_urlpatterns(self):
        return [path("", qualiopi.QualiopiSelfAssessmentView.as_view(), name="index")]


class QualiopiIndicatorViewSet(ModelViewSet):
    """The indicators' reference list: listing and editing of what the référent decides (URL namespace
    `qualiopi_indicators`)."""

    model = QualiopiIndicator
    icon = "list-ol"
    menu_label = _("Indicators of the framework")
    url_prefix = "qualiopi-indicateurs"
    index_view_class = qualiopi.QualiopiIndicatorIndexView
    list_filter = ["criterion", "applicable", "major"]
    list_per_page = 50  # the 32 indicators on one page
    ordering = ["number"]
    copy_view_enabled = False
    inspect_view_enabled = False
    edit_handler = ObjectList(
        [
            MultiFieldPanel(
                [
                    FieldRowPanel([FieldPanel("number", read_only=True), FieldPanel("criterion", read_only=True)]),
                    FieldPanel("title", read_only=True),
                    YesNoPanel("major", read_only=True),
                ],
                heading=_("Indicator"),
            ),
            MultiFieldPanel(
                [FieldPanel("applicable"), FieldPanel("applicability_note")],
                heading=_("Applicability"),
            ),
            MultiFieldPanel(
                [FieldPanel("evidence_automatic", read_only=True), FieldPanel("evidence_manual")],
                heading=_("Evidence"),
            ),
        ]
    )

    def get_common_view_kwargs(self, **kwargs):
        return super().get_common_view_kwargs(add_url_name=None, delete_url_name=None, usage_url_name=None, **kwargs)

    def get_urlpatterns(self):
        return [
            path("", self.index_view, name="index"),
            path("results/", self.index_results_view, name="index_results"),
            path("edit/<int:pk>/", self.edit_view, name="edit"),
            path("history/<int:pk>/", self.history_view, name="history"),
            path("history-results/<int:pk>/", self.history_results_view, name="history_results"),
        ]

    def get_permissions_to_register(self):
        """Viewing (the self-assessment) and changing (applicability) are the rights given here."""
        codenames = [get_permission_codename(action, self.model_opts) for action in ("view", "change")]
        return Permission.objects.filter(content_type__app_label=self.model_opts.app_label, codename__in=codenames)


class QualiopiViewSetGroup(ViewSetGroup):
    menu_label = _("Qualiopi")
    menu_icon = "success"
    menu_order = 310
    items = (
        QualiopiSelfAssessmentViewSet("qualiopi_self_assessment"),
        EvidencePackViewSet("evidence_packs"),
        QualiopiIndicatorViewSet("qualiopi_indicators"),
    )


@hooks.register("register_admin_viewset")
def register_qualiopi_viewsets():
    return QualiopiViewSetGroup()
