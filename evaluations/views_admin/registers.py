"""The Qualiopi registers of the back office ("Quality" menu, `evaluations.quality_hooks`).

- the watch (veille, indicators 23–25), each entry possibly linked to the improvement action it led to;
- the trainers' qualifications (indicator 21), flagged when expired or expiring within
  `EXPIRY_WARNING_DAYS`, their proof kept in private storage;
- the staff's trainings (indicator 22);
- the référent handicap's partners and the adaptations made (indicators 10 and 26): the adaptations
  are health data, shown only to those who may read accessibility needs;
- the subcontractors (indicator 27), their Qualiopi certificate's expiry flagged, their contract private;
- the needs analyses before an intra training (indicator 4), opened prefilled from a session
  (`?session=<id>`).

Files are never served by URL (`config.storages`): they are downloaded through `PrivateFileView`,
which checks the right to read the register. Every list is exported by its `Resource`.
"""

from __future__ import annotations

import datetime
import os

import django_filters

from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.functional import cached_property
from django.utils.html import format_html
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views import View

from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.ui.tables import Column, TitleColumn
from wagtail.admin.views import generic
from wagtail.permission_policies import ModelPermissionPolicy

from config.private_files import private_file_response
from config.uploads import upload_check
from training.exports import ResourceExportMixin
from training.models import Organisation, Registration, Session, Trainer
from training.services.audit import accessibility_needs_view_log, health_data_view_log

from ..admin_forms import staff_users
from ..models import (
    AccessibilityAdaptation,
    DisabilityPartner,
    ImprovementAction,
    NeedsAnalysis,
    Subcontractor,
    TrainerQualification,
)
from ..resources import (
    AccessibilityAdaptationResource,
    DisabilityPartnerResource,
    NeedsAnalysisResource,
    StaffTrainingResource,
    SubcontractorResource,
    TrainerQualificationResource,
    WatchEntryResource,
)
from .quality import FlagColumn

EXPIRY_WARNING_DAYS = 60
ACCESSIBILITY_PERMISSION = "training.view_accessibility_needs"
FILE_EXTENSIONS = (".pdf", ".jpg", ".jpeg", ".png", ".odt", ".docx", ".doc")
FILE_MAX_BYTES = 10 * 1024 * 1024

# The private file of each register: model → (field, URL name of its download view).
PRIVATE_FILES = {
    TrainerQualification: ("document", "trainer_qualifications:document"),
    Subcontractor: ("contract", "subcontractors:document"),
    NeedsAnalysis: ("document", "needs_analyses:document"),
}


def _date(value) -> str:
    return date_format(value, "SHORT_DATE_FORMAT") if value else ""


def expiry_label(expires_on: datetime.date | None, today: datetime.date) -> str:
    """ "Expired on 01/10/2026" or "Expires in 12 days (03/12/2026)" within `EXPIRY_WARNING_DAYS`;
    empty when valid for longer or without expiry."""
    if expires_on is None:
        return ""
    if expires_on < today:
        return _("Expired on %(date)s") % {"date": _date(expires_on)}
    days = (expires_on - today).days
    if days <= EXPIRY_WARNING_DAYS:
        return ngettext("Expires in %(days)s day (%(date)s)", "Expires in %(days)s days (%(date)s)", days) % {
            "days": days,
            "date": _date(expires_on),
        }
    return ""


def _expiry_filter(queryset, field: str, value: str):
    today = timezone.localdate()
    soon = today + datetime.timedelta(days=EXPIRY_WARNING_DAYS)
    if value == "expired":
        return queryset.filter(**{f"{field}__lt": today})
    if value == "expiring":
        return queryset.filter(**{f"{field}__gte": today, f"{field}__lte": soon})
    if value == "valid":
        return queryset.filter(**{f"{field}__gt": soon})
    if value == "none":
        return queryset.filter(**{f"{field}__isnull": True})
    return queryset


