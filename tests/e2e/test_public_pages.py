import datetime

import pytest
from axe_playwright_python.sync_playwright import Axe

from tests.e2e.conftest import screenshot
from tests.factories import SessionFactory, course_create, slots_create

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def published_course(catalogue):
    course = course_create(
        catalogue=catalogue, title="Comprendre les violences intrafamiliales", duration_hours=14, duration_days=2
    )
    session = SessionFactory(course=course, code="2027-VIF-12-01", capacity=15)
    slots_create(session=session, first_day=datetime.date.today() + datetime.timedelta(days=45), days=2)
    return course


def _assert_accessible(page):
    results = Axe().run(page)
    assert results.violations_count == 0, results.generate_report()


def test_visitor_goes_from_home_to_a_course_sheet(live_server, page, published_course):
    page.goto(live_server.url + "/")
    assert page.locator("h1").inner_text() != ""
    assert page.get_by_role("link", name="Comprendre les violences intrafamiliales").first.is_visible()
    _assert_accessible(page)
    screenshot(page, "home")

    page.goto(live_server.url + "/formations/")
    page.get_by_role("link", name="Comprendre les violences intrafamiliales").first.click()
    page.wait_for_url("**/formations/comprendre-les-violences-intrafamiliales/")
    assert page.locator("h1").inner_text() == "Comprendre les violences intrafamiliales"
    assert "15 / 15" in page.locator("#sessions ~ .card-grid, .card-grid").first.inner_text()
    _assert_accessible(page)
    screenshot(page, "course")


def test_catalogue_filters_are_accessible_and_shareable(live_server, page, published_course):
    page.goto(live_server.url + "/formations/")
    assert page.locator("h1").inner_text() == "Nos formations"
    _assert_accessible(page)

    page.get_by_label("Département").select_option("12")
    page.get_by_label("Seulement les sessions avec des places disponibles").check()
    page.get_by_role("button", name="Afficher les formations").click()
    page.wait_for_url("**/formations/?*departement=12*")
    assert "places=on" in page.url
    assert page.get_by_role("link", name="Comprendre les violences intrafamiliales").is_visible()
    _assert_accessible(page)
    screenshot(page, "catalogue-filtered")

    page.goto(live_server.url + "/formations/?departement=09")
    assert page.get_by_role("heading", name="Aucune formation ne correspond à ces filtres").is_visible()
    _assert_accessible(page)
