"""Filters of the surveys' back-office listings."""

import django_filters

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from wagtail.admin.filters import WagtailFilterSet

from accounts.models import Department
from cms.models import CoursePage
from training.choices import Funding

from .choices import CampaignStatus, QuestionnaireKind
from .models import Campaign, Questionnaire


def _years():
    this_year = timezone.localdate().year
    return [(year, str(year)) for year in range(this_year + 1, 2014, -1)]


class CampaignFilterSet(WagtailFilterSet):
    """The campaigns by kind, status, year (of the session's first day, or of a yearly survey),
    funding, département and course of their session, questionnaire."""

    kind = django_filters.ChoiceFilter(choices=QuestionnaireKind.choices, label=_("Survey"))
    status = django_filters.ChoiceFilter(choices=CampaignStatus.choices, label=_("Status"))
    year = django_filters.TypedChoiceFilter(choices=_years, coerce=int, method="filter_year", label=_("Year"))
    funding = django_filters.ChoiceFilter(field_name="session__funding", choices=Funding.choices, label=_("Funding"))
    department = django_filters.ModelChoiceFilter(
        field_name="session__department", queryset=Department.objects.order_by("code"), label=_("Département")
    )
    course = django_filters.ModelChoiceFilter(
        field_name="session__course", queryset=CoursePage.objects.order_by("title"), label=_("Course")
    )
    questionnaire = django_filters.ModelChoiceFilter(
        queryset=Questionnaire.objects.order_by("kind", "title"), label=_("Questionnaire")
    )

    class Meta:
        model = Campaign
        fields = []

    def filter_year(self, queryset, name, value):
        """`first_day` is annotated by `evaluations.results.campaign_list`."""
        if not value:
            return queryset
        return queryset.filter(Q(first_day__year=value) | Q(session__isnull=True, year=value))
