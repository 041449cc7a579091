"""`purge_expired_data`: expired personal data goes, the yearly figures stay, legal holds keep everything."""

import datetime
import io
import os
import re
from decimal import Decimal

import pandas  # noqa: F401  imported before any frozen clock
import pytest
from freezegun import freeze_time

from django.core.files.base import ContentFile
from django.core.management import call_command

from accounts.models import LegalHold, Profile, PurgeRun, User
from accounts.retention import personal_data_purge, record_types
from evaluations.choices import QuestionnaireKind
from evaluations.indicators import indicators_for_year
from evaluations.models import AccessibilityAdaptation, Answer, Complaint, Invitation, Response
from evaluations.reports.bpf import bpf_for_year
from evaluations.services.campaigns import campaign_open
from evaluations.services.responses import response_submit
from tests.clock import PARIS
from tests.factories import (
    ProfileFactory,
    RegistrationFactory,
    SessionFactory,
    TrainerFactory,
    UserFactory,
    course_create,
    department,
    signature_data_url,
    slots_create,
)
from training.choices import DocumentKind, RegistrationStatus, RetentionClass, SessionStatus
from training.models import (
    Attendance,
    AttendanceProof,
    AttendanceSheet,
    DataExport,
    Document,
    PaperScan,
    Registration,
    RegistrationMessage,
)
from training.services.attendance import (
    Client,
    attendance_chain_verify,
    attendance_sheet_lock,
    attendance_sheet_open,
    attendance_sign,
)

pytestmark = pytest.mark.django_db

OLD_DAY = datetime.date(2019, 3, 11)  # a Monday
RECENT_DAY = datetime.date(2025, 3, 10)  # a Monday
BEFORE = datetime.datetime(2025, 6, 2, 10, tzinfo=PARIS)
SEVEN_YEARS_LATER = datetime.datetime(2026, 6, 2, 3, 30, tzinfo=PARIS)  # 7 years after the old sessions
PHONE = Client(ip_address="192.0.2.10", user_agent="Mozilla/5.0 (Android 14; Mobile)")
TODAY = SEVEN_YEARS_LATER.date()


def _at(day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=PARIS)


def _trainee(session, **fields):
    user = fields.pop("user", None)
    profile = user.profile if user is not None else ProfileFactory(phone="0601020304")
    registered = _at(session.slots.first().date, 8) - datetime.timedelta(days=20)
    if user is None:
        User.objects.filter(pk=profile.user_id).update(date_joined=registered)
    registration = RegistrationFactory(
        session=session,
        user=profile.user,
        status=RegistrationStatus.CONFIRMED,
        structure_type=profile.structure_type,
        activity_sector=profile.activity_sector,
        professional_category=profile.professional_category,
        department=profile.department,
        job_title="Infirmière scolaire",
        structure_name="Collège Jean Moulin",
        expectations="Mieux accompagner mes élèves",
        accessibility_needs="Salle accessible en fauteuil roulant",
        accessibility_consent_at=registered,
        **fields,
    )
    Registration.objects.filter(pk=registration.pk).update(created_at=registered)
    return registration


def _signed_session(catalogue, day, *, people=3, **fields):
    """A held two-half-day session whose trainees signed on their phones, locked by the trainer."""
    trainer_user = UserFactory(first_name="Julien", last_name="Carrère")
    session = SessionFactory(course=course_create(catalogue=catalogue), status=SessionStatus.DONE, **fields)
    session.trainers.add(TrainerFactory(user=trainer_user))
    slots_create(session=session, first_day=day, days=1)
    registrations = [_trainee(session) for _ in range(people)]
    for slot in session.slots.all():
        start = datetime.datetime.combine(slot.date, slot.starts_at, tzinfo=PARIS)
        with freeze_time(start - datetime.timedelta(minutes=10)):
            attendance_sheet_open(slot=slot, user=trainer_user, client=PHONE)
        for index, registration in enumerate(registrations):
            with freeze_time(start + datetime.timedelta(minutes=5)):
                attendance_sign(
                    slot=slot,
                    registration=registration,
                    signature=signature_data_url(seed=index),
                    method="qr_account",
                    actor=registration.user,
                    client=PHONE,
                )
        with freeze_time(start + datetime.timedelta(hours=3)):
            attendance_sheet_lock(slot=slot, user=trainer_user, signature=signature_data_url(seed=9), client=PHONE)
    Attendance.objects.filter(registration=registrations[0]).update(reason="Rendez-vous médical")
    return session, registrations


