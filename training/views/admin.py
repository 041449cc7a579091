"""Back-office views: Wagtail's generic views with a business step, and a session's registrations.

The registration pages parse a form, call the services of `training.services.registrations`
(one call per registration for the bulk actions) and turn each `TrainingError` into a French
message naming the people concerned. Creating, deciding and deleting a registration by hand is
not possible here: every status comes from a service.
"""

from __future__ import annotations

import datetime
from collections import defaultdict

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import ProtectedError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.functional import cached_property
from django.utils.http import content_disposition_header
from django.utils.text import capfirst, slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views import View
from django.views.generic import TemplateView

from wagtail.admin import messages
from wagtail.admin.ui.menus import MenuItem
from wagtail.admin.ui.tables import Column, DateColumn
from wagtail.admin.views import generic
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.views.generic.permissions import PermissionCheckedMixin
from wagtail.admin.widgets.button import HeaderButton

from accounts.personal_data import personal_data_workbook

from ..choices import Funding
from ..exceptions import TrainingError
from ..exports import ResourceExportMixin
from ..forms import ParticipantConfirmForm, ParticipantListForm, RegistrationBulkForm, WaitlistMoveForm
from ..models import Registration, Session
from ..resources import (
    OrganisationResource,
    ParticipantList,
    RegistrationResource,
    SessionResource,
    TrainerResource,
    VenueResource,
    session_registrations_xlsx,
)
from ..selectors import session_registration_board
from ..services.audit import accessibility_needs_view_log
from ..services.registrations import (
    registration_approve,
    registration_cancel_by_coordination,
    registration_group_add,
    registration_refuse,
    waitlist_move,
)
from ..services.sessions import session_record_course_revision
from ..templatetags.training_tags import hours, percent

ACCESSIBILITY_PERMISSION = "training.view_accessibility_needs"
MANAGE_REGISTRATIONS_PERMISSION = "training.change_registration"
VIEW_ATTENDANCE_PERMISSION = "training.view_attendance"
VIEW_DOCUMENTS_PERMISSION = "training.view_document"


def session_registrations_url(session_id: int) -> str:
    return reverse("registrations:session", args=[session_id])


def session_attendance_url(session_id: int) -> str:
    return reverse("attendance:session", args=[session_id])


def session_documents_url(session_id: int) -> str:
    return reverse("documents:session", args=[session_id])


def _names(registrations) -> str:
    return ", ".join(str(registration.user) for registration in registrations)


# Sessions
# ------------------------------------------------------------------------------


class SessionSectionPageMixin(WagtailAdminTemplateMixin):
    """The admin furniture of a session's pages: Sessions › code › section › page.

    Subclasses name their section (`section_label`, and `section_url_name`, the URL name of the
    section's page for a session) and set `in_section = False` on that page itself.
    """

    section_label = ""
    section_url_name = ""
    in_section = True

    def get_page_subtitle(self):
        return str(self.session)

    def get_breadcrumbs_items(self):
        items = [
            *self.breadcrumbs_items,
            {"url": reverse("sessions:index"), "label": capfirst(Session._meta.verbose_name_plural)},
            {"url": reverse("sessions:edit", args=[self.session.pk]), "label": self.session.code},
        ]
        if self.in_section:
            items.append({"url": reverse(self.section_url_name, args=[self.session.pk]), "label": self.section_label})
        return [*items, {"url": "", "label": self.get_page_title(), "sublabel": self.get_page_subtitle()}]


class _RegistrationsButtonMixin:
    """Header buttons to the session's registrations, attendance and documents, for those who manage them."""

    @cached_property
    def header_buttons(self):
        buttons = list(super().header_buttons)
        if self.request.user.has_perm(MANAGE_REGISTRATIONS_PERMISSION):
            buttons.append(
                HeaderButton(_("Registrations"), url=session_registrations_url(self.object.pk), icon_name="group")
            )
        if self.request.user.has_perm(VIEW_ATTENDANCE_PERMISSION):
            buttons.append(HeaderButton(_("Attendance"), url=session_attendance_url(self.object.pk), icon_name="tasks"))
        if self.request.user.has_perm(VIEW_DOCUMENTS_PERMISSION):
            buttons.append(
                HeaderButton(_("Documents"), url=session_documents_url(self.object.pk), icon_name="doc-full")
            )
        # Qualiopi indicator 4 (`evaluations` registers, reached by URL name): the intra session's
        # needs analysis, or a form prefilled with the session when there is none yet.
        if self.object.funding == Funding.INTRA and self.request.user.has_perm("evaluations.add_needsanalysis"):
            analysis_id = self.object.needs_analyses.order_by("-carried_out_on").values_list("pk", flat=True).first()
            url = (
                reverse("needs_analyses:edit", args=[analysis_id])
                if analysis_id
                else f"{reverse('needs_analyses:add')}?session={self.object.pk}"
            )
            buttons.append(HeaderButton(_("Needs analysis"), url=url, icon_name="clipboard-list"))
        return buttons


