"""The coordinator's attendance pages in the Wagtail admin (URL namespace `attendance`).

A session's grid (trainees × half-days) with its documents, proof chains and scans; a half-day's
proof records; recording a scanned paper sheet; correcting a locked half-day; the drop-out
follow-up (Qualiopi indicator 12). Reading needs `training.view_attendance`, acting
`training.change_attendance`; each view parses a form, calls one service and turns a
`TrainingError` into a message.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import TemplateView

from wagtail.admin import messages
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.widgets.button import Button, HeaderButton

from config.private_files import private_file_response

from .. import pdf
from ..attendance_forms import AbandonmentForm, AttendanceCorrectionForm, PaperRecordForm, upload_content
from ..attendance_selectors import (
    absence_followup_page,
    attendance_with_corrections,
    session_attendance_overview,
    session_paper_record_data,
    slot_proof_list,
)
from ..choices import SheetStatus
from ..exceptions import TrainingError
from ..exports import CONTENT_TYPES, resource_export
from ..models import Attendance, PaperScan, Registration, Session, Slot
from ..resources import AttendanceResource
from ..services.absences import registration_abandonment_record
from ..services.attendance import attendance_chain_verify, attendance_correct, attendance_paper_record
from .admin import SessionSectionPageMixin, session_attendance_url
from .clients import client_from_request

VIEW_PERMISSION = "training.view_attendance"
CHANGE_PERMISSION = "training.change_attendance"
SCAN_PERMISSION = "training.view_paperscan"
ABSENCES_PER_PAGE = 50


class _PermissionMixin:
    """Every permission listed is needed (Wagtail turns a refusal into a message and a redirect)."""

    permissions_required: tuple[str, ...] = (VIEW_PERMISSION,)

    def dispatch(self, request, *args, **kwargs):
        if not request.user.has_perms(self.permissions_required):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)


class _SessionMixin(_PermissionMixin):
    @cached_property
    def session(self) -> Session:
        return get_object_or_404(Session.objects.select_related("course").with_schedule(), pk=self.kwargs["session_id"])


class _SlotMixin(_PermissionMixin):
    @cached_property
    def slot(self) -> Slot:
        return get_object_or_404(
            Slot.objects.select_related("session__course", "sheet__locked_by"), pk=self.kwargs["slot_id"]
        )

    @property
    def session(self) -> Session:
        return self.slot.session


class _PageMixin(SessionSectionPageMixin):
    """A page of a session's attendance: Sessions › code › Attendance › page."""

    header_icon = "tasks"
    section_label = gettext_lazy("Attendance")
    section_url_name = "attendance:session"