EXPIRY_CHOICES = [
    ("expired", gettext_lazy("Expired")),
    ("expiring", gettext_lazy("Expiring within 60 days")),
    ("valid", gettext_lazy("Valid for more than 60 days")),
    ("none", gettext_lazy("No expiry date")),
]


def _title_column(view: generic.IndexView, name: str, **kwargs) -> TitleColumn:
    """The linked first column (to the record's page, with its buttons) showing a computed value."""
    column_class = view._get_title_column_class(TitleColumn)
    return column_class(name, get_url=view.get_edit_url, **kwargs)


class LinkColumn(Column):
    """A cell holding a link: the accessor gives `{"url": …, "label": …}` or None."""

    cell_template_name = "evaluations/admin/quality_link_cell.html"


def _file_link(instance) -> dict | None:
    field, url_name = PRIVATE_FILES[type(instance)]
    if not getattr(instance, field):
        return None
    return {"url": reverse(url_name, args=[instance.pk]), "label": _("Download")}


# Forms
# ------------------------------------------------------------------------------


class PrivateFileInput(forms.ClearableFileInput):
    """A file input for a file kept in private storage: the current file is linked to its
    permission-checked download view (a private file has no URL of its own)."""

    download_url = ""

    def is_initial(self, value):
        return bool(value and getattr(value, "name", ""))

    def render(self, name, value, attrs=None, renderer=None):
        attrs = attrs or {}
        file_input = forms.FileInput(attrs=self.attrs).render(name, None, attrs, renderer)
        if not self.is_initial(value):
            return file_input
        checkbox_name = self.clear_checkbox_name(name)
        checkbox_id = self.clear_checkbox_id(checkbox_name)
        current = os.path.basename(value.name)
        link = format_html('<a href="{}">{}</a>', self.download_url, current) if self.download_url else current
        clear = ""
        if not self.is_required:
            clear = format_html(
                ' <input type="checkbox" name="{}" id="{}"> <label for="{}">{}</label>',
                checkbox_name,
                checkbox_id,
                checkbox_id,
                _("Remove this file"),
            )
        return format_html(
            '<p class="help">{} {}{}</p><p class="help">{}</p>{}',
            _("Current file:"),
            link,
            clear,
            _("Choose a file to replace it:"),
            file_input,
        )


class RegisterForm(WagtailAdminModelForm):
    """The registers' form: people of the back office only, sessions listed with their course
    (in the same query), private files linked to their download view and checked on upload."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        fields = self.fields
        for name in ("carried_out_by", "decided_by"):
            if name in fields:
                fields[name].queryset = staff_users()
        if "session" in fields:
            fields["session"].queryset = Session.objects.select_related("course").order_by("-code")
        if "organisation" in fields:
            fields["organisation"].queryset = Organisation.objects.order_by("name")
        if "trainer" in fields:
            fields["trainer"].queryset = Trainer.objects.order_by("-is_active", "last_name", "first_name")
        if "action" in fields:
            fields["action"].queryset = ImprovementAction.objects.order_by("-created_at")
        if "partner" in fields:
            fields["partner"].queryset = DisabilityPartner.objects.order_by("name")
        private = PRIVATE_FILES.get(self._meta.model)
        if private and private[0] in fields:
            field_name, url_name = private
            widget = PrivateFileInput()
            if self.instance.pk and getattr(self.instance, field_name):
                widget.download_url = reverse(url_name, args=[self.instance.pk])
            fields[field_name].widget = widget
            fields[field_name].help_text = _("PDF, image or text document, 10 MB at most. Kept private.")

    def _clean_private_file(self, field_name: str):
        upload = self.cleaned_data.get(field_name)
        if upload and hasattr(upload, "content_type"):  # a new upload (not the file already kept)
            if not upload.name.lower().endswith(FILE_EXTENSIONS):
                raise forms.ValidationError(
                    _("Send a PDF, an image (JPEG, PNG) or a text document (ODT, DOCX)."), code="file_type"
                )
            if upload.size > FILE_MAX_BYTES:
                raise forms.ValidationError(_("This file is larger than 10 MB."), code="file_size")
            upload_check(upload)
        return upload

    def clean_document(self):
        return self._clean_private_file("document")

    def clean_contract(self):
        return self._clean_private_file("contract")


class _RegistrationChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, registration):
        user = registration.user
        return f"{user.get_full_name() or user.email} — {registration.session.code}"


class AccessibilityAdaptationForm(RegisterForm):
    """The trainee is chosen among those who declared needs (or the one already linked); choosing
    a trainee is enough, their session is filled in."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "registration" in self.fields:
            current = self.instance.registration_id
            queryset = (
                Registration.objects.filter(Q(pk=current) | ~Q(accessibility_needs=""))
                .select_related("user", "session")
                .order_by("-session__code", "user__last_name", "user__first_name")
            )
            field = self.fields["registration"]
            self.fields["registration"] = _RegistrationChoiceField(
                queryset=queryset,
                required=False,
                label=field.label,
                help_text=_("The trainees who declared accessibility needs."),
            )

    def clean(self):
        data = super().clean()
        registration, session = data.get("registration"), data.get("session")
        if registration is None and session is None:
            raise forms.ValidationError(_("Choose the trainee or the session concerned."), code="subject_required")
        if registration is not None and session is None:
            data["session"] = registration.session
            self.instance.session = registration.session
        elif registration is not None and session != registration.session:
            self.add_error(
                "session", _("This trainee is registered to session %(code)s.") % {"code": registration.session.code}
            )
        return data


