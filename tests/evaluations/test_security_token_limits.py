"""Guessing the secret of a link (survey token, certificate code, signing link, QR code): after
`TOKEN_LOOKUP_FAILURES` misses from one address the address gets 429 until the window passes."""

import datetime

import pandas  # noqa: F401  imported before any frozen clock: importing it under freezegun crashes the interpreter
import pytest
from freezegun import freeze_time

from django.urls import reverse

from tests.clock import NOW
from tests.factories import SessionFactory, TrainerFactory, UserFactory, course_create, slots_create
from tests.training.test_trainer_views import MORNING
from training.services.attendance import attendance_qr_code, attendance_sheet_open

pytestmark = pytest.mark.django_db

LATER = NOW + datetime.timedelta(hours=2)
ATTACKER = "203.0.113.7"
NEIGHBOUR = "198.51.100.20"


@pytest.fixture(autouse=True)
def _limits(settings):
    settings.TOKEN_LOOKUP_FAILURES = 3
    settings.TOKEN_LOOKUP_WINDOW_SECONDS = 600


@pytest.fixture
def invitation(hot_campaign):
    return hot_campaign.invitations.order_by("pk").first()


def _survey(token: str) -> str:
    return reverse("evaluations:answer", args=[token])


def _miss(client, url, ip=ATTACKER, **headers):
    return client.get(url, REMOTE_ADDR=ip, **headers)


def test_wrong_tokens_then_429_even_for_the_right_one_until_the_window_passes(client, invitation):
    with freeze_time(LATER) as clock:
        for attempt in range(3):
            assert _miss(client, _survey(f"guess{attempt}")).status_code == 404

        blocked = _miss(client, _survey("guess-again"))
        assert blocked.status_code == 429
        assert 1 <= int(blocked["Retry-After"]) <= 600
        assert "429.html" in [template.name for template in blocked.templates]
        assert blocked["Cache-Control"].startswith("max-age=0")
        right = client.get(_survey(invitation.token), REMOTE_ADDR=ATTACKER)
        assert right.status_code == 429

        assert client.get(_survey(invitation.token), REMOTE_ADDR=NEIGHBOUR).status_code == 200

        clock.tick(datetime.timedelta(seconds=601))
        assert client.get(_survey(invitation.token), REMOTE_ADDR=ATTACKER).status_code == 200


def test_successful_lookups_cost_nothing(client, invitation):
    with freeze_time(LATER):
        for _ in range(10):
            assert client.get(_survey(invitation.token), REMOTE_ADDR=ATTACKER).status_code == 200
        assert _miss(client, _survey("guess")).status_code == 404


def test_every_secret_url_shares_the_budget(client, invitation):
    """One miss on each kind of link: the survey's pages, a certificate code, a signing link, a QR code."""
    with freeze_time(LATER):
        assert _miss(client, reverse("evaluations:opt_out", args=["nope"])).status_code == 404
        assert _miss(client, reverse("training:verification", args=["ABCDE23456"])).status_code == 404
        assert _miss(client, reverse("training:sign-link", args=["not-a-signed-token"])).status_code == 400

        assert _miss(client, reverse("evaluations:thanks", args=[invitation.token])).status_code == 429


@pytest.fixture
def morning_sheet(catalogue):
    """A half-day opened by its trainer at MORNING: its slot and sheet."""
    trainer_user = UserFactory()
    session = SessionFactory(course=course_create(catalogue=catalogue))
    session.trainers.add(TrainerFactory(user=trainer_user))
    slots_create(session=session, first_day=MORNING.date(), days=1)
    morning = session.slots.get(date=MORNING.date(), period="am")
    with freeze_time(MORNING):
        return morning, attendance_sheet_open(slot=morning, user=trainer_user)


def test_certificate_codes_and_qr_codes_are_counted(client, morning_sheet):
    morning, sheet = morning_sheet
    with freeze_time(MORNING):
        for attempt in range(2):
            assert _miss(client, reverse("training:verification", args=[f"ABCDE2345{attempt}"])).status_code == 404
        assert (
            client.get(reverse("training:scan", args=[morning.pk, attendance_qr_code(sheet=sheet)])).status_code == 200
        )
        assert _miss(client, reverse("training:scan", args=[morning.pk, "wrongcode"])).status_code == 410

        assert _miss(client, reverse("training:verification", args=["ABCDE23456"])).status_code == 429


def test_a_room_scanning_old_codes_behind_one_address_is_never_blocked(client, morning_sheet):
    """Expired codes the room did show (a photo of the screen, a slow phone) are no guesses."""
    morning, sheet = morning_sheet
    with freeze_time(MORNING):
        first_code = attendance_qr_code(sheet=sheet)
    with freeze_time(MORNING + datetime.timedelta(minutes=30)):
        for _scan in range(10):
            assert _miss(client, reverse("training:scan", args=[morning.pk, first_code])).status_code == 410
        current = attendance_qr_code(sheet=sheet)
        assert _miss(client, reverse("training:scan", args=[morning.pk, current])).status_code == 200
        for attempt in range(3):  # guesses still count
            assert _miss(client, reverse("training:scan", args=[morning.pk, f"guess{attempt}"])).status_code == 410
        assert _miss(client, reverse("training:scan", args=[morning.pk, current])).status_code == 429


def test_forwarded_address_only_behind_a_trusted_proxy(client, invitation, settings):
    with freeze_time(LATER):
        # Not behind a proxy: a forged X-Forwarded-For does not give a fresh budget.
        for attempt in range(3):
            _miss(client, _survey(f"guess{attempt}"), HTTP_X_FORWARDED_FOR=f"192.0.2.{attempt}")
        assert _miss(client, _survey("guess"), HTTP_X_FORWARDED_FOR="192.0.2.99").status_code == 429

        # Behind nginx: the address nginx appended is the client's.
        settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1
        proxied = {"ip": "127.0.0.1", "HTTP_X_FORWARDED_FOR": f"10.9.9.9, {NEIGHBOUR}"}
        assert _miss(client, _survey(invitation.token), **proxied).status_code == 200
        assert (
            _miss(client, _survey(invitation.token), ip="127.0.0.1", HTTP_X_FORWARDED_FOR=ATTACKER).status_code == 429
        )
