"""The people known to the organisation (trainees, imported or registered online), read-only.

Not Wagtail's user management (staff accounts): a list of professionals with their profile and
number of registrations, searchable, filterable and exportable, each with their registrations and
their data export (right of access).
"""

from __future__ import annotations

import django_filters

from django.db.models import Count, Q
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.ui.tables import Column, TitleColumn
from wagtail.admin.views import generic
from wagtail.admin.widgets.button import HeaderButton

from accounts.models import ActivitySector, Department, ProfessionalCategory, StructureType, User

from ..exports import ResourceExportMixin
from ..resources import PersonResource
from .admin import can_export_person_data


def people_queryset():
    """People with a professional profile or at least one registration, with `registration_count`."""
    return (
        User.objects.annotate(registration_count=Count("registrations"))
        .filter(Q(registration_count__gt=0) | Q(profile__isnull=False))
        .select_related("profile__department", "profile__structure_type")
    )


class PeopleFilterSet(WagtailFilterSet):
    department = django_filters.ModelChoiceFilter(
        field_name="profile__department", queryset=Department.objects.all(), label=gettext_lazy("Département of work")
    )
    structure_type = django_filters.ModelChoiceFilter(
        field_name="profile__structure_type", queryset=StructureType.objects.all(), label=gettext_lazy("Structure type")
    )
    activity_sector = django_filters.ModelChoiceFilter(
        field_name="profile__activity_sector",
        queryset=ActivitySector.objects.all(),
        label=gettext_lazy("Activity sector"),
    )
    professional_category = django_filters.ModelChoiceFilter(
        field_name="profile__professional_category",
        queryset=ProfessionalCategory.objects.all(),
        label=gettext_lazy("Socio-professional category"),
    )

    class Meta:
        model = User
        fields = []


def _profile_value(attribute: str):
    def accessor(person):
        profile = getattr(person, "profile", None)
        value = getattr(profile, attribute, None) if profile is not None else None
        return value if value not in (None, "") else "—"

    return accessor


class PeopleIndexView(ResourceExportMixin, generic.IndexView):
    export_resource_class = PersonResource
    default_ordering = "last_name"
    page_title = gettext_lazy("People")

    def get_base_queryset(self):
        return people_queryset()

    def get_export_title(self):
        return _("People")

    @cached_property
    def columns(self):
        return [
            self._get_title_column_class(TitleColumn)(
                "name",
                label=gettext_lazy("Name"),
                accessor=str,
                get_url=self.get_inspect_url,
                sort_key="last_name",
            ),
            Column("email", label=gettext_lazy("E-mail address")),
            Column("structure", label=gettext_lazy("Structure"), accessor=_profile_value("structure_name")),
            Column("department", label=gettext_lazy("Département"), accessor=_profile_value("department")),
            Column("registration_count", label=gettext_lazy("Registrations"), sort_key="registration_count"),
        ]


class PersonInspectView(generic.InspectView):
    fields = ["email", "first_name", "last_name", "date_joined", "last_login"]

    def get_object(self, queryset=None):
        return people_queryset().get(pk=self.pk)

    @cached_property
    def header_buttons(self):
        person = self.object
        buttons = [
            HeaderButton(
                _("Registrations"),
                url=f"{reverse('registrations:index')}?q={person.email}",
                icon_name="group",
            )
        ]
        if can_export_person_data(self.request.user):
            buttons.append(
                HeaderButton(
                    _("Personal data (XLSX)"),
                    url=reverse("registrations:person_data", args=[person.pk]),
                    icon_name="download",
                )
            )
        return buttons
