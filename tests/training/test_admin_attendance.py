"""The coordinator's attendance pages in the Wagtail admin: the session grid and its documents,
the proof records, a scanned paper sheet, corrections after the lock, the drop-out follow-up."""

import datetime
import hashlib

import pytest
from freezegun import freeze_time

from django.contrib.auth.models import Group, Permission
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.roles import COORDINATION, roles_sync
from tests.clock import NOW, PARIS
from tests.factories import (
    RegistrationFactory,
    SessionFactory,
    TrainerFactory,
    UserFactory,
    course_create,
    signature_png,
    slots_create,
)
from training.choices import (
    AbandonmentReason,
    AttendanceStatus,
    ProofKind,
    RegistrationStatus,
    SheetStatus,
    SignatureMethod,
)
from training.models import Attendance, AttendanceProof, AttendanceSheet, PaperScan, Registration
from training.services.attendance import (
    attendance_chain_verify,
    attendance_sheet_lock,
    attendance_sheet_open,
    attendance_sign,
)

pytestmark = pytest.mark.django_db

DAY = datetime.date(2026, 12, 14)  # a Monday: 9:00–12:30 and 13:30–17:00, then Tuesday
AFTER = datetime.datetime(2026, 12, 18, 10, 0, tzinfo=PARIS)  # the Friday after: the coordinator's turn
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _at(hour: int, minute: int = 0, day: datetime.date = DAY) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=PARIS)


def _png(seed: int = 0) -> bytes:
    return signature_png(seed=seed)


@pytest.fixture(autouse=True)
def _frozen():
    with freeze_time(AFTER):
        yield


@pytest.fixture
def trainer_user():
    return UserFactory(first_name="Julien", last_name="Carrère")


@pytest.fixture
def session(catalogue, trainer_user):
    session = SessionFactory(
        course=course_create(catalogue=catalogue, title="Comprendre les violences intrafamiliales")
    )
    session.trainers.add(TrainerFactory(user=trainer_user))
    slots_create(session=session, first_day=DAY, days=2)
    return session


@pytest.fixture
def slots(session):
    return list(session.slots.order_by("date", "starts_at"))


def _trainees(session, count: int, start: int = 0) -> list[Registration]:
    return [
        RegistrationFactory(
            session=session,
            status=RegistrationStatus.CONFIRMED,
            confirmed_at=NOW,
            user=UserFactory(first_name="Léa", last_name=f"Stagiaire{index:02d}"),
        )
        for index in range(start, start + count)
    ]


@pytest.fixture
def trainees(session):
    return _trainees(session, 3)


@pytest.fixture
def coordinator():
    roles_sync()
    user = UserFactory(first_name="Claire", last_name="Coordinatrice")
    user.groups.add(Group.objects.get(name=COORDINATION))
    return user


@pytest.fixture
def coordinator_client(client, coordinator):
    client.force_login(coordinator)
    return client


