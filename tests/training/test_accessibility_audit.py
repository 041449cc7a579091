"""Who was shown whose accessibility needs (health data) is written to the log, where they are shown."""

import pytest

from django.urls import reverse

from wagtail.models import ModelLogEntry

from tests.training.test_trainer_views import (  # noqa: F401 (fixtures)
    course,
    session,
    trainee,
    trainees,
    trainer_client,
    trainer_user,
)
from training.services.audit import ACCESSIBILITY_NEEDS_VIEWED

pytestmark = pytest.mark.django_db


def _reads() -> list[tuple[str, int, str]]:
    return [
        (entry.object_id, entry.user_id, entry.data["where"])
        for entry in ModelLogEntry.objects.filter(action=ACCESSIBILITY_NEEDS_VIEWED)
    ]


def test_the_trainers_session_page_logs_the_needs_it_shows(trainer_client, trainer_user, session, trainees):  # noqa: F811
    with_needs, without = trainees

    trainer_client.get(reverse("training:trainer-session", args=[session.pk]))

    assert _reads() == [(str(with_needs.pk), trainer_user.pk, "trainer space")]


def test_the_coordinations_pages_log_the_needs_they_show(coordinator_client, coordinator, session, trainees):  # noqa: F811
    with_needs, without = trainees

    coordinator_client.get(reverse("registrations:inspect", args=[with_needs.pk]))
    coordinator_client.get(reverse("registrations:inspect", args=[without.pk]))
    coordinator_client.get(reverse("registrations:session", args=[session.pk]))

    assert sorted(_reads()) == sorted(
        [
            (str(with_needs.pk), coordinator.pk, "back office: registration"),
            (str(with_needs.pk), coordinator.pk, "back office: session registrations"),
        ]
    )
    history = coordinator_client.get(reverse("registrations:history", args=[with_needs.pk]))
    assert history.status_code == 200