class _SessionSaveMixin:
    def save_instance(self):
        session = super().save_instance()
        session_record_course_revision(session=session)
        return session


class SessionCreateView(_SessionSaveMixin, generic.CreateView):
    pass


class SessionEditView(_RegistrationsButtonMixin, _SessionSaveMixin, generic.EditView):
    pass


class ReadableInspectMixin:
    """An inspect page in French as people read it: Paris times, yes/no, a dash for nothing."""

    def get_field_display_value(self, field_name, field):
        value = super().get_field_display_value(field_name, field)
        if isinstance(value, datetime.datetime):
            return timezone.localtime(value)  # the template formats it as it comes: make it Paris time
        if isinstance(value, bool):
            return _("Yes") if value else _("No")
        return "—" if value is None or value == "" else value


class SessionInspectView(_RegistrationsButtonMixin, ReadableInspectMixin, generic.InspectView):
    """The session with its dates and planned hours (from its half-days), then its fields."""

    def get_object(self, queryset=None):
        return get_object_or_404(
            Session.objects.with_schedule().select_related("course", "department", "venue", "client_organisation"),
            pk=self.pk,
        )

    def get_fields(self):
        fields = [name for name in super().get_fields() if name != "course_revision"]
        position = fields.index("code") + 1 if "code" in fields else 0
        return [*fields[:position], "dates", "planned_hours", *fields[position:]]

    def get_field_label(self, field_name, field):
        labels = {"dates": _("Dates"), "planned_hours": _("Planned hours")}
        return labels.get(field_name) or super().get_field_label(field_name, field)

    def get_field_display_value(self, field_name, field):
        session = self.object
        if field_name == "dates":
            if session.first_day is None:
                return "—"
            return _("from %(first)s to %(last)s") % {
                "first": date_format(session.first_day, "SHORT_DATE_FORMAT"),
                "last": date_format(session.last_day, "SHORT_DATE_FORMAT"),
            }
        if field_name == "planned_hours":
            return hours(session.planned_hours) if session.planned_hours is not None else "—"
        return super().get_field_display_value(field_name, field)


class SessionDeleteView(generic.DeleteView):
    """A session with registrations, attendance or documents is evidence: it is cancelled, never deleted."""

    def form_valid(self, form):
        try:
            with transaction.atomic():
                return super().form_valid(form)
        except ProtectedError:
            messages.error(
                self.request,
                _(
                    "This session has registrations, attendance or documents, kept as evidence: it cannot be "
                    "deleted. Set its status to “Cancelled” instead."
                ),
            )
            return redirect("sessions:edit", self.object.pk)


class _FillRateColumn(Column):
    """ "12 / 18 (67 %)": confirmed people over seats, linking to the session's registrations."""

    cell_template_name = "training/admin/fill_rate_cell.html"

    def get_cell_context_data(self, instance, parent_context):
        context = super().get_cell_context_data(instance, parent_context)
        request = parent_context.get("request")
        if request is not None and request.user.has_perm(MANAGE_REGISTRATIONS_PERMISSION):
            context["link_url"] = session_registrations_url(instance.pk)
        return context


def _fill_rate(session: Session) -> str:
    rate = percent(session.confirmed_count / session.capacity) if session.capacity else "—"
    text = f"{session.confirmed_count} / {session.capacity} ({rate})"
    offered = session.seats_taken - session.confirmed_count
    if offered:
        text += " · " + ngettext("%(count)s seat offered", "%(count)s seats offered", offered) % {"count": offered}
    return text


