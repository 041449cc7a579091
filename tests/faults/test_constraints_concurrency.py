"""What a task delivered twice at once would do (a redelivery while the first run still goes, a retry
racing a slow run), on PostgreSQL with real concurrent transactions: one document, one e-mail; and
the database itself refuses the duplicates, whatever code writes them."""

import datetime

import pytest

from django.core import mail
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from evaluations.choices import QuestionnaireKind
from evaluations.models import Campaign, Invitation, Questionnaire
from evaluations.services.campaigns import invitation_create
from tests.concurrency import run_concurrently
from tests.factories import course_create
from training.choices import BatchStatus, DocumentKind, MessageKind, RetentionClass
from training.models import Document, DocumentBatch, RegistrationMessage
from training.services.documents import document_batch_session_run, document_issue
from training.services.messages import registration_message_send

from .data import held_session, signatory_set

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("migrated_state_restored"),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks are only meaningful on PostgreSQL"),
]


@pytest.fixture
def held(catalogue, settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path
    signatory_set()
    return held_session(course=course_create(catalogue=catalogue), trainees=2, code="2026-RACE-01")


def _campaign(session) -> Campaign:
    """The end-of-training survey of the session, open, nobody invited yet."""
    now = timezone.now()
    return Campaign.objects.create(
        questionnaire=Questionnaire.objects.get(kind=QuestionnaireKind.HOT, is_active=True),
        kind=QuestionnaireKind.HOT,
        session=session,
        opened_at=now,
        closes_at=now + datetime.timedelta(days=30),
    )


def _campaign_cold(session) -> Campaign:
    now = timezone.now()
    return Campaign.objects.create(
        questionnaire=Questionnaire.objects.get(kind=QuestionnaireKind.COLD, is_active=True),
        kind=QuestionnaireKind.COLD,
        session=session,
        opened_at=now,
        closes_at=now + datetime.timedelta(days=30),
    )


def _refused(action):
    """Run a write in its own transaction; True when the database refused it as a duplicate."""

    def run():
        try:
            with transaction.atomic():
                action()
        except IntegrityError:
            return True
        return False

    return run


def test_one_document_issued_when_ten_issues_of_it_run_at_once(held):
    session, (registration, _other) = held

    results = run_concurrently(
        [lambda: document_issue(kind=DocumentKind.CERTIFICATE, session=session, registration=registration)] * 10
    )

    assert sorted(created for _document, created in results) == [False] * 9 + [True]
    assert len({document.pk for document, _created in results}) == 1
    assert Document.objects.filter(registration=registration).count() == 1


def test_a_batch_session_run_four_times_at_once_issues_and_emails_once(held):
    session, registrations = held
    batch = DocumentBatch.objects.create(
        kinds=[DocumentKind.CERTIFICATE, DocumentKind.ATTESTATION], label="Course", status=BatchStatus.RUNNING, total=4
    )
    batch.sessions.set([session])

    run_concurrently([lambda: document_batch_session_run(batch_id=batch.pk, session_id=session.pk)] * 4)

    batch.refresh_from_db()
    assert batch.status == BatchStatus.DONE and (batch.done, batch.issued) == (4, 4)
    for registration in registrations:
        assert sorted(Document.objects.filter(registration=registration).values_list("kind", flat=True)) == sorted(
            [DocumentKind.CERTIFICATE, DocumentKind.ATTESTATION]
        )
    assert sorted(message.to[0] for message in mail.outbox) == sorted(r.user.email for r in registrations)
    assert RegistrationMessage.objects.filter(kind=MessageKind.DOCUMENTS, sent_at__isnull=False).count() == 2


def test_one_email_when_the_same_message_task_runs_ten_times_at_once(held):
    _session, (registration, _other) = held

    sent = run_concurrently(
        [lambda: registration_message_send(registration_id=registration.pk, kind=MessageKind.DOCUMENTS)] * 10
    )

    assert sorted(sent) == [False] * 9 + [True]
    assert [message.to for message in mail.outbox] == [[registration.user.email]]


def test_one_invitation_when_the_same_person_is_invited_ten_times_at_once(held):
    session, (registration, _other) = held
    campaign = _campaign(session)

    created = run_concurrently(
        [lambda: invitation_create(campaign=campaign, email=registration.user.email.upper(), registration=registration)]
        * 10
    )

    assert sum(invitation is not None for invitation in created) == 1
    assert Invitation.objects.filter(campaign=campaign).count() == 1
    assert [message.to for message in mail.outbox] == [[registration.user.email.upper()]]


def test_the_database_keeps_one_current_document_and_one_message_whatever_code_writes_them(held):
    """Straight inserts, racing, with none of the services' locks: the unique indexes decide."""
    session, (registration, _other) = held
    now = timezone.now()

    def document(version):
        return lambda: Document.objects.create(
            kind=DocumentKind.CERTIFICATE,
            session=session,
            registration=registration,
            version=version,
            issued_at=now,
            size=1,
            sha256="0" * 64,
            verification_code=f"RACE{version:06d}",
            retention_class=RetentionClass.EVIDENCE,
            retain_until=now.date() + datetime.timedelta(days=1),
            file=f"documents/race-{version}.pdf",
        )

    refused = run_concurrently([_refused(document(version)) for version in range(1, 11)])
    assert sorted(refused) == [False] + [True] * 9  # one current certificate per trainee
    assert Document.objects.filter(registration=registration, superseded_at__isnull=True).count() == 1

    def message():
        return RegistrationMessage.objects.create(
            registration=registration, kind=MessageKind.DOCUMENTS, recipient=registration.user.email
        )

    refused = run_concurrently([_refused(message)] * 10)
    assert sorted(refused) == [False] + [True] * 9  # one message per registration and kind
    assert RegistrationMessage.objects.filter(registration=registration).count() == 1

    campaign = _campaign(session)
    emails = [registration.user.email, registration.user.email.upper()] * 5
    refused = run_concurrently(
        [_refused(lambda email=email: Invitation.objects.create(campaign=campaign, email=email)) for email in emails]
    )
    assert sorted(refused) == [False] + [True] * 9  # one invitation per campaign and address, whatever its case

    other = _campaign_cold(session)
    refused = run_concurrently(
        [
            _refused(
                lambda index=index: Invitation.objects.create(
                    campaign=other, registration=registration, email=f"adresse-{index}@exemple.fr"
                )
            )
            for index in range(10)
        ]
    )
    assert sorted(refused) == [False] + [True] * 9  # one invitation per campaign and trainee, whatever the address
