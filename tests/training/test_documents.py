"""Issued documents: who gets one, versions, verification, bulk issue and its idempotency, downloads."""

import datetime
import hashlib
import io
import zipfile
from decimal import Decimal

import pytest
from freezegun import freeze_time
from pypdf import PdfReader

from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from cms.models import OrganisationSettings
from tests.clock import PARIS
from tests.factories import (
    OrganisationFactory,
    RegistrationFactory,
    SessionFactory,
    TrainerFactory,
    UserFactory,
    course_create,
    slots_create,
)
from tests.training.test_attendance import signature
from training.choices import (
    AttendanceStatus,
    BatchStatus,
    DocumentKind,
    Funding,
    MessageKind,
    RegistrationStatus,
    RetentionClass,
    SignatureMethod,
)
from training.exceptions import TrainingError
from training.models import Document, DocumentBatch, RegistrationMessage
from training.services.attendance import (
    attendance_mark,
    attendance_sheet_lock,
    attendance_sheet_open,
    attendance_sign,
)
from training.services.documents import document_batch_create, document_issue, document_verify

pytestmark = pytest.mark.django_db

DAY = datetime.date(2026, 12, 14)
AFTER = datetime.datetime(2026, 12, 20, 10, 0, tzinfo=PARIS)


def _code(call) -> str:
    with pytest.raises(TrainingError) as error:
        call()
    return error.value.code


def _hold(slot, trainer_user, signers, late=None):
    """Run a half-day: open, the signers sign, `late` is marked 60 minutes late, the trainer locks."""
    start = datetime.datetime.combine(slot.date, slot.starts_at, tzinfo=PARIS)
    with freeze_time(start):
        attendance_sheet_open(slot=slot, user=trainer_user)
        for registration in signers:
            attendance_sign(
                slot=slot,
                registration=registration,
                signature=signature(),
                method=SignatureMethod.TRAINER_DEVICE,
                actor=trainer_user,
            )
        if late is not None:
            attendance_mark(
                slot=slot, registration=late, status=AttendanceStatus.PARTIAL, minutes_missed=60, user=trainer_user
            )
    with freeze_time(start + datetime.timedelta(hours=3)):
        attendance_sheet_lock(slot=slot, user=trainer_user, signature=signature())


@pytest.fixture(autouse=True)
def signatory(db):
    """Documents are signed by the organisation's legal representative."""
    organisation = OrganisationSettings.load()
    organisation.legal_representative_name = "Dominique Roux"
    organisation.legal_representative_title = "Directeur"
    organisation.save()
    return organisation


@pytest.fixture
def trainer_user():
    return UserFactory(first_name="Julien", last_name="Carrère")


@pytest.fixture
def session(catalogue, trainer_user):
    session = SessionFactory(course=course_create(catalogue=catalogue), code="2026-CPS1-12-01")
    session.trainers.add(TrainerFactory(user=trainer_user))
    slots_create(session=session, first_day=DAY, days=1)
    return session


@pytest.fixture
def people(session):
    """Full attendance, partial (late one morning, absent the afternoon), no attendance at all."""
    return {
        name: RegistrationFactory(
            session=session,
            status=RegistrationStatus.CONFIRMED,
            user=UserFactory(first_name="Camille", last_name=name),
            structure_name="Collège Jean Moulin",
        )
        for name in ("Durand", "Lefebvre", "Moreau")
    }


@pytest.fixture
def held(session, people, trainer_user):
    morning, afternoon = session.slots.order_by("starts_at")
    _hold(morning, trainer_user, [people["Durand"], people["Lefebvre"]], late=people["Lefebvre"])
    _hold(afternoon, trainer_user, [people["Durand"]])
    return session


def _issue(kind, session, registration=None, **kwargs):
    with freeze_time(AFTER):
        return document_issue(kind=kind, session=session, registration=registration, **kwargs)


def test_certificates_state_the_real_hours_and_absent_trainees_get_none(held, people):
    full, created = _issue(DocumentKind.CERTIFICATE, held, people["Durand"])
    partial, _created = _issue(DocumentKind.CERTIFICATE, held, people["Lefebvre"])

    assert created
    assert full.facts["hours_attended"] == "7.00"
    assert partial.facts["hours_attended"] == "2.50"  # 3.5 h minus one hour late, absent the afternoon
    assert _code(lambda: _issue(DocumentKind.CERTIFICATE, held, people["Moreau"])) == "no_hours_attended"
    assert _code(lambda: _issue(DocumentKind.ATTESTATION, held, people["Moreau"])) == "no_hours_attended"