class NeedsAnalysisForm(RegisterForm):
    """A needs analysis concerns a session and/or a client structure; a session's client
    structure is filled in when left empty."""

    def clean(self):
        data = super().clean()
        session, organisation = data.get("session"), data.get("organisation")
        if session is None and organisation is None:
            raise forms.ValidationError(
                _("Choose the session or the client structure concerned."), code="subject_required"
            )
        if session is not None and organisation is None and session.client_organisation_id:
            data["organisation"] = session.client_organisation
            self.instance.organisation_id = session.client_organisation_id
        return data


# Permissions
# ------------------------------------------------------------------------------


class AccessibilityPermissionPolicy(ModelPermissionPolicy):
    """Adaptations are health data: any right on them also needs the right to read
    accessibility needs (the référent handicap, the coordination)."""

    def user_has_permission(self, user, action):
        return user.has_perm(ACCESSIBILITY_PERMISSION) and super().user_has_permission(user, action)

    def users_with_any_permission(self, actions):
        users = super().users_with_any_permission(actions)
        allowed = get_user_model().objects.filter(
            Q(is_superuser=True)
            | Q(user_permissions__codename="view_accessibility_needs")
            | Q(groups__permissions__codename="view_accessibility_needs")
        )
        return users.filter(pk__in=allowed.values("pk"))


class PrivateFileView(View):
    """The private file of a register's record, to those who may read the register only."""

    model = None

    def get(self, request, pk: int):
        field_name, _url_name = PRIVATE_FILES[self.model]
        opts = self.model._meta
        if not request.user.has_perm(f"{opts.app_label}.view_{opts.model_name}"):
            raise PermissionDenied
        instance = get_object_or_404(self.model, pk=pk)
        file = getattr(instance, field_name)
        if not file:
            raise Http404
        try:
            return private_file_response(file, filename=os.path.basename(file.name))
        except FileNotFoundError as error:
            raise Http404 from error


# Watch (indicators 23–25)
# ------------------------------------------------------------------------------


