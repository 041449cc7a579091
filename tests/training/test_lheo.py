import datetime
import xml.etree.ElementTree as ET
from decimal import Decimal

import pytest

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cms.choices import Modality
from cms.models import CourseObjective, OrganisationSettings
from tests.factories import OrganisationFactory, SessionFactory, VenueFactory, course_create, slots_create
from training.choices import Funding, SessionStatus
from training.lheo import lheo_document

pytestmark = pytest.mark.django_db

NS = {"l": "http://lheo.gouv.fr/2.3"}
TODAY = datetime.date(2026, 3, 2)  # a Monday
BASE_URL = "https://formations.example.org/"


def _lheo(today=TODAY) -> ET.Element:
    return ET.fromstring(lheo_document(request_base_url=BASE_URL, today=today))


def _formations(root) -> dict[str, ET.Element]:
    return {f.findtext("l:intitule-formation", namespaces=NS): f for f in root.iterfind("l:offres/l:formation", NS)}


def _session_codes(root) -> set[str]:
    return {action.get("numero") for action in root.iterfind(".//l:action", NS)}


def _session_create(*, course, first_day, days=1, **fields):
    session = SessionFactory(course=course, **fields)
    slots_create(session=session, first_day=first_day, days=days)
    return session


@pytest.fixture
def course(catalogue):
    return course_create(catalogue=catalogue, title="Compétences psychosociales — niveau 1")


def test_each_published_course_is_a_formation_with_its_title_and_objectives(catalogue, course):
    other = course_create(catalogue=catalogue, title="Promouvoir la santé mentale", formacode="44092")
    CourseObjective.objects.create(course=other, text="Repérer les signes de souffrance psychique", sort_order=1)

    formations = _formations(_lheo())

    assert set(formations) == {course.title, other.title}
    objectives = formations[other.title].findtext("l:objectif-formation", namespaces=NS)
    assert "Renforcer la posture professionnelle." in objectives
    assert "- Définir les compétences psychosociales" in objectives
    assert "- Repérer les signes de souffrance psychique" in objectives
    code = formations[other.title].find("l:domaine-formation/l:code-FORMACODE", NS)
    assert (code.text, code.get("ref")) == ("44092", "V14")
    assert formations[course.title].find("l:domaine-formation/l:code-FORMACODE", NS) is None
    url = formations[other.title].findtext("l:url-formation/l:urlweb", namespaces=NS)
    assert url == f"https://formations.example.org/formations/{other.slug}/"


def test_upcoming_session_gives_its_dates_and_town(course):
    venue = VenueFactory(name="Maison des associations", address="12 rue du Lot", postcode="46000", city="Cahors")
    session = _session_create(
        course=course, first_day=datetime.date(2026, 3, 12), days=2, venue=venue, price_per_trainee=Decimal("350")
    )

    action = _lheo().find(".//l:action", NS)

    assert action.get("numero") == session.code
    assert action.findtext("l:session/l:periode/l:debut", namespaces=NS) == "20260312"
    assert action.findtext("l:session/l:periode/l:fin", namespaces=NS) == "20260313"
    address = action.find("l:lieu-de-formation/l:coordonnees/l:adresse", NS)
    assert address.findtext("l:ligne", namespaces=NS) == "12 rue du Lot"
    assert address.findtext("l:codepostal", namespaces=NS) == "46000"
    assert address.findtext("l:ville", namespaces=NS) == "Cahors"
    assert action.findtext("l:session/l:etat-recrutement", namespaces=NS) == "1"
    assert action.findtext("l:prix-total-TTC", namespaces=NS) == "350.00"
    assert action.findtext("l:nombre-heures-centre", namespaces=NS) == "14"


def test_drafts_past_cancelled_intra_sessions_and_unpublished_courses_are_left_out(catalogue, course):
    kept = _session_create(course=course, first_day=datetime.date(2026, 3, 12))
    draft = _session_create(course=course, first_day=datetime.date(2026, 3, 19), status=SessionStatus.DRAFT)
    cancelled = _session_create(course=course, first_day=datetime.date(2026, 3, 26), status=SessionStatus.CANCELLED)
    past = _session_create(course=course, first_day=datetime.date(2026, 2, 23))
    intra = _session_create(
        course=course,
        first_day=datetime.date(2026, 4, 2),
        funding=Funding.INTRA,
        client_organisation=OrganisationFactory(),
    )
    unpublished = course_create(catalogue=catalogue, title="Formation en préparation", publish=False)
    hidden = _session_create(course=unpublished, first_day=datetime.date(2026, 3, 12))

    root = _lheo()

    assert set(_formations(root)) == {course.title}
    assert _session_codes(root) == {kept.code}
    assert not {draft.code, cancelled.code, past.code, intra.code, hidden.code} & _session_codes(root)