def _messages(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def _locked_morning(slot, trainees, trainer_user, *, signed: int):
    """The trainer opens the morning, the first `signed` trainees sign, the others are recorded absent."""
    attendance_sheet_open(slot=slot, user=trainer_user, now=_at(8, 45))
    for index, registration in enumerate(trainees[:signed]):
        attendance_sign(
            slot=slot,
            registration=registration,
            signature=_png(index),
            method=SignatureMethod.TRAINER_DEVICE,
            actor=trainer_user,
            now=_at(8, 50),
        )
    return attendance_sheet_lock(slot=slot, user=trainer_user, signature=_png(99), now=_at(12, 25))


def _paper_post(slots, trainees, *, content=PDF, name="feuille-lundi.pdf", marks=None):
    data = {"scan": SimpleUploadedFile(name, content), "slots": [str(slot.pk) for slot in slots]}
    for slot in slots:
        for registration in trainees:
            data[f"status-{slot.pk}-{registration.pk}"] = AttendanceStatus.PRESENT
    data.update(marks or {})
    return data


# Access
# ------------------------------------------------------------------------------


def _urls(session, slots, trainees, scan):
    return [
        reverse("attendance:session", args=[session.pk]),
        reverse("attendance:paper", args=[session.pk]),
        reverse("attendance:session_paper_pdf", args=[session.pk]),
        reverse("attendance:session_signed_pdf", args=[session.pk]),
        reverse("attendance:slot_paper_pdf", args=[slots[0].pk]),
        reverse("attendance:slot_proofs", args=[slots[0].pk]),
        reverse("attendance:correct", args=[slots[0].pk, trainees[0].pk]),
        reverse("attendance:scan_download", args=[scan.pk]),
        reverse("attendance:absences"),
    ]


def test_attendance_pages_need_the_attendance_permissions(client, coordinator, session, slots, trainees):
    scan = PaperScan.objects.create(
        session=session,
        file=SimpleUploadedFile("scan.pdf", PDF),
        original_name="scan.pdf",
        content_type="application/pdf",
        size=len(PDF),
        sha256=hashlib.sha256(PDF).hexdigest(),
        uploaded_at=AFTER,
        uploaded_by=coordinator,
    )
    urls = _urls(session, slots, trainees, scan)

    for url in urls:  # anonymous: to the login page
        response = client.get(url)
        assert response.status_code == 302 and reverse("wagtailadmin_login") in response["Location"], url

    back_office_only = UserFactory()
    group = Group.objects.create(name="Accueil")
    group.permissions.add(Permission.objects.get(codename="access_admin"))
    back_office_only.groups.add(group)
    client.force_login(back_office_only)
    for url in urls:  # Wagtail answers a permission denied by a redirect to its home page
        response = client.get(url)
        assert (response.status_code, response["Location"]) == (302, reverse("wagtailadmin_home")), url
    response = client.post(
        reverse("attendance:abandonment", args=[trainees[0].pk]), {"reason": AbandonmentReason.HEALTH}
    )
    assert response["Location"] == reverse("wagtailadmin_home")
    assert Registration.objects.get(pk=trainees[0].pk).abandoned_at is None
    assert reverse("attendance:absences") not in client.get(reverse("wagtailadmin_home")).content.decode()  # no menu

    client.force_login(coordinator)
    for url in urls:
        assert client.get(url).status_code == 200, url


def test_reading_attendance_does_not_allow_acting(client, session, slots, trainees):
    reader = UserFactory()
    group = Group.objects.create(name="Lecture")
    group.permissions.add(
        Permission.objects.get(codename="access_admin"), Permission.objects.get(codename="view_attendance")
    )
    reader.groups.add(group)
    client.force_login(reader)

    assert client.get(reverse("attendance:session", args=[session.pk])).status_code == 200
    response = client.post(reverse("attendance:paper", args=[session.pk]), _paper_post(slots[:1], trainees))
    assert response["Location"] == reverse("wagtailadmin_home")
    assert not PaperScan.objects.exists() and not Attendance.objects.exists()


def test_session_pages_link_to_the_attendance(coordinator_client, session):
    url = reverse("attendance:session", args=[session.pk])
    for page in (
        reverse("sessions:edit", args=[session.pk]),
        reverse("sessions:inspect", args=[session.pk]),
        reverse("registrations:session", args=[session.pk]),
    ):
        assert url in coordinator_client.get(page).content.decode(), page
    assert reverse("attendance:absences") in coordinator_client.get(reverse("wagtailadmin_home")).content.decode()


# The session's grid
# ------------------------------------------------------------------------------


def test_grid_shows_each_attendance_the_sheets_and_the_hours(
    coordinator_client, session, slots, trainees, trainer_user
):
    with freeze_time(_at(12, 25)):
        _locked_morning(slots[0], trainees, trainer_user, signed=2)

    response = coordinator_client.get(reverse("attendance:session", args=[session.pk]))

    content = response.content.decode()
    assert content.count("08:50") == 2  # the signature times of the two who signed
    assert "Stagiaire02" in content and "Absent" in content
    assert "<strong>3,5</strong> / 14 h" in content  # hours attended over the locked half-day, vs planned
    assert reverse("attendance:slot_proofs", args=[slots[0].pk]) in content
    assert reverse("attendance:slot_paper_pdf", args=[slots[0].pk]) in content
    assert reverse("attendance:session_signed_pdf", args=[session.pk]) in content
    assert reverse("attendance:session_paper_pdf", args=[session.pk]) in content
    assert reverse("attendance:correct", args=[slots[0].pk, trainees[2].pk]) in content
    assert reverse("attendance:correct", args=[slots[1].pk, trainees[2].pk]) not in content  # not locked


def _grid_queries(client, session) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("attendance:session", args=[session.pk])).status_code == 200
    return len(queries)


def test_grid_costs_the_same_queries_for_3_or_15_trainees(coordinator_client, catalogue, trainer_user, committed):
    def grid(trainees: int) -> int:
        session = SessionFactory(course=course_create(catalogue=catalogue, title=f"Cours {trainees}"))
        session.trainers.add(*trainer_user.trainer.__class__.objects.filter(user=trainer_user))
        slots_create(session=session, first_day=DAY, days=2)
        registrations = _trainees(session, trainees, start=100 * trainees)
        with committed():
            _locked_morning(session.slots.order_by("date", "starts_at")[0], registrations, trainer_user, signed=2)
        PaperScan.objects.create(
            session=session,
            file=SimpleUploadedFile("scan.pdf", PDF),
            original_name="scan.pdf",
            content_type="application/pdf",
            size=len(PDF),
            sha256="0" * 64,
            uploaded_at=AFTER,
            uploaded_by=trainer_user,
        )
        return _grid_queries(coordinator_client, session)

    TrainerFactory(user=trainer_user)
    grid(1)  # warm the caches (settings, content types)
    assert grid(3) == grid(15)


