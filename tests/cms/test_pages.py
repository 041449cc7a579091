import datetime
import io
import json

import pytest
from freezegun import freeze_time
from pypdf import PdfReader

from tests.factories import SessionFactory, course_create, slots_create
from training.choices import SessionStatus

pytestmark = pytest.mark.django_db


@pytest.fixture
def course(catalogue):
    with freeze_time("2026-03-10 10:00"):
        return course_create(
            catalogue=catalogue, title="Comprendre les violences intrafamiliales", duration_hours=14, duration_days=2
        )


def test_home_page_lists_next_sessions(client, course):
    session = SessionFactory(course=course, code="2026-VIF-31-01")
    slots_create(session=session, first_day=datetime.date.today() + datetime.timedelta(days=30), days=2)

    response = client.get("/")

    assert response.status_code == 200
    assert "Comprendre les violences intrafamiliales" in response.text


def test_catalogue_lists_live_courses_only(client, catalogue, course):
    course_create(catalogue=catalogue, title="Brouillon non publié", slug="brouillon", publish=False)

    response = client.get("/formations/")

    assert response.status_code == 200
    assert course.title in response.text
    assert "Brouillon non publié" not in response.text


def test_course_page_shows_indicator_1_facts_and_update_date(client, course):
    response = client.get(course.url)

    assert response.status_code == 200
    text = response.text
    for fact in (
        course.summary,
        course.audience_text,
        course.access_delay,
        course.price_text,
        course.accessibility,
        "Définir les compétences psychosociales",
    ):
        assert fact.replace("'", "&#x27;") in text
    assert "10 mars 2026" in text


def test_course_page_shows_upcoming_sessions_not_past_or_draft_ones(client, course):
    future = SessionFactory(course=course, code="2026-VIF-12-01")
    slots_create(session=future, first_day=datetime.date.today() + datetime.timedelta(days=20), days=2)
    past = SessionFactory(course=course, code="2025-VIF-12-01", status=SessionStatus.DONE)
    slots_create(session=past, first_day=datetime.date.today() - datetime.timedelta(days=60), days=2)
    draft = SessionFactory(course=course, code="2026-VIF-12-02", status=SessionStatus.DRAFT)
    slots_create(session=draft, first_day=datetime.date.today() + datetime.timedelta(days=40), days=2)

    response = client.get(course.url)

    sessions = list(response.context["sessions"])
    assert [s.code for s in sessions] == ["2026-VIF-12-01"]
    assert sessions[0].seats_left == 18


def test_programme_pdf_holds_the_course_facts(client, course):
    response = client.get(f"{course.url}programme.pdf")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    assert "Comprendre les violences intrafamiliales" in text
    assert "14 heures" in text
    assert "Définir les compétences psychosociales" in text


def _json_ld(text: str) -> dict:
    start = text.index('<script type="application/ld+json">') + len('<script type="application/ld+json">')
    return json.loads(text[start : text.index("</script>", start)])


def test_course_page_describes_itself_for_search_engines(client, course):
    session = SessionFactory(course=course, code="2027-VIF-12-01")
    slots_create(session=session, first_day=datetime.date.today() + datetime.timedelta(days=30), days=2)

    response = client.get(course.url)

    data = _json_ld(response.text)
    assert data["@type"] == "Course"
    assert data["name"] == "Comprendre les violences intrafamiliales"
    assert data["timeRequired"] == "PT14H"
    [instance] = data["hasCourseInstance"]
    assert instance["@type"] == "CourseInstance"
    assert instance["startDate"] == session.slots.order_by("date").first().date.isoformat()
    assert instance["location"]["address"]["addressLocality"] == "Rodez"
    assert f'<link rel="canonical" href="http://localhost{course.url}">' in response.text
    assert '<meta property="og:title" content="Comprendre les violences intrafamiliales">' in response.text


def test_course_page_publishes_no_typed_result(client, course):
    response = client.get(course.url)

    assert 'id="results"' in response.text
    assert "%" not in response.text.split('id="results"')[1].split("</section>")[0]


def test_sitemap_lists_the_course_sheets(client, course):
    response = client.get("/sitemap.xml")

    assert response.status_code == 200
    assert f"http://localhost{course.url}" in response.text


def test_home_page_publishes_no_typed_result(client, home_page):
    response = client.get("/")

    results = response.text.split('id="results"')[1].split("</section>")[0]
    assert "Nos résultats" in results
    assert "Aucun résultat publié" in results
    assert "%" not in results