def _pdf_response(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(as_attachment=False, filename=filename)
    return response


# A session's attendance
# ------------------------------------------------------------------------------


class SessionAttendanceView(_SessionMixin, _PageMixin, TemplateView):
    """Trainees × half-days with each attendance, each half-day's sheet and chain, the scans kept."""

    template_name = "training/admin/attendance_session.html"
    in_section = False

    def get_page_title(self):
        return _("Attendance")

    @cached_property
    def header_buttons(self):
        buttons = [
            HeaderButton(
                _("Signed sheet (PDF)"),
                url=reverse("attendance:session_signed_pdf", args=[self.session.pk]),
                icon_name="doc-full",
                priority=10,
            ),
            HeaderButton(
                _("Attendance (XLSX)"),
                url=reverse("attendance:session_xlsx", args=[self.session.pk]),
                icon_name="download",
                priority=15,
            ),
        ]
        if self.request.user.has_perm(CHANGE_PERMISSION):
            buttons.append(
                HeaderButton(
                    _("Record a paper sheet"),
                    url=reverse("attendance:paper", args=[self.session.pk]),
                    icon_name="upload",
                    priority=20,
                )
            )
        return buttons

    @cached_property
    def header_more_buttons(self):
        buttons = [
            Button(
                _("Blank paper sheet (PDF)"),
                url=reverse("attendance:session_paper_pdf", args=[self.session.pk]),
                icon_name="download",
                priority=10,
            ),
            Button(
                _("Edit the session"),
                url=reverse("sessions:edit", args=[self.session.pk]),
                icon_name="edit",
                priority=20,
            ),
        ]
        if self.request.user.has_perm("training.change_registration"):
            buttons.append(
                Button(
                    _("Registrations"),
                    url=reverse("registrations:session", args=[self.session.pk]),
                    icon_name="group",
                    priority=30,
                )
            )
        return buttons

    def get_context_data(self, **kwargs):
        user = self.request.user
        return super().get_context_data(
            session=self.session,
            overview=session_attendance_overview(session=self.session),
            can_change=user.has_perm(CHANGE_PERMISSION),
            can_download_scans=user.has_perm(SCAN_PERMISSION),
            **kwargs,
        )


class SlotProofsView(_SlotMixin, _PageMixin, TemplateView):
    """Every proof record of a half-day in chain order, and whether the chain is intact."""

    template_name = "training/admin/attendance_proofs.html"

    def get_page_title(self):
        return _("Proof records")

    def get_page_subtitle(self):
        return f"{self.session.code} · {self.slot}"

    def get_context_data(self, **kwargs):
        sheet = getattr(self.slot, "sheet", None)
        return super().get_context_data(
            slot=self.slot,
            sheet=sheet,
            proofs=slot_proof_list(slot=self.slot) if sheet else [],
            broken=attendance_chain_verify(sheet=sheet) if sheet else [],
            **kwargs,
        )


class SessionPaperPdfView(_SessionMixin, View):
    def get(self, request: HttpRequest, session_id: int) -> HttpResponse:
        return _pdf_response(
            pdf.attendance_paper_pdf(session=self.session), f"feuille-emargement-{self.session.code}.pdf"
        )


class SlotPaperPdfView(_SlotMixin, View):
    def get(self, request: HttpRequest, slot_id: int) -> HttpResponse:
        slot = self.slot
        return _pdf_response(
            pdf.attendance_paper_pdf(session=slot.session, slots=[slot]),
            f"feuille-emargement-{slot.session.code}-{slot.date:%Y-%m-%d}-{slot.period}.pdf",
        )


class SessionSignedPdfView(_SessionMixin, View):
    def get(self, request: HttpRequest, session_id: int) -> HttpResponse:
        return _pdf_response(
            pdf.attendance_signed_pdf(session=self.session), f"emargement-signe-{self.session.code}.pdf"
        )


class SessionAttendanceExportView(_SessionMixin, View):
    """Every attendance of the session, one row per trainee and half-day (the `AttendanceResource`)."""

    def get(self, request: HttpRequest, session_id: int) -> HttpResponse:
        attendances = Attendance.objects.filter(slot__session=self.session).order_by(
            "slot__date", "slot__starts_at", "registration__user__last_name"
        )
        content, _count = resource_export(AttendanceResource, attendances, "xlsx")
        response = HttpResponse(content, content_type=CONTENT_TYPES["xlsx"])
        response["Content-Disposition"] = content_disposition_header(
            as_attachment=True, filename=f"emargement-{self.session.code}.xlsx"
        )
        return response


class ScanDownloadView(_PermissionMixin, View):
    """A kept scan, to those allowed to read scans only: scans are never served as public media."""

    permissions_required = (SCAN_PERMISSION,)

    def get(self, request: HttpRequest, scan_id: int) -> HttpResponse:
        scan = get_object_or_404(PaperScan.objects.exclude(file=""), pk=scan_id)  # no file once expired
        return private_file_response(scan.file, filename=scan.original_name, content_type=scan.content_type)


# Recording a paper sheet
# ------------------------------------------------------------------------------


class SessionPaperRecordView(_SessionMixin, _PageMixin, TemplateView):
    """Upload the scan of a signed paper sheet, tick the half-days it covers and give each
    trainee's attendance as read on it; everything is recorded and locked at once, or nothing."""

    template_name = "training/admin/attendance_paper.html"
    permissions_required = (CHANGE_PERMISSION, "training.add_paperscan")

    def get_page_title(self):
        return _("Record a paper sheet")

    @cached_property
    def record(self):
        return session_paper_record_data(session=self.session)

    def get_context_data(self, **kwargs):
        kwargs.setdefault("form", PaperRecordForm(record=self.record))
        return super().get_context_data(session=self.session, record=self.record, **kwargs)

    def post(self, request: HttpRequest, session_id: int) -> HttpResponse:
        form = PaperRecordForm(request.POST, request.FILES, record=self.record)
        if not form.is_valid():
            messages.error(request, _("Nothing was recorded: please check the form, and choose the scan again."))
            return self.render_to_response(self.get_context_data(form=form))
        upload = form.cleaned_data["scan"]
        try:
            attendance_paper_record(
                session=self.session,
                slots=form.selected_slots(),
                marks=form.marks(),
                scan_name=upload.name,
                scan_content=upload_content(upload),
                user=request.user,
                client=client_from_request(request),
            )
        except TrainingError as error:
            messages.error(
                request, _("Nothing was recorded: %(reason)s Choose the scan again.") % {"reason": error.message}
            )
            return self.render_to_response(self.get_context_data(form=form))
        messages.success(request, _("The paper sheet is recorded, its half-days are locked and the scan is kept."))
        return redirect(session_attendance_url(self.session.pk))


# Correcting a locked half-day
# ------------------------------------------------------------------------------


class AttendanceCorrectView(_SlotMixin, _PageMixin, TemplateView):
    """Change one attendance of a locked half-day, with a written reason kept in the proof chain."""

    template_name = "training/admin/attendance_correct.html"
    permissions_required = (VIEW_PERMISSION, CHANGE_PERMISSION)

    def get_page_title(self):
        return _("Correct an attendance")

    @cached_property
    def registration(self) -> Registration:
        return get_object_or_404(
            Registration.objects.select_related("user"), pk=self.kwargs["registration_id"], session=self.slot.session
        )

    def get_context_data(self, **kwargs):
        attendance, corrections = attendance_with_corrections(slot=self.slot, registration=self.registration)
        if "form" not in kwargs:
            initial = {"status": attendance.status, "minutes_missed": attendance.minutes_missed} if attendance else {}
            kwargs["form"] = AttendanceCorrectionForm(initial=initial)
        sheet = getattr(self.slot, "sheet", None)
        return super().get_context_data(
            slot=self.slot,
            registration=self.registration,
            attendance=attendance,
            corrections=corrections,
            locked=sheet is not None and sheet.status == SheetStatus.LOCKED,
            **kwargs,
        )

    def post(self, request: HttpRequest, slot_id: int, registration_id: int) -> HttpResponse:
        form = AttendanceCorrectionForm(request.POST)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form))
        try:
            attendance_correct(
                slot=self.slot,
                registration=self.registration,
                status=form.cleaned_data["status"],
                minutes_missed=form.cleaned_data["minutes_missed"] or 0,
                reason=form.cleaned_data["reason"],
                user=request.user,
                client=client_from_request(request),
            )
        except TrainingError as error:
            messages.error(request, error.message)
            return self.render_to_response(self.get_context_data(form=form))
        messages.success(
            request,
            _("The attendance of %(name)s on %(slot)s is corrected; the proof records keep the previous values.")
            % {"name": self.registration.user, "slot": self.slot},
        )
        return redirect(session_attendance_url(self.session.pk))


