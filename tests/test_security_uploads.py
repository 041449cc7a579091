"""Uploads are judged by their content: a renamed or disguised file, a ZIP bomb and a PNG bomb are
refused with a code wherever a file comes in (registers, Wagtail documents, workbooks, signatures)."""

import io
import zipfile

import pytest
from PIL import Image

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from wagtail.documents import get_document_model

from config.uploads import content_kind, content_matches_name, upload_check, zip_is_reasonable
from evaluations.history import history_read
from evaluations.models import TrainerQualification
from tests.factories import TrainerFactory, signature_png
from training.exceptions import TrainingError
from training.resources import participant_list_from_file
from training.services.attendance import scan_clean, signature_png_clean

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
HTML = b"<!DOCTYPE html><html><script>alert(document.cookie)</script></html>"
PNG = signature_png()


def _zip_bomb(size: int = 60 * 1024 * 1024) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", b"<Types/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * size)
    return buffer.getvalue()


def _small_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("word/document.xml", b"<w:document/>" * 100)
    return buffer.getvalue()


def test_kind_is_read_from_the_bytes_not_the_name():
    assert content_kind(PDF) == "pdf"
    assert content_kind(PNG) == "png"
    assert content_kind(b"\x00\x01binary") is None
    assert content_matches_name("attestation.pdf", PDF)
    assert content_matches_name("Attestation.PDF", PDF)
    assert not content_matches_name("attestation.pdf", HTML)  # a web page renamed .pdf
    assert not content_matches_name("attestation.pdf", PNG)  # an image renamed .pdf
    assert not content_matches_name("contrat.docx", b"MZ\x90\x00")  # a program renamed .docx
    assert not content_matches_name("page.html", HTML)  # an extension nobody accepts
    # A polyglot passes only as the kind its first bytes and its name agree on.
    polyglot = PDF + HTML
    assert content_matches_name("scan.pdf", polyglot)
    assert not content_matches_name("scan.html", polyglot)


def test_zip_bombs_are_refused_before_any_reader_opens_them():
    assert zip_is_reasonable(_small_zip())
    assert not zip_is_reasonable(_zip_bomb())
    assert not zip_is_reasonable(b"PK\x03\x04 truncated")


def test_upload_check_codes():
    upload_check(SimpleUploadedFile("contrat.docx", _small_zip()))
    for name, content in [("contrat.docx", _zip_bomb()), ("preuve.jpg", PDF), ("preuve.pdf", HTML)]:
        with pytest.raises(Exception) as caught:
            upload_check(SimpleUploadedFile(name, content))
        assert caught.value.code == "file_content_mismatch", name


@pytest.mark.django_db
def test_a_register_proof_renamed_is_refused(coordinator_client):
    trainer = TrainerFactory()
    response = coordinator_client.post(
        reverse("trainer_qualifications:add"),
        {
            "trainer": trainer.pk,
            "title": "Instructrice PSSM",
            "document": SimpleUploadedFile("diplome.pdf", HTML, content_type="application/pdf"),
        },
    )

    assert response.status_code == 200
    assert response.context["form"].errors["document"].as_data()[0].code == "file_content_mismatch"
    assert not TrainerQualification.objects.exists()

    accepted = coordinator_client.post(
        reverse("trainer_qualifications:add"),
        {"trainer": trainer.pk, "title": "Instructrice PSSM", "document": SimpleUploadedFile("diplome.pdf", PDF)},
    )
    assert accepted.status_code == 302
    assert TrainerQualification.objects.get().document


@pytest.mark.django_db
def test_a_wagtail_document_must_be_what_its_name_says(admin_client):
    Document = get_document_model()
    refused = admin_client.post(
        reverse("wagtaildocs:add"),
        {"title": "Règlement intérieur", "file": SimpleUploadedFile("reglement.pdf", HTML), "collection": 1},
    )
    assert refused.status_code == 200
    assert refused.context["form"].errors["file"].as_data()[0].code == "file_content_mismatch"
    assert not Document.objects.exists()

    accepted = admin_client.post(
        reverse("wagtaildocs:add"),
        {"title": "Règlement intérieur", "file": SimpleUploadedFile("reglement.pdf", PDF), "collection": 1},
    )
    assert accepted.status_code == 302
    assert Document.objects.get().title == "Règlement intérieur"


def test_the_history_workbook_and_participant_lists_refuse_zip_bombs():
    workbook = history_read(io.BytesIO(_zip_bomb()))
    assert [error.code for error in workbook.errors] == ["file_too_large"]

    participants = participant_list_from_file(SimpleUploadedFile("liste.xlsx", _zip_bomb(2_000_000 * 30)))
    assert participants.errors and not participants.lines


def test_a_png_bomb_signature_is_refused_before_it_is_decoded(monkeypatch):
    buffer = io.BytesIO()
    Image.new("1", (4000, 4000), 1).save(buffer, format="PNG", optimize=True)
    bomb = buffer.getvalue()
    assert len(bomb) < 300 * 1024  # small enough to pass the byte limit

    def no_decoding(self):
        raise AssertionError("a signature this large is decoded")

    monkeypatch.setattr(Image.Image, "load", no_decoding)
    with pytest.raises(TrainingError) as refused:
        signature_png_clean(bomb)
    assert refused.value.code == "signature_invalid"


def test_a_scan_is_typed_by_its_bytes():
    assert scan_clean(content=PDF) == "application/pdf"
    assert scan_clean(content=PNG) == "image/png"
    with pytest.raises(TrainingError) as refused:
        scan_clean(content=HTML)
    assert refused.value.code == "scan_invalid"
