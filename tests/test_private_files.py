"""Private files leave through `private_file_response`: streamed by Django, or sent by nginx."""

import datetime

import pytest

from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone

from config.private_files import private_file_response
from config.storages import private_storage
from tests.factories import RegistrationFactory, SessionFactory, UserFactory, course_create
from training.choices import DocumentKind, RetentionClass
from training.models import Document

PDF = b"%PDF-1.7 certificate of Chlo\xc3\xa9"


def _document(registration, name="Certificat Chloé Durand.pdf") -> Document:
    document = Document(
        kind=DocumentKind.CERTIFICATE,
        session=registration.session,
        registration=registration,
        issued_at=timezone.now(),
        size=len(PDF),
        sha256="0" * 64,
        verification_code=f"TEST{registration.pk:06d}",
        retention_class=RetentionClass.EVIDENCE,
        retain_until=datetime.date(2032, 12, 31),
    )
    document.file.save(name, ContentFile(PDF), save=False)
    document.save()
    return document


def test_without_a_prefix_django_streams_the_file(settings):
    settings.PRIVATE_MEDIA_X_ACCEL_PREFIX = ""
    name = private_storage().save("exports/2026/12/liste.csv", ContentFile(b"a;b\n"))

    response = private_file_response(name, filename="liste des sessions.csv", content_type="text/csv")

    assert response.streaming and b"".join(response.streaming_content) == b"a;b\n"
    assert "X-Accel-Redirect" not in response
    assert response["Content-Type"] == "text/csv"
    assert response["Content-Disposition"].startswith("attachment;")
    with pytest.raises(FileNotFoundError):
        private_file_response("exports/missing.csv", filename="missing.csv")


def test_with_a_prefix_nginx_sends_the_file_from_its_internal_location(settings):
    settings.PRIVATE_MEDIA_X_ACCEL_PREFIX = "/protected/"

    response = private_file_response(
        "documents/2026/12/Certificat Chloé.pdf", filename="Certificat Chloé.pdf", content_type="application/pdf"
    )

    assert not response.streaming and response.content == b""
    assert response["X-Accel-Redirect"] == "/protected/documents/2026/12/Certificat%20Chlo%C3%A9.pdf"
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == "attachment; filename*=utf-8''Certificat%20Chlo%C3%A9.pdf"
    assert response["Cache-Control"] == "private, no-store"
    inline = private_file_response("scans/a.png", filename="a.png", as_attachment=False)
    assert inline["Content-Type"] == "image/png" and inline["Content-Disposition"] == 'inline; filename="a.png"'


@pytest.mark.parametrize("prefix", ["", "/protected/"])
def test_a_trainee_gets_their_own_document_in_both_modes_and_nobody_elses(client, settings, catalogue, prefix):
    settings.PRIVATE_MEDIA_X_ACCEL_PREFIX = prefix
    session = SessionFactory(course=course_create(catalogue=catalogue))
    mine = _document(RegistrationFactory(session=session, status="confirmed"))
    theirs = _document(RegistrationFactory(session=session, status="confirmed"))
    client.force_login(mine.registration.user)

    response = client.get(reverse("training:document", args=[mine.pk]))

    assert response.status_code == 200
    if prefix:
        assert response["X-Accel-Redirect"] == f"/protected/{mine.file.name.replace(' ', '%20').replace('é', '%C3%A9')}"
        assert response.content == b""
    else:
        assert b"".join(response.streaming_content) == PDF
    assert client.get(reverse("training:document", args=[theirs.pk])).status_code == 404
    client.force_login(UserFactory())
    assert client.get(reverse("training:document", args=[mine.pk])).status_code == 404
