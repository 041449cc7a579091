"""The historical workbook from the back office: upload, preview or errors, confirm once, import."""

import io

import openpyxl
import pytest

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from evaluations.models import HistoryImport, HistoryImportStatus, Response
from evaluations.services.history_imports import history_import_run
from tests.factories import UserFactory
from training.models import Registration, Session

from .workbooks import CPS, cell_set, history_sheets, workbook_bytes

pytestmark = pytest.mark.django_db


def _upload(client, content: bytes, name: str = "historique-2024.xlsx"):
    return client.post(reverse("history_imports:index"), {"file": SimpleUploadedFile(name, content)})


def test_a_valid_workbook_is_previewed_then_imported_once_confirmed(coordinator_client, catalogue, committed):
    response = _upload(coordinator_client, workbook_bytes(history_sheets()))

    upload = HistoryImport.objects.get()
    assert response.status_code == 302 and response.url == reverse("history_imports:detail", args=[upload.pk])
    assert upload.status == HistoryImportStatus.CHECKED
    assert not Session.objects.exists()  # nothing written before the confirmation
    page = coordinator_client.get(response.url).content.decode()
    assert CPS in page  # the first rows of each sheet
    counts = {count["kind"]: count["created"] for count in upload.report["counts"]}
    assert counts["sessions"] == 3 and counts["registrations"] == 7

    with committed():
        coordinator_client.post(response.url)

    upload.refresh_from_db()
    assert upload.status == HistoryImportStatus.IMPORTED and upload.imported_at is not None
    assert Session.objects.count() == 3 and Registration.objects.count() == 7 and Response.objects.exists()
    assert history_import_run(upload_id=upload.pk) is False  # a retried task imports nothing twice
    second = coordinator_client.post(reverse("history_imports:detail", args=[upload.pk]))
    assert second.status_code == 302 and Session.objects.count() == 3


def test_a_workbook_with_errors_lists_them_and_cannot_be_imported(coordinator_client, catalogue, committed):
    sheets = history_sheets()
    cell_set(sheets, "Sessions", 2, "date_debut", "31/02/2024")
    cell_set(sheets, "Sessions", 3, "departement", "99")

    _upload(coordinator_client, workbook_bytes(sheets))

    upload = HistoryImport.objects.get()
    assert upload.status == HistoryImportStatus.REJECTED
    assert {(e["sheet"], e["row"], e["column"], e["code"]) for e in upload.report["errors"]} >= {
        ("Sessions", 2, "date_debut", "date_impossible"),
        ("Sessions", 3, "departement", "department_unknown"),
    }
    with committed():
        coordinator_client.post(reverse("history_imports:detail", args=[upload.pk]))
    assert not Session.objects.exists()

    report = coordinator_client.get(reverse("history_imports:problems", args=[upload.pk]))
    sheet = openpyxl.load_workbook(io.BytesIO(report.content)).worksheets[0]
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    assert ("Sessions", 2, "date_debut", "31/02/2024") in {row[:4] for row in rows}


def test_a_file_that_is_not_a_workbook_is_rejected_with_its_reason(coordinator_client, catalogue):
    _upload(coordinator_client, b"%PDF-1.7 not a workbook", name="historique.xlsx")

    assert [e["code"] for e in HistoryImport.objects.get().report["errors"]] == ["file_not_xlsx"]


def test_a_file_over_the_limit_is_refused_before_reading(coordinator_client, catalogue, settings):
    settings.HISTORY_IMPORT_MAX_BYTES = 1000

    response = _upload(coordinator_client, workbook_bytes(history_sheets()))

    assert response.status_code == 200 and not HistoryImport.objects.exists()
    assert response.context["form"].errors["file"]


def test_the_empty_model_workbook_has_the_four_sheets(coordinator_client):
    response = coordinator_client.get(reverse("history_imports:template"))

    workbook = openpyxl.load_workbook(io.BytesIO(response.content))
    assert workbook.sheetnames == ["Sessions", "Participants", "Inscriptions", "Reponses"]
    assert next(workbook["Inscriptions"].iter_rows(values_only=True)) == (
        "session",
        "email",
        "statut",
        "heures_realisees",
    )


@pytest.mark.parametrize("name", ["index", "template"])
def test_only_the_coordination_reaches_the_import(client, name):
    client.force_login(UserFactory())
    response = client.get(reverse(f"history_imports:{name}"))
    assert response.status_code in (302, 403)
