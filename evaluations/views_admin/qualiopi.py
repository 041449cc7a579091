"""The Qualiopi self-assessment (Qualiopi › Auto-évaluation) and the indicators' reference list.

The self-assessment reads `evaluations.qualiopi` over a period (the last twelve months unless
another is chosen): the seven criteria with their indicators, each with its status, its gaps and
where to fix them, what the system collects and what a person supplies. It needs the permission
to view the Qualiopi indicators; changing their applicability needs the permission to change them.
"""

from __future__ import annotations

import datetime
from itertools import groupby

from dateutil.relativedelta import relativedelta

from django import forms
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView

from wagtail.admin.ui.tables import Column
from wagtail.admin.views import generic
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from ..models import QualiopiIndicator
from ..qualiopi import CRITERIA, default_period, indicator_statuses, summary_build

VIEW_INDICATOR = "evaluations.view_qualiopiindicator"
CHANGE_INDICATOR = "evaluations.change_qualiopiindicator"
# A Qualiopi certificate runs three years: a longer period says nothing more to an auditor.
MAX_PERIOD_YEARS = 3


class PeriodForm(forms.Form):
    date_from = forms.DateField(
        label=gettext_lazy("From"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    date_to = forms.DateField(
        label=gettext_lazy("To"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )

    def clean(self):
        cleaned = super().clean()
        date_from, date_to = cleaned.get("date_from"), cleaned.get("date_to")
        if date_from and date_to:
            if date_from > date_to:
                self.add_error("date_to", _("The end of the period must come after its start."))
            elif date_to - relativedelta(years=MAX_PERIOD_YEARS) >= date_from:
                self.add_error(
                    "date_from",
                    _("The period cannot exceed %(years)s years, the length of a certification cycle.")
                    % {"years": MAX_PERIOD_YEARS},
                )
        return cleaned


def _iso(day: datetime.date) -> str:
    return day.isoformat()


class QualiopiSelfAssessmentView(WagtailAdminTemplateMixin, TemplateView):
    template_name = "evaluations/admin/qualiopi.html"
    header_icon = "success"

    def dispatch(self, request, *args, **kwargs):
        if not request.user.has_perm(VIEW_INDICATOR):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_page_title(self):
        return _("Qualiopi self-assessment")

    def get_breadcrumbs_items(self):
        return [*self.breadcrumbs_items, {"url": "", "label": self.get_page_title()}]

    @cached_property
    def today(self) -> datetime.date:
        return timezone.localdate()

    @cached_property
    def form(self) -> PeriodForm:
        date_from, date_to = default_period(self.today)
        data = self.request.GET.copy()
        data.setdefault("date_from", _iso(date_from))
        data.setdefault("date_to", _iso(date_to))
        return PeriodForm(data)

    @cached_property
    def period(self) -> tuple[datetime.date, datetime.date]:
        if self.form.is_valid():
            return self.form.cleaned_data["date_from"], self.form.cleaned_data["date_to"]
        return default_period(self.today)

    def presets(self) -> list[dict]:
        """Quick choices: the last twelve months, this year so far, last year."""
        url = reverse("qualiopi_self_assessment:index")
        this_year = self.today.year
        choices = [
            (_("Last twelve months"), *default_period(self.today)),
            (str(this_year), datetime.date(this_year, 1, 1), self.today),
            (str(this_year - 1), datetime.date(this_year - 1, 1, 1), datetime.date(this_year - 1, 12, 31)),
        ]
        return [
            {
                "label": label,
                "url": f"{url}?date_from={_iso(start)}&date_to={_iso(end)}",
                "current": (start, end) == self.period,
            }
            for label, start, end in choices
        ]

    def get_context_data(self, **kwargs):
        date_from, date_to = self.period
        statuses = indicator_statuses(date_from=date_from, date_to=date_to, today=self.today)
        can_edit = self.request.user.has_perm(CHANGE_INDICATOR)
        edit_urls = {}
        if can_edit:
            edit_urls = {
                number: reverse("qualiopi_indicators:edit", args=[pk])
                for number, pk in QualiopiIndicator.objects.values_list("number", "pk")
            }
        indicators = [{"status": status, "edit_url": edit_urls.get(status.number, "")} for status in statuses]
        criteria = [
            {"number": number, "title": CRITERIA.get(number, ""), "indicators": list(items)}
            for number, items in groupby(indicators, key=lambda item: item["status"].criterion)
        ]
        return super().get_context_data(
            form=self.form,
            presets=self.presets(),
            date_from=date_from,
            date_to=date_to,
            period_label=_("from %(start)s to %(end)s")
            % {"start": date_format(date_from, "j F Y"), "end": date_format(date_to, "j F Y")},
            summary=summary_build(statuses),
            criteria=criteria,
            indicators_url=reverse("qualiopi_indicators:index"),
            **kwargs,
        )


# The indicators' reference list
# ------------------------------------------------------------------------------


def _yes_no(value: bool) -> str:
    return _("Yes") if value else _("No")


class QualiopiIndicatorIndexView(generic.IndexView):
    """The 32 indicators, with whether each applies and whether it can be a major non-conformity,
    written out (never a colour or an icon alone)."""

    @cached_property
    def columns(self):
        return [
            Column("number", label=gettext_lazy("Indicator"), sort_key="number", width="8%"),
            self._get_title_column("title"),
            Column("criterion", label=gettext_lazy("Criterion"), sort_key="criterion", width="8%"),
            Column(
                "applicable",
                label=gettext_lazy("Applies to us"),
                accessor=lambda indicator: _yes_no(indicator.applicable),
                sort_key="applicable",
            ),
            Column(
                "major",
                label=gettext_lazy("Major non-conformity possible"),
                accessor=lambda indicator: _yes_no(indicator.major),
            ),
        ]
