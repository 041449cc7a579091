"""The e-mail task through a real broker and a real Celery worker (CI: Redis), as in production."""

import datetime
import time

import pytest
from celery.contrib.testing.worker import start_worker
from celery.signals import task_postrun

from django.conf import settings
from django.core import mail
from django.db import connections

from config.celery import app
from tests.factories import SessionFactory, course_create, professional_create, slots_create
from training.choices import MessageKind
from training.models import RegistrationMessage
from training.services.registrations import registration_create

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("migrated_state_restored"),
    pytest.mark.skipif(not settings.CELERY_BROKER_URL, reason="needs a broker (CELERY_BROKER_URL), as CI sets"),
]


@pytest.fixture
def worker():
    """Tasks leave through the broker and a worker thread runs them."""
    app.conf.task_always_eager = False
    task_postrun.connect(_close_connections)  # the worker thread's connection must not outlive the test
    try:
        with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=30):
            yield
    finally:
        task_postrun.disconnect(_close_connections)
        app.conf.task_always_eager = True


def _close_connections(**kwargs):
    connections.close_all()


def test_confirmation_email_goes_through_the_broker_once(catalogue, worker):
    course = course_create(catalogue=catalogue, title="Comprendre les violences intrafamiliales")
    session = SessionFactory(course=course, capacity=5)
    slots_create(session=session, first_day=datetime.date.today() + datetime.timedelta(days=30))

    registration = registration_create(session=session, user=professional_create())  # commits: the task leaves

    message = None
    for _attempt in range(150):
        message = RegistrationMessage.objects.filter(registration=registration, sent_at__isnull=False).first()
        if message is not None:
            break
        time.sleep(0.2)
    assert message is not None and message.kind == MessageKind.CONFIRMED
    assert [m.to for m in mail.outbox] == [[registration.user.email]]


def test_survey_invitations_go_through_the_broker_once_each(catalogue, worker):
    from decimal import Decimal

    from evaluations.models import Invitation
    from evaluations.services.campaigns import surveys_due_send
    from tests.factories import RegistrationFactory
    from training.choices import RegistrationStatus, SessionStatus

    course = course_create(catalogue=catalogue, title="Promouvoir la santé mentale")
    session = SessionFactory(course=course, status=SessionStatus.DONE)
    slots_create(session=session, first_day=datetime.date.today() - datetime.timedelta(days=3), days=2)
    for _index in range(3):
        RegistrationFactory(session=session, status=RegistrationStatus.CONFIRMED, hours_recorded=Decimal("7"))

    assert surveys_due_send() == 3  # autocommit: the tasks leave at once
    surveys_due_send()  # a second run (beat firing twice) queues nothing

    for _attempt in range(150):
        if not Invitation.objects.filter(sent_at__isnull=True).exists():
            break
        time.sleep(0.2)
    assert not Invitation.objects.filter(sent_at__isnull=True).exists()
    assert sorted(m.to[0] for m in mail.outbox) == sorted(Invitation.objects.values_list("email", flat=True))
