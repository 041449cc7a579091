import datetime
import html
import re

import pytest

from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from wagtail.actions import action_registry

from accounts.models import Department
from cms.cache import (
    PublicContentCreateAction,
    PublicContentDeleteAction,
    PublicContentEditAction,
    public_cache_bump,
)
from cms.models import Audience, OrganisationSettings, Theme
from tests.factories import RegistrationFactory, SessionFactory, UserFactory, course_create, slots_create
from training.choices import RegistrationStatus
from training.models import Session, Venue

pytestmark = pytest.mark.django_db


@pytest.fixture
def course(catalogue):
    return course_create(catalogue=catalogue, title="Comprendre les violences intrafamiliales")


@pytest.fixture
def session(course):
    session = SessionFactory(course=course, code="2027-VIF-12-01", capacity=18)
    slots_create(session=session, first_day=datetime.date.today() + datetime.timedelta(days=30), days=2)
    return session


def _get(client, url: str) -> tuple[str, int]:
    """The page's text and the number of SQL queries it cost."""
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return html.unescape(response.content.decode()), len(queries)


@pytest.mark.parametrize("url", ["/", "/formations/", "/formations/?departement=12&financement=drapps", "course"])
def test_second_anonymous_visit_is_served_from_the_cache_without_sql(client, session, url):
    url = session.course.url if url == "course" else url
    first, first_queries = _get(client, url)

    second, second_queries = _get(client, url)

    assert first_queries > 0
    assert second_queries == 0
    assert second == first


def test_programme_pdf_and_lheo_export_are_cached(client, session):
    for url in (f"{session.course.url}programme.pdf", reverse("training:lheo")):
        first = client.get(url)
        with CaptureQueriesContext(connection) as queries:
            second = client.get(url)
        assert len(queries) == 0
        assert second.content == first.content


def test_each_query_string_of_the_catalogue_is_its_own_page(client, session):
    _get(client, "/formations/?departement=12")

    text, queries = _get(client, "/formations/?departement=31")

    assert queries > 0
    assert "Comprendre les violences intrafamiliales" not in text.split('class="results-count"')[1]


def test_a_seat_taken_shows_once_the_version_is_bumped(client, session):
    assert "18 / 18" in _get(client, session.course.url)[0]
    RegistrationFactory(session=session, status=RegistrationStatus.CONFIRMED)

    public_cache_bump()

    assert "17 / 18" in _get(client, session.course.url)[0]
    assert "17 places restantes" in _get(client, "/formations/")[0]


def test_publishing_a_course_renders_its_pages_anew(client, course, django_capture_on_commit_callbacks):
    _get(client, course.url)
    _get(client, "/formations/")
    course.summary = "Repérer, accueillir et orienter les victimes."

    with django_capture_on_commit_callbacks(execute=True):
        course.save_revision().publish()

    assert course.summary in _get(client, course.url)[0]
    assert course.summary in _get(client, "/formations/")[0]


def test_unpublishing_a_course_takes_it_out_of_the_cached_catalogue(client, course, django_capture_on_commit_callbacks):
    assert course.title in _get(client, "/formations/")[0]

    with django_capture_on_commit_callbacks(execute=True):
        course.unpublish()

    assert course.title not in _get(client, "/formations/")[0]


@pytest.fixture
def admin_client(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


def test_editing_a_venue_in_the_back_office_renders_the_pages_anew(
    admin_client, session, django_capture_on_commit_callbacks
):
    visitor = Client()
    assert "Rodez (12)" in _get(visitor, session.course.url)[0]
    venue = session.venue

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            reverse("venues:edit", args=[venue.pk]),
            {"name": venue.name, "city": "Millau", "postcode": "12100", "department": venue.department_id},
        )

    assert response.status_code == 302
    assert "Millau (12)" in _get(visitor, session.course.url)[0]


def test_deleting_a_session_in_the_back_office_renders_the_pages_anew(
    admin_client, session, django_capture_on_commit_callbacks
):
    visitor = Client()
    assert "4 demi-journées" in _get(visitor, session.course.url)[0]

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(reverse("sessions:delete", args=[session.pk]))

    assert response.status_code == 302
    assert not Session.objects.filter(pk=session.pk).exists()
    assert "4 demi-journées" not in _get(visitor, session.course.url)[0]


@pytest.mark.parametrize("model", [Session, Venue, OrganisationSettings, Theme, Audience, Department])
def test_back_office_changes_of_public_content_bump_the_version(model):
    assert action_registry.get_action_class(model, "create") is PublicContentCreateAction
    assert action_registry.get_action_class(model, "edit") is PublicContentEditAction
    assert action_registry.get_action_class(model, "delete") is PublicContentDeleteAction


def _csrf_token(text: str) -> str:
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', text).group(1)


def test_signed_in_people_get_their_own_page_and_it_is_never_stored(session):
    visitor, alice = Client(), Client(enforce_csrf_checks=True)
    _get(visitor, "/formations/")
    alice.force_login(UserFactory())
    bob = Client(enforce_csrf_checks=True)
    bob.force_login(UserFactory())

    alice_page, alice_queries = _get(alice, "/formations/")
    bob_page, bob_queries = _get(bob, "/formations/")

    assert "Se déconnecter" in alice_page and "Se déconnecter" in bob_page
    assert alice_queries > 0 and bob_queries > 0
    # Bob's page holds Bob's CSRF token: his sign-out form works.
    assert bob.post(reverse("account_logout"), {"csrfmiddlewaretoken": _csrf_token(bob_page)}).status_code == 302
    anonymous_page, anonymous_queries = _get(visitor, "/formations/")
    assert anonymous_queries == 0
    assert "Se déconnecter" not in anonymous_page and "Se connecter" in anonymous_page


def test_a_page_showing_a_message_is_rendered_for_its_reader_only(client, home_page):
    _get(Client(), "/")
    client.force_login(UserFactory())
    client.post(reverse("account_logout"))  # signed out: "Vous êtes déconnecté(e)." waits in a cookie
    del client.cookies[settings.SESSION_COOKIE_NAME]  # expired by the sign-out, as a browser drops it

    assert "Vous êtes déconnecté(e)." in _get(client, "/")[0]
    assert "Vous êtes déconnecté(e)." not in _get(Client(), "/")[0]
