"""The people known to the organisation: listed, searched, filtered, exported; staff accounts left out."""

import io

import openpyxl
import pytest

from django.urls import reverse

from tests.factories import ProfileFactory, RegistrationFactory, SessionFactory, UserFactory, course_create
from training.choices import RegistrationStatus
from training.resources import PersonResource

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(catalogue):
    session = SessionFactory(course=course_create(catalogue=catalogue))
    with_profile = ProfileFactory(user=UserFactory(last_name="Arnaud", email="arnaud@exemple.fr")).user
    imported = UserFactory(last_name="Bertin", email="bertin@exemple.fr")
    RegistrationFactory(session=session, user=imported, status=RegistrationStatus.CONFIRMED)
    return with_profile, imported


def test_the_list_shows_people_with_a_profile_or_a_registration(coordinator_client, coordinator, people):
    page = coordinator_client.get(reverse("people:index")).content.decode()

    assert "arnaud@exemple.fr" in page and "bertin@exemple.fr" in page
    assert coordinator.email not in page  # a staff account with neither


def test_the_list_exports_with_the_profile(coordinator_client, people):
    response = coordinator_client.get(reverse("people:index"), {"export": "xlsx", "q": "arnaud"})

    header, *rows = openpyxl.load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True)
    email = header.index(str(PersonResource.fields["email"].column_name))
    structure = header.index(str(PersonResource.fields["structure"].column_name))
    assert [(row[email], row[structure]) for row in rows] == [("arnaud@exemple.fr", "Collège Jean Moulin")]


def test_a_persons_page_links_to_their_registrations_and_data(coordinator_client, people):
    person = people[1]
    page = coordinator_client.get(reverse("people:inspect", args=[person.pk])).content.decode()

    assert reverse("registrations:person_data", args=[person.pk]) in page


def test_people_without_the_right_cannot_see_the_list(client, people):
    client.force_login(people[0])
    assert client.get(reverse("people:index")).status_code == 302
