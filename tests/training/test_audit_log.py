"""The audit log: every read of health data in the adaptations register and in a person's data
export, every change to a locked half-day and every paper sheet recorded, in Wagtail's log (the
object's history and the site history report the référent filters by action)."""

import datetime
import html

import pytest
from freezegun import freeze_time

from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from wagtail.models import ModelLogEntry

from accounts.roles import DISABILITY_REFERENT
from evaluations.models import AccessibilityAdaptation
from tests.clock import PARIS
from tests.factories import (
    RegistrationFactory,
    SessionFactory,
    TrainerFactory,
    UserFactory,
    course_create,
    signature_png,
    slots_create,
)
from training.choices import AttendanceStatus, ProofKind, RegistrationStatus, SignatureMethod
from training.models import AttendanceProof
from training.services.attendance import (
    attendance_correct,
    attendance_sheet_lock,
    attendance_sheet_open,
    attendance_sign,
)
from training.services.audit import ACCESSIBILITY_NEEDS_VIEWED, ATTENDANCE_CORRECTED, ATTENDANCE_PAPER_RECORDED

pytestmark = pytest.mark.django_db

DAY = datetime.date(2026, 12, 14)  # a Monday
AFTER = datetime.datetime(2026, 12, 18, 10, 0, tzinfo=PARIS)
NEEDS = "Fauteuil roulant : salle de plain-pied"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture(autouse=True)
def _frozen():
    with freeze_time(AFTER):
        yield


@pytest.fixture
def trainer_user():
    return UserFactory(first_name="Julien", last_name="Carrère")


@pytest.fixture
def session(catalogue, trainer_user):
    session = SessionFactory(course=course_create(catalogue=catalogue), code="2026-CPS-12-07")
    session.trainers.add(TrainerFactory(user=trainer_user))
    slots_create(session=session, first_day=DAY, days=1)
    return session


@pytest.fixture
def with_needs(session):
    return RegistrationFactory(
        session=session,
        status=RegistrationStatus.CONFIRMED,
        user=UserFactory(first_name="Léa", last_name="Besoins"),
        accessibility_needs=NEEDS,
        accessibility_consent_at=AFTER,
    )


@pytest.fixture
def without_needs(session):
    return RegistrationFactory(session=session, status=RegistrationStatus.CONFIRMED, user=UserFactory())


@pytest.fixture
def adaptation(with_needs):
    return AccessibilityAdaptation.objects.create(
        registration=with_needs,
        session=with_needs.session,
        need=NEEDS,
        adaptation="Salle du rez-de-chaussée",
        decided_on=DAY,
    )


def _reads() -> list[tuple[str, str, int, str]]:
    return sorted(
        (entry.content_type.model, entry.object_id, entry.user_id, entry.data["where"])
        for entry in ModelLogEntry.objects.filter(action=ACCESSIBILITY_NEEDS_VIEWED).select_related("content_type")
    )


# Reads of health data
# ------------------------------------------------------------------------------


def test_the_adaptations_register_logs_every_need_it_shows(coordinator_client, coordinator, adaptation, with_needs):
    a = str(adaptation.pk)

    coordinator_client.get(reverse("accessibility_adaptations:index"))
    coordinator_client.get(reverse("accessibility_adaptations:edit", args=[adaptation.pk]))
    coordinator_client.get(reverse("accessibility_adaptations:delete", args=[adaptation.pk]))
    export = coordinator_client.get(reverse("accessibility_adaptations:index") + "?export=csv")
    coordinator_client.get(reverse("accessibility_adaptations:add") + f"?registration={with_needs.pk}")

    assert export.status_code == 200 and NEEDS in export.content.decode("utf-8-sig")
    assert _reads() == sorted(
        [
            ("accessibilityadaptation", a, coordinator.pk, "back office: adaptations register"),
            ("accessibilityadaptation", a, coordinator.pk, "back office: adaptation form"),
            ("accessibilityadaptation", a, coordinator.pk, "back office: adaptation deletion"),
            ("accessibilityadaptation", a, coordinator.pk, "back office: adaptations export"),
            ("registration", str(with_needs.pk), coordinator.pk, "back office: new adaptation"),
        ]
    )
    entry = ModelLogEntry.objects.filter(content_type__model="accessibilityadaptation").first()
    assert entry.label == "Léa Besoins — 2026-CPS-12-07"
    history = coordinator_client.get(reverse("accessibility_adaptations:history", args=[adaptation.pk]))
    assert history.status_code == 200


def test_an_empty_register_and_a_blank_form_log_nothing(coordinator_client, without_needs):
    coordinator_client.get(reverse("accessibility_adaptations:index"))
    coordinator_client.get(reverse("accessibility_adaptations:add") + f"?registration={without_needs.pk}")

    assert _reads() == []


def test_the_person_data_export_logs_the_needs_it_holds(coordinator_client, coordinator, with_needs, session):
    RegistrationFactory(  # no needs there
        session=SessionFactory(course=session.course), user=with_needs.user, status=RegistrationStatus.CONFIRMED
    )

    response = coordinator_client.get(reverse("registrations:person_data", args=[with_needs.user_id]))

    assert response.status_code == 200
    assert _reads() == [("registration", str(with_needs.pk), coordinator.pk, "back office: personal data export")]


def test_the_person_data_export_needs_the_right_to_read_health_data(client, with_needs):
    """The workbook holds the needs: reading people and registrations is not enough."""
    from django.contrib.auth.models import Permission

    staff = UserFactory()
    staff.user_permissions.add(
        *Permission.objects.filter(codename__in=("access_admin", "view_user", "view_registration"))
    )
    client.force_login(staff)

    person_page = client.get(reverse("people:inspect", args=[with_needs.user_id]))
    response = client.get(reverse("registrations:person_data", args=[with_needs.user_id]))

    assert person_page.status_code == 200
    assert reverse("registrations:person_data", args=[with_needs.user_id]) not in person_page.content.decode()
    assert response.status_code == 302 and response["Location"] == reverse("wagtailadmin_home")
    assert _reads() == []