def test_an_issued_document_is_archival_hashed_and_coded(held, people):
    document, _created = _issue(DocumentKind.CERTIFICATE, held, people["Durand"])

    content = document.file.read()
    assert content.startswith(b"%PDF-")
    assert document.sha256 == hashlib.sha256(content).hexdigest() and document.size == len(content)
    metadata = PdfReader(io.BytesIO(content)).xmp_metadata
    assert metadata is not None
    assert (metadata.pdfaid_part, metadata.pdfaid_conformance) == ("3", "B")  # PDF/A-3b
    assert len(document.verification_code) == 10
    assert document.retention_class == RetentionClass.EVIDENCE
    assert document.retain_until == datetime.date(2032, 12, 14)  # six years after the last day
    assert (document.version, document.issued_at) == (1, AFTER)


def test_certificates_wait_for_the_end_and_the_validated_attendance(session, people, trainer_user):
    morning, afternoon = session.slots.order_by("starts_at")
    _hold(morning, trainer_user, [people["Durand"]])
    with freeze_time(datetime.datetime(2026, 12, 14, 14, 0, tzinfo=PARIS)):
        code = _code(
            lambda: document_issue(kind=DocumentKind.CERTIFICATE, session=session, registration=people["Durand"])
        )
    assert code == "session_not_finished"
    assert _code(lambda: _issue(DocumentKind.CERTIFICATE, session, people["Durand"])) == "attendance_not_validated"
    assert not Document.objects.exists()


def test_issuing_again_returns_the_current_version_and_reissuing_keeps_the_old_one(held, people):
    first, created = _issue(DocumentKind.CERTIFICATE, held, people["Durand"])
    again, created_again = _issue(DocumentKind.CERTIFICATE, held, people["Durand"])
    assert created and not created_again and again == first

    second, created = _issue(DocumentKind.CERTIFICATE, held, people["Durand"], reissue_reason="Nom mal orthographié")
    first.refresh_from_db()
    assert created and second.version == 2 and second.reissue_reason == "Nom mal orthographié"
    assert first.superseded_at == AFTER and second.superseded_at is None
    assert second.verification_code != first.verification_code
    assert list(Document.objects.current().filter(kind=DocumentKind.CERTIFICATE)) == [second]


def test_verification_round_trip_and_a_tampered_copy(held, people):
    document, _created = _issue(DocumentKind.CERTIFICATE, held, people["Durand"])
    genuine = document.file.read()

    result = document_verify(code=f" {document.verification_code[:5].lower()}-{document.verification_code[5:]} ")
    assert (result.document, result.current, result.stored_intact, result.copy_matches) == (document, True, True, None)
    assert result.initials == "C. D."
    assert document_verify(code=document.verification_code, content=genuine).copy_matches is True

    tampered = genuine.replace(b"7", b"9", 1)
    assert document_verify(code=document.verification_code, content=tampered).copy_matches is False
    assert _code(lambda: document_verify(code="ABCDE23456")) == "document_unknown"


def test_verification_notices_a_changed_archive_and_a_superseded_version(held, people):
    document, _created = _issue(DocumentKind.CERTIFICATE, held, people["Durand"])
    with open(document.file.path, "r+b") as stored:
        stored.seek(-20, io.SEEK_END)
        stored.write(b"0" * 10)
    assert document_verify(code=document.verification_code).stored_intact is False

    _issue(DocumentKind.CERTIFICATE, held, people["Durand"], reissue_reason="Correction des heures")
    assert document_verify(code=document.verification_code).current is False


def test_the_verification_page_shows_initials_only_and_compares_a_copy(client, held, people):
    document, _created = _issue(DocumentKind.CERTIFICATE, held, people["Durand"])
    url = reverse("training:verification", args=[document.verification_code])

    response = client.get(url)
    page = response.content.decode()
    assert response.status_code == 200
    assert "C. D." in page and "Durand" not in page and people["Durand"].user.email not in page

    copy = SimpleUploadedFile("certificat.pdf", document.file.read(), content_type="application/pdf")
    assert client.post(url, {"copy": copy}).context["result"].copy_matches is True
    forged = SimpleUploadedFile("certificat.pdf", b"%PDF-1.7 forged", content_type="application/pdf")
    assert client.post(url, {"copy": forged}).context["result"].copy_matches is False
    assert client.get(reverse("training:verification", args=["NOPE"])).status_code == 404
    assert client.get(reverse("training:verification-form"), {"code": "abcde-23456"})["Location"] == (
        reverse("training:verification", args=["ABCDE23456"])
    )


