"""The historical workbook in the back office: upload, preview (or errors), confirm, follow the import.

Under /admin/historique/ (namespace `history_imports`), for the coordination (`evaluations.add_historyimport`).
"""

from __future__ import annotations

import io

from openpyxl import Workbook
from openpyxl.styles import Font

from django import forms
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import TemplateView

from wagtail.admin import messages
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from config.private_files import private_file_response

from ..exceptions import SurveyError
from ..history import FORMAT
from ..models import HistoryImport, HistoryImportStatus
from ..services.history_imports import history_confirm, history_upload

IMPORT_PERMISSION = "evaluations.add_historyimport"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Errors and remarks shown on the page; the spreadsheet of errors holds them all.
SHOWN_PROBLEMS = 200


class HistoryUploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Historical workbook (.xlsx)"),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx"}),
    )


class _Mixin(WagtailAdminTemplateMixin):
    header_icon = "upload"

    def dispatch(self, request, *args, **kwargs):
        if not request.user.has_perm(IMPORT_PERMISSION):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_breadcrumbs_items(self):
        items = [*self.breadcrumbs_items]
        if self.kwargs.get("upload_id"):
            items.append({"url": reverse("history_imports:index"), "label": _("Historical workbook")})
        return [*items, {"url": "", "label": self.get_page_title()}]


class HistoryIndexView(_Mixin, TemplateView):
    """The upload form, the format reminder and the imports made so far."""

    template_name = "evaluations/admin/history_index.html"

    def get_page_title(self):
        return _("Historical workbook")

    def get_context_data(self, form=None, **kwargs):
        return super().get_context_data(
            form=form or HistoryUploadForm(),
            uploads=HistoryImport.objects.select_related("uploaded_by")[:30],
            sheets=FORMAT,
            **kwargs,
        )

    def post(self, request):
        form = HistoryUploadForm(request.POST, request.FILES)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form))
        try:
            upload = history_upload(uploaded=form.cleaned_data["file"], user=request.user)
        except SurveyError as error:
            form.add_error("file", error.message)
            return self.render_to_response(self.get_context_data(form=form))
        return redirect("history_imports:detail", upload.pk)


class HistoryDetailView(_Mixin, TemplateView):
    """What the workbook would create or update (or its errors); the confirmation; the result."""

    template_name = "evaluations/admin/history_detail.html"

    def get_page_title(self):
        return self.upload.original_name

    def dispatch(self, request, *args, **kwargs):
        self.upload = get_object_or_404(HistoryImport.objects.select_related("uploaded_by"), pk=kwargs["upload_id"])
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        report = self.upload.report
        return super().get_context_data(
            upload=self.upload,
            report=report,
            errors=report.get("errors", [])[:SHOWN_PROBLEMS],
            warnings=report.get("warnings", [])[:SHOWN_PROBLEMS],
            more_errors=max(0, report.get("error_count", 0) - SHOWN_PROBLEMS),
            preview=[(name, rows) for name, rows in report.get("preview", {}).items() if rows],
            can_confirm=self.upload.status == HistoryImportStatus.CHECKED,
            running=self.upload.status == HistoryImportStatus.QUEUED,
            **kwargs,
        )

    def post(self, request, upload_id: int):
        try:
            history_confirm(upload=self.upload)
        except SurveyError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("The import has started: this page shows its result when it is done."))
        return redirect("history_imports:detail", upload_id)


def _problems_workbook(upload: HistoryImport) -> bytes:
    workbook = Workbook()
    for title, key in ((_("Errors"), "errors"), (_("Remarks"), "warnings")):
        sheet = workbook.active if key == "errors" else workbook.create_sheet()
        sheet.title = title[:31]
        sheet.append([_("Sheet"), _("Row"), _("Column"), _("Value"), _("Reason"), _("Code")])
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for problem in upload.report.get(key, []):
            sheet.append(
                [
                    problem["sheet"],
                    problem["row"],
                    problem["column"],
                    problem["value"],
                    problem["reason"],
                    problem["code"],
                ]
            )
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()


class HistoryProblemsView(_Mixin, View):
    """Every error and remark of a check, as a spreadsheet to fix the workbook with."""

    def get(self, request, upload_id: int):
        upload = get_object_or_404(HistoryImport, pk=upload_id)
        response = HttpResponse(_problems_workbook(upload), content_type=XLSX)
        response["Content-Disposition"] = content_disposition_header(
            as_attachment=True, filename=f"erreurs-{upload.original_name.rsplit('.', 1)[0]}.xlsx"
        )
        return response


class HistoryFileView(_Mixin, View):
    """The workbook as it was uploaded."""

    def get(self, request, upload_id: int):
        upload = get_object_or_404(HistoryImport, pk=upload_id)
        return private_file_response(upload.file, filename=upload.original_name, content_type=XLSX)


class HistoryTemplateView(_Mixin, View):
    """An empty workbook with the four sheets and their columns, to fill in."""

    def get(self, request):
        workbook = Workbook()
        for index, sheet_format in enumerate(FORMAT):
            sheet = workbook.active if index == 0 else workbook.create_sheet()
            sheet.title = sheet_format.name
            sheet.append(list(sheet_format.columns))
            for cell in sheet[1]:
                cell.font = Font(bold=True)
        output = io.BytesIO()
        workbook.save(output)
        response = HttpResponse(output.getvalue(), content_type=XLSX)
        response["Content-Disposition"] = content_disposition_header(
            as_attachment=True, filename="modele-historique.xlsx"
        )
        return response
