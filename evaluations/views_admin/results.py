"""Results across campaigns, and the before/after comparison of the same trainees.

Both pages share a filter (GET): a questionnaire, a period of the sessions' first day, a course, a
trainer, a département, a funding. Reading needs `evaluations.view_response`.
"""

from __future__ import annotations

from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from ..admin_forms import ResultsFilterForm
from ..models import Response
from ..results import ResultsFilter, before_after, results_overview
from .common import ADD_ACTION, ADD_COMPLAINT, SurveyPermissionMixin, quality_create_urls


class _ResultsPageMixin(SurveyPermissionMixin, WagtailAdminTemplateMixin):
    model = Response
    permission_required = "view"
    header_icon = "table"
    tab = ""

    @cached_property
    def form(self) -> ResultsFilterForm:
        return ResultsFilterForm(self.request.GET or ResultsFilterForm.defaults())

    @cached_property
    def filters(self) -> ResultsFilter | None:
        return self.form.to_filters() if self.form.is_valid() else None

    def get_breadcrumbs_items(self):
        return [*self.breadcrumbs_items, {"url": "", "label": self.get_page_title()}]

    def get_context_data(self, **kwargs):
        query = self.request.GET.urlencode()
        tabs = [
            ("results", _("Results"), reverse("survey_results:index")),
            ("before_after", _("Before / after"), reverse("survey_results:before_after")),
        ]
        return super().get_context_data(
            form=self.form,
            filters=self.filters,
            tabs=[
                {"name": name, "label": label, "url": f"{url}?{query}" if query else url, "current": name == self.tab}
                for name, label, url in tabs
            ],
            **kwargs,
        )


class ResultsView(_ResultsPageMixin, TemplateView):
    """The standard indicators, each question of the chosen questionnaire, the grouped tables (per
    session, course, trainer, département) and the comments, over the filter."""

    template_name = "evaluations/admin/results.html"
    tab = "results"

    def get_page_title(self):
        return _("Survey results")

    def get_context_data(self, **kwargs):
        results = results_overview(filters=self.filters) if self.filters else None
        user = self.request.user
        if results is not None:
            for comment in results.comments:
                comment.create_urls = quality_create_urls(comment.response_id)
        groups = []
        if results is not None:
            groups = [
                ("session", _("By session"), _("Session"), results.groups["session"]),
                ("course", _("By course"), _("Course"), results.groups["course"]),
                ("trainer", _("By trainer"), _("Trainer"), results.groups["trainer"]),
                ("department", _("By département"), _("Département"), results.groups["department"]),
            ]
        return super().get_context_data(
            results=results,
            groups=groups,
            can_add_action=user.has_perm(ADD_ACTION),
            can_add_complaint=user.has_perm(ADD_COMPLAINT),
            **kwargs,
        )


class BeforeAfterView(_ResultsPageMixin, TemplateView):
    """The trainees who answered at the end of the training and six months later: their
    expectations then, their needs met and practice since (named questionnaires only)."""

    template_name = "evaluations/admin/before_after.html"
    tab = "before_after"

    def get_page_title(self):
        return _("Before / after")

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            comparison=before_after(filters=self.filters) if self.filters else None, **kwargs
        )
