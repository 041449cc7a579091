"""The Content-Security-Policy in Chromium: the site's pages (with their scripts: error summary,
signature pad, rotating QR code) and a few back-office pages run without a single violation."""

import pytest
from allauth.account.models import EmailAddress

from tests.e2e.test_attendance_journey import PASSWORD, _draw, _log_in, half_day  # noqa: F401
from tests.factories import UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

# Recorded before any script of the page runs (an init script is not subject to the page's policy).
RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
    window.__cspViolations.push(`${event.violatedDirective} ${event.blockedURI} ${event.sourceFile}:${event.lineNumber}`);
});
"""


@pytest.fixture
def watched(browser):
    context = browser.new_context(locale="fr-FR")
    context.add_init_script(RECORD_VIOLATIONS)
    page = context.new_page()
    page.set_default_timeout(10_000)
    errors = []
    page.on(
        "console",
        lambda message: (
            message.type == "error" and "Content Security Policy" in message.text and errors.append(message.text)
        ),
    )
    page.errors = errors
    yield page
    context.close()


def _violations(page) -> list[str]:
    return page.evaluate("window.__cspViolations") + page.errors


def test_site_pages_and_their_scripts_run_under_the_strict_policy(live_server, watched, half_day):  # noqa: F811
    page = watched
    session = half_day.session
    for path in ("/", "/formations/", session.course.url, "/verification/"):
        response = page.goto(live_server.url + path)
        assert "'unsafe-inline'" not in response.headers["content-security-policy"]
        assert _violations(page) == [], path

    # The complaint form's error summary (a static script) takes the focus.
    page.goto(live_server.url + "/reclamation/")
    page.locator("main form button[type=submit]").click()
    page.wait_for_selector("#error-summary")
    assert page.evaluate("document.activeElement.id") == "error-summary"
    assert _violations(page) == []

    # The trainer's half-day: the rotating QR code (fetched as SVG) and the signature pad.
    page.goto(f"{live_server.url}/accounts/login/?next=/formateur/demi-journees/{half_day.pk}/")
    _log_in(page, "julien.carrere@exemple.fr")
    page.locator("form.open-form button[type=submit]").click()
    page.wait_for_selector("[data-qr-image] svg")
    page.locator("main a[href*='/signer/']").first.click()
    _draw(page, page.locator("canvas").first)
    assert page.evaluate("document.querySelector('input[name=signature]').value").startswith("data:image/png;base64,")
    assert _violations(page) == []


def test_back_office_pages_run_under_the_admin_policy(live_server, watched):
    admin = UserFactory(email="admin@exemple.fr", password=PASSWORD, is_staff=True, is_superuser=True)
    EmailAddress.objects.create(email=admin.email, user=admin, verified=True, primary=True)
    page = watched
    page.goto(f"{live_server.url}/admin/login/?next=/admin/")
    _log_in(page, "admin@exemple.fr")
    page.wait_for_url(f"{live_server.url}/admin/")
    for path in ("/admin/", "/admin/pages/", "/admin/documents/multiple/add/", "/admin/tableau-de-bord/"):
        response = page.goto(live_server.url + path)
        assert response.status == 200, path
        assert "frame-ancestors 'self'" in response.headers["content-security-policy"]
        page.wait_for_load_state("networkidle")
        assert _violations(page) == [], path
