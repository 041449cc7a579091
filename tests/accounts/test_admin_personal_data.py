"""The back office of personal data: requests, legal holds and purge runs; a session's legal hold."""

import datetime

import pytest

from django.conf import settings
from django.urls import reverse

from accounts.models import ErasureRequest, LegalHold, PurgeRun
from accounts.retention import erasure_request_create
from accounts.tasks import personal_data_purge_task
from tests.factories import ProfileFactory, SessionFactory, course_create
from training.models import Session

pytestmark = pytest.mark.django_db


def test_the_coordination_lists_requests_holds_and_purge_runs(coordinator_client):
    person = ProfileFactory().user
    request = erasure_request_create(person=person)
    PurgeRun.objects.create(ran_at=request.requested_at, counts={"registration": 3}, held={})

    listing = coordinator_client.get(reverse("erasure_requests:index"))
    assert listing.status_code == 200 and person.last_name in listing.content.decode()
    edit = coordinator_client.get(reverse("erasure_requests:edit", args=[request.pk]))
    assert edit.status_code == 200 and 'name="decision"' in edit.content.decode()
    assert coordinator_client.get(reverse("purge_runs:index")).status_code == 200
    assert coordinator_client.get(reverse("legal_holds:index")).status_code == 200


def test_a_legal_hold_records_who_set_it(coordinator_client, coordinator):
    person = ProfileFactory().user
    response = coordinator_client.post(
        reverse("legal_holds:add"), {"person": person.pk, "reason": "Contrôle de l'ARS sur 2024"}
    )
    assert response.status_code == 302
    hold = LegalHold.objects.get()
    assert (hold.person, hold.set_by, hold.reason) == (person, coordinator, "Contrôle de l'ARS sur 2024")


def test_a_session_on_legal_hold_needs_a_reason(catalogue):
    from django.core.exceptions import ValidationError

    session = SessionFactory(course=course_create(catalogue=catalogue))
    session.legal_hold = True
    with pytest.raises(ValidationError) as error:
        session.full_clean()
    assert [e.code for e in error.value.error_dict["__all__"]] == ["legal_hold_reason_required"]
    session.legal_hold_reason = "Litige avec un stagiaire"
    session.full_clean()
    session.save()
    assert Session.objects.get(pk=session.pk).legal_hold


def test_a_learner_does_not_reach_the_personal_data_back_office(client):
    learner = ProfileFactory().user
    client.force_login(learner)
    for name in ("erasure_requests:index", "legal_holds:index", "purge_runs:index"):
        assert client.get(reverse(name)).status_code in (302, 403)


def test_the_nightly_task_runs_the_purge_and_is_scheduled():
    schedule = settings.CELERY_BEAT_SCHEDULE["purge-expired-data"]
    assert schedule["task"] == "accounts.tasks.personal_data_purge_task"
    assert schedule["schedule"].hour == {3}
    counts = personal_data_purge_task.delay().get()
    assert set(counts) >= {"registration", "attendance_proof", "account", "document_evidence"}
    assert PurgeRun.objects.get().counts == counts


def test_the_request_deadline_is_one_month():
    person = ProfileFactory().user
    request = erasure_request_create(person=person, now=datetime.datetime(2026, 1, 31, 12, tzinfo=datetime.UTC))
    assert request.due_on == datetime.date(2026, 2, 28)
    assert ErasureRequest.objects.count() == 1


def test_staff_accounts_are_not_purged_as_prospects(coordinator):
    from django.utils import timezone

    from accounts.models import User
    from accounts.retention import personal_data_purge

    long_ago = timezone.now() - datetime.timedelta(days=5 * 366)
    prospect = ProfileFactory().user
    User.objects.filter(pk__in=[prospect.pk, coordinator.pk]).update(date_joined=long_ago, last_login=None)

    assert personal_data_purge().counts["account"] == 1
    assert User.objects.get(pk=prospect.pk).anonymised_at is not None
    assert User.objects.get(pk=coordinator.pk).anonymised_at is None


def test_the_data_export_lists_the_erasure_requests():
    import io

    from openpyxl import load_workbook

    from accounts.personal_data import personal_data_workbook

    person = ProfileFactory().user
    erasure_request_create(person=person)
    workbook = load_workbook(io.BytesIO(personal_data_workbook(user=person)))
    sheet = workbook.worksheets[-1]
    assert sheet.max_row == 2 and sheet.cell(2, 2).value == "À traiter"