def _reports_menu(user) -> dict[str, str]:
    """The items of the back office's Reports menu this person is shown: name → URL."""
    from django.test import RequestFactory

    from wagtail.admin.menu import reports_menu

    request = RequestFactory().get("/admin/")
    request.user = user
    return {
        item.name: item.url for item in reports_menu.menu_items_for_request(request) if item.name.startswith("health")
    }


def test_the_referent_finds_who_read_health_data_in_the_site_history(
    client, coordinator_client, coordinator, with_needs, session
):
    from wagtail.log_actions import log

    from accounts.roles import roles_sync

    coordinator_client.get(reverse("registrations:inspect", args=[with_needs.pk]))
    log(session, "wagtail.edit", user=coordinator)  # not a read of health data
    roles_sync()
    referent = UserFactory(first_name="Rémi", last_name="Référent")
    referent.groups.add(Group.objects.get(name=DISABILITY_REFERENT))
    client.force_login(referent)
    report_url = f"{reverse('wagtailadmin_reports:site_history')}?action={ACCESSIBILITY_NEEDS_VIEWED}"

    report = client.get(report_url)

    assert _reports_menu(referent) == {"health-data-reads": report_url}
    assert report.status_code == 200
    page = html.unescape(report.content.decode())
    assert "Léa Besoins — 2026-CPS-12-07" in page
    assert "Besoins d'accessibilité lus (données de santé)" in page
    assert session.code not in page.replace("Léa Besoins — 2026-CPS-12-07", "")  # the edit is filtered out


def test_the_health_data_report_is_shown_to_those_who_may_read_needs_only():
    from django.contrib.auth.models import Permission

    staff = UserFactory()
    staff.user_permissions.add(*Permission.objects.filter(codename__in=("access_admin", "view_session")))

    assert "health-data-reads" not in _reports_menu(staff)


# Changes to attendance after the lock
# ------------------------------------------------------------------------------


def _locked_morning(session, trainer_user, registration):
    slot = session.slots.order_by("date", "starts_at").first()
    monday = datetime.datetime.combine(DAY, datetime.time(8, 45), tzinfo=PARIS)
    attendance_sheet_open(slot=slot, user=trainer_user, now=monday)
    attendance_sign(
        slot=slot,
        registration=registration,
        signature=signature_png(seed=1),
        method=SignatureMethod.TRAINER_DEVICE,
        actor=trainer_user,
        now=monday,
    )
    attendance_sheet_lock(slot=slot, user=trainer_user, signature=signature_png(seed=2), now=monday.replace(hour=12))
    return slot


def test_a_correction_after_the_lock_is_in_the_registrations_history(
    coordinator_client, coordinator, session, trainer_user, with_needs, without_needs
):
    slot = _locked_morning(session, trainer_user, with_needs)

    attendance_correct(
        slot=slot, registration=without_needs, status=AttendanceStatus.EXCUSED, user=coordinator, reason="Arrêt maladie"
    )

    entry = ModelLogEntry.objects.get(action=ATTENDANCE_CORRECTED)
    assert (entry.object_id, entry.user_id) == (str(without_needs.pk), coordinator.pk)
    proof = AttendanceProof.objects.get(kind=ProofKind.CORRECTION)  # the same values as the proof chain's
    assert (entry.data["before"], entry.data["after"]) == (proof.data["before"], proof.data["after"])
    assert (entry.data["before"]["status"], entry.data["after"]["status"]) == ("absent", "excused")
    assert (entry.data["slot_id"], entry.data["reason"]) == (slot.pk, "Arrêt maladie")
    history = coordinator_client.get(reverse("registrations:history", args=[without_needs.pk])).content.decode()
    assert "Arrêt maladie" in history


def test_a_refused_correction_leaves_no_entry(coordinator, session, trainer_user, with_needs, without_needs):
    from training.exceptions import TrainingError

    slot = _locked_morning(session, trainer_user, with_needs)

    with pytest.raises(TrainingError) as refused:
        attendance_correct(slot=slot, registration=without_needs, status="present", user=coordinator, reason=" ")

    assert refused.value.code == "reason_required"
    assert not ModelLogEntry.objects.filter(action=ATTENDANCE_CORRECTED).exists()


def test_a_paper_sheet_recorded_is_in_the_sessions_history(coordinator_client, coordinator, session, with_needs):
    slot = session.slots.order_by("date", "starts_at").first()
    data = {
        "scan": SimpleUploadedFile("feuille.pdf", PDF),
        "slots": [str(slot.pk)],
        f"status-{slot.pk}-{with_needs.pk}": AttendanceStatus.PRESENT,
    }

    response = coordinator_client.post(reverse("attendance:paper", args=[session.pk]), data)

    assert response.status_code == 302
    entry = ModelLogEntry.objects.get(action=ATTENDANCE_PAPER_RECORDED)
    assert (entry.object_id, entry.user_id, entry.content_type.model) == (str(session.pk), coordinator.pk, "session")
    assert entry.data["slots"] == [
        {
            "slot_id": slot.pk,
            "slot": str(slot),
            "marks": [
                {"registration_id": with_needs.pk, "person": "Léa Besoins", "status": "present", "minutes_missed": 0}
            ],
        }
    ]
    history = coordinator_client.get(reverse("sessions:history", args=[session.pk]))
    assert history.status_code == 200 and str(slot) in history.content.decode()