def _surveyed(session, registrations, comment: str):
    with freeze_time(_at(session.slots.last().date, 18)):
        campaign = campaign_open(kind=QuestionnaireKind.HOT, session=session)
        for registration, value in zip(registrations, ("4", "3", "1"), strict=False):
            token = Invitation.objects.get(campaign=campaign, registration=registration).token
            response_submit(token=token, values={"attentes": value, "objectifs": "4", "commentaire": comment})
    return campaign


def _paperwork(session, registration, day):
    """A certificate, a scanned sheet, a message sent, a complaint and an adaptation of this session."""
    document = Document(
        kind=DocumentKind.CERTIFICATE,
        session=session,
        registration=registration,
        issued_at=_at(day, 18),
        size=4,
        sha256="0" * 64,
        verification_code=f"CODE{registration.pk:06d}",
        retention_class=RetentionClass.EVIDENCE,
        retain_until=day + datetime.timedelta(days=6 * 366),
    )
    document.file.save("certificat.pdf", ContentFile(b"%PDF"), save=False)
    document.save()
    scan = PaperScan(
        session=session,
        original_name="feuille.pdf",
        content_type="application/pdf",
        size=4,
        sha256="1" * 64,
        uploaded_at=_at(day, 18),
        uploaded_by=registration.user,
    )
    scan.file.save("feuille.pdf", ContentFile(b"%PDF"), save=False)
    scan.save()
    RegistrationMessage.objects.create(
        registration=registration, kind="confirmed", recipient=registration.user.email, sent_at=_at(day, 8)
    )
    Complaint.objects.create(
        received_at=_at(day, 18),
        complainant="Camille Plaignante",
        email="plaignante@exemple.fr",
        session=session,
        subject="Salle trop froide",
        description="Je m'appelle Camille et la salle était froide.",
        status="closed",
        closed_at=_at(day, 18) + datetime.timedelta(days=10),
    )
    AccessibilityAdaptation.objects.create(
        registration=registration, need="Fauteuil roulant", adaptation="Salle de plain-pied", decided_on=day
    )
    return document, scan


@pytest.fixture
def world(catalogue):
    """Trainings in 2019 (expired seven years later) and in 2025 (not yet), a session and a person on hold."""
    old, old_people = _signed_session(catalogue, OLD_DAY, department=department("31"))
    old_campaign = _surveyed(old, old_people, comment="Merci à Julien Carrère, formateur génial")
    document, scan = _paperwork(old, old_people[0], OLD_DAY)

    held, held_people = _signed_session(
        catalogue, OLD_DAY + datetime.timedelta(days=7), people=1, legal_hold=True, legal_hold_reason="Contrôle ARS"
    )
    held_document, held_scan = _paperwork(held, held_people[0], OLD_DAY + datetime.timedelta(days=7))

    other_old = SessionFactory(course=old.course, status=SessionStatus.DONE, department=department("34"))
    slots_create(session=other_old, first_day=OLD_DAY + datetime.timedelta(days=14), days=1)
    held_person = _trainee(other_old, hours_recorded=Decimal("7")).user
    LegalHold.objects.create(person=held_person, reason="Litige en cours")
    returning = _trainee(other_old, hours_recorded=Decimal("7")).user  # trained again in 2025

    recent, recent_people = _signed_session(catalogue, RECENT_DAY, department=department("12"))
    _trainee(recent, user=returning, hours_recorded=Decimal("7"))
    recent_campaign = _surveyed(recent, recent_people, comment="Très utile")

    prospect = UserFactory()  # signed up in 2019, never came back
    User.objects.filter(pk=prospect.pk).update(date_joined=_at(OLD_DAY, 9), last_login=None)
    with freeze_time(_at(OLD_DAY, 9)):
        export = DataExport.objects.create(requested_by=prospect, resource="x", title="Export", format="xlsx")
    export.file.save("export.xlsx", ContentFile(b"xlsx"))
    return {
        "old": old,
        "old_people": old_people,
        "old_campaign": old_campaign,
        "document": document,
        "scan": scan,
        "held": held,
        "held_people": held_people,
        "held_document": held_document,
        "held_scan": held_scan,
        "held_person": held_person,
        "returning": returning,
        "recent": recent,
        "recent_people": recent_people,
        "recent_campaign": recent_campaign,
        "prospect": prospect,
        "export": export,
    }


