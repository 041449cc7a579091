"""The issued documents as printed: certificate of completion, end-of-training attestation,
convocation, training agreement and programme. Each test issues one document on a realistic
session and reads its text back, as a funder or an auditor would; labels are not asserted (they
are translated in `locale/`), the facts are."""

import datetime
import io
import re
from decimal import Decimal

import pytest
from PIL import Image as PILImage
from PIL import ImageDraw
from pypdf import PdfReader

from django.core.files.images import ImageFile
from django.utils import timezone, translation
from django.utils.translation import gettext

from wagtail.images import get_image_model

from cms.models import CourseObjective, OrganisationSettings
from tests.clock import PARIS
from tests.factories import (
    OrganisationFactory,
    RegistrationFactory,
    SessionFactory,
    TrainerFactory,
    UserFactory,
    VenueFactory,
    course_create,
    slots_create,
)
from training.choices import AttendanceStatus, DocumentKind, Funding, RegistrationStatus, SheetStatus
from training.models import Attendance, AttendanceSheet
from training.services.attendance import attendance_hours
from training.services.documents import document_issue

pytestmark = pytest.mark.django_db

DAY = datetime.date(2026, 12, 14)  # a Monday; three days, six half-days of 3.5 h: 21 h
AFTER = datetime.datetime(2026, 12, 17, 10, 0, tzinfo=PARIS)
BEFORE = datetime.datetime(2026, 12, 1, 10, 0, tzinfo=PARIS)
COURSE = "Soutenir le développement des compétences psychosociales"
OBJECTIVES = ("Définir les compétences psychosociales", "Animer une séance d'activités CPS auprès d'un groupe")
IDENTITY = ("Promotion Santé Occitanie", "76 31 0000 031", "12345678900012")  # name, NDA, SIRET
NO_GRADED_ASSESSMENT = (
    "This training did not include a graded assessment of acquired skills: "
    "its objectives were worked on throughout the training."
)


def _fr(message: str) -> str:
    """A message as printed on a document, whether `locale/` translates it yet or not."""
    with translation.override("fr"):
        return gettext(message)


def _text(pdf: bytes) -> str:
    """The PDF's text with its whitespace (line breaks, non-breaking spaces) collapsed to single spaces."""
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    return re.sub(r"\s+", " ", text)


def _pdf(document) -> bytes:
    with document.file.open("rb") as stored:
        return stored.read()


def _signature_image():
    picture = PILImage.new("RGB", (400, 160), "white")
    ImageDraw.Draw(picture).line([(30, 120), (120, 40), (220, 130), (370, 50)], fill=(20, 20, 90), width=6)
    buffer = io.BytesIO()
    picture.save(buffer, format="PNG")
    return get_image_model().objects.create(
        title="Signature et cachet", file=ImageFile(io.BytesIO(buffer.getvalue()), name="signature.png")
    )


@pytest.fixture(autouse=True)
def organisation(db):
    settings = OrganisationSettings.load()
    settings.name = "Promotion Santé Occitanie"
    settings.nda_number = "76 31 0000 031"
    settings.nda_region = "Occitanie"
    settings.siret = "12345678900012"
    settings.address = "12 rue des Formations"
    settings.postcode = "31000"
    settings.city = "Toulouse"
    settings.email = "formation@exemple.fr"
    settings.legal_representative_name = "Marie Durand"
    settings.legal_representative_title = "Directrice"
    settings.disability_referent_name = "Sophie Référente"
    settings.disability_referent_email = "handicap@exemple.fr"
    settings.save()
    return settings


def _session(catalogue, *, funding=Funding.DRAPPS, client=None, price=None, trainees=2, code="2026-CPS-12-01"):
    course = course_create(
        catalogue=catalogue,
        title=COURSE,
        evaluation_methods="<p>Questionnaire de positionnement et mise en situation finale.</p>",
    )
    CourseObjective.objects.filter(course=course).delete()
    for position, text in enumerate(OBJECTIVES):
        CourseObjective.objects.create(course=course, text=text, sort_order=position)
    venue = VenueFactory(
        name="Maison des associations",
        address="5 avenue Victor Hugo",
        postcode="12000",
        city="Rodez",
        access_notes="Bus ligne 3, arrêt Bourran.",
        accessibility_notes="Salle au rez-de-chaussée.",
    )
    session = SessionFactory(
        course=course,
        code=code,
        venue=venue,
        funding=funding,
        client_organisation=client,
        price_per_trainee=price,
    )
    session.trainers.add(TrainerFactory(first_name="Julien", last_name="Carrère"))
    slots_create(session=session, first_day=DAY, days=3)
    employer = client or OrganisationFactory(name="CCAS de Rodez")
    registrations = [
        RegistrationFactory(
            session=session,
            status=RegistrationStatus.CONFIRMED,
            user=UserFactory(first_name="Léa", last_name=f"Stagiaire{index}"),
            organisation=employer,
            job_title="Éducatrice spécialisée",
        )
        for index in range(trainees)
    ]
    return session, registrations


