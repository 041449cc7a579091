"""The coordinator's dashboard (Évaluations › Tableau de bord), its summary on the admin home page,
and the annual key-figures PDF ("L'organisme de formation : chiffres clés YYYY").

Reading needs `training.view_session` (the Coordination group has it); Wagtail's admin already
turns away anyone without access to the back office. The figures come from `evaluations.dashboard`
(a fixed number of queries whatever the data size).
"""

from __future__ import annotations

from django import forms
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.utils import timezone, translation
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views import View
from django.views.generic import TemplateView

from wagtail.admin.ui.components import Component
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from cms.pdf import html_to_pdf, render_html

from ..dashboard import (
    LOW_FILL_RATE,
    SESSION_ORDERINGS,
    dashboard_for_year,
    dashboard_years,
    format_days_number,
    format_percent,
    home_summary,
    sort_sessions_fill,
    svg_bar_chart,
)

VIEW_SESSION = "training.view_session"
# Years a key-figures PDF can be asked for (the URL carries the year).
FIRST_YEAR = 2000


class DashboardPermissionMixin:
    def dispatch(self, request, *args, **kwargs):
        if not request.user.has_perm(VIEW_SESSION):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)


class YearForm(forms.Form):
    year = forms.TypedChoiceField(label=gettext_lazy("Year"), coerce=int)
    ordering = forms.ChoiceField(
        choices=[(value, value) for value in SESSION_ORDERINGS], required=False, widget=forms.HiddenInput
    )

    def __init__(self, *args, years: list[int], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].choices = [(year, str(year)) for year in years]


class DashboardView(DashboardPermissionMixin, WagtailAdminTemplateMixin, TemplateView):
    """The year's key figures against the previous year, the fill rate of each session, the
    breakdowns and the satisfaction trend; every figure links to the records behind it."""

    template_name = "evaluations/admin/dashboard.html"
    header_icon = "table"

    def get_page_title(self):
        return _("Dashboard")

    def get_breadcrumbs_items(self):
        return [*self.breadcrumbs_items, {"url": "", "label": self.get_page_title()}]

    @cached_property
    def today(self):
        return timezone.localdate()

    @cached_property
    def form(self) -> YearForm:
        data = self.request.GET.copy()
        data.setdefault("year", str(self.today.year))
        return YearForm(data, years=dashboard_years(today=self.today))

    @cached_property
    def year(self) -> int:
        return self.form.cleaned_data["year"] if self.form.is_valid() else self.today.year

    @cached_property
    def ordering(self) -> str:
        ordering = self.form.cleaned_data.get("ordering") if self.form.is_valid() else ""
        return ordering or "fill"

    @cached_property
    def dashboard(self):
        return dashboard_for_year(year=self.year, today=self.today)

    def get_context_data(self, **kwargs):
        dashboard = self.dashboard
        return super().get_context_data(
            form=self.form,
            dashboard=dashboard,
            sessions_fill=sort_sessions_fill(dashboard.sessions_fill, self.ordering),
            ordering=self.ordering,
            sort_links=self._sort_links(),
            chart=_month_chart(dashboard.months),
            low_threshold=format_percent(LOW_FILL_RATE),
            links_note=_(
                "Each figure links to the list behind it: the sessions of the year marked held, and their trainees."
            ),
            **kwargs,
        )

    def _sort_links(self) -> dict[str, dict]:
        """For each sortable column: the URL sorting by it (reversed when it is the current order)
        and the `aria-sort` value of its header."""
        links = {}
        for key in ("code", "date", "department", "fill"):
            current = self.ordering.lstrip("-") == key
            descending = self.ordering.startswith("-")
            target = f"-{key}" if current and not descending else key
            links[key] = {
                "url": f"?year={self.year}&ordering={target}#fill",
                "aria_sort": ("descending" if descending else "ascending") if current else None,
            }
        return links


def _month_chart(months) -> dict:
    """Geometry of the satisfaction-by-month bar chart (SVG user units): one column per month, the
    rate written above its bar, the month and n below."""
    left, top, plot_height, column = 44, 24, 150, 56
    bars = []
    for index, point in enumerate(months):
        x = left + index * column
        height = round((point.rate or 0) * plot_height, 1)
        bars.append(
            {
                "point": point,
                "x": x + 12,
                "center": x + column / 2,
                "y": top + plot_height - height,
                "height": height,
            }
        )
    return {
        "width": left + column * len(months) + 8,
        "height": top + plot_height + 44,
        "left": left,
        "top": top,
        "bottom": top + plot_height,
        "bar_width": column - 24,
        "grid": [
            {"y": top + plot_height - plot_height * share, "label": label}
            for share, label in ((0, "0\u00a0%"), (0.5, "50\u00a0%"), (1, "100\u00a0%"))
        ],
        "bars": bars,
    }


class KeyFiguresPdfView(DashboardPermissionMixin, View):
    """`chiffres-cles-YYYY.pdf`: the year's key figures on an A4 page or two, in French."""

    def get(self, request, year: int):
        today = timezone.localdate()
        if not FIRST_YEAR <= year <= today.year + 1:
            raise Http404
        with translation.override("fr"):
            dashboard = dashboard_for_year(year=year, today=today)
            html = render_html(template_name="pdf/key_figures.html", context=key_figures_context(dashboard))
        response = HttpResponse(html_to_pdf(html), content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="chiffres-cles-{year}.pdf"'
        return response


def key_figures_context(dashboard) -> dict:
    indicators = dashboard.indicators
    total = indicators["trainees"]
    sold_days = indicators["avg_duration_days"]["intra"]
    return {
        "sold_days": {
            "number": format_days_number(sold_days) if sold_days is not None else "—",
            "unit": ngettext("day", "days", int(sold_days or 0)),
        },
        "dashboard": dashboard,
        "indicators": indicators,
        "figures": {figure.key: figure for figure in dashboard.key_figures},
        "surveys": dashboard.survey_figures,
        "funding": {row.funding: row for row in dashboard.funding_rows},
        "charts": [
            {
                "key": "categories",
                "title": _("Socio-professional category of the trainees"),
                "chart": svg_bar_chart(indicators["by_professional_category"], total=total),
            },
            {
                "key": "sectors",
                "title": _("Activity sector of the trainees"),
                "chart": svg_bar_chart(indicators["by_sector"], total=total),
            },
        ],
    }


class DashboardSummaryPanel(Component):
    """The year's four headline figures on the admin home page, with a link to the dashboard."""

    name = "indicators_summary"
    template_name = "evaluations/admin/dashboard_home_panel.html"
    order = 50

    class Media:
        css = {"all": ["css/admin_dashboard.css"]}

    def get_context_data(self, parent_context=None):
        return {"summary": home_summary()}