def _bpf_figures(year):
    """The BPF's figures; what is missing keeps its counts (its items name the people to complete)."""
    data = bpf_for_year(year=year, today=TODAY)
    data["missing"] = [(item["code"], item["count"]) for item in data["missing"]]
    return data


def _figures():
    return {year: (indicators_for_year(year=year, today=TODAY), _bpf_figures(year)) for year in (2019, 2025)}


def test_the_purge_erases_expired_personal_data_and_keeps_every_yearly_figure(world, committed):
    with freeze_time(BEFORE):
        before = _figures()
    assert before[2019][0]["trainees"] == 6 and before[2025][0]["trainees"] == 4
    assert before[2019][0]["hot"]["n"] == 3
    old_file = world["document"].file.path

    with freeze_time(SEVEN_YEARS_LATER), committed():
        report = personal_data_purge()
    with freeze_time(SEVEN_YEARS_LATER):
        after = _figures()

    assert after == before
    counts = report.counts
    assert counts["registration"] == 4  # the old session's three and the returning person's 2019 one
    assert counts["account"] == 4  # the old session's three and the prospect; the returning one is kept

    old = world["old"]
    for registration in Registration.objects.filter(session=old):
        assert (registration.expectations, registration.accessibility_needs, registration.job_title) == ("", "", "")
        assert registration.structure_name == "" and registration.accessibility_consent_at is None
        assert registration.structure_type_id is not None and registration.anonymised_at is not None
        user = registration.user
        assert (user.first_name, user.last_name, user.is_active) == ("", "", False)
        assert user.email.endswith("@anonyme.invalid") and not user.has_usable_password()
        assert not Profile.objects.filter(user=user).exists()
    assert not Attendance.objects.filter(slot__session=old).exclude(reason="").exists()
    assert not RegistrationMessage.objects.filter(registration__session=old).exclude(recipient="").exists()

    proofs = AttendanceProof.objects.filter(sheet__slot__session=old)
    assert proofs.exists()
    assert not proofs.filter(redacted_at__isnull=True).exists()
    assert not proofs.exclude(user_agent="").exists() and not proofs.filter(ip_address__isnull=False).exists()
    assert all(bytes(proof.signature_png) == b"" and "trainee" not in proof.data for proof in proofs)
    for sheet in AttendanceSheet.objects.filter(slot__session=old):
        assert attendance_chain_verify(sheet=sheet) == []

    assert not Document.objects.filter(pk=world["document"].pk).exists()
    assert not os.path.exists(old_file)
    scan = PaperScan.objects.get(pk=world["scan"].pk)
    assert not scan.file and not world["scan"].file.storage.exists(world["scan"].file.name)
    assert not DataExport.objects.filter(pk=world["export"].pk).exists()

    assert not Answer.objects.filter(response__campaign=world["old_campaign"]).exclude(text="").exists()
    assert not Response.objects.filter(campaign=world["old_campaign"], registration__isnull=False).exists()
    invitations = Invitation.objects.filter(campaign=world["old_campaign"])
    assert all(i.email.endswith("@anonyme.invalid") and i.name == "" for i in invitations)
    complaint = Complaint.objects.get(session=old)
    assert (complaint.complainant, complaint.email, complaint.description) == ("", "", "")
    assert complaint.subject == "Salle trop froide"
    adaptation = AccessibilityAdaptation.objects.get(session=old)
    assert adaptation.registration is None and adaptation.adaptation == "Salle de plain-pied"

    prospect = User.objects.get(pk=world["prospect"].pk)
    assert prospect.anonymised_at is not None and prospect.email.endswith("@anonyme.invalid")

    # 2025 is within its retention: only the accessibility needs (three months) went.
    recent_people = Registration.objects.filter(session=world["recent"])
    assert not recent_people.exclude(accessibility_needs="").exists()
    assert all(r.expectations and r.job_title and r.anonymised_at is None for r in recent_people)
    assert all(r.user.first_name and r.user.is_active for r in recent_people)
    assert not AttendanceProof.objects.filter(sheet__slot__session=world["recent"], redacted_at__isnull=False).exists()
    assert Answer.objects.filter(response__campaign=world["recent_campaign"], text="Très utile").count() == 3
    returning = User.objects.get(pk=world["returning"].pk)
    assert returning.first_name and returning.anonymised_at is None

    run = PurgeRun.objects.get()
    assert run.counts == counts and run.held["registration"] == 2


