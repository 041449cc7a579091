"""Every back-office list exported as XLSX or CSV, through its django-import-export `Resource`.

A list view mixes in `ResourceExportMixin` and names its resource: Wagtail's "Télécharger XLSX /
CSV" buttons then export the list as filtered, searched and sorted on screen. Up to
`EXPORT_INLINE_MAX_ROWS` rows the file comes back at once; a larger list becomes a `DataExport`
prepared by a Celery task, listed with its status under "Mes exports" and downloaded when ready
(only by the person who asked for it).

CSV files are UTF-8 with a byte-order mark and ";" between columns, as French Excel expects.
"""

from __future__ import annotations

from import_export.formats.base_formats import XLSX

from django.conf import settings
from django.contrib import messages
from django.core.files.base import ContentFile
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_str
from django.utils.http import content_disposition_header
from django.utils.module_loading import import_string
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import ListView

from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from config.private_files import private_file_response

from .choices import BatchStatus
from .models import DataExport
from .resources import ExportResource

CONTENT_TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
}


def dataset_bytes(dataset, export_format: str) -> bytes:
    """The dataset as an XLSX workbook (numbers and dates as such, the sheet named after its title) or a
    French-Excel CSV (UTF-8 with BOM, ";" separated; numbers as their widgets render them)."""
    if export_format == "csv":
        return ("\ufeff" + dataset.export("csv", delimiter=";")).encode("utf-8")
    return XLSX().export_data(dataset)


def resource_export(resource_class: type[ExportResource], queryset, export_format: str) -> tuple[bytes, int]:
    """The file of these rows and how many there are."""
    resource = resource_class()
    dataset = resource.export(queryset=resource.export_queryset(queryset), force_native_type=export_format == "xlsx")
    dataset.title = resource.sheet_title()
    return dataset_bytes(dataset, export_format), len(dataset)


# Rows fetched per query when a background export reads its fixed list of rows.
EXPORT_CHUNK_ROWS = 2000


def _resource_path(resource_class) -> str:
    return f"{resource_class.__module__}.{resource_class.__qualname__}"


def export_filename(title: str, export_format: str) -> str:
    return f"{slugify(title) or 'export'}-{timezone.localdate():%Y-%m-%d}.{export_format}"


def data_export_request(*, user, resource_class, queryset, title: str, export_format: str) -> DataExport:
    """Fix the rows of a large export and prepare it in the background once committed."""
    from .tasks import data_export_run_task

    export = DataExport.objects.create(
        requested_by=user,
        resource=_resource_path(resource_class),
        title=title,
        format=export_format,
        object_ids=list(queryset.values_list("pk", flat=True)),
    )
    transaction.on_commit(lambda: data_export_run_task.delay(export.pk))
    return export


def data_export_run(*, export_id: int) -> bool:
    """Write the file of a requested export (once: a retried task finds it done); True when written now."""
    with transaction.atomic():
        export = DataExport.objects.select_for_update().filter(pk=export_id).first()
        if export is None or export.status == BatchStatus.DONE:
            return False
        resource_class = import_string(export.resource)
        if not issubclass(resource_class, ExportResource):
            raise TypeError(export.resource)
        resource = resource_class()
        model = resource_class._meta.model
        dataset = None
        for start in range(0, len(export.object_ids), EXPORT_CHUNK_ROWS):
            ids = export.object_ids[start : start + EXPORT_CHUNK_ROWS]
            by_pk = resource.export_queryset(model.objects.filter(pk__in=ids)).in_bulk()
            # In the order of the list; rows deleted since the request are left out.
            chunk = resource.export(
                queryset=[by_pk[pk] for pk in ids if pk in by_pk], force_native_type=export.format == "xlsx"
            )
            if dataset is None:
                dataset = chunk
            else:
                dataset.extend(chunk)
        if dataset is None:
            dataset = resource.export(queryset=model.objects.none())
        dataset.title = resource.sheet_title()
        content = dataset_bytes(dataset, export.format)
        export.file.save(export_filename(export.title, export.format), ContentFile(content), save=False)
        export.row_count = len(dataset)
        export.status = BatchStatus.DONE
        export.finished_at = timezone.now()
        export.save()
    return True


class ResourceExportMixin:
    """For a Wagtail `IndexView`: its XLSX/CSV buttons export the filtered list through `export_resource_class`."""

    export_resource_class: type[ExportResource] | None = None

    @property
    def show_export_buttons(self):
        return self.export_resource_class is not None

    def get_export_title(self) -> str:
        return force_str(self.model._meta.verbose_name_plural).capitalize()

    def as_spreadsheet(self, queryset, spreadsheet_format):
        title = self.get_export_title()
        if queryset.count() > settings.EXPORT_INLINE_MAX_ROWS:
            data_export_request(
                user=self.request.user,
                resource_class=self.export_resource_class,
                queryset=queryset,
                title=title,
                export_format=spreadsheet_format,
            )
            messages.success(
                self.request,
                _("This list is long: its file is being prepared. Download it from “My exports” in a moment."),
            )
            return redirect("training_exports:index")
        content, _count = resource_export(self.export_resource_class, queryset, spreadsheet_format)
        response = HttpResponse(content, content_type=CONTENT_TYPES[spreadsheet_format])
        response["Content-Disposition"] = content_disposition_header(
            as_attachment=True, filename=export_filename(title, spreadsheet_format)
        )
        return response


# The person's own exports (admin views, registered in `wagtail_hooks`)
# ------------------------------------------------------------------------------


class DataExportIndexView(WagtailAdminTemplateMixin, ListView):
    """The exports the person asked for, newest first; the page refreshes while one is being prepared."""

    template_name = "training/admin/exports.html"
    context_object_name = "exports"
    paginate_by = 50
    page_title = gettext_lazy("My exports")
    header_icon = "download"

    def get_breadcrumbs_items(self):
        return [*self.breadcrumbs_items, {"url": "", "label": self.get_page_title()}]

    def get_queryset(self):
        return DataExport.objects.filter(requested_by=self.request.user).defer("object_ids")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["preparing"] = any(export.status == BatchStatus.QUEUED for export in context["exports"])
        return context


def data_export_download(request, export_id: int):
    export = get_object_or_404(DataExport, pk=export_id, requested_by=request.user, status=BatchStatus.DONE)
    return private_file_response(
        export.file, filename=export.file.name.rsplit("/", 1)[-1], content_type=CONTENT_TYPES[export.format]
    )


def exports_url() -> str:
    return reverse("training_exports:index")