def test_proofs_list_every_record_with_its_signature(coordinator_client, session, slots, trainees, trainer_user):
    _locked_morning(slots[0], trainees, trainer_user, signed=1)

    response = coordinator_client.get(reverse("attendance:slot_proofs", args=[slots[0].pk]))

    content = response.content.decode()
    sheet = AttendanceSheet.objects.get(slot=slots[0])
    assert sheet.proof_count == 4  # opened, one signature, the trainer's signature, locked
    for proof in AttendanceProof.objects.filter(sheet=sheet):
        assert proof.hash[:12] in content
    assert content.count('src="data:image/png;base64,') == 2  # the trainee's and the trainer's signatures
    assert sheet.last_hash in content


# A scanned paper sheet
# ------------------------------------------------------------------------------


def test_paper_sheet_records_locks_and_keeps_the_scan(coordinator_client, session, slots, trainees, committed):
    monday = slots[:2]
    marks = {
        f"status-{monday[0].pk}-{trainees[1].pk}": AttendanceStatus.PARTIAL,
        f"minutes-{monday[0].pk}-{trainees[1].pk}": "45",
        f"status-{monday[1].pk}-{trainees[2].pk}": AttendanceStatus.EXCUSED,
        f"reason-{monday[1].pk}-{trainees[2].pk}": "Enfant malade",
    }
    url = reverse("attendance:paper", args=[session.pk])
    assert coordinator_client.get(url).status_code == 200

    with committed():
        response = coordinator_client.post(url, _paper_post(monday, trainees, marks=marks))

    assert response.status_code == 302 and response["Location"] == reverse("attendance:session", args=[session.pk])
    scan = PaperScan.objects.get()
    assert scan.sha256 == hashlib.sha256(PDF).hexdigest()
    assert (scan.original_name, scan.content_type, scan.size) == ("feuille-lundi.pdf", "application/pdf", len(PDF))
    assert scan.file.read() == PDF
    for slot in monday:
        sheet = AttendanceSheet.objects.get(slot=slot)
        assert (sheet.status, sheet.paper_scan) == (SheetStatus.LOCKED, scan)
        assert sheet.proofs.filter(kind=ProofKind.PAPER).count() == 3
        assert attendance_chain_verify(sheet=sheet) == []
    attendance = Attendance.objects.get(slot=monday[0], registration=trainees[1])
    assert (attendance.status, attendance.minutes_missed, str(attendance.hours)) == ("partial", 45, "2.75")
    assert Attendance.objects.get(slot=monday[1], registration=trainees[2]).reason == "Enfant malade"
    assert not AttendanceSheet.objects.filter(slot__in=slots[2:]).exists()  # Tuesday untouched

    grid = coordinator_client.get(response["Location"]).content.decode()
    assert reverse("attendance:scan_download", args=[scan.pk]) in grid and "feuille-lundi.pdf" in grid


def test_paper_sheet_refuses_a_file_that_is_not_a_scan_and_writes_nothing(coordinator_client, session, slots, trainees):
    response = coordinator_client.post(
        reverse("attendance:paper", args=[session.pk]),
        _paper_post(slots[:1], trainees, content=b"MZ\x90\x00 not a scan", name="feuille.exe"),
    )

    assert response.status_code == 200  # the form again, with what was chosen
    assert any("PDF, PNG" in message for message in _messages(response))
    assert not PaperScan.objects.exists()
    assert not Attendance.objects.exists() and not AttendanceProof.objects.exists()
    assert not AttendanceSheet.objects.filter(status=SheetStatus.LOCKED).exists()


def test_paper_sheet_with_a_wrong_line_records_nothing(coordinator_client, session, slots, trainees):
    marks = {f"status-{slots[1].pk}-{trainees[0].pk}": AttendanceStatus.PARTIAL}  # minutes missing

    response = coordinator_client.post(
        reverse("attendance:paper", args=[session.pk]), _paper_post(slots[:2], trainees, marks=marks)
    )

    assert response.status_code == 200
    assert not PaperScan.objects.exists() and not Attendance.objects.exists()
    assert not AttendanceSheet.objects.filter(status=SheetStatus.LOCKED).exists()