class WatchEntryIndexView(ResourceExportMixin, generic.IndexView):
    export_resource_class = WatchEntryResource

    def get_base_queryset(self):
        return super().get_base_queryset().select_related("action")

    @cached_property
    def columns(self):
        return [
            self._get_title_column("title"),
            self._get_custom_column("kind"),
            Column(
                "observed_on",
                label=gettext_lazy("Date"),
                accessor=lambda entry: _date(entry.observed_on),
                sort_key="observed_on",
            ),
            Column("source", label=gettext_lazy("Source")),
            LinkColumn(
                "action",
                label=gettext_lazy("Improvement action"),
                accessor=lambda entry: (
                    {"url": reverse("improvement_actions:edit", args=[entry.action_id]), "label": entry.action.title}
                    if entry.action_id
                    else None
                ),
            ),
        ]


class WatchEntryCreateView(generic.CreateView):
    def get_initial(self):
        return {**super().get_initial(), "observed_on": timezone.localdate()}

    def save_instance(self):
        self.form.instance.recorded_by = self.request.user
        return super().save_instance()


# Trainers' qualifications (indicator 21)
# ------------------------------------------------------------------------------


class TrainerQualificationFilterSet(WagtailFilterSet):
    trainer = django_filters.ModelChoiceFilter(
        queryset=Trainer.objects.order_by("last_name", "first_name"), label=gettext_lazy("Trainer")
    )
    validity = django_filters.ChoiceFilter(
        choices=EXPIRY_CHOICES, method="filter_validity", label=gettext_lazy("Validity")
    )

    class Meta:
        model = TrainerQualification
        fields = []

    def filter_validity(self, queryset, name, value):
        return _expiry_filter(queryset, "expires_on", value)


class TrainerQualificationIndexView(ResourceExportMixin, generic.IndexView):
    export_resource_class = TrainerQualificationResource

    def get_base_queryset(self):
        return super().get_base_queryset().select_related("trainer")

    @cached_property
    def columns(self):
        today = timezone.localdate()
        return [
            self._get_title_column("title"),
            Column("trainer", label=gettext_lazy("Trainer"), accessor="trainer", sort_key="trainer__last_name"),
            Column("issuer", label=gettext_lazy("Issued by")),
            Column(
                "obtained_on",
                label=gettext_lazy("Obtained on"),
                accessor=lambda item: _date(item.obtained_on),
                sort_key="obtained_on",
            ),
            Column(
                "expires_on",
                label=gettext_lazy("Expires on"),
                accessor=lambda item: _date(item.expires_on) or "—",
                sort_key="expires_on",
            ),
            FlagColumn(
                "validity", label=gettext_lazy("To renew"), accessor=lambda item: expiry_label(item.expires_on, today)
            ),
            LinkColumn("document", label=gettext_lazy("Proof"), accessor=_file_link),
        ]


class TrainerQualificationCreateView(generic.CreateView):
    """`?trainer=<id>`: the trainer chosen already."""

    def get_initial(self):
        initial = super().get_initial()
        trainer_id = self.request.GET.get("trainer", "")
        if trainer_id.isdigit():
            initial["trainer"] = int(trainer_id)
        return initial


# Staff trainings (indicator 22)
# ------------------------------------------------------------------------------


class StaffTrainingIndexView(ResourceExportMixin, generic.IndexView):
    export_resource_class = StaffTrainingResource

    @cached_property
    def columns(self):
        return [
            self._get_title_column("title"),
            Column("person", label=gettext_lazy("Person"), sort_key="person"),
            self._get_custom_column("kind"),
            Column("provider", label=gettext_lazy("Provider")),
            Column(
                "started_on",
                label=gettext_lazy("Date"),
                accessor=lambda item: _date(item.started_on),
                sort_key="started_on",
            ),
            Column("hours", label=gettext_lazy("Hours"), accessor=lambda item: item.hours if item.hours else ""),
        ]


# Disability partners and adaptations (indicators 10 and 26)
# ------------------------------------------------------------------------------


