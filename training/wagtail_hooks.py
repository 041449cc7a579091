from urllib.parse import urlencode

import django_filters

from django import forms
from django.contrib.auth import get_permission_codename, get_user_model
from django.db.models import Min
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _

from wagtail import hooks
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.menu import MenuItem
from wagtail.admin.panels import FieldPanel, FieldRowPanel, InlinePanel, MultiFieldPanel, PageChooserPanel
from wagtail.admin.viewsets.base import ViewSet
from wagtail.admin.viewsets.model import ModelViewSet, ModelViewSetGroup
from wagtail.log_actions import LogFormatter

from accounts.models import Department
from cms.cache import public_content_actions_register

from .choices import AttendanceStatus, Funding, RegistrationStatus, SessionStatus
from .exports import DataExportIndexView, data_export_download
from .models import Organisation, Registration, Session, Slot, Trainer, Venue
from .services.audit import ACCESSIBILITY_NEEDS_VIEWED, ATTENDANCE_CORRECTED, ATTENDANCE_PAPER_RECORDED
from .views import admin_attendance as attendance
from .views import admin_documents as documents
from .views import admin_people
from .views.admin import (
    ACCESSIBILITY_PERMISSION,
    OrganisationIndexView,
    ParticipantsConfirmView,
    ParticipantsPreviewView,
    PersonDataExportView,
    RegistrationIndexView,
    RegistrationInspectView,
    SessionCreateView,
    SessionDeleteView,
    SessionEditView,
    SessionIndexView,
    SessionInspectView,
    SessionRegistrationsActionView,
    SessionRegistrationsExportView,
    SessionRegistrationsView,
    TrainerIndexView,
    VenueIndexView,
    WaitlistMoveView,
)


def _first_day_in_year(field: str):
    """A filter method: the rows whose session (`field` leads to it) starts in the year given."""

    def method(queryset, name, value):
        first_days = Slot.objects.values("session").annotate(first=Min("date")).filter(first__year=value)
        return queryset.filter(**{f"{field}__in": first_days.values("session")})

    return method


class SessionFilterSet(WagtailFilterSet):
    year = django_filters.NumberFilter(label=_("Year of the first day"), method=_first_day_in_year("pk"))
    theme = django_filters.CharFilter(field_name="course__themes__slug", label=_("Theme (code)"), distinct=True)

    class Meta:
        model = Session
        fields = ["status", "funding", "department", "modality"]


class SessionViewSet(ModelViewSet):
    model = Session
    icon = "date"
    menu_label = _("Sessions")
    index_view_class = SessionIndexView
    add_view_class = SessionCreateView
    edit_view_class = SessionEditView
    inspect_view_class = SessionInspectView
    delete_view_class = SessionDeleteView
    # The index view adds the fill rate and the waiting list (annotated, see `SessionIndexView`).
    list_display = ["code", "course", "department", "funding", "status", "capacity"]
    filterset_class = SessionFilterSet
    search_fields = ["code", "course__title"]
    ordering = ["-first_day", "-code"]
    inspect_view_enabled = True
    panels = [
        MultiFieldPanel(
            [
                PageChooserPanel("course", "cms.CoursePage"),
                FieldPanel("code"),
                FieldRowPanel([FieldPanel("funding"), FieldPanel("status")]),
                FieldPanel("client_organisation"),
            ],
            heading=_("Session"),
        ),
        MultiFieldPanel(
            [FieldRowPanel([FieldPanel("department"), FieldPanel("modality")]), FieldPanel("venue")],
            heading=_("Place"),
        ),
        MultiFieldPanel(
            [
                FieldRowPanel([FieldPanel("capacity"), FieldPanel("price_per_trainee")]),
                FieldRowPanel([FieldPanel("registration_opens_at"), FieldPanel("registration_closes_at")]),
                FieldPanel("requires_approval"),
            ],
            heading=_("Registration"),
        ),
        FieldPanel("trainers", widget=forms.CheckboxSelectMultiple),
        InlinePanel(
            "slots",
            heading=_("Half-days"),
            label=_("half-day"),
            panels=[
                FieldRowPanel([FieldPanel("date"), FieldPanel("period")]),
                FieldRowPanel([FieldPanel("starts_at"), FieldPanel("ends_at"), FieldPanel("hours")]),
            ],
        ),
        InlinePanel(
            "funding_lines",
            heading=_("Funding received (BPF)"),
            label=_("funding line"),
            panels=[
                FieldRowPanel([FieldPanel("category"), FieldPanel("payer")]),
                FieldRowPanel([FieldPanel("amount"), FieldPanel("invoiced_on"), FieldPanel("reference")]),
            ],
        ),
        FieldPanel("notes"),
        MultiFieldPanel(
            [FieldPanel("legal_hold"), FieldPanel("legal_hold_reason")],
            heading=_("Legal hold (personal data)"),
        ),
    ]


