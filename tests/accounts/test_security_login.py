"""Brute force on accounts: allauth's limits as configured (`ACCOUNT_RATE_LIMITS`), for the site's
login and the back office's, which goes through it."""

import datetime

import pytest
from allauth.account.models import EmailAddress
from freezegun import freeze_time

from django.core import mail

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "motdepasse-test"


@pytest.fixture
def camille():
    user = UserFactory(email="camille@exemple.fr", is_staff=True)
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    return user


def _login(client, clock, email, password, ip="203.0.113.7", path="/accounts/login/"):
    # Each attempt at its own second: allauth takes a successful attempt back by its timestamp.
    clock.tick(datetime.timedelta(seconds=1))
    return client.post(path, {"login": email, "password": password}, REMOTE_ADDR=ip)


def _codes(response) -> set[str]:
    return {error.code for error in response.context["form"].errors.as_data().get("__all__", [])}


def test_five_failures_lock_the_account_even_with_the_right_password(client, camille):
    with freeze_time("2026-12-03 10:00") as clock:
        for _ in range(5):
            assert _login(client, clock, camille.email, "wrong-password").status_code == 200

        refused = _login(client, clock, camille.email, PASSWORD, ip="198.51.100.20")
        assert refused.status_code == 200
        assert "too_many_login_attempts" in _codes(refused)
        assert "_auth_user_id" not in client.session

        clock.tick(datetime.timedelta(minutes=15, seconds=1))
        assert _login(client, clock, camille.email, PASSWORD).status_code == 302
        assert client.session["_auth_user_id"] == str(camille.pk)


def test_a_successful_login_does_not_reset_the_failures(client, camille):
    with freeze_time("2026-12-03 10:00") as clock:
        for _ in range(4):
            _login(client, clock, camille.email, "wrong-password")
        assert _login(client, clock, camille.email, PASSWORD).status_code == 302
        client.logout()

        _login(client, clock, camille.email, "wrong-password")
        assert "too_many_login_attempts" in _codes(_login(client, clock, camille.email, PASSWORD))


def test_one_address_trying_many_accounts_is_stopped(client):
    with freeze_time("2026-12-03 10:00") as clock:
        for n in range(10):
            _login(client, clock, f"inconnu{n}@exemple.fr", "wrong-password")

        assert "too_many_login_attempts" in _codes(_login(client, clock, "encore@exemple.fr", "wrong-password"))
        other = _login(client, clock, "encore@exemple.fr", "wrong-password", ip="198.51.100.20")
        assert "too_many_login_attempts" not in _codes(other)


def test_password_reset_requests_per_address_then_429(client, camille):
    with freeze_time("2026-12-03 10:00"):
        for _ in range(3):
            assert client.post("/accounts/password/reset/", {"email": camille.email}).status_code == 302
        assert len(mail.outbox) == 3

        refused = client.post("/accounts/password/reset/", {"email": camille.email})
        assert refused.status_code == 429
        assert "429.html" in [template.name for template in refused.templates]
        assert len(mail.outbox) == 3


def test_back_office_login_is_allauth_and_shares_its_limits(client, camille):
    assert client.get("/admin/login/?next=/admin/")["Location"] == "/accounts/login/?next=/admin/"
    with freeze_time("2026-12-03 10:00") as clock:
        for _ in range(5):
            _login(client, clock, camille.email, "wrong", path="/accounts/login/?next=/admin/")
        refused = _login(client, clock, camille.email, PASSWORD, path="/accounts/login/?next=/admin/")
        assert "too_many_login_attempts" in _codes(refused)
    # Wagtail's own login form never authenticates: the address only redirects.
    posted = client.post("/admin/login/", {"username": camille.email, "password": PASSWORD})
    assert posted.status_code in (302, 405)
    assert "_auth_user_id" not in client.session