class DisabilityPartnerIndexView(ResourceExportMixin, generic.IndexView):
    export_resource_class = DisabilityPartnerResource

    def get_base_queryset(self):
        return super().get_base_queryset().select_related("department")

    @cached_property
    def columns(self):
        return [
            self._get_title_column("name"),
            self._get_custom_column("kind"),
            Column(
                "department",
                label=gettext_lazy("Département"),
                accessor=lambda partner: partner.department or gettext_lazy("Regional"),
            ),
            Column("contact_name", label=gettext_lazy("Contact")),
            Column("email", label=gettext_lazy("E-mail address")),
            Column("phone", label=gettext_lazy("Phone")),
        ]


def _trainee(adaptation: AccessibilityAdaptation) -> str:
    if adaptation.registration_id is None:
        return _("Whole session")
    user = adaptation.registration.user
    return user.get_full_name() or user.email


def _adaptation_label(adaptation: AccessibilityAdaptation) -> str:
    session = adaptation.session if adaptation.session_id else adaptation.registration.session
    return f"{_trainee(adaptation)} — {session.code}"


def _adaptations_view_log(request, adaptations, where: str) -> None:
    """The needs expressed are health data: who was shown which (`training.services.audit`)."""
    health_data_view_log(user=request.user, instances=adaptations, where=where, label=_adaptation_label)


class AccessibilityAdaptationIndexView(ResourceExportMixin, generic.IndexView):
    """The list shows each need expressed: the rows shown (or exported) are written to the log."""

    export_resource_class = AccessibilityAdaptationResource

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        if not self.is_export:  # an export logs its own rows
            _adaptations_view_log(self.request, context["object_list"], "back office: adaptations register")
        return context

    def as_spreadsheet(self, queryset, spreadsheet_format):
        _adaptations_view_log(
            self.request,
            queryset.select_related("registration__user", "registration__session", "session"),
            "back office: adaptations export",
        )
        return super().as_spreadsheet(queryset, spreadsheet_format)

    def get_base_queryset(self):
        return (
            super()
            .get_base_queryset()
            .select_related("registration__user", "registration__session", "session", "partner")
        )

    @cached_property
    def columns(self):
        return [
            _title_column(
                self,
                "adaptation",
                label=gettext_lazy("Adaptation made"),
                accessor=lambda item: Truncator(item.adaptation).chars(80),
            ),
            Column("trainee", label=gettext_lazy("Trainee"), accessor=_trainee),
            Column(
                "session",
                label=gettext_lazy("Session"),
                accessor=lambda item: item.session.code if item.session_id else item.registration.session.code,
            ),
            Column("need", label=gettext_lazy("Need expressed"), accessor=lambda item: Truncator(item.need).chars(80)),
            Column(
                "decided_on",
                label=gettext_lazy("Decided on"),
                accessor=lambda item: _date(item.decided_on),
                sort_key="decided_on",
            ),
            Column("partner", label=gettext_lazy("Partner involved"), accessor=lambda item: item.partner or ""),
        ]


class AccessibilityAdaptationCreateView(generic.CreateView):
    """`?registration=<id>`: the trainee (and their session) chosen already, their needs copied (a read,
    written to the log); decided today by whoever records it."""

    def get_initial(self):
        initial = {**super().get_initial(), "decided_on": timezone.localdate(), "decided_by": self.request.user.pk}
        registration_id = self.request.GET.get("registration", "")
        if registration_id.isdigit():
            registration = (
                Registration.objects.select_related("user", "session").filter(pk=int(registration_id)).first()
            )
            if registration is not None:
                initial.update(registration=registration.pk, session=registration.session_id)
                if registration.accessibility_needs:
                    initial["need"] = registration.accessibility_needs
                    accessibility_needs_view_log(
                        user=self.request.user, registrations=[registration], where="back office: new adaptation"
                    )
        return initial


class AccessibilityAdaptationEditView(generic.EditView):
    """The form shows the need expressed: each display is written to the log."""

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        _adaptations_view_log(self.request, [self.object], "back office: adaptation form")
        return context


class AccessibilityAdaptationDeleteView(generic.DeleteView):
    """The confirmation names the trainee and the need's adaptation: a read, written to the log."""

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        _adaptations_view_log(self.request, [self.object], "back office: adaptation deletion")
        return context