class SessionIndexView(ResourceExportMixin, generic.IndexView):
    """The sessions with their fill figures: annotated in the one listing query (no query per row)."""

    export_resource_class = SessionResource

    def get_base_queryset(self):
        return (
            super()
            .get_base_queryset()
            .select_related("course", "department")
            .with_schedule()
            .with_seats()
            .with_registration_counts()
        )

    @cached_property
    def columns(self):
        first, *others = super().columns
        return [
            first,
            DateColumn("first_day", label=gettext_lazy("First day"), sort_key="first_day"),
            *others,
            _FillRateColumn(
                "fill_rate", label=gettext_lazy("Fill rate"), accessor=_fill_rate, sort_key="confirmed_count"
            ),
            Column("waitlist_count", label=gettext_lazy("Waiting list"), sort_key="waitlist_count"),
        ]

    def get_list_more_buttons(self, instance):
        buttons = super().get_list_more_buttons(instance)
        if self.request.user.has_perm(MANAGE_REGISTRATIONS_PERMISSION):
            buttons.append(
                MenuItem(_("Registrations"), url=session_registrations_url(instance.pk), icon_name="group", priority=15)
            )
        if self.request.user.has_perm(VIEW_ATTENDANCE_PERMISSION):
            buttons.append(
                MenuItem(_("Attendance"), url=session_attendance_url(instance.pk), icon_name="tasks", priority=16)
            )
        if self.request.user.has_perm(VIEW_DOCUMENTS_PERMISSION):
            buttons.append(
                MenuItem(_("Documents"), url=session_documents_url(instance.pk), icon_name="doc-full", priority=17)
            )
        return buttons


# Registrations (the generic listing and inspect view)
# ------------------------------------------------------------------------------


def _session_fill(registration: Registration) -> str:
    return f"{registration.session_confirmed} / {registration.session.capacity}"


class RegistrationIndexView(ResourceExportMixin, generic.IndexView):
    export_resource_class = RegistrationResource

    def get_base_queryset(self):
        return super().get_base_queryset().select_related("user", "session__course").with_session_confirmed()

    @cached_property
    def columns(self):
        return [*super().columns, Column("session_fill", label=gettext_lazy("Session fill"), accessor=_session_fill)]


class VenueIndexView(ResourceExportMixin, generic.IndexView):
    export_resource_class = VenueResource


class TrainerIndexView(ResourceExportMixin, generic.IndexView):
    export_resource_class = TrainerResource


class OrganisationIndexView(ResourceExportMixin, generic.IndexView):
    export_resource_class = OrganisationResource


class RegistrationInspectView(ReadableInspectMixin, generic.InspectView):
    """Every transition and its date, the messages sent (indicator 9), and the accessibility needs
    for those allowed to read health data."""

    template_name = "training/admin/registration_inspect.html"

    def get_object(self, queryset=None):
        return get_object_or_404(
            Registration.objects.select_related(
                "user",
                "session__course",
                "decided_by",
                "organisation",
                "structure_type",
                "activity_sector",
                "professional_category",
                "department",
            ),
            pk=self.pk,
        )

    def get_fields(self):
        fields = super().get_fields()
        if self.request.user.has_perm(ACCESSIBILITY_PERMISSION):
            fields = [*fields, "accessibility_needs", "accessibility_consent_at"]
        return fields

    @cached_property
    def header_buttons(self):
        buttons = list(super().header_buttons)
        if self.request.user.has_perm(MANAGE_REGISTRATIONS_PERMISSION):
            buttons.append(
                HeaderButton(
                    _("Session registrations"),
                    url=session_registrations_url(self.object.session_id),
                    icon_name="group",
                )
            )
        return buttons

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["registration_messages"] = list(self.object.messages.order_by("created_at"))
        if self.request.user.has_perm(ACCESSIBILITY_PERMISSION):
            accessibility_needs_view_log(
                user=self.request.user, registrations=[self.object], where="back office: registration"
            )
        if can_export_person_data(self.request.user):
            context["person_data_url"] = reverse("registrations:person_data", args=[self.object.user_id])
        return context


# Reading a person's whole record is reading personal data across every registration, their
# accessibility needs (health data) included.
PERSON_DATA_PERMISSION = "accounts.view_user"
PERSON_DATA_PERMISSIONS = (PERSON_DATA_PERMISSION, "training.view_registration", ACCESSIBILITY_PERMISSION)


def can_export_person_data(user) -> bool:
    return user.has_perms(PERSON_DATA_PERMISSIONS)


class PersonDataExportView(View):
    """A person's data in one workbook, for the coordination answering a request of access."""

    http_method_names = ["get"]

    def get(self, request: HttpRequest, user_id: int) -> HttpResponse:
        if not can_export_person_data(request.user):
            raise PermissionDenied
        person = get_object_or_404(get_user_model(), pk=user_id)
        accessibility_needs_view_log(
            user=request.user,
            registrations=Registration.objects.filter(user=person).select_related("user", "session"),
            where="back office: personal data export",
        )
        response = HttpResponse(
            personal_data_workbook(user=person),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        filename = f"donnees-{slugify(person.get_full_name() or person.pk)}-{timezone.localdate():%Y-%m-%d}.xlsx"
        response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=filename)
        response["Cache-Control"] = "private, no-store"
        return response


