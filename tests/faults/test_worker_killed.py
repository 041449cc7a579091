"""A real worker process killed in the middle of bulk certificates and of survey sending: once a
new worker has taken over, every document is issued once and every e-mail sent once.

PostgreSQL and Redis only (as CI runs): the worker is a separate operating-system process
(`celery -A config worker --pool=prefork`) using the test database, and it is SIGKILLed with its
pool children, so nothing is acknowledged, rejected or put back by Celery: the messages it held
come back from Redis after the visibility timeout (`CELERY_VISIBILITY_TIMEOUT`), and the
transactions it had open are rolled back by PostgreSQL.
"""

from __future__ import annotations

import datetime
import hashlib
import os
import shutil
import tempfile
import time
from decimal import Decimal
from pathlib import Path

import pytest

from django.conf import settings
from django.db import connection
from django.utils import timezone, translation

from config.celery import app
from evaluations.models import Invitation
from evaluations.services.messages import invitation_message_build
from evaluations.tasks import surveys_due_send_task
from tests.factories import (
    RegistrationFactory,
    SessionFactory,
    UserFactory,
    course_create,
    professional_create,
    slots_create,
)
from training.choices import (
    BatchStatus,
    DocumentKind,
    MessageKind,
    RegistrationStatus,
    SessionStatus,
)
from training.models import Document, DocumentBatch, RegistrationMessage
from training.services.documents import document_batch_create
from training.services.messages import _subject
from training.services.registrations import registration_create

from .data import held_session, signatory_set
from .worker import VISIBILITY_TIMEOUT, Broker, poll, worker_site

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("migrated_state_restored"),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="a worker process shares the database: PostgreSQL"),
    pytest.mark.skipif(
        not settings.CELERY_BROKER_URL.startswith("redis://"), reason="needs a Redis broker (CELERY_BROKER_URL)"
    ),
]


@pytest.fixture
def broker():
    """The broker's Redis database, emptied before and after (it must be the test suite's own, as
    CI's is); tasks leave through it instead of running eagerly."""
    broker = Broker(settings.CELERY_BROKER_URL)
    broker.flush()
    app.conf.task_always_eager = False
    try:
        yield broker
    finally:
        app.conf.task_always_eager = True
        broker.flush()
        broker.client.close()


@pytest.fixture
def site(settings, broker):
    """Directories shared by the test and the worker processes (their logs kept with
    `FAULTS_KEEP=1`); every worker stopped at the end."""
    root = Path(tempfile.mkdtemp(prefix="formations-faults-"))
    site = worker_site(root)
    settings.MEDIA_ROOT = site.env["MEDIA_ROOT"]
    settings.PRIVATE_MEDIA_ROOT = site.env["PRIVATE_MEDIA_ROOT"]
    try:
        yield site
    finally:
        site.stop_all()
        if not os.environ.get("FAULTS_KEEP"):
            shutil.rmtree(root, ignore_errors=True)


def _wait_for_redelivery() -> None:
    """Redis gives back a dead worker's messages once the visibility timeout has passed since it
    took them; a worker starting after that puts them back in the queue at once."""
    time.sleep(VISIBILITY_TIMEOUT + 1)


def test_bulk_certificates_survive_a_worker_killed_midway(catalogue, site, broker):
    signatory_set()
    course = course_create(catalogue=catalogue, title="Promouvoir la santé mentale")
    sessions, registrations = [], []
    for number in range(3):
        session, people = held_session(course=course, trainees=5, code=f"2026-FAULT-{number}")
        sessions.append(session)
        registrations += people
    expected_documents = 2 * len(registrations)

    worker = site.start()
    batch = document_batch_create(sessions=sessions, label="Fin de formation", by=UserFactory())  # commits: queued

    # Kill it while documents are being issued: some exist, most do not.
    poll(lambda: Document.objects.filter(batch=batch).count() >= 4, timeout=90, what="the first documents")
    worker.kill()
    issued_before = Document.objects.filter(batch=batch).count()
    assert 4 <= issued_before < expected_documents
    assert broker.unacked() > 0  # the sessions the dead worker was issuing, neither acknowledged nor put back

    _wait_for_redelivery()
    site.start()
    poll(
        lambda: (
            DocumentBatch.objects.get(pk=batch.pk).status == BatchStatus.DONE
            and RegistrationMessage.objects.filter(kind=MessageKind.DOCUMENTS, sent_at__isnull=False).count()
            == len(registrations)
        ),
        timeout=120,
        interval=0.3,
        what="the batch and its e-mails",
    )
    poll(broker.idle, timeout=30, what="every task, redelivered ones included, to be done")

    batch.refresh_from_db()
    assert (batch.total, batch.done, batch.issued, batch.skipped) == (
        expected_documents,
        expected_documents,
        expected_documents,
        0,
    )
    assert sorted(batch.sessions_done) == sorted(session.pk for session in sessions)
    for registration in registrations:
        for kind in (DocumentKind.CERTIFICATE, DocumentKind.ATTESTATION):
            documents = list(Document.objects.filter(registration=registration, kind=kind))
            assert len(documents) == 1, (registration, kind, documents)
            document = documents[0]
            assert (document.version, document.superseded_at) == (1, None)
            with document.file.open("rb") as stored:
                assert hashlib.sha256(stored.read()).hexdigest() == document.sha256
    assert batch.archive and batch.archive.size > 0

    with translation.override("fr"):
        subject = _subject(MessageKind.DOCUMENTS, course.title)
    expected_emails = {(registration.user.email, subject): 1 for registration in registrations}
    assert site.emails_by_recipient_and_subject() == expected_emails  # each trainee once, nobody else


