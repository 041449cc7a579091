"""The historical workbook from the back office: upload (checked at once), preview, confirm, import.

The upload is kept in private storage and checked with a dry run of `evaluations.history`; the
coordinator sees what would be created or updated, or every invalid row (also as a spreadsheet),
and confirms. The import then runs in a Celery task, once: the row is locked and its status moves
from "checked" to "queued" to "imported" (or "failed" if the data changed in between, with
nothing written).
"""

from __future__ import annotations

import dataclasses
import hashlib

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ..exceptions import SurveyError
from ..history import KINDS, HistoryReport, history_import, history_max_bytes
from ..models import HistoryImport, HistoryImportStatus

# Errors and remarks kept with the upload (the spreadsheet of errors lists them all).
_REPORT_ROWS_KEPT = 5000


def history_report_data(report: HistoryReport) -> dict:
    """The report as JSON: errors and remarks, counts per kind, rows read, preview of the first rows."""
    return {
        "errors": [dataclasses.asdict(error) for error in report.errors[:_REPORT_ROWS_KEPT]],
        "error_count": len(report.errors),
        "warnings": [dataclasses.asdict(warning) for warning in report.warnings[:_REPORT_ROWS_KEPT]],
        "counts": [
            {"kind": kind, "label": str(KINDS.get(kind, kind)), **dataclasses.asdict(count)}
            for kind, count in report.counts.items()
        ],
        "rows": report.rows,
        "preview": report.preview,
    }


def history_upload(*, uploaded, user) -> HistoryImport:
    """Keep the uploaded workbook and check it (a dry run). Code: `file_too_large` before reading it."""
    limit = history_max_bytes()
    if uploaded.size > limit:
        raise SurveyError(
            _("The file is larger than %(size)s MB: split the workbook.") % {"size": round(limit / 1024 / 1024, 1)},
            "file_too_large",
        )
    content = uploaded.read()
    report = history_import(ContentFile(content), dry_run=True)
    upload = HistoryImport(
        original_name=uploaded.name[:255],
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        uploaded_by=user,
        status=HistoryImportStatus.REJECTED if report.errors else HistoryImportStatus.CHECKED,
        report=history_report_data(report),
    )
    upload.file.save(f"historique-{timezone.localdate():%Y-%m-%d}.xlsx", ContentFile(content), save=False)
    upload.save()
    return upload


def history_confirm(*, upload: HistoryImport) -> None:
    """Queue the import of a checked workbook (once). Code: `import_not_checked`."""
    from ..tasks import history_import_run_task

    with transaction.atomic():
        upload = HistoryImport.objects.select_for_update().get(pk=upload.pk)
        if upload.status != HistoryImportStatus.CHECKED:
            raise SurveyError(_("This workbook cannot be imported in its current state."), "import_not_checked")
        upload.status = HistoryImportStatus.QUEUED
        upload.save(update_fields=["status"])
        transaction.on_commit(lambda: history_import_run_task.delay(upload.pk))


def history_import_run(*, upload_id: int) -> bool:
    """Import a queued workbook; True when it was imported now (a retried task does nothing)."""
    with transaction.atomic():
        upload = HistoryImport.objects.select_for_update().select_related("uploaded_by").get(pk=upload_id)
        if upload.status != HistoryImportStatus.QUEUED:
            return False
        with upload.file.open("rb") as stored:
            report = history_import(ContentFile(stored.read()), by=upload.uploaded_by)
        upload.report = history_report_data(report)
        upload.status = HistoryImportStatus.IMPORTED if report.written else HistoryImportStatus.FAILED
        upload.imported_at = timezone.now() if report.written else None
        upload.save()
    return report.written