def test_legal_holds_keep_everything_of_a_session_and_of_a_person(world, committed):
    with freeze_time(SEVEN_YEARS_LATER), committed():
        report = personal_data_purge()

    held = Registration.objects.get(session=world["held"])
    assert held.expectations and held.accessibility_needs and held.job_title and held.anonymised_at is None
    assert held.user.first_name and held.user.is_active
    assert Document.objects.filter(pk=world["held_document"].pk).exists()
    assert world["held_document"].file.storage.exists(world["held_document"].file.name)
    assert PaperScan.objects.get(pk=world["held_scan"].pk).file
    proofs = AttendanceProof.objects.filter(sheet__slot__session=world["held"])
    assert not proofs.filter(redacted_at__isnull=False).exists() and not proofs.filter(user_agent="").exists()
    assert Complaint.objects.get(session=world["held"]).complainant == "Camille Plaignante"
    assert AccessibilityAdaptation.objects.get(registration=held).need == "Fauteuil roulant"

    person = User.objects.get(pk=world["held_person"].pk)
    registration = person.registrations.get()
    assert registration.expectations and registration.accessibility_needs and person.is_active
    assert Profile.objects.filter(user=person).exists()
    assert report.held["registration"] == 2 and report.held["document_evidence"] == 1


def test_the_purge_is_idempotent_and_a_dry_run_changes_nothing(world, committed):
    with freeze_time(SEVEN_YEARS_LATER):
        with committed():
            dry = personal_data_purge(dry_run=True)
        assert Registration.objects.filter(anonymised_at__isnull=False).count() == 0
        assert Document.objects.filter(pk=world["document"].pk).exists()
        assert world["document"].file.storage.exists(world["document"].file.name)
        assert not PurgeRun.objects.exists()

        first = personal_data_purge()
        second = personal_data_purge()

    assert dry.counts == first.counts
    assert first.counts["registration"] and first.counts["attendance_proof"]
    assert set(second.counts.values()) == {0}
    assert PurgeRun.objects.count() == 2


def test_the_command_prints_each_record_type_with_its_count(world):
    out = io.StringIO()
    with freeze_time(SEVEN_YEARS_LATER):
        expected = personal_data_purge(dry_run=True)
        call_command("purge_expired_data", "--dry-run", stdout=out)
    assert Registration.objects.filter(anonymised_at__isnull=False).count() == 0
    lines = out.getvalue().splitlines()[1:]  # after the dry-run notice
    assert len(lines) == len(record_types())
    for line, (record, done, held) in zip(lines, expected.rows, strict=True):
        numbers = re.findall(r"\d+", line)
        assert numbers[0] == str(record.duration)
        assert numbers[1:] == ([str(done), str(held)] if held else [str(done)])
    assert expected.counts["registration"] == 4 and expected.held["registration"] == 2


def test_durations_come_from_the_settings(world, settings):
    settings.RETENTION_EVIDENCE_YEARS = 10
    with freeze_time(SEVEN_YEARS_LATER):
        report = personal_data_purge()
    assert report.counts["registration"] == 0 and report.counts["attendance_proof"] == 0
    assert Registration.objects.filter(session=world["old"], accessibility_needs="").count() == 3  # 3 months


def test_a_redacted_chain_still_shows_a_removed_record(world, committed):
    with freeze_time(SEVEN_YEARS_LATER), committed():
        personal_data_purge()
    sheet = AttendanceSheet.objects.filter(slot__session=world["old"]).first()
    proof = sheet.proofs.get(sequence=3)
    assert proof.redacted_at is not None
    Attendance.objects.filter(signature=proof).update(signature=None)
    proof.delete()
    assert attendance_chain_verify(sheet=sheet) == [4]