def test_survey_sending_survives_a_worker_killed_while_emails_are_leaving(catalogue, site, broker):
    course = course_create(catalogue=catalogue, title="Comprendre les violences intrafamiliales")
    session = SessionFactory(course=course, capacity=40, status=SessionStatus.DONE)
    slots_create(session=session, first_day=timezone.localdate() - datetime.timedelta(days=3), days=2)
    trainees = [
        RegistrationFactory(session=session, status=RegistrationStatus.CONFIRMED, hours_recorded=Decimal("14"))
        for _index in range(40)
    ]
    delay = 1.0  # each e-mail takes this long to be accepted, like a slow SMTP server
    worker = site.start(FAULTS_EMAIL_DELAY=delay)
    surveys_due_send_task.delay()  # the hourly schedule: opens the campaign, queues one task per trainee

    # Kill while both pool processes are talking to the "server" (their e-mail not accepted yet).
    poll(
        lambda: site.email_count() >= 6 and site.in_flight(younger_than=delay - 0.4) == 2,
        timeout=90,
        interval=0.01,
        what="e-mails leaving",
    )
    worker.kill()
    sent_before = site.email_count()
    assert 6 <= sent_before < 40
    assert Invitation.objects.filter(sent_at__isnull=False).count() == sent_before  # the two in flight rolled back
    assert broker.unacked() >= 2

    _wait_for_redelivery()
    site.start()  # no delay now: the remaining e-mails leave at once
    poll(
        lambda: Invitation.objects.count() == 40 and not Invitation.objects.filter(sent_at__isnull=True).exists(),
        timeout=90,
        interval=0.2,
        what="every invitation sent",
    )
    poll(broker.idle, timeout=30, what="every task, redelivered ones included, to be done")

    invitations = list(Invitation.objects.select_related("campaign__questionnaire", "campaign__session__course"))
    assert sorted(invitation.email for invitation in invitations) == sorted(t.user.email for t in trainees)
    expected = {(i.email, invitation_message_build(invitation=i, reminder=False).subject): 1 for i in invitations}
    assert site.emails_by_recipient_and_subject() == expected


def test_an_email_refused_once_by_the_server_is_sent_once_by_the_retry(catalogue, site, broker):
    course = course_create(catalogue=catalogue, title="Accompagner les aidants")
    ended = SessionFactory(course=course, status=SessionStatus.DONE)
    slots_create(session=ended, first_day=timezone.localdate() - datetime.timedelta(days=3))
    trainees = [
        RegistrationFactory(session=ended, status=RegistrationStatus.CONFIRMED, hours_recorded=Decimal("7"))
        for _index in range(3)
    ]
    upcoming = SessionFactory(course=course, capacity=5)
    slots_create(session=upcoming, first_day=timezone.localdate() + datetime.timedelta(days=30))

    site.start(FAULTS_EMAIL_BACKEND="tests.faults.mail.FailingOnceBackend")
    surveys_due_send_task.delay()
    registration = registration_create(session=upcoming, user=professional_create())  # convocation, with its PDFs

    poll(
        lambda: (
            not Invitation.objects.filter(sent_at__isnull=True).exists()
            and Invitation.objects.count() == 3
            and RegistrationMessage.objects.filter(registration=registration, sent_at__isnull=False).exists()
        ),
        timeout=90,
        interval=0.2,
        what="the retries to send",
    )
    poll(broker.idle, timeout=30, what="every task to be done")

    refused = list((site.mail_dir / "refused").iterdir())
    assert len(refused) == 4  # each e-mail was refused once…
    recipients = sorted(message["To"] for message in site.emails())
    assert recipients == sorted([registration.user.email] + [t.user.email for t in trainees])  # …then sent once
    message = RegistrationMessage.objects.get(registration=registration)
    assert message.kind == MessageKind.CONFIRMED and "convocation-" + upcoming.code + ".ics" in message.attachments
