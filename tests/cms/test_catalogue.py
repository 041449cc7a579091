import datetime
import html
import re

import pytest
from freezegun import freeze_time

from django.db import connection
from django.test.utils import CaptureQueriesContext

from cms.cache import public_cache_bump
from cms.models import Audience, Theme
from tests.factories import (
    OrganisationFactory,
    RegistrationFactory,
    SessionFactory,
    VenueFactory,
    course_create,
    department,
    slots_create,
)
from training.choices import Funding, RegistrationStatus, SessionStatus

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 11, 22)


@pytest.fixture(autouse=True)
def _today():
    with freeze_time("2026-11-22 10:00"):
        yield


@pytest.fixture
def courses(catalogue):
    cps = course_create(catalogue=catalogue, title="Compétences psychosociales niveau 1", slug="cps-1", level="level_1")
    cps.themes.add(Theme.objects.get(slug="competences-psychosociales"))
    cps.audiences.add(Audience.objects.get(slug="tout-public"))
    cps.save_revision().publish()
    screens = course_create(
        catalogue=catalogue,
        title="Ados, écrans et réseaux sociaux",
        slug="ecrans",
        summary="Comprendre les usages numériques des adolescents.",
        modality="blended",
    )
    screens.themes.add(Theme.objects.get(slug="ecrans-numerique"))
    screens.save_revision().publish()
    rodez = SessionFactory(
        course=cps, code="2027-CPS1-12-01", department=department("12"), venue=VenueFactory(city="Rodez")
    )
    slots_create(session=rodez, first_day=datetime.date(2027, 3, 15), days=3)
    toulouse = SessionFactory(
        course=screens,
        code="2027-ECR-31-01",
        funding=Funding.INTER,
        department=department("31"),
        venue=VenueFactory(city="Toulouse", department=department("31")),
        capacity=1,
    )
    slots_create(session=toulouse, first_day=datetime.date(2027, 1, 11), days=2)
    RegistrationFactory(session=toulouse, status=RegistrationStatus.CONFIRMED)
    return {"cps": cps, "screens": screens}


COURSE_TITLE = re.compile(r'<h2><a href="[^"]+">([^<]+)</a></h2>')


def _titles(client, query: str = "") -> list[str]:
    response = client.get(f"/formations/{query}")
    assert response.status_code == 200
    return [html.unescape(title) for title in COURSE_TITLE.findall(response.text)]


def test_no_filter_lists_every_course_by_title(client, courses):
    assert _titles(client) == ["Ados, écrans et réseaux sociaux", "Compétences psychosociales niveau 1"]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("?theme=competences-psychosociales", ["Compétences psychosociales niveau 1"]),
        ("?departement=31", ["Ados, écrans et réseaux sociaux"]),
        ("?mois=2027-03", ["Compétences psychosociales niveau 1"]),
        ("?financement=drapps", ["Compétences psychosociales niveau 1"]),
        ("?public=tout-public", ["Compétences psychosociales niveau 1"]),
        ("?niveau=level_1", ["Compétences psychosociales niveau 1"]),
        ("?modalite=blended", ["Ados, écrans et réseaux sociaux"]),
        ("?places=on", ["Compétences psychosociales niveau 1"]),
        ("?q=adolescents", ["Ados, écrans et réseaux sociaux"]),
    ],
)
def test_each_filter_alone(client, courses, query, expected):
    assert _titles(client, query) == expected


def test_filters_combine(client, courses):
    assert _titles(client, "?departement=12&financement=drapps&mois=2027-03&places=on") == [
        "Compétences psychosociales niveau 1"
    ]
    assert _titles(client, "?departement=12&financement=inter") == []


def test_sessions_shown_under_a_course_follow_the_filters(client, courses):
    other = SessionFactory(course=courses["cps"], code="2027-CPS1-31-01", department=department("31"))
    slots_create(session=other, first_day=datetime.date(2027, 2, 1), days=3)

    response = client.get("/formations/?departement=12")

    assert "15 mars" in response.text  # the Rodez session
    assert "1 février" not in response.text and "1er février" not in response.text


def test_empty_state_and_invalid_values_do_not_break_the_page(client, courses):
    response = client.get("/formations/?theme=inconnu&mois=1999-01&departement=75&q=zzzz")

    assert response.status_code == 200
    assert COURSE_TITLE.findall(response.text) == []
    assert 'class="empty-state"' in response.text
    for field in ("theme", "mois", "departement"):
        assert f'id="id_{field}-error"' in response.text


def test_seats_left_figure(client, courses):
    response = client.get("/formations/")

    text = html.unescape(response.text)
    assert "18 places restantes" in text  # Rodez: 18 seats, none taken
    assert "Complet — liste d'attente" in text  # Toulouse: 1 seat, 1 confirmed


def test_intra_and_draft_sessions_stay_out_of_the_catalogue(client, courses):
    intra = SessionFactory(
        course=courses["screens"],
        code="2027-ECR-12-INTRA",
        funding=Funding.INTRA,
        client_organisation=OrganisationFactory(),
    )
    draft = SessionFactory(course=courses["screens"], code="2027-ECR-12-DRAFT", status=SessionStatus.DRAFT)
    for session in (intra, draft):
        slots_create(session=session, first_day=datetime.date(2027, 5, 3), days=1)

    assert _titles(client, "?departement=12&mois=2027-05") == []


def _catalogue_queries(client) -> int:
    public_cache_bump()  # sessions were added without the back office: render the page, not its cached copy
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/formations/?departement=12").status_code == 200
    return len(queries)


def _sessions_bulk(course, count: int, start: int) -> None:
    for index in range(start, start + count):
        session = SessionFactory(course=course, code=f"2027-BULK-{index:04d}", department=department("12"))
        slots_create(
            session=session, first_day=datetime.date(2027, 1, 4) + datetime.timedelta(days=index % 200), days=1
        )


def test_catalogue_costs_the_same_queries_with_10_or_500_sessions(client, courses):
    client.get("/formations/")  # first request of the site: settings row and site root paths get cached
    _sessions_bulk(courses["cps"], 5, 0)
    _sessions_bulk(courses["screens"], 5, 5)
    with_10 = _catalogue_queries(client)

    _sessions_bulk(courses["cps"], 245, 10)
    _sessions_bulk(courses["screens"], 245, 255)
    with_500 = _catalogue_queries(client)

    assert with_10 == with_500
