"""A trainee answers the end-of-training survey from the e-mail link, without an account, in
Chromium: a first send with a required answer missing, then the answers, the thank-you page and
the answers found again to change them. Each state is checked with axe-core."""

import datetime
import re
from decimal import Decimal

import pytest
from axe_playwright_python.sync_playwright import Axe

from django.core import mail
from django.utils import timezone

from evaluations.choices import QuestionnaireKind
from evaluations.models import Response, SurveyOptOut
from evaluations.services.campaigns import campaign_open
from tests.e2e.conftest import screenshot
from tests.factories import RegistrationFactory, SessionFactory, UserFactory, course_create, slots_create
from training.choices import RegistrationStatus, SessionStatus

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

TITLE = "Développer les compétences psychosociales des jeunes"
EMAIL = "amina.benali@exemple.fr"
COMMENT = "Des mises en situation très concrètes, merci !"


@pytest.fixture
def invitation_email(catalogue):
    """A session held last week that Amina attended, and its end-of-training survey sent to her."""
    course = course_create(catalogue=catalogue, title=TITLE)
    session = SessionFactory(course=course, code="2026-CPS-11-04", status=SessionStatus.DONE)
    last_week = timezone.localdate() - datetime.timedelta(days=7)
    slots_create(session=session, first_day=last_week - datetime.timedelta(days=last_week.weekday()), days=2)
    RegistrationFactory(
        session=session,
        status=RegistrationStatus.CONFIRMED,
        hours_recorded=Decimal("14"),
        user=UserFactory(email=EMAIL, first_name="Amina", last_name="Benali"),
    )
    mail.outbox.clear()
    campaign_open(kind=QuestionnaireKind.HOT, session=session)
    (message,) = mail.outbox
    return message


def _check(page, name: str) -> None:
    """Screenshot the page, then assert axe-core finds no violation on it."""
    screenshot(page, f"survey-{name}")
    results = Axe().run(page)
    assert results.violations_count == 0, f"{name}: {results.generate_report()}"


def _focused_id(page) -> str:
    return page.evaluate("document.activeElement && document.activeElement.id")


def test_a_trainee_answers_the_survey_from_the_email_link(live_server, page, invitation_email):
    page.set_default_timeout(10_000)
    assert invitation_email.to == [EMAIL]
    link = re.search(r"https?://\S+/questionnaire/[\w-]+/", invitation_email.body).group(0)
    path = link[link.index("/questionnaire/") :]

    # The link of the e-mail opens the questionnaire, no account needed.
    page.goto(live_server.url + path)
    assert page.locator("h1").inner_text() == "Questionnaire de fin de formation"
    assert TITLE in page.locator(".survey__facts").inner_text()
    assert page.locator("fieldset.question").count() == 5
    _check(page, "01-form")

    # Sent with the first (required) question unanswered: nothing is lost.
    page.locator("label[for=id_objectifs_2]").click()
    page.locator("label[for=id_recommandation_8]").click()
    page.locator("#id_commentaire").fill(COMMENT)
    page.locator("form.survey-form button[type=submit]").click()

    page.wait_for_selector("#error-summary")
    assert page.url == live_server.url + path
    assert _focused_id(page) == "error-summary"
    assert page.locator("#error-summary a").count() == 1
    assert page.locator("#id_commentaire").input_value() == COMMENT
    assert page.locator("#id_objectifs_2").is_checked()
    assert page.locator("#id_recommandation_8").is_checked()
    assert page.locator("#id_attentes_0").get_attribute("aria-invalid") == "true"
    assert page.locator("#question-attentes").get_attribute("aria-describedby") == "id_attentes_error"
    assert not Response.objects.exists()
    _check(page, "02-errors")

    # The summary's link leads to the question.
    page.locator("#error-summary a").click()
    assert _focused_id(page) == "id_attentes_0"
    page.locator("label[for=id_attentes_3]").click()
    page.locator("form.survey-form button[type=submit]").click()

    # Recorded: the thank-you page says the answers can be changed while the survey is open.
    page.wait_for_url(f"**{path}merci/")
    assert page.locator(".verdict").is_visible()
    _check(page, "03-thanks")
    (response,) = Response.objects.all()
    assert {answer.question.key: answer.number for answer in response.answers.select_related("question")} == {
        "attentes": 4,
        "objectifs": 3,
        "recommandation": 8,
        "commentaire": None,
    }

    # Back to the questionnaire: the answers are there, ready to be changed.
    page.locator(f'main a[href="{path}"]').click()
    page.wait_for_url(f"**{path}")
    assert page.locator("#id_attentes_3").is_checked()
    assert page.locator("#id_objectifs_2").is_checked()
    assert page.locator("#id_recommandation_8").is_checked()
    assert page.locator("#id_commentaire").input_value() == COMMENT
    _check(page, "04-edit")
    page.locator("label[for=id_animation_3]").click()
    page.locator("form.survey-form button[type=submit]").click()
    page.wait_for_url(f"**{path}merci/")
    assert Response.objects.get().answers.get(question__key="animation").number == 4


def test_a_trainee_stops_receiving_questionnaires(live_server, page, invitation_email):
    page.set_default_timeout(10_000)
    link = re.search(r"https?://\S+/desinscription/", invitation_email.body).group(0)
    path = link[link.index("/questionnaire/") :]

    page.goto(live_server.url + path)
    assert "a•••@exemple.fr" in page.locator("main").inner_text()
    _check(page, "05-opt-out")
    assert not SurveyOptOut.objects.exists()
    page.locator("main form button[type=submit]").click()

    page.wait_for_selector(".verdict")
    assert SurveyOptOut.objects.filter(email=EMAIL).exists()
    _check(page, "06-opt-out-done")