# A session's registrations
# ------------------------------------------------------------------------------


class _SessionRegistrationsMixin(PermissionCheckedMixin):
    """Managing a session's registrations needs the right to change registrations."""

    model = Registration
    permission_required = "change"

    @cached_property
    def session(self) -> Session:
        return get_object_or_404(
            Session.objects.select_related("course", "client_organisation"), pk=self.kwargs["session_id"]
        )

    def board_url(self) -> str:
        return session_registrations_url(self.kwargs["session_id"])

    def is_group_session(self, session: Session) -> bool:
        """Groups are added to intra sessions: a public session fills through its waiting list.
        Whether the session still takes participants is `registration_group_add`'s rule."""
        return session.funding == Funding.INTRA


class _SessionRegistrationsPageMixin(_SessionRegistrationsMixin, WagtailAdminTemplateMixin):
    header_icon = "group"

    def get_page_title(self):
        return _("Registrations")

    def get_page_subtitle(self):
        return str(self.session)

    def get_breadcrumbs_items(self):
        return [
            *self.breadcrumbs_items,
            {"url": reverse("sessions:index"), "label": capfirst(Session._meta.verbose_name_plural)},
            {"url": reverse("sessions:edit", args=[self.session.pk]), "label": self.session.code},
            {"url": "", "label": self.get_page_title(), "sublabel": self.get_page_subtitle()},
        ]


class SessionRegistrationsView(_SessionRegistrationsPageMixin, TemplateView):
    """The session's fill figures and its registrations by status, with the coordinator's actions."""

    template_name = "training/admin/session_registrations.html"

    @cached_property
    def board(self):
        try:
            return session_registration_board(session_id=self.kwargs["session_id"])
        except Session.DoesNotExist as error:
            raise Http404 from error

    @cached_property
    def session(self) -> Session:
        return self.board.session

    @cached_property
    def header_buttons(self):
        buttons = [
            HeaderButton(
                _("Export (xlsx)"),
                url=reverse("registrations:session_export", args=[self.session.pk]),
                icon_name="download",
            ),
            HeaderButton(_("Edit the session"), url=reverse("sessions:edit", args=[self.session.pk]), icon_name="edit"),
        ]
        if self.request.user.has_perm(VIEW_ATTENDANCE_PERMISSION):
            buttons.append(
                HeaderButton(_("Attendance"), url=session_attendance_url(self.session.pk), icon_name="tasks")
            )
        return buttons

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        board = self.board
        context.update(
            board=board,
            session=board.session,
            fill_rate=percent(board.fill_rate) if board.fill_rate is not None else "—",
            can_read_needs=self.request.user.has_perm(ACCESSIBILITY_PERMISSION),
            bulk_form=RegistrationBulkForm(session=board.session),
            group_form=ParticipantListForm() if self.is_group_session(board.session) else None,
        )
        if context["can_read_needs"]:
            accessibility_needs_view_log(
                user=self.request.user,
                registrations=[registration for group in board.groups for registration in group.registrations],
                where="back office: session registrations",
                session=board.session,
            )
        return context


def _approve(registration, *, by, reason):
    return registration_approve(registration=registration, by=by)


def _refuse(registration, *, by, reason):
    return registration_refuse(registration=registration, by=by, reason=reason)


def _cancel(registration, *, by, reason):
    return registration_cancel_by_coordination(registration=registration, by=by, reason=reason)


_BULK_ACTIONS = {
    RegistrationBulkForm.APPROVE: _approve,
    RegistrationBulkForm.REFUSE: _refuse,
    RegistrationBulkForm.CANCEL: _cancel,
}