def _attend(session, registration, *, absent: int = 0, late_minutes: int = 0):
    """Every half-day validated and locked (rows written directly: the attendance services have their
    own tests); the trainee misses the last `absent` ones and arrives `late_minutes` late to the first."""
    slots = list(session.slots.order_by("date", "starts_at"))
    for index, slot in enumerate(slots):
        sheet, _created = AttendanceSheet.objects.get_or_create(slot=slot)
        sheet.status, sheet.locked_at = SheetStatus.LOCKED, timezone.now()
        sheet.save()
        if index >= len(slots) - absent:
            status, minutes = AttendanceStatus.ABSENT, 0
        elif index == 0 and late_minutes:
            status, minutes = AttendanceStatus.PARTIAL, late_minutes
        else:
            status, minutes = AttendanceStatus.PRESENT, 0
        Attendance.objects.create(
            registration=registration,
            slot=slot,
            status=status,
            minutes_missed=minutes,
            hours=attendance_hours(slot=slot, status=status, minutes_missed=minutes),
        )


def _issue(kind, session, registration=None, now=AFTER):
    document, created = document_issue(kind=kind, session=session, registration=registration, now=now)
    assert created
    return document, _text(_pdf(document))


def _assert_in(text: str, *expected: str):
    for value in expected:
        assert value in text, value


def test_certificate_states_the_ministry_model_facts_and_partial_hours(catalogue):
    session, (lea, _other) = _session(catalogue)
    _attend(session, lea, absent=1)  # five half-days out of six: 17.5 h of 21

    document, text = _issue(DocumentKind.CERTIFICATE, session, lea)

    _assert_in(
        text,
        *IDENTITY,
        "Marie Durand",
        "Directrice",
        "Léa Stagiaire0",
        "CCAS de Rodez",
        COURSE,
        "☒",  # the nature "training action" is the one ticked, out of four boxes
        "14 décembre 2026",
        "16 décembre 2026",
        "17,5",
        "Toulouse",
        "17 décembre 2026",
        f"{document.verification_code[:5]}-{document.verification_code[5:]}",
        f"/verification/{document.verification_code}/",
    )
    assert text.count("☐") == 3
    assert "21 h" not in text  # the hours attended, not the hours planned


def test_certificate_without_employer_prints_a_dash_and_the_signature_image(catalogue, organisation):
    organisation.signature_image = _signature_image()
    organisation.save()
    session, (lea, _other) = _session(catalogue)
    lea.organisation, lea.structure_name = None, ""
    lea.save()
    _attend(session, lea, late_minutes=45)  # 2.75 h, then five half-days of 3.5 h

    document, text = _issue(DocumentKind.CERTIFICATE, session, lea)

    _assert_in(text, "Léa Stagiaire0", " — ", "20,25")
    assert "CCAS de Rodez" not in text
    assert len(PdfReader(io.BytesIO(_pdf(document))).pages[0].images) == 2, "the QR code, the signature and stamp"


def test_certificate_leaves_room_to_sign_by_hand_without_a_signature_image(catalogue):
    session, (lea, _other) = _session(catalogue)
    _attend(session, lea)

    document, text = _issue(DocumentKind.CERTIFICATE, session, lea)

    assert "Marie Durand" in text
    assert len(PdfReader(io.BytesIO(_pdf(document))).pages[0].images) == 1  # the QR code alone: signed by hand


def test_attestation_states_objectives_evaluation_and_result(catalogue):
    session, (lea, _other) = _session(catalogue)
    lea.assessment_result = "Objectifs atteints : mise en situation réussie (14/16)."
    lea.save()
    _attend(session, lea, absent=1)

    _document, text = _issue(DocumentKind.ATTESTATION, session, lea)

    _assert_in(
        text,
        *IDENTITY,
        "Léa Stagiaire0",
        "CCAS de Rodez",
        COURSE,
        "L6313-1",
        "14 décembre 2026",
        "16 décembre 2026",
        "21 h",  # planned
        "17,5 h",  # attended
        *OBJECTIVES,
        "Questionnaire de positionnement et mise en situation finale.",
        "Objectifs atteints : mise en situation réussie (14/16).",
        "Marie Durand",
    )


def test_attestation_without_a_graded_assessment_says_the_objectives_were_worked_on(catalogue):
    session, (lea, _other) = _session(catalogue)
    _attend(session, lea)

    _document, text = _issue(DocumentKind.ATTESTATION, session, lea)

    _assert_in(text, "21 h", *OBJECTIVES, _fr(NO_GRADED_ASSESSMENT))


