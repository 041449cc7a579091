"""The attendance documents: the blank paper sheet to sign by hand and the signed sheet of a session."""

import datetime
import io
import re

import pytest
from pypdf import PdfReader

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from cms.models import OrganisationSettings
from tests.clock import PARIS
from tests.factories import (
    OrganisationFactory,
    RegistrationFactory,
    SessionFactory,
    TrainerFactory,
    UserFactory,
    VenueFactory,
    course_create,
    signature_png,
    slots_create,
)
from training.choices import AttendanceStatus, Funding, RegistrationStatus, SignatureMethod
from training.models import AttendanceSheet, Organisation, Trainer, Venue
from training.pdf import attendance_paper_pdf, attendance_signed_pdf
from training.services.attendance import (
    Client,
    attendance_correct,
    attendance_mark,
    attendance_sheet_lock,
    attendance_sheet_open,
    attendance_sign,
)

pytestmark = pytest.mark.django_db

DAY = datetime.date(2026, 12, 14)  # a Monday: 9:00–12:30 and 13:30–17:00, then Tuesday
COURSE = "Comprendre les violences intrafamiliales"
PHONE = Client(ip_address="192.0.2.10", user_agent="Mozilla/5.0 (Android 14; Mobile)")


def _at(hour: int, minute: int = 0, day: datetime.date = DAY) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=PARIS)


def _png(seed: int = 0) -> bytes:
    return signature_png(seed=seed)


def _text(pdf: bytes) -> str:
    """The PDF's text with its whitespace (line breaks included) collapsed to single spaces."""
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    return re.sub(r"\s+", " ", text)


def _fr(label) -> str:
    with translation.override("fr"):
        return str(label)


@pytest.fixture(autouse=True)
def organisation(db):
    settings = OrganisationSettings.load()
    settings.name = "Promotion Santé Occitanie"
    settings.nda_number = "76 31 0000 031"
    settings.siret = "12345678900012"
    settings.save()
    return settings


@pytest.fixture
def trainer_user():
    return UserFactory(first_name="Julien", last_name="Carrère")


def _session(catalogue, trainer_user, *, trainees: int, code: str = "2026-VIF-12-01"):
    course = course_create(catalogue=catalogue, title=COURSE, slug=code.lower())
    venue = Venue.objects.filter(name="Maison des associations").first() or VenueFactory(
        name="Maison des associations", address="12 rue du Lycée", postcode="12000", city="Rodez"
    )
    session = SessionFactory(course=course, code=code, venue=venue, funding=Funding.DRAPPS, capacity=20)
    trainer = Trainer.objects.filter(user=trainer_user).first()
    session.trainers.add(trainer or TrainerFactory(first_name="Julien", last_name="Carrère", user=trainer_user))
    slots_create(session=session, first_day=DAY, days=2)
    employer = Organisation.objects.filter(name="CCAS de Rodez").first() or OrganisationFactory(name="CCAS de Rodez")
    registrations = [
        RegistrationFactory(
            session=session,
            status=RegistrationStatus.CONFIRMED,
            user=UserFactory(first_name="Léa", last_name=f"Stagiaire{index:02d}"),
            organisation=employer if index % 2 == 0 else None,
            structure_name="" if index % 2 == 0 else "Collège Jean Moulin",
        )
        for index in range(trainees)
    ]
    return session, registrations


def _slots(session):
    return list(session.slots.order_by("date", "starts_at"))


# The blank paper sheet
# ------------------------------------------------------------------------------


def test_paper_sheet_of_one_half_day_is_prefilled(catalogue, trainer_user):
    session, registrations = _session(catalogue, trainer_user, trainees=3)
    morning = _slots(session)[0]

    text = _text(attendance_paper_pdf(session=session, slots=[morning]))

    for expected in (
        "Promotion Santé Occitanie",
        "76 31 0000 031",
        "SIRET 12345678900012",
        COURSE,
        "2026-VIF-12-01",
        _fr(Funding.DRAPPS.label),
        "lundi 14 décembre 2026",
        "9h00–12h30",
        "3,5 h",
        "Maison des associations, 12 rue du Lycée, 12000 Rodez",
        "Julien Carrère",
        "STAGIAIRE00 Léa",
        "CCAS de Rodez",
        "Collège Jean Moulin",
        "Page 1 / 1",
    ):
        assert expected in text, expected
    assert "13h30–17h00" not in text  # the afternoon has its own sheet


def test_paper_sheet_of_the_session_has_a_column_per_half_day_on_landscape_pages(catalogue, trainer_user):
    session, registrations = _session(catalogue, trainer_user, trainees=3)

    pdf = attendance_paper_pdf(session=session)

    text = _text(pdf)
    for expected in ("Lundi 14/12/2026", "Mardi 15/12/2026", "9h00–12h30", "13h30–17h00", "STAGIAIRE02 Léa"):
        assert expected in text, expected
    assert text.count("Mardi 15/12/2026") == 2  # morning and afternoon columns
    first_page = PdfReader(io.BytesIO(pdf)).pages[0]
    assert first_page.mediabox.width > first_page.mediabox.height  # landscape


def test_paper_sheet_splits_many_half_days_into_tables_repeating_the_names(catalogue, trainer_user):
    session, registrations = _session(catalogue, trainer_user, trainees=2)
    slots_create(session=session, first_day=DAY + datetime.timedelta(days=7), days=3)  # 4 + 6 = 10 half-days

    reader = PdfReader(io.BytesIO(attendance_paper_pdf(session=session)))

    texts = [re.sub(r"\s+", " ", page.extract_text()) for page in reader.pages]
    assert len(texts) == 2  # two tables of five half-days, one page each
    for text in texts:
        assert "STAGIAIRE00 Léa" in text and "STAGIAIRE01 Léa" in text
    assert "Page 2 / 2" in texts[1]