def test_scan_download_needs_the_permission_to_read_scans(client, coordinator_client, session, slots, trainees):
    coordinator_client.post(reverse("attendance:paper", args=[session.pk]), _paper_post(slots[:1], trainees))
    scan = PaperScan.objects.get()
    url = reverse("attendance:scan_download", args=[scan.pk])

    response = coordinator_client.get(url)
    assert response.status_code == 200 and b"".join(response.streaming_content) == PDF
    assert response["Content-Type"] == "application/pdf" and "attachment" in response["Content-Disposition"]

    reader = UserFactory()
    group = Group.objects.create(name="Lecture")
    group.permissions.add(
        Permission.objects.get(codename="access_admin"), Permission.objects.get(codename="view_attendance")
    )
    reader.groups.add(group)
    client.force_login(reader)
    assert client.get(url)["Location"] == reverse("wagtailadmin_home")


# Corrections after the lock
# ------------------------------------------------------------------------------


def test_correction_needs_a_reason_and_keeps_the_chain_and_the_values_before(
    coordinator_client, session, slots, trainees, trainer_user, committed
):
    with committed():
        _locked_morning(slots[0], trainees, trainer_user, signed=2)
    url = reverse("attendance:correct", args=[slots[0].pk, trainees[2].pk])
    assert coordinator_client.get(url).status_code == 200

    response = coordinator_client.post(url, {"status": AttendanceStatus.EXCUSED, "reason": "  "})
    assert response.status_code == 200
    assert Attendance.objects.get(slot=slots[0], registration=trainees[2]).status == AttendanceStatus.ABSENT

    response = coordinator_client.post(url, {"status": AttendanceStatus.EXCUSED, "reason": "Arrêt maladie reçu"})

    assert response["Location"] == reverse("attendance:session", args=[session.pk])
    attendance = Attendance.objects.get(slot=slots[0], registration=trainees[2])
    assert (attendance.status, attendance.reason) == (AttendanceStatus.EXCUSED, "Arrêt maladie reçu")
    sheet = AttendanceSheet.objects.get(slot=slots[0])
    assert attendance_chain_verify(sheet=sheet) == []
    correction = sheet.proofs.get(kind=ProofKind.CORRECTION)
    assert correction.data["before"]["status"] == AttendanceStatus.ABSENT
    assert correction.data["after"]["status"] == AttendanceStatus.EXCUSED
    assert correction.actor.last_name == "Coordinatrice"

    grid = coordinator_client.get(response["Location"]).content.decode()
    assert "attendance-grid__corrected" in grid
    proofs = coordinator_client.get(reverse("attendance:slot_proofs", args=[slots[0].pk])).content.decode()
    assert "Arrêt maladie reçu" in proofs


def test_an_open_half_day_is_not_corrected_by_the_coordination(coordinator_client, slots, trainees, trainer_user):
    attendance_sheet_open(slot=slots[0], user=trainer_user, now=_at(8, 45))
    url = reverse("attendance:correct", args=[slots[0].pk, trainees[0].pk])

    response = coordinator_client.post(url, {"status": AttendanceStatus.ABSENT, "reason": "Parti"})

    assert response.status_code == 200
    assert not Attendance.objects.exists()
    assert not AttendanceProof.objects.filter(kind=ProofKind.CORRECTION).exists()


# Drop-out follow-up
# ------------------------------------------------------------------------------


def test_absences_are_listed_and_giving_up_is_recorded(coordinator_client, session, slots, trainees, trainer_user):
    _locked_morning(slots[0], trainees, trainer_user, signed=2)
    url = reverse("attendance:absences")

    content = coordinator_client.get(url).content.decode()
    assert "Stagiaire02" in content and "Stagiaire00" not in content
    assert trainees[2].user.email in content

    abandon = reverse("attendance:abandonment", args=[trainees[2].pk])
    response = coordinator_client.post(abandon, {"reason": AbandonmentReason.OTHER, "details": ""})
    assert Registration.objects.get(pk=trainees[2].pk).abandoned_at is None  # "other" needs details
    assert response["Location"] == url

    coordinator_client.post(abandon, {"reason": AbandonmentReason.WORK, "details": "Nouveau poste"})

    registration = Registration.objects.get(pk=trainees[2].pk)
    assert (registration.abandonment_reason, registration.abandonment_details) == ("work", "Nouveau poste")
    assert registration.abandoned_at == AFTER
    assert coordinator_client.get(abandon).status_code == 405


def test_a_session_with_evidence_is_never_deleted(client, catalogue):
    client.force_login(UserFactory(is_superuser=True))
    session = SessionFactory(course=course_create(catalogue=catalogue, title="Preuves"))
    RegistrationFactory(session=session, status=RegistrationStatus.CONFIRMED)

    response = client.post(reverse("sessions:delete", args=[session.pk]))

    assert response.status_code == 302  # refused with a message (Wagtail's protected usage, or ours), not a 500
    assert type(session).objects.filter(pk=session.pk).exists()
