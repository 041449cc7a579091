"""Shared survey fixtures: a held session whose trainees attended (hours recorded), and its campaigns."""

import datetime
from decimal import Decimal

import pytest
from freezegun import freeze_time

from evaluations.choices import QuestionnaireKind
from evaluations.models import Questionnaire
from evaluations.services.campaigns import campaign_open
from tests.clock import NOW
from tests.factories import RegistrationFactory, SessionFactory, TrainerFactory, course_create, slots_create
from training.choices import RegistrationStatus, SessionStatus

# The held session's two days end the Friday before the fixed clock (`tests.clock.NOW`).
HELD_FIRST_DAY = datetime.date(2026, 11, 19)


@pytest.fixture
def course(catalogue):
    return course_create(catalogue=catalogue)


@pytest.fixture
def held_session(course):
    """A session held on two days before NOW, with one trainer, three trainees who attended (14 h, 14 h,
    7 h), one confirmed no-show and one cancelled registration."""
    session = SessionFactory(course=course, status=SessionStatus.DONE, code="2026-CPS1-12-01")
    session.trainers.add(TrainerFactory(email="formatrice@exemple.fr"))
    slots_create(session=session, first_day=HELD_FIRST_DAY, days=2)
    for hours in ("14", "14", "7"):
        RegistrationFactory(session=session, status=RegistrationStatus.CONFIRMED, hours_recorded=Decimal(hours))
    RegistrationFactory(session=session, status=RegistrationStatus.CONFIRMED, hours_recorded=Decimal("0"))
    RegistrationFactory(session=session, status=RegistrationStatus.CANCELLED)
    return session


@pytest.fixture
def hot_questionnaire(db) -> Questionnaire:
    """The standard end-of-training questionnaire (created by a migration)."""
    return Questionnaire.objects.get(slug="a_chaud")


@pytest.fixture
def hot_campaign(held_session, committed):
    """The end-of-training campaign of the held session, opened at NOW, its invitations sent."""
    with freeze_time(NOW), committed():
        return campaign_open(kind=QuestionnaireKind.HOT, session=held_session)