def test_full_or_closed_session_is_announced_as_closed_to_recruitment(course):
    _session_create(course=course, first_day=datetime.date(2026, 3, 12), capacity=0)
    _session_create(course=course, first_day=datetime.date(2026, 3, 19), status=SessionStatus.CLOSED)

    states = [state.text for state in _lheo().iterfind(".//l:session/l:etat-recrutement", NS)]

    assert states == ["2", "2"]


@pytest.mark.parametrize(
    ("modality", "code"), [(Modality.ON_SITE, "0"), (Modality.BLENDED, "1"), (Modality.REMOTE, "2")]
)
def test_teaching_mode_follows_the_lheo_dictionary(course, modality, code):
    _session_create(course=course, first_day=datetime.date(2026, 3, 12), modality=modality)

    assert _lheo().findtext(".//l:action/l:modalites-enseignement", namespaces=NS) == code


def test_prerequisites_become_the_specific_conditions(catalogue, course):
    advanced = course_create(
        catalogue=catalogue, title="Compétences psychosociales — niveau 2", prerequisites="Exercer auprès d'enfants."
    )
    advanced.prerequisite_courses.add(course)
    advanced.save_revision().publish()
    _session_create(course=course, first_day=datetime.date(2026, 3, 12))
    _session_create(course=advanced, first_day=datetime.date(2026, 3, 19))

    conditions = {
        formation.findtext("l:intitule-formation", namespaces=NS): formation.findtext(
            "l:action/l:conditions-specifiques", namespaces=NS
        )
        for formation in _lheo().iterfind("l:offres/l:formation", NS)
    }

    assert conditions[course.title] == "Aucune"
    assert conditions[advanced.title] == f"Exercer auprès d'enfants.\nAvoir suivi : {course.title}."


def test_responsible_organisation_comes_from_the_settings(course):
    settings = OrganisationSettings.load()
    settings.siret = "12345678900012"
    settings.nda_number = "76310000031"
    settings.save()

    organisation = _lheo().find(".//l:organisme-formation-responsable", NS)

    assert organisation.findtext("l:SIRET-organisme-formation/l:SIRET", namespaces=NS) == "12345678900012"
    assert organisation.findtext("l:numero-activite", namespaces=NS) == "76310000031"
    assert organisation.findtext("l:raison-sociale", namespaces=NS) == "Promotion Santé Occitanie"


def test_query_count_does_not_grow_with_courses_and_sessions(catalogue, course):
    for week in range(2):
        _session_create(course=course, first_day=datetime.date(2026, 3, 9) + datetime.timedelta(weeks=week), days=2)
    lheo_document(request_base_url=BASE_URL, today=TODAY)  # warms the settings and site caches
    with CaptureQueriesContext(connection) as few:
        small = _lheo()

    for number in range(4):
        other = course_create(catalogue=catalogue, title=f"Formation {number}")
        for week in range(4):
            _session_create(course=other, first_day=datetime.date(2026, 3, 9) + datetime.timedelta(weeks=week), days=2)
    with CaptureQueriesContext(connection) as many:
        large = _lheo()

    assert (len(_session_codes(small)), len(_session_codes(large))) == (2, 18)
    assert len(many.captured_queries) == len(few.captured_queries)


def test_public_url_serves_well_formed_lheo_xml(client, course):
    _session_create(course=course, first_day=timezone.localdate() + datetime.timedelta(days=10))

    response = client.get(reverse("training:lheo"))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/xml; charset=utf-8"
    assert response.content.startswith(b"<?xml")
    root = ET.fromstring(response.content)
    assert root.tag == "{http://lheo.gouv.fr/2.3}lheo"
    assert [f.findtext("l:intitule-formation", namespaces=NS) for f in root.iterfind("l:offres/l:formation", NS)] == [
        course.title
    ]
    assert reverse("training:lheo") == "/catalogue/lheo.xml"