class SessionRegistrationsActionView(_SessionRegistrationsMixin, View):
    """Approve, refuse or cancel the selected registrations, one service call each, in arrival
    order; reports what became of each person and why a change was refused."""

    http_method_names = ["post"]

    def post(self, request: HttpRequest, session_id: int) -> HttpResponse:
        form = RegistrationBulkForm(request.POST, session=self.session)
        if not form.is_valid():
            for errors in form.errors.values():
                for error in errors:
                    messages.error(request, error)
            return redirect(self.board_url())
        action = _BULK_ACTIONS[form.cleaned_data["action"]]
        done: dict[str, list[Registration]] = defaultdict(list)
        failed: dict[str, list[Registration]] = defaultdict(list)
        for registration in form.cleaned_data["registrations"]:
            try:
                registration = action(registration, by=request.user, reason=form.cleaned_data["reason"])
            except TrainingError as error:
                failed[error.message].append(registration)
            else:
                done[registration.get_status_display()].append(registration)
        for status, registrations in done.items():
            messages.success(request, _("%(status)s: %(names)s.") % {"status": status, "names": _names(registrations)})
        for message, registrations in failed.items():
            messages.error(
                request, _("Not changed: %(names)s. %(reason)s") % {"names": _names(registrations), "reason": message}
            )
        return redirect(self.board_url())


class WaitlistMoveView(_SessionRegistrationsMixin, View):
    http_method_names = ["post"]

    def post(self, request: HttpRequest, session_id: int) -> HttpResponse:
        form = WaitlistMoveForm(request.POST, session=self.session)
        if not form.is_valid():
            messages.error(request, _("Please give a position of 1 or more."))
            return redirect(self.board_url())
        registration, position = form.cleaned_data["registration"], form.cleaned_data["position"]
        try:
            waitlist_move(registration=registration, position=position, by=request.user)
        except TrainingError as error:
            messages.error(
                request, _("Not changed: %(names)s. %(reason)s") % {"names": registration.user, "reason": error.message}
            )
        else:
            messages.success(
                request,
                _("%(name)s is now number %(position)s on the waiting list.")
                % {"name": registration.user, "position": position},
            )
        return redirect(self.board_url())


class _ParticipantsView(_SessionRegistrationsPageMixin, View):
    """Adding a group: a preview of the checked rows, then a confirmation that registers them all."""

    http_method_names = ["post"]
    template_name = "training/admin/participants_preview.html"

    def post(self, request: HttpRequest, session_id: int) -> HttpResponse:
        if not self.is_group_session(self.session):
            raise PermissionDenied
        return self.handle(request)

    def get_page_title(self):
        return _("Add participants")

    def render_preview(self, participant_list: ParticipantList, *, error: str = "") -> HttpResponse:
        context = self.get_context_data(
            session=self.session,
            participant_list=participant_list,
            error=error,
            confirm_form=ParticipantConfirmForm(initial={"rows": participant_list.rows_json()}),
            edit_form=ParticipantListForm(
                initial={
                    "participants": "\n".join(";".join(line.values).rstrip(";") for line in participant_list.lines)
                }
            ),
            board_url=self.board_url(),
        )
        return TemplateResponse(self.request, self.template_name, context)


class ParticipantsPreviewView(_ParticipantsView):
    def handle(self, request: HttpRequest) -> HttpResponse:
        form = ParticipantListForm(request.POST, request.FILES)
        if not form.is_valid():
            for error in form.non_field_errors() or [_("Please check the list of participants.")]:
                messages.error(request, error)
            return redirect(self.board_url())
        return self.render_preview(form.participant_list())


class ParticipantsConfirmView(_ParticipantsView):
    def handle(self, request: HttpRequest) -> HttpResponse:
        form = ParticipantConfirmForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("The list of participants was lost: please send it again."))
            return redirect(self.board_url())
        participant_list = form.participant_list()
        if not participant_list.is_valid:
            return self.render_preview(participant_list, error=_("Please correct the rows in error first."))
        try:
            registrations = registration_group_add(
                session=self.session, participants=participant_list.participants, by=request.user
            )
        except TrainingError as error:
            return self.render_preview(participant_list, error=error.message)
        messages.success(
            request,
            ngettext(
                "%(count)s participant registered and confirmed; the convocation is on its way.",
                "%(count)s participants registered and confirmed; their convocations are on their way.",
                len(registrations),
            )
            % {"count": len(registrations)},
        )
        return redirect(self.board_url())


class SessionRegistrationsExportView(_SessionRegistrationsMixin, View):
    """The session's registrations as a spreadsheet (the same `Resource` as every export)."""

    http_method_names = ["get"]
    permission_required = None
    any_permission_required = ["view", "change"]

    def get(self, request: HttpRequest, session_id: int) -> HttpResponse:
        response = HttpResponse(
            session_registrations_xlsx(session=self.session),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        response["Content-Disposition"] = content_disposition_header(
            as_attachment=True, filename=f"inscriptions-{self.session.code}.xlsx"
        )
        return response