class VenueViewSet(ModelViewSet):
    model = Venue
    index_view_class = VenueIndexView
    icon = "home"
    menu_label = _("Venues")
    list_display = ["name", "city", "department", "step_free_access"]
    list_filter = ["department", "step_free_access"]
    search_fields = ["name", "city"]
    panels = [
        FieldPanel("name"),
        FieldPanel("address"),
        FieldRowPanel([FieldPanel("postcode"), FieldPanel("city")]),
        FieldPanel("department"),
        MultiFieldPanel(
            [
                FieldRowPanel(
                    [FieldPanel("step_free_access"), FieldPanel("accessible_toilets"), FieldPanel("hearing_loop")]
                ),
                FieldPanel("accessibility_notes"),
            ],
            heading=_("Accessibility"),
        ),
        FieldPanel("access_notes"),
    ]


class TrainerViewSet(ModelViewSet):
    model = Trainer
    index_view_class = TrainerIndexView
    icon = "user"
    menu_label = _("Trainers")
    list_display = ["last_name", "first_name", "kind", "email", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["last_name", "first_name", "email"]
    panels = [
        FieldRowPanel([FieldPanel("first_name"), FieldPanel("last_name")]),
        FieldRowPanel([FieldPanel("email"), FieldPanel("phone")]),
        FieldRowPanel([FieldPanel("kind"), FieldPanel("employer")]),
        FieldPanel("user"),
        FieldPanel("bio"),
        FieldPanel("is_active"),
    ]


class OrganisationViewSet(ModelViewSet):
    model = Organisation
    index_view_class = OrganisationIndexView
    icon = "group"
    menu_label = _("Structures")
    list_display = ["name", "city", "structure_type", "department"]
    list_filter = ["structure_type", "department"]
    search_fields = ["name", "city", "siret"]
    panels = [
        FieldPanel("name"),
        FieldRowPanel([FieldPanel("siret"), FieldPanel("structure_type")]),
        FieldPanel("address"),
        FieldRowPanel([FieldPanel("postcode"), FieldPanel("city"), FieldPanel("department")]),
        MultiFieldPanel(
            [FieldPanel("contact_name"), FieldRowPanel([FieldPanel("contact_email"), FieldPanel("contact_phone")])],
            heading=_("Contact"),
        ),
    ]


class RegistrationFilterSet(WagtailFilterSet):
    year = django_filters.NumberFilter(label=_("Year of the session's first day"), method=_first_day_in_year("session"))
    # The dashboard's breakdown rows link here with the theme's code or the profile's label.
    theme = django_filters.CharFilter(
        field_name="session__course__themes__slug", label=_("Theme (code)"), distinct=True
    )
    structure_type = django_filters.CharFilter(field_name="structure_type__label", label=_("Structure type"))
    sector = django_filters.CharFilter(field_name="activity_sector__label", label=_("Activity sector"))
    category = django_filters.CharFilter(
        field_name="professional_category__label", label=_("Socio-professional category")
    )
    session_status = django_filters.ChoiceFilter(
        field_name="session__status", choices=SessionStatus.choices, label=_("Session status")
    )
    status = django_filters.ChoiceFilter(choices=RegistrationStatus.choices, label=_("Status"))
    funding = django_filters.ChoiceFilter(field_name="session__funding", choices=Funding.choices, label=_("Funding"))
    department = django_filters.ModelChoiceFilter(
        field_name="session__department", queryset=Department.objects.all(), label=_("Session département")
    )

    class Meta:
        model = Registration
        fields = []


class RegistrationViewSet(ModelViewSet):
    """Registrations are created by the public flow or a group added by the coordination, and
    change status through the services only: no creation, copy or deletion here, and the
    statuses and their dates are read-only. Each session has its own page of registrations
    with the coordinator's actions."""

    model = Registration
    icon = "group"
    menu_label = _("Registrations")
    index_view_class = RegistrationIndexView
    inspect_view_class = RegistrationInspectView
    inspect_view_enabled = True
    copy_view_enabled = False
    list_display = ["user", "session", "status", "source", "created_at"]
    filterset_class = RegistrationFilterSet
    search_fields = ["user__first_name", "user__last_name", "user__email", "session__code"]
    ordering = ["-created_at"]
    inspect_view_fields = [
        "user",
        "session",
        "status",
        "source",
        "created_at",
        "status_changed_at",
        "confirmed_at",
        "waitlisted_at",
        "waitlist_position",
        "offered_at",
        "offer_expires_at",
        "cancelled_at",
        "cancelled_by",
        "cancellation_reason",
        "refused_at",
        "refusal_reason",
        "decided_by",
        "expectations",
        "prerequisites_declared",
        "prerequisites_checked",
        "funding_note",
        "job_title",
        "structure_name",
        "structure_type",
        "activity_sector",
        "professional_category",
        "department",
        "organisation",
    ]
    panels = [
        MultiFieldPanel(
            [
                FieldRowPanel([FieldPanel("user", read_only=True), FieldPanel("session", read_only=True)]),
                FieldRowPanel([FieldPanel("status", read_only=True), FieldPanel("status_changed_at", read_only=True)]),
                FieldPanel("expectations", read_only=True),
            ],
            heading=_("Registration (its status changes on the session's registrations page)"),
        ),
        MultiFieldPanel(
            [
                FieldPanel("funding_note"),
                FieldPanel("trainee_type"),
                FieldRowPanel([FieldPanel("job_title"), FieldPanel("structure_name")]),
                FieldRowPanel([FieldPanel("structure_type"), FieldPanel("organisation")]),
                FieldRowPanel([FieldPanel("activity_sector"), FieldPanel("professional_category")]),
                FieldPanel("department"),
            ],
            heading=_("Profile and funding at registration"),
        ),
    ]

    def get_common_view_kwargs(self, **kwargs):
        return super().get_common_view_kwargs(add_url_name=None, delete_url_name=None, **kwargs)

    def get_urlpatterns(self):
        disabled = {"add", "delete"}
        return [pattern for pattern in super().get_urlpatterns() if pattern.name not in disabled] + [
            path("session/<int:session_id>/", SessionRegistrationsView.as_view(), name="session"),
            path("session/<int:session_id>/actions/", SessionRegistrationsActionView.as_view(), name="session_actions"),
            path("session/<int:session_id>/waitlist/", WaitlistMoveView.as_view(), name="session_waitlist_move"),
            path(
                "session/<int:session_id>/participants/",
                ParticipantsPreviewView.as_view(),
                name="session_participants_preview",
            ),
            path(
                "session/<int:session_id>/participants/confirm/",
                ParticipantsConfirmView.as_view(),
                name="session_participants_confirm",
            ),
            path("session/<int:session_id>/export/", SessionRegistrationsExportView.as_view(), name="session_export"),
            path("personne/<int:user_id>/donnees.xlsx", PersonDataExportView.as_view(), name="person_data"),
        ]

    def get_permissions_to_register(self):
        """Adding or deleting a registration is not a right anyone is given in the back office."""
        codenames = [get_permission_codename(action, self.model_opts) for action in ("add", "delete")]
        return super().get_permissions_to_register().exclude(codename__in=codenames)


class AttendanceMenuItem(MenuItem):
    def is_shown(self, request):
        return request.user.has_perm(attendance.VIEW_PERMISSION)


class AttendanceViewSet(ViewSet):
    """The coordinator's attendance pages under /admin/emargement/ (URL namespace `attendance`),
    with the drop-out follow-up in the Training menu for those who read attendance."""

    url_prefix = "emargement"
    menu_label = _("Absences to follow up")
    menu_icon = "warning"
    menu_item_class = AttendanceMenuItem

    @property
    def menu_url(self):
        return reverse("attendance:absences")

    def get_urlpatterns(self):
        return [
            path("session/<int:session_id>/", attendance.SessionAttendanceView.as_view(), name="session"),
            path("session/<int:session_id>/papier/", attendance.SessionPaperRecordView.as_view(), name="paper"),
            path(
                "session/<int:session_id>/feuille-emargement.pdf",
                attendance.SessionPaperPdfView.as_view(),
                name="session_paper_pdf",
            ),
            path(
                "session/<int:session_id>/emargement.xlsx",
                attendance.SessionAttendanceExportView.as_view(),
                name="session_xlsx",
            ),
            path(
                "session/<int:session_id>/emargement-signe.pdf",
                attendance.SessionSignedPdfView.as_view(),
                name="session_signed_pdf",
            ),
            path("demi-journee/<int:slot_id>/preuves/", attendance.SlotProofsView.as_view(), name="slot_proofs"),
            path(
                "demi-journee/<int:slot_id>/feuille-emargement.pdf",
                attendance.SlotPaperPdfView.as_view(),
                name="slot_paper_pdf",
            ),
            path(
                "demi-journee/<int:slot_id>/corriger/<int:registration_id>/",
                attendance.AttendanceCorrectView.as_view(),
                name="correct",
            ),
            path("scan/<int:scan_id>/", attendance.ScanDownloadView.as_view(), name="scan_download"),
            path("absences/", attendance.AbsenceFollowupView.as_view(), name="absences"),
            path(
                "absences/<int:registration_id>/abandon/",
                attendance.AbandonmentRecordView.as_view(),
                name="abandonment",
            ),
        ]


class DocumentsMenuItem(MenuItem):
    def is_shown(self, request):
        return request.user.has_perm(documents.VIEW_BATCH_PERMISSION)


class DocumentsViewSet(ViewSet):
    """The coordinator's issued documents under /admin/documents/ (URL namespace `documents`): a
    session's documents, downloads, and the bulk issues in the Training menu. No generic add, edit
    or delete view: documents are issued and re-issued by the services, never changed by hand."""

    url_prefix = "documents"
    menu_label = _("Documents")
    menu_icon = "doc-full-inverse"
    menu_item_class = DocumentsMenuItem

    @property
    def menu_url(self):
        return reverse("documents:batches")

    def get_urlpatterns(self):
        return [
            path("session/<int:session_id>/", documents.SessionDocumentsView.as_view(), name="session"),
            path("session/<int:session_id>/emettre/", documents.SessionDocumentIssueView.as_view(), name="issue"),
            path("<int:document_id>/telecharger/", documents.DocumentDownloadView.as_view(), name="download"),
            path("<int:document_id>/reemettre/", documents.DocumentReissueView.as_view(), name="reissue"),
            path("lots/", documents.BatchIndexView.as_view(), name="batches"),
            path("lots/mois-precedent/", documents.BatchLastMonthView.as_view(), name="batch_last_month"),
            path("lots/<int:batch_id>/", documents.BatchView.as_view(), name="batch"),
            path("lots/<int:batch_id>/etat/", documents.BatchStatusView.as_view(), name="batch_status"),
            path("lots/<int:batch_id>/archive.zip", documents.BatchArchiveView.as_view(), name="batch_zip"),
        ]


class ExportsMenuItem(MenuItem):
    def is_shown(self, request):
        return request.user.has_perm("wagtailadmin.access_admin")


class ExportsViewSet(ViewSet):
    """The person's exports prepared in the background, under /admin/exports/ (namespace `training_exports`)."""

    url_prefix = "exports"
    menu_label = _("My exports")
    menu_icon = "download"
    menu_item_class = ExportsMenuItem

    @property
    def menu_url(self):
        return reverse("training_exports:index")

    def get_urlpatterns(self):
        return [
            path("", DataExportIndexView.as_view(), name="index"),
            path("<int:export_id>/telecharger/", data_export_download, name="download"),
        ]


class PeopleViewSet(ModelViewSet):
    """The people known to the organisation, read-only (`training.views.admin_people`). Wagtail's own
    user management keeps the links to user accounts: this viewset registers no URL finder."""

    model = get_user_model()
    icon = "user"
    menu_label = _("People")
    url_prefix = "personnes"
    index_view_class = admin_people.PeopleIndexView
    inspect_view_class = admin_people.PersonInspectView
    inspect_view_enabled = True
    filterset_class = admin_people.PeopleFilterSet
    search_fields = ["first_name", "last_name", "email", "profile__structure_name"]
    search_backend_name = None

    def get_common_view_kwargs(self, **kwargs):
        return super().get_common_view_kwargs(add_url_name=None, edit_url_name=None, delete_url_name=None, **kwargs)

    def get_urlpatterns(self):
        return [
            path("", self.index_view, name="index"),
            path("results/", self.index_results_view, name="index_results"),
            path("inspect/<str:pk>/", self.inspect_view, name="inspect"),
        ]

    def register_admin_url_finder(self):
        pass

    def register_reference_index(self):
        pass

    def get_permissions_to_register(self):
        return super().get_permissions_to_register().none()


class TrainingViewSetGroup(ModelViewSetGroup):
    menu_label = _("Training")
    menu_icon = "calendar-alt"
    menu_order = 200
    items = (
        SessionViewSet("sessions"),
        RegistrationViewSet("registrations"),
        AttendanceViewSet("attendance"),
        DocumentsViewSet("documents"),
        VenueViewSet("venues"),
        TrainerViewSet("trainers"),
        OrganisationViewSet("structures"),
        PeopleViewSet("people"),
        ExportsViewSet("training_exports"),
    )


@hooks.register("register_admin_viewset")
def register_training_viewsets():
    return TrainingViewSetGroup()


@hooks.register("register_actions")
def register_public_content_actions(registry):
    """Sessions (with their half-days, edited inline) and venues are printed on the public pages."""
    public_content_actions_register(registry, Session, Venue)


@hooks.register("register_log_actions")
def register_audit_log_actions(actions):
    """The audit log's actions (`training.services.audit`), named in the histories and the site history report."""
    actions.register_action(
        ACCESSIBILITY_NEEDS_VIEWED, _("Read the accessibility needs"), _("Accessibility needs read (health data)")
    )

    @actions.register_action(ATTENDANCE_CORRECTED)
    class AttendanceCorrected(LogFormatter):
        label = _("Correct an attendance after the lock")

        def format_message(self, log_entry):
            data = log_entry.data
            return _("Attendance of %(slot)s corrected after the lock: %(before)s → %(after)s. Reason: %(reason)s") % {
                "slot": data.get("slot", ""),
                "before": _attendance_label(data.get("before", {})),
                "after": _attendance_label(data.get("after", {})),
                "reason": data.get("reason", ""),
            }

    @actions.register_action(ATTENDANCE_PAPER_RECORDED)
    class AttendancePaperRecorded(LogFormatter):
        label = _("Record a paper attendance sheet")

        def format_message(self, log_entry):
            slots = [slot.get("slot", "") for slot in log_entry.data.get("slots", [])]
            return _("Paper attendance sheet recorded and locked: %(slots)s") % {"slots": ", ".join(slots)}


class HealthDataReadsMenuItem(MenuItem):
    def is_shown(self, request):
        return request.user.has_perm(ACCESSIBILITY_PERMISSION)


@hooks.register("register_reports_menu_item")
def register_health_data_reads_report():
    """Who saw health data: the site history report filtered on the reads of accessibility needs."""
    return HealthDataReadsMenuItem(
        _("Health data reads"),
        f"{reverse('wagtailadmin_reports:site_history')}?{urlencode({'action': ACCESSIBILITY_NEEDS_VIEWED})}",
        name="health-data-reads",
        icon_name="view",
        order=1010,
    )


def _attendance_label(values: dict) -> str:
    status = values.get("status", "")
    label = str(AttendanceStatus(status).label) if status in AttendanceStatus.values else status
    return f"{label} ({values.get('hours', '')} h)"