# Subcontractors (indicator 27)
# ------------------------------------------------------------------------------


class SubcontractorFilterSet(WagtailFilterSet):
    qualiopi_certified = django_filters.BooleanFilter(label=gettext_lazy("Qualiopi certified"))
    certificate = django_filters.ChoiceFilter(
        choices=EXPIRY_CHOICES, method="filter_certificate", label=gettext_lazy("Certificate")
    )

    class Meta:
        model = Subcontractor
        fields = []

    def filter_certificate(self, queryset, name, value):
        return _expiry_filter(queryset, "certificate_expires_on", value)


def subcontractor_flag(subcontractor: Subcontractor, today: datetime.date) -> str:
    if not subcontractor.qualiopi_certified:
        return _("Not Qualiopi certified")
    if subcontractor.certificate_expires_on is None:
        return _("Certificate's expiry unknown")
    return expiry_label(subcontractor.certificate_expires_on, today)


class SubcontractorIndexView(ResourceExportMixin, generic.IndexView):
    export_resource_class = SubcontractorResource

    @cached_property
    def columns(self):
        today = timezone.localdate()
        return [
            self._get_title_column("name"),
            Column("siret", label=gettext_lazy("SIRET")),
            Column(
                "certificate_expires_on",
                label=gettext_lazy("Certificate valid until"),
                accessor=lambda item: _date(item.certificate_expires_on) or "—",
                sort_key="certificate_expires_on",
            ),
            FlagColumn(
                "certificate", label=gettext_lazy("To check"), accessor=lambda item: subcontractor_flag(item, today)
            ),
            Column(
                "contract_signed_on",
                label=gettext_lazy("Contract signed on"),
                accessor=lambda item: _date(item.contract_signed_on) or "—",
            ),
            Column(
                "last_review_on",
                label=gettext_lazy("Last checked on"),
                accessor=lambda item: _date(item.last_review_on) or "—",
                sort_key="last_review_on",
            ),
            LinkColumn("contract", label=gettext_lazy("Contract"), accessor=_file_link),
        ]


# Needs analyses (indicator 4)
# ------------------------------------------------------------------------------


class NeedsAnalysisIndexView(ResourceExportMixin, generic.IndexView):
    export_resource_class = NeedsAnalysisResource

    def get_base_queryset(self):
        return super().get_base_queryset().select_related("session__course", "organisation", "carried_out_by")

    @cached_property
    def columns(self):
        return [
            _title_column(
                self,
                "carried_out_on",
                label=gettext_lazy("Carried out on"),
                accessor=lambda item: _date(item.carried_out_on),
                sort_key="carried_out_on",
            ),
            Column("session", label=gettext_lazy("Session"), accessor=lambda item: item.session or "—"),
            Column(
                "organisation", label=gettext_lazy("Client structure"), accessor=lambda item: item.organisation or "—"
            ),
            Column("carried_out_by", label=gettext_lazy("By"), accessor=lambda item: item.carried_out_by or ""),
            LinkColumn("document", label=gettext_lazy("Document"), accessor=_file_link),
        ]


class NeedsAnalysisCreateView(generic.CreateView):
    """`?session=<id>` (the button of an intra session's page): the session and its client
    structure chosen already; carried out today by whoever records it."""

    def get_initial(self):
        initial = {
            **super().get_initial(),
            "carried_out_on": timezone.localdate(),
            "carried_out_by": self.request.user.pk,
        }
        session_id = self.request.GET.get("session", "")
        if session_id.isdigit():
            session = Session.objects.filter(pk=int(session_id)).first()
            if session is not None:
                initial.update(session=session.pk, organisation=session.client_organisation_id)
        return initial

    def get_add_url(self):
        url = super().get_add_url()
        session_id = self.request.GET.get("session", "")
        return f"{url}?session={session_id}" if session_id.isdigit() else url
