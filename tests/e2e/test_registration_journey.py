"""A professional's whole registration journey in Chromium, each page checked with axe-core."""

import datetime
import re
from urllib.parse import parse_qs, urlsplit

import pytest
from axe_playwright_python.sync_playwright import Axe

from django.core import mail

from accounts.models import User
from tests.e2e.conftest import screenshot
from tests.factories import SessionFactory, course_create, professional_create, slots_create
from training.choices import RegistrationStatus
from training.models import Registration
from training.services.registrations import registration_cancel_by_person, registration_create

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

TITLE = "Comprendre les violences intrafamiliales"
EMAIL = "camille.durand@exemple.fr"
PASSWORD = "Une-phrase-de-passe-solide-2026"


@pytest.fixture
def full_session(catalogue):
    """A published course whose only session has one seat, taken."""
    course = course_create(catalogue=catalogue, title=TITLE, duration_hours=14, duration_days=2)
    session = SessionFactory(course=course, code="2027-VIF-12-01", capacity=1)
    slots_create(session=session, first_day=datetime.date.today() + datetime.timedelta(days=45), days=2)
    registration_create(session=session, user=professional_create())
    mail.outbox.clear()
    return session


def _check(page, name: str) -> None:
    """Screenshot the page, then assert axe-core finds no violation on it."""
    screenshot(page, f"journey-{name}")
    results = Axe().run(page)
    assert results.violations_count == 0, f"{name}: {results.generate_report()}"


def _at(path: str, **query):
    """A URL predicate for `wait_for_url`: this path, with exactly this query (decoded)."""

    def matches(url: str) -> bool:
        parts = urlsplit(url)
        return parts.path == path and parse_qs(parts.query) == {key: [value] for key, value in query.items()}

    return matches


def _link_in(message) -> str:
    return re.search(r"https?://\S+", message.body).group(0)


def test_professional_signs_up_waits_takes_the_freed_seat_then_cancels(live_server, page, full_session):
    session = full_session
    page.set_default_timeout(10_000)
    register_path = f"/inscription/{session.pk}/"

    # The course sheet: the session is full, registering means joining the waiting list.
    page.goto(live_server.url + session.course.url)
    card = page.locator(f"#session-{session.pk}-title").locator("xpath=..")
    assert "Complet — liste d'attente" in card.inner_text()
    _check(page, "01-course")
    card.locator(f'a[href="{register_path}"]').click()

    # Not signed in: the login page, which leads to the sign-up form.
    page.wait_for_url(_at("/accounts/login/", next=register_path))
    _check(page, "02-login")
    page.locator('main a[href^="/accounts/signup/"]').click()

    page.wait_for_url(_at("/accounts/signup/", next=register_path))
    _check(page, "03-signup")
    page.get_by_label(re.compile(r"^Prénom")).fill("Camille")
    page.get_by_label(re.compile(r"^Nom")).fill("Durand")
    page.locator("#id_email").fill(EMAIL)
    page.locator("#id_password1").fill(PASSWORD)
    page.locator("#id_password2").fill(PASSWORD)
    page.locator("main form button[type=submit]").click()

    # The address must be verified: the link arrives by e-mail.
    page.wait_for_url(_at("/accounts/confirm-email/"))
    _check(page, "04-verification-sent")
    (verification,) = mail.outbox
    assert verification.to == [EMAIL]
    page.goto(_link_in(verification))
    _check(page, "05-confirm-email")
    page.locator("main form button[type=submit]").click()

    # Signed in, back to the registration, which first asks for the professional profile once.
    page.wait_for_url(_at("/espace/profil/", next=register_path))
    _check(page, "06-profile")
    assert page.get_by_label(re.compile(r"^Prénom")).input_value() == "Camille"
    page.locator("#id_job_title").fill("Éducatrice spécialisée")
    page.locator("#id_structure_name").fill("Foyer départemental de l'enfance")
    for label in ("Type de structure", "Secteur d'activité", "Catégorie socioprofessionnelle"):
        page.get_by_label(re.compile(f"^{label}")).select_option(index=1)
    page.locator("#id_department").select_option(label="Aveyron (12)")
    page.locator("main form button[type=submit]").click()

    page.wait_for_url(_at(register_path))
    _check(page, "07-register-full")
    page.locator("#id_expectations").fill("Mieux repérer les situations et orienter les familles.")
    page.locator("main form button[type=submit]").click()

    page.wait_for_url(_at("/espace/"))
    person = User.objects.get(email=EMAIL)
    registration = Registration.objects.get(user=person, session=session)
    assert registration.status == RegistrationStatus.WAITLISTED
    assert page.locator(".status--waitlisted").is_visible()
    _check(page, "08-space-waitlisted")

    # The person holding the seat withdraws: the seat is offered by e-mail to the first waiting.
    occupant = Registration.objects.get(session=session, status=RegistrationStatus.CONFIRMED)
    mail.outbox.clear()
    registration_cancel_by_person(registration=occupant)
    registration.refresh_from_db()
    assert registration.status == RegistrationStatus.OFFERED
    assert [message.to for message in mail.outbox if message.to == [EMAIL]] == [[EMAIL]]

    page.goto(live_server.url + "/espace/")
    assert page.locator(".status--offered").is_visible()
    _check(page, "09-space-offered")
    mail.outbox.clear()
    page.locator(f'form[action="/espace/inscriptions/{registration.pk}/accepter/"] button').click()

    page.wait_for_url(_at("/espace/"))
    registration.refresh_from_db()
    assert registration.status == RegistrationStatus.CONFIRMED
    assert page.locator(".status--confirmed").is_visible()
    assert [message.to for message in mail.outbox] == [[EMAIL]]
    assert any(name.endswith(".ics") for name, _content, _mimetype in mail.outbox[0].attachments)
    _check(page, "10-space-confirmed")

    # Then plans change: the person cancels from the space.
    cancel_path = f"/espace/inscriptions/{registration.pk}/annuler/"
    page.locator(f'a[href="{cancel_path}"]').click()
    page.wait_for_url(_at(cancel_path))
    _check(page, "11-cancel")
    page.locator("#id_reason").fill("Réunion de service déplacée.")
    page.locator("main form button[type=submit]").click()

    page.wait_for_url(_at("/espace/"))
    registration.refresh_from_db()
    assert registration.status == RegistrationStatus.CANCELLED
    assert registration.cancellation_reason == "Réunion de service déplacée."
    assert page.locator(".status--cancelled").is_visible()
    _check(page, "12-space-cancelled")

    # The account pages the space links to (allauth's, in the site's layout).
    page.locator('main a[href="/accounts/email/"]').click()
    page.wait_for_url(_at("/accounts/email/"))
    assert page.get_by_role("radio", name=re.compile(EMAIL)).is_checked()
    _check(page, "13-account-email")
    page.goto(live_server.url + "/espace/")
    page.locator('main a[href="/accounts/password/change/"]').click()
    page.wait_for_url(_at("/accounts/password/change/"))
    _check(page, "14-account-password")
