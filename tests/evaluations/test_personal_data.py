"""A person's data in one workbook (right of access): theirs, whole, and only to them or the coordination."""

import io

import openpyxl
import pytest

from django.urls import reverse

from evaluations.services.responses import response_submit
from tests.factories import RegistrationFactory, UserFactory
from training.choices import RegistrationStatus

pytestmark = pytest.mark.django_db


def _sheets(content: bytes) -> dict[str, list[tuple]]:
    workbook = openpyxl.load_workbook(io.BytesIO(content))
    return {sheet.title: [tuple(row) for row in sheet.iter_rows(values_only=True)] for sheet in workbook}


@pytest.fixture
def answered(hot_campaign):
    invitation = hot_campaign.invitations.select_related("registration__user").first()
    response_submit(token=invitation.token, values={"attentes": 4, "objectifs": 3, "commentaire": "Très utile"})
    return invitation.registration


def test_a_learner_downloads_everything_held_about_them(client, answered):
    person = answered.user
    RegistrationFactory(user=UserFactory(), session=answered.session, status=RegistrationStatus.CONFIRMED)
    client.force_login(person)

    response = client.get(reverse("training:personal-data"))

    assert response.status_code == 200
    assert response["Cache-Control"] == "private, no-store"
    sheets = _sheets(response.content)
    assert (
        len(sheets) == 10
    )  # about, identity, registrations, attendance, signatures, documents, e-mails, surveys, answers, erasure requests
    flat = [str(value) for rows in sheets.values() for row in rows for value in row if value is not None]
    assert person.email in flat
    assert answered.session.code in flat
    assert "Très utile" in flat
    others = {r.user.email for r in answered.session.registrations.exclude(user=person).select_related("user")}
    assert not others & set(flat)


def test_the_export_needs_a_signed_in_person(client):
    response = client.get(reverse("training:personal-data"))
    assert response.status_code == 302 and "/accounts/login/" in response.url


def test_the_coordination_exports_a_persons_data_from_a_registration(coordinator_client, answered):
    page = coordinator_client.get(reverse("registrations:inspect", args=[answered.pk]))
    url = reverse("registrations:person_data", args=[answered.user_id])
    assert url in page.content.decode()

    response = coordinator_client.get(url)

    assert response.status_code == 200
    assert answered.user.email in str(_sheets(response.content))


def test_a_trainer_or_learner_cannot_export_someone_elses_data(client, answered):
    client.force_login(UserFactory())
    response = client.get(reverse("registrations:person_data", args=[answered.user_id]))
    assert response.status_code in (302, 403)