# Drop-out follow-up
# ------------------------------------------------------------------------------


class AbsenceFollowupView(_PermissionMixin, WagtailAdminTemplateMixin, TemplateView):
    """Trainees absent from a validated half-day, most recent first, to call and, if they give
    up the training, record why (Qualiopi indicator 12)."""

    template_name = "training/admin/attendance_absences.html"
    header_icon = "warning"

    def get_page_title(self):
        return _("Absences to follow up")

    def get_breadcrumbs_items(self):
        return [*self.breadcrumbs_items, {"url": "", "label": self.get_page_title()}]

    def get_context_data(self, **kwargs):
        page = Paginator(absence_followup_page(), ABSENCES_PER_PAGE).get_page(self.request.GET.get("p"))
        for registration in page:
            registration.abandonment_form = AbandonmentForm(
                initial={"reason": registration.abandonment_reason, "details": registration.abandonment_details},
                auto_id=f"id_%s_{registration.pk}",
            )
        return super().get_context_data(
            page_obj=page, can_change=self.request.user.has_perm(CHANGE_PERMISSION), **kwargs
        )


class AbandonmentRecordView(_PermissionMixin, View):
    http_method_names = ["post"]
    permissions_required = (VIEW_PERMISSION, CHANGE_PERMISSION)

    def post(self, request: HttpRequest, registration_id: int) -> HttpResponse:
        registration = get_object_or_404(Registration.objects.select_related("user"), pk=registration_id)
        form = AbandonmentForm(request.POST)
        form.is_valid()  # every field is optional text or a choice: the service judges the values
        try:
            registration_abandonment_record(
                registration=registration,
                reason=form.cleaned_data.get("reason", ""),
                details=form.cleaned_data.get("details", ""),
                by=request.user,
            )
        except TrainingError as error:
            messages.error(request, _("%(name)s: %(reason)s") % {"name": registration.user, "reason": error.message})
        else:
            messages.success(request, _("Giving up recorded for %(name)s.") % {"name": registration.user})
        url = reverse("attendance:absences")
        page = request.POST.get("p", "")
        return redirect(f"{url}?p={page}" if page.isdigit() else url)