# The signed sheet
# ------------------------------------------------------------------------------


def _attend_first_day(session, registrations, trainer_user):
    """Monday morning: everyone signs, the second trainee arrived 30 min late; Monday afternoon:
    the first signs, the others are absent. Both half-days are locked; Tuesday stays open."""
    morning, afternoon = _slots(session)[:2]
    methods = [SignatureMethod.TRAINER_DEVICE, SignatureMethod.QR_ACCOUNT, SignatureMethod.QR_LINK]
    attendance_sheet_open(slot=morning, user=trainer_user, now=_at(8, 45))
    for index, registration in enumerate(registrations):
        method = methods[index % 3]
        actor = {SignatureMethod.TRAINER_DEVICE: trainer_user, SignatureMethod.QR_ACCOUNT: registration.user}.get(
            method
        )
        attendance_sign(
            slot=morning,
            registration=registration,
            signature=_png(index),
            method=method,
            actor=actor,
            client=PHONE,
            now=_at(8, 50),
        )
    attendance_mark(
        slot=morning,
        registration=registrations[1],
        status=AttendanceStatus.PARTIAL,
        minutes_missed=30,
        user=trainer_user,
        now=_at(10),
    )
    attendance_sheet_lock(slot=morning, user=trainer_user, signature=_png(99), now=_at(12, 25))
    attendance_sheet_open(slot=afternoon, user=trainer_user, now=_at(13, 20))
    attendance_sign(
        slot=afternoon,
        registration=registrations[0],
        signature=_png(7),
        method=SignatureMethod.TRAINER_DEVICE,
        actor=trainer_user,
        now=_at(13, 25),
    )
    attendance_sheet_lock(slot=afternoon, user=trainer_user, signature=_png(98), now=_at(16, 55))
    return morning, afternoon


def test_signed_sheet_holds_signatures_hours_methods_chain_and_corrections(catalogue, trainer_user, committed):
    session, registrations = _session(catalogue, trainer_user, trainees=3)
    coordinator = UserFactory(first_name="Claire", last_name="Coordinatrice")
    with committed():
        morning, afternoon = _attend_first_day(session, registrations, trainer_user)
        attendance_correct(
            slot=afternoon,
            registration=registrations[2],
            status=AttendanceStatus.EXCUSED,
            reason="Certificat médical reçu le 16 décembre",
            user=coordinator,
            now=_at(9, day=DAY + datetime.timedelta(days=2)),
        )

    pdf = attendance_signed_pdf(session=session)

    text = _text(pdf)
    for expected in (
        "Promotion Santé Occitanie",
        "76 31 0000 031",
        COURSE,
        "2026-VIF-12-01",
        "STAGIAIRE00 Léa",
        "STAGIAIRE01 Léa",
        "STAGIAIRE02 Léa",
        "CCAS de Rodez",
        # Hours over the locked half-days: 3.5 + 3.5; 3 (30 min late) + 0; 3.5 + 0 (excused).
        "7 h",
        "3 h",
        "14 h",  # planned
        _fr(SignatureMethod.TRAINER_DEVICE.label),
        _fr(SignatureMethod.QR_ACCOUNT.label),
        _fr(SignatureMethod.QR_LINK.label),
        "08:50:00",  # Paris time of the signatures
        "Certificat médical reçu le 16 décembre",
        "Claire Coordinatrice",
        "Julien Carrère",
    ):
        assert expected in text, expected
    for slot in (morning, afternoon):
        assert AttendanceSheet.objects.get(slot=slot).last_hash in text.replace(" ", "")
    # Signatures are embedded images: three trainees and the trainer in the morning, one and the trainer after.
    images = {image.data for page in PdfReader(io.BytesIO(pdf)).pages for image in page.images}
    assert len(images) == 3 + 1 + 1 + 1


def test_signed_sheet_marks_half_days_not_validated(catalogue, trainer_user):
    session, registrations = _session(catalogue, trainer_user, trainees=2)
    morning = _slots(session)[0]
    attendance_sheet_open(slot=morning, user=trainer_user, now=_at(8, 45))
    attendance_sign(
        slot=morning,
        registration=registrations[0],
        signature=_png(),
        method=SignatureMethod.TRAINER_DEVICE,
        actor=trainer_user,
        now=_at(8, 50),
    )

    text = _text(attendance_signed_pdf(session=session))

    with translation.override("fr"):
        from django.utils.translation import gettext

        assert gettext("NOT VALIDATED") in text
        assert text.count(gettext("Not validated")) == 4  # the summary: all four half-days
    assert "0 h" in text  # nothing counts before the lock


def test_signed_sheet_costs_the_same_queries_for_3_or_15_trainees(catalogue, trainer_user, committed):
    def queries(trainees: int, code: str) -> int:
        session, registrations = _session(catalogue, trainer_user, trainees=trainees, code=code)
        with committed():
            _attend_first_day(session, registrations, trainer_user)
        with CaptureQueriesContext(connection) as captured:
            attendance_signed_pdf(session=session)
        return len(captured)

    attendance_signed_pdf(session=_session(catalogue, trainer_user, trainees=1, code="2026-WARM-00")[0])
    assert queries(3, "2026-VIF-12-03") == queries(15, "2026-VIF-12-15")
