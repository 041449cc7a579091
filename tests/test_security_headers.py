"""Response headers: a strict Content-Security-Policy on the site, a looser one for Wagtail's
admin, the Permissions-Policy, and no inline script or style left in the site's templates."""

import re
from pathlib import Path

import pytest

from django.conf import settings

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

TEMPLATES = Path(settings.BASE_DIR) / "templates"
# Rendered by WeasyPrint or an e-mail client, never by a browser under the site's policy.
NOT_BROWSER_PAGES = ("pdf/", "emails/", "evaluations/evidence/")
# The Wagtail admin's own pages, served under its looser policy.
ADMIN_PAGES = ("evaluations/admin/", "training/admin/", "cms/admin/", "wagtailadmin/")


def _directives(header: str) -> dict[str, list[str]]:
    return {name: values for name, *values in (part.split() for part in header.split(";") if part.strip())}


def test_public_page_strict_policy(home_page, client):
    response = client.get("/")

    policy = _directives(response["Content-Security-Policy"])
    assert policy["default-src"] == ["'self'"]
    assert policy["script-src"] == ["'self'"]
    assert policy["style-src"] == ["'self'"]
    assert policy["img-src"] == ["'self'", "data:"]
    assert policy["object-src"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["form-action"] == ["'self'"]
    assert policy["base-uri"] == ["'self'"]
    assert not any("unsafe" in value for values in policy.values() for value in values)


def test_policy_also_on_cached_and_missing_pages(home_page, client):
    client.get("/")  # stored in the public page cache
    assert "Content-Security-Policy" in client.get("/")
    missing = client.get("/verification/")
    assert _directives(missing["Content-Security-Policy"])["script-src"] == ["'self'"]


def test_other_security_headers(home_page, client):
    response = client.get("/")

    permissions = response["Permissions-Policy"]
    for feature in ("camera=()", "microphone=()", "geolocation=()", "payment=()", "fullscreen=(self)"):
        assert feature in permissions
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"


def test_admin_policy_allows_inline_but_nothing_foreign(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))

    response = client.get("/admin/")

    assert response.status_code == 200
    policy = _directives(response["Content-Security-Policy"])
    assert policy["script-src"] == ["'self'", "'unsafe-inline'"]
    assert policy["default-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'self'"]  # page previews are framed by the admin
    assert "Permissions-Policy" in response


def test_admin_login_goes_through_allauth(client):
    response = client.get("/admin/login/?next=/admin/pages/")

    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/admin/pages/"
    # The redirect target is the one allauth rate-limits, and the admin sends there.
    assert client.get("/admin/")["Location"].startswith("/admin/login/")


def _site_templates():
    for path in TEMPLATES.rglob("*.html"):
        relative = path.relative_to(TEMPLATES).as_posix()
        if not relative.startswith(NOT_BROWSER_PAGES + ADMIN_PAGES):
            yield relative, path.read_text()


def test_site_templates_have_no_inline_script_or_style():
    checked = 0
    for relative, text in _site_templates():
        checked += 1
        for match in re.finditer(r"<script\b[^>]*>", text):
            assert "src=" in match.group(0) or 'type="application/json"' in match.group(0), (relative, match.group(0))
        assert not re.search(r"<style\b", text), relative
        assert not re.search(r"\sstyle=", text), relative
        assert not re.search(r"\son[a-z]+=", text), relative
    assert checked > 30
