"""Capacity under real concurrent transactions (PostgreSQL: one connection per thread, real row locks)."""

import datetime

import pytest

from django.db import connection

from tests.concurrency import run_concurrently
from tests.factories import SessionFactory, course_create, professional_create, slots_create
from training.choices import RegistrationStatus
from training.models import Registration
from training.services.registrations import registration_cancel_by_person, registration_create

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("migrated_state_restored"),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks are only meaningful on PostgreSQL"),
]


@pytest.fixture
def session(catalogue):
    course = course_create(catalogue=catalogue, title="Soutenir les compétences psychosociales")
    session = SessionFactory(course=course, capacity=20)
    slots_create(session=session, first_day=datetime.date.today() + datetime.timedelta(days=40), days=3)
    return session


def _statuses(session) -> dict[str, int]:
    counts = {}
    for status in Registration.objects.filter(session=session).values_list("status", flat=True):
        counts[status] = counts.get(status, 0) + 1
    return counts


def test_200_simultaneous_registrations_fill_20_seats_exactly(session):
    people = [professional_create() for _ in range(200)]

    results = run_concurrently(
        [lambda person=person: registration_create(session=session, user=person).status for person in people]
    )

    assert results.count(RegistrationStatus.CONFIRMED) == 20
    assert results.count(RegistrationStatus.WAITLISTED) == 180
    assert _statuses(session) == {RegistrationStatus.CONFIRMED: 20, RegistrationStatus.WAITLISTED: 180}
    positions = sorted(
        Registration.objects.filter(session=session, status=RegistrationStatus.WAITLISTED).values_list(
            "waitlist_position", flat=True
        )
    )
    assert positions == list(range(1, 181))


def test_cancellations_during_a_rush_never_overbook(session):
    confirmed = [registration_create(session=session, user=professional_create()) for _ in range(20)]
    newcomers = [professional_create() for _ in range(50)]

    actions = [lambda r=r: registration_cancel_by_person(registration=r).status for r in confirmed[:10]]
    actions += [lambda p=p: registration_create(session=session, user=p).status for p in newcomers]
    results = run_concurrently(actions)

    assert results.count(RegistrationStatus.CANCELLED) == 10
    counts = _statuses(session)
    held = counts.get(RegistrationStatus.CONFIRMED, 0) + counts.get(RegistrationStatus.OFFERED, 0)
    assert held == 20  # every freed seat is taken again or offered, never more than capacity
    assert counts[RegistrationStatus.CONFIRMED] >= 10
    assert sum(counts.values()) == 70
    assert counts.get(RegistrationStatus.WAITLISTED, 0) + held + counts[RegistrationStatus.CANCELLED] == 70
