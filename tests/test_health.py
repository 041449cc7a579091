"""`/healthz`: 200 "ok" when the database and the cache answer, 503 naming what fails."""

import pytest

from django.db import OperationalError
from django.urls import reverse

from config import health

pytestmark = pytest.mark.django_db


def test_a_healthy_process_answers_ok_over_plain_http_without_login(client, settings, django_assert_num_queries):
    settings.SECURE_SSL_REDIRECT = True  # production: only the health check is exempt from the HTTPS redirect
    with django_assert_num_queries(1):
        response = client.get(reverse("healthz"))

    assert response.status_code == 200
    assert response.content == b"ok\n"
    assert "no-cache" in response["Cache-Control"] and "max-age=0" in response["Cache-Control"]
    assert client.get("/admin/").status_code == 301  # everything else is still redirected


def test_a_cache_that_does_not_keep_values_makes_it_unavailable(client, settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}

    response = client.get(reverse("healthz"))

    assert response.status_code == 503
    assert response.content == b"unavailable: cache\n"


def test_a_database_that_does_not_answer_makes_it_unavailable(client, monkeypatch):
    def broken():
        raise OperationalError("connection refused")

    monkeypatch.setattr(health, "_database_ok", broken)

    response = client.get(reverse("healthz"))

    assert response.status_code == 503
    assert response.content == b"unavailable: database\n"