def test_convocation_lists_each_half_day_place_trainer_and_contacts(catalogue):
    session, (lea, _other) = _session(catalogue)

    document, text = _issue(DocumentKind.CONVOCATION, session, lea, now=BEFORE)

    _assert_in(
        text,
        *IDENTITY,
        "Léa Stagiaire0",
        COURSE,
        "2026-CPS-12-01",
        "Lundi 14 décembre 2026",
        "Mardi 15 décembre 2026",
        "Mercredi 16 décembre 2026",
        "9h00–12h30",
        "13h30–17h00",
        "Maison des associations, 5 avenue Victor Hugo, 12000 Rodez",
        "Bus ligne 3, arrêt Bourran.",
        "Salle au rez-de-chaussée.",
        "Julien Carrère",
        "formation@exemple.fr",
        "Sophie Référente",
        "handicap@exemple.fr",
        f"/verification/{document.verification_code}/",
    )
    assert text.count("9h00–12h30") == 3 and text.count("13h30–17h00") == 3


def test_agreement_states_parties_participants_and_price(catalogue):
    client = OrganisationFactory(
        name="Association Trait d'Union",
        siret="98765432100015",
        address="8 place du Marché",
        postcode="81000",
        city="Albi",
        contact_name="Paul Directeur",
    )
    session, registrations = _session(catalogue, funding=Funding.INTRA, client=client, price=Decimal("350"), trainees=3)

    _document, text = _issue(DocumentKind.AGREEMENT, session, now=BEFORE)

    _assert_in(
        text,
        *IDENTITY,
        "Occitanie",
        "Association Trait d'Union",
        "98765432100015",
        "8 place du Marché, 81000 Albi",
        "Paul Directeur",
        COURSE,
        "L6313-1",
        *OBJECTIVES,
        "21 h",
        "Lundi 14 décembre 2026",
        "Maison des associations, 5 avenue Victor Hugo, 12000 Rodez",
        "STAGIAIRE0 Léa",
        "STAGIAIRE1 Léa",
        "STAGIAIRE2 Léa",
        "350,00 €",
        "1 050,00 €",
        "261-4-4°-a",
        "Marie Durand",
    )


def test_agreement_prints_the_organisation_terms_when_set(catalogue, organisation):
    organisation.agreement_terms = "Paiement à 45 jours fin de mois. Dédit de 50 % facturé à part."
    organisation.save()
    client = OrganisationFactory(name="Mairie de Millau", siret="21120145600011")
    session, _registrations = _session(catalogue, funding=Funding.INTRA, client=client, trainees=1)

    _document, text = _issue(DocumentKind.AGREEMENT, session, now=BEFORE)

    _assert_in(text, "Mairie de Millau", "21120145600011", "Paiement à 45 jours fin de mois.")


def test_programme_issued_for_a_session_carries_its_verification_block(catalogue):
    session, _registrations = _session(catalogue)

    document, text = _issue(DocumentKind.PROGRAMME, session, now=BEFORE)

    _assert_in(text, *IDENTITY, COURSE, *OBJECTIVES, f"/verification/{document.verification_code}/")


@pytest.mark.parametrize(
    "kind", [DocumentKind.CERTIFICATE, DocumentKind.ATTESTATION, DocumentKind.CONVOCATION, DocumentKind.AGREEMENT]
)
def test_issued_documents_are_pdf_a_3b_with_every_font_embedded(catalogue, kind):
    client = OrganisationFactory(name="Mairie de Millau", siret="21120145600011")
    session, (lea, *_others) = _session(catalogue, funding=Funding.INTRA, client=client, price=Decimal("200"))
    _attend(session, lea)
    document, _text_ = _issue(kind, session, None if kind == DocumentKind.AGREEMENT else lea)

    reader = PdfReader(io.BytesIO(_pdf(document)))

    xmp = _xmp_xml(reader)
    assert re.search(r'pdfaid:part(="|>)3', xmp), xmp
    assert re.search(r'pdfaid:conformance(="|>)B', xmp), xmp
    assert reader.trailer["/Root"].get("/OutputIntents")
    fonts = _font_descriptors(reader)
    assert fonts
    for name, descriptor in fonts:
        assert any(key in descriptor for key in ("/FontFile", "/FontFile2", "/FontFile3")), name
    assert {(round(page.mediabox.width), round(page.mediabox.height)) for page in reader.pages} == {(595, 842)}  # A4


def _xmp_xml(reader: PdfReader) -> str:
    return reader.trailer["/Root"]["/Metadata"].get_object().get_data().decode()


def _font_descriptors(reader: PdfReader) -> list[tuple[str, dict]]:
    found = []
    for page in reader.pages:
        fonts = page["/Resources"].get_object().get("/Font", {})
        for font in fonts.get_object().values():
            font = font.get_object()
            for part in [font, *(f.get_object() for f in font.get("/DescendantFonts", []))]:
                if "/FontDescriptor" in part:
                    found.append((str(part.get("/BaseFont")), part["/FontDescriptor"].get_object()))
    return found