def test_a_trainee_downloads_only_their_own_documents(client, held, people):
    mine, _created = _issue(DocumentKind.CERTIFICATE, held, people["Durand"])
    theirs, _created = _issue(DocumentKind.CERTIFICATE, held, people["Lefebvre"])
    client.force_login(people["Durand"].user)

    response = client.get(reverse("training:document", args=[mine.pk]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == mine.file.read()
    assert client.get(reverse("training:document", args=[theirs.pk])).status_code == 404
    space = client.get(reverse("training:space"))
    assert list(space.context["documents"]) == [mine]

    client.logout()
    assert client.get(reverse("training:document", args=[mine.pk])).status_code == 302  # to the login page


def test_an_agreement_is_for_intra_sessions(held, catalogue):
    assert _code(lambda: _issue(DocumentKind.AGREEMENT, held)) == "not_intra"
    intra = SessionFactory(
        course=held.course,
        funding=Funding.INTRA,
        client_organisation=OrganisationFactory(name="EHPAD Les Tilleuls", siret="12345678900011"),
        price_per_trainee=Decimal("250.00"),
    )
    slots_create(session=intra, first_day=datetime.date(2027, 1, 11), days=2)
    agreement, created = _issue(DocumentKind.AGREEMENT, intra)
    assert created and agreement.registration is None and agreement.retention_class == RetentionClass.CONTRACT


def test_a_bulk_issue_reports_progress_mails_once_and_is_idempotent(held, people, send):
    coordinator = UserFactory()
    with freeze_time(AFTER):
        batch = send(document_batch_create, sessions=[held], label="Session 2026-CPS1-12-01", by=coordinator)
    batch.refresh_from_db()

    assert batch.status == BatchStatus.DONE and batch.progress == 100
    assert (batch.total, batch.issued, batch.skipped) == (6, 4, 2)  # 3 trainees × 2 kinds; Moreau attended nothing
    kinds = sorted(Document.objects.values_list("registration__user__last_name", "kind"))
    assert kinds == [
        ("Durand", DocumentKind.ATTESTATION),
        ("Durand", DocumentKind.CERTIFICATE),
        ("Lefebvre", DocumentKind.ATTESTATION),
        ("Lefebvre", DocumentKind.CERTIFICATE),
    ]
    assert sorted(message.to[0] for message in mail.outbox) == sorted(
        [people["Durand"].user.email, people["Lefebvre"].user.email]
    )
    with zipfile.ZipFile(batch.archive.open("rb")) as archive:
        names = archive.namelist()
    assert len(names) == 4 and all(name.startswith("2026-CPS1-12-01/") for name in names)

    with freeze_time(AFTER + datetime.timedelta(hours=1)):
        again = send(document_batch_create, sessions=[held], label="Encore", by=coordinator)
    again.refresh_from_db()
    assert (again.status, again.issued, again.skipped) == (BatchStatus.DONE, 0, 2)
    assert Document.objects.count() == 4
    assert len(mail.outbox) == 2  # nobody is told twice
    assert RegistrationMessage.objects.filter(kind=MessageKind.DOCUMENTS).count() == 2
    assert DocumentBatch.objects.count() == 2


def test_a_bulk_issue_waits_for_sessions_over_and_validated(session, people, trainer_user):
    morning, _afternoon = session.slots.order_by("starts_at")
    _hold(morning, trainer_user, [people["Durand"]])
    with freeze_time(AFTER):
        code = _code(lambda: document_batch_create(sessions=[session], label="Trop tôt", by=UserFactory()))
    assert code == "sessions_not_ready"
    assert not DocumentBatch.objects.exists()
    assert _code(lambda: document_batch_create(sessions=[], label="Rien", by=UserFactory())) == "no_session"


def test_no_signed_document_without_a_legal_representative(held, people, signatory):
    signatory.legal_representative_name = ""
    signatory.save()
    assert _code(lambda: _issue(DocumentKind.CERTIFICATE, held, people["Durand"])) == "signatory_missing"
    assert not Document.objects.exists()


def test_document_files_are_named_for_people_and_never_collide(held, people):
    namesake = people["Lefebvre"].user
    namesake.last_name, namesake.first_name = "Durand", "Camille"
    namesake.save()
    first, _created = _issue(DocumentKind.CERTIFICATE, held, people["Durand"])
    second, _created = _issue(DocumentKind.CERTIFICATE, held, people["Lefebvre"])
    assert first.file.name.endswith(
        f"certificat-realisation-2026-cps1-12-01-durand-camille-{people['Durand'].pk}-v1.pdf"
    )
    assert first.file.name.rsplit("/", 1)[-1] != second.file.name.rsplit("/", 1)[-1]
