"""The coordinator's document pages in the Wagtail admin: a session's documents and their issue,
re-issuing with a reason, downloads, bulk issues with their progress and ZIP."""

import datetime
import html
import io
import zipfile

import pytest
from freezegun import freeze_time
from pypdf import PdfReader

from django.contrib.auth.models import Group, Permission
from django.contrib.messages import get_messages
from django.core.files.base import ContentFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.roles import COORDINATION, roles_sync
from tests.factories import (
    RegistrationFactory,
    SessionFactory,
    TrainerFactory,
    UserFactory,
    course_create,
    slots_create,
)
from tests.training import test_documents
from tests.training.test_documents import AFTER, _hold, _issue
from training.choices import BatchStatus, DocumentKind, RegistrationStatus, RetentionClass, SessionStatus
from training.exceptions import TrainingError
from training.models import Document, DocumentBatch
from training.services.documents import document_batch_create, document_batch_run, document_issue

pytestmark = pytest.mark.django_db

# The documents tests' session, held on Monday 14 December 2026: Durand attended the whole day,
# Lefebvre 2.5 hours (late, then absent), Moreau nothing.
trainer_user = test_documents.trainer_user
session = test_documents.session
people = test_documents.people
held = test_documents.held
signatory = test_documents.signatory  # autouse: documents need their signatory


@pytest.fixture(autouse=True)
def _frozen():
    with freeze_time(AFTER):
        yield


@pytest.fixture
def coordinator():
    roles_sync()
    user = UserFactory(first_name="Claire", last_name="Coordinatrice")
    user.groups.add(Group.objects.get(name=COORDINATION))
    return user


@pytest.fixture
def coordinator_client(client, coordinator):
    client.force_login(coordinator)
    return client


def _user_with(*codenames: str):
    user = UserFactory()
    group = Group.objects.create(name="Groupe " + "-".join(codenames))
    group.permissions.add(*Permission.objects.filter(codename__in=["access_admin", *codenames]))
    user.groups.add(group)
    return user


def _messages(response) -> list[str]:
    """The messages shown, as text (Wagtail stores them escaped, with room for buttons)."""
    return [html.unescape(str(message)).strip() for message in get_messages(response.wsgi_request)]


def _content(response) -> bytes:
    return b"".join(response.streaming_content)


@pytest.fixture
def batch(held, coordinator, send):
    """The end-of-training documents of `held`, issued in bulk: Durand and Lefebvre get both, Moreau none."""
    return send(document_batch_create, sessions=[held], label="Session 2026-CPS1-12-01", by=coordinator)


# Access
# ------------------------------------------------------------------------------


def test_document_pages_need_the_document_permissions(client, coordinator, held, batch):
    document = Document.objects.filter(kind=DocumentKind.CERTIFICATE).first()
    urls = [
        reverse("documents:session", args=[held.pk]),
        reverse("documents:download", args=[document.pk]),
        reverse("documents:reissue", args=[document.pk]),
        reverse("documents:batches"),
        reverse("documents:batch", args=[batch.pk]),
        reverse("documents:batch_status", args=[batch.pk]),
        reverse("documents:batch_zip", args=[batch.pk]),
    ]
    issue_url = reverse("documents:issue", args=[held.pk])

    for url in [*urls, issue_url]:  # anonymous: to the login page
        response = client.get(url)
        assert response.status_code == 302 and reverse("wagtailadmin_login") in response["Location"], url

    client.force_login(_user_with())  # in the back office, nothing more
    for url in urls:  # Wagtail answers a permission denied by a redirect to its home page
        response = client.get(url)
        assert (response.status_code, response["Location"]) == (302, reverse("wagtailadmin_home")), url
    response = client.post(issue_url, {"kind": DocumentKind.PROGRAMME})
    assert response["Location"] == reverse("wagtailadmin_home")
    response = client.post(reverse("documents:batch_last_month"))
    assert response["Location"] == reverse("wagtailadmin_home")
    assert not Document.objects.filter(kind=DocumentKind.PROGRAMME).exists()
    assert reverse("documents:batches") not in client.get(reverse("wagtailadmin_home")).content.decode()  # no menu

    client.force_login(coordinator)
    for url in urls:
        assert client.get(url).status_code == 200, url
    assert reverse("documents:batches") in client.get(reverse("wagtailadmin_home")).content.decode()


def test_coordination_reads_and_issues_documents_but_never_changes_them(coordinator):
    assert coordinator.has_perms(
        ["training.view_document", "training.add_document", "training.view_documentbatch", "training.add_documentbatch"]
    )
    for action in ("change", "delete"):
        assert not coordinator.has_perm(f"training.{action}_document")
        assert not coordinator.has_perm(f"training.{action}_documentbatch")


def test_reading_documents_does_not_allow_issuing_them(client, held, people):
    reader = _user_with("view_document", "view_documentbatch")
    client.force_login(reader)

    page = client.get(reverse("documents:session", args=[held.pk]))
    assert page.status_code == 200 and reverse("documents:issue", args=[held.pk]) not in page.content.decode()
    response = client.post(reverse("documents:issue", args=[held.pk]), {"kind": "end_of_training"})
    assert response["Location"] == reverse("wagtailadmin_home")
    assert not DocumentBatch.objects.exists()


def test_session_pages_link_to_the_documents(coordinator_client, held):
    url = reverse("documents:session", args=[held.pk])
    for page in (
        reverse("sessions:edit", args=[held.pk]),
        reverse("sessions:inspect", args=[held.pk]),
        reverse("sessions:index"),  # the "more" menu of each row
    ):
        assert url in coordinator_client.get(page).content.decode(), page


def test_a_document_is_downloaded_through_a_checked_view_only(client, held, people):
    document, _created = _issue(DocumentKind.CERTIFICATE, held, people["Durand"])
    url = reverse("documents:download", args=[document.pk])
    client.force_login(_user_with("view_document"))

    response = client.get(url)

    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert _content(response) == document.file.read()
    with pytest.raises(ValueError):
        document.file.url  # noqa: B018 — private storage: no media URL to leak
    client.force_login(_user_with("view_documentbatch"))
    assert client.get(url)["Location"] == reverse("wagtailadmin_home")


# A session's documents
# ------------------------------------------------------------------------------


def test_issuing_from_the_session_page_runs_a_batch_with_its_zip(coordinator_client, coordinator, held, committed):
    with committed():
        response = coordinator_client.post(reverse("documents:issue", args=[held.pk]), {"kind": "end_of_training"})

    batch = DocumentBatch.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("documents:batch", args=[batch.pk])
    assert list(batch.sessions.all()) == [held] and batch.requested_by == coordinator
    assert batch.status == BatchStatus.DONE
    assert Document.objects.filter(batch=batch).count() == 4  # Durand and Lefebvre: certificate and attestation

    page = coordinator_client.get(response["Location"])
    content = page.content.decode()
    assert '<progress id="batch-progress" class="documents-batch__bar" max="100" value="100"' in content
    assert "<strong>6 / 6</strong>" in content
    assert reverse("documents:batch_zip", args=[batch.pk]) in content
    assert "batch_progress.js" not in content  # done: nothing to refresh
    for document in Document.objects.filter(batch=batch):
        assert reverse("documents:download", args=[document.pk]) in content

    archive = coordinator_client.get(reverse("documents:batch_zip", args=[batch.pk]))
    assert archive["Content-Type"] == "application/zip"
    with zipfile.ZipFile(io.BytesIO(_content(archive))) as zipped:
        names = zipped.namelist()
        assert len(names) == 4 and all(name.startswith("2026-CPS1-12-01/") for name in names)
        assert all(zipped.read(name).startswith(b"%PDF-") for name in names)


def test_the_session_page_shows_each_trainees_documents_or_why_none(coordinator_client, held, people, batch):
    response = coordinator_client.get(reverse("documents:session", args=[held.pk]))

    rows = {row.registration.user.last_name: row for row in response.context["board"].trainees}
    assert (rows["Durand"].hours_attended, rows["Lefebvre"].hours_attended) == (7, 2.5)
    assert rows["Durand"].certificate.verification_code in response.content.decode()
    assert (rows["Moreau"].certificate, rows["Moreau"].attestation, rows["Moreau"].pending) == (
        None,
        None,
        "no_hours_attended",
    )
    assert [item.kind for item in response.context["board"].session_documents] == [
        DocumentKind.ATTENDANCE_SHEET,  # no agreement: not an intra session
        DocumentKind.PROGRAMME,
    ]


def test_the_end_of_training_documents_wait_for_validated_attendance(coordinator_client, session, people):
    response = coordinator_client.get(reverse("documents:session", args=[session.pk]))

    assert response.context["board"].pending == "attendance_not_validated"
    assert {row.pending for row in response.context["board"].trainees} == {"attendance_not_validated"}
    assert 'name="kind" value="end_of_training">' in response.content.decode()
    assert " disabled>" in response.content.decode()


def test_the_session_documents_are_issued_one_by_one(coordinator_client, held):
    url = reverse("documents:issue", args=[held.pk])

    response = coordinator_client.post(url, {"kind": DocumentKind.PROGRAMME})
    assert response["Location"] == reverse("documents:session", args=[held.pk])
    programme = Document.objects.get(kind=DocumentKind.PROGRAMME)
    assert (programme.session, programme.registration, programme.version) == (held, None, 1)
    coordinator_client.post(url, {"kind": DocumentKind.PROGRAMME})
    assert Document.objects.filter(kind=DocumentKind.PROGRAMME).count() == 1  # issued already: kept as it is

    response = coordinator_client.post(url, {"kind": DocumentKind.AGREEMENT})
    with pytest.raises(TrainingError) as refusal:
        document_issue(kind=DocumentKind.AGREEMENT, session=held)
    assert refusal.value.code == "not_intra" and refusal.value.message in _messages(response)[-1]
    assert not Document.objects.filter(kind=DocumentKind.AGREEMENT).exists()

    response = coordinator_client.post(url, {"kind": DocumentKind.ATTENDANCE_SHEET})
    sheet = Document.objects.get(kind=DocumentKind.ATTENDANCE_SHEET)
    assert sheet.retention_class == RetentionClass.EVIDENCE
    text = " ".join(page.extract_text() for page in PdfReader(sheet.file.open("rb")).pages)
    assert "DURAND" in text.upper() and "MOREAU" in text.upper()  # the signed record, every trainee


def test_reissuing_needs_a_reason_and_keeps_the_previous_version(coordinator_client, coordinator, held, people):
    first, _created = _issue(DocumentKind.CERTIFICATE, held, people["Durand"])
    url = reverse("documents:reissue", args=[first.pk])

    response = coordinator_client.post(url, {"reason": "   "})
    assert response.status_code == 200 and response.context["form"].errors["reason"]
    assert Document.objects.count() == 1

    response = coordinator_client.post(url, {"reason": "Nom de naissance ajouté"})

    assert response["Location"] == reverse("documents:session", args=[held.pk])
    second = Document.objects.current().get(kind=DocumentKind.CERTIFICATE)
    first.refresh_from_db()
    assert (second.version, second.reissue_reason, second.issued_by) == (2, "Nom de naissance ajouté", coordinator)
    assert first.superseded_at is not None
    page = coordinator_client.get(reverse("documents:session", args=[held.pk]))
    [superseded] = page.context["board"].superseded
    assert (superseded.document, superseded.replacement) == (first, second)
    content = page.content.decode()
    assert "Nom de naissance ajouté" in content and reverse("documents:download", args=[first.pk]) in content


def _document(kind, session, registration=None, *, version=1, superseded=False) -> Document:
    """A stored document row without rendering its PDF (the page only lists them)."""
    document = Document(
        kind=kind,
        session=session,
        registration=registration,
        version=version,
        issued_at=AFTER,
        size=9,
        sha256="0" * 64,
        verification_code=f"{kind[:3].upper()}{session.pk:03d}{registration.pk if registration else 0:04d}{version}",
        retention_class=RetentionClass.EVIDENCE,
        retain_until=datetime.date(2032, 12, 31),
        superseded_at=AFTER if superseded else None,
        reissue_reason="" if version == 1 else "Correction",
    )
    document.file.save(f"{document.verification_code}.pdf", ContentFile(b"%PDF-fake"), save=False)
    document.save()
    return document


def test_the_session_page_costs_the_same_queries_for_3_or_12_trainees(coordinator_client, catalogue, trainer_user):
    trainer = TrainerFactory(user=trainer_user)
    course = course_create(catalogue=catalogue, title="Cours")

    def page_queries(trainees: int) -> int:
        session = SessionFactory(course=course)
        session.trainers.add(trainer)
        slots_create(session=session, first_day=datetime.date(2026, 12, 14), days=1)
        registrations = [
            RegistrationFactory(session=session, status=RegistrationStatus.CONFIRMED, user=UserFactory())
            for _index in range(trainees)
        ]
        for slot in session.slots.all():
            _hold(slot, trainer_user, registrations)
        for registration in registrations:
            _document(DocumentKind.CERTIFICATE, session, registration, superseded=True)
            _document(DocumentKind.CERTIFICATE, session, registration, version=2)
            _document(DocumentKind.ATTESTATION, session, registration)
        _document(DocumentKind.PROGRAMME, session)
        with CaptureQueriesContext(connection) as queries:
            assert coordinator_client.get(reverse("documents:session", args=[session.pk])).status_code == 200
        return len(queries)

    page_queries(1)  # warm the caches (settings, content types)
    assert page_queries(3) == page_queries(12)


# Batches
# ------------------------------------------------------------------------------


def test_batch_status_as_json_while_queued_then_done(coordinator_client, coordinator, held):
    queued = document_batch_create(sessions=[held], label="En attente", by=coordinator)  # not run: no commit

    status = coordinator_client.get(reverse("documents:batch_status", args=[queued.pk])).json()
    assert (status["status"], status["finished"], status["done"]) == ("queued", False, 0)
    page = coordinator_client.get(reverse("documents:batch", args=[queued.pk])).content.decode()
    assert "batch_progress.js" in page and reverse("documents:batch_status", args=[queued.pk]) in page
    assert '<progress id="batch-progress" class="documents-batch__bar" max="100" data-batch-bar>' in page
    assert 'aria-live="polite"' in page
    assert reverse("documents:batch_zip", args=[queued.pk]) not in page
    assert coordinator_client.get(reverse("documents:batch_zip", args=[queued.pk])).status_code == 404

    document_batch_run(batch_id=queued.pk)
    status = coordinator_client.get(reverse("documents:batch_status", args=[queued.pk])).json()
    assert status == {
        "status": "done",
        "status_label": str(BatchStatus.DONE.label),
        "done": 6,
        "total": 6,
        "progress": 100,
        "issued": 4,
        "skipped": 2,
        "finished": True,
    }


def test_the_batch_list_shows_progress_and_counts(coordinator_client, batch):
    response = coordinator_client.get(reverse("documents:batches"))

    content = response.content.decode()
    assert "Session 2026-CPS1-12-01" in content and "6 / 6" in content and "4 / 2" in content
    assert reverse("documents:batch_zip", args=[batch.pk]) in content


def _finished_on(course, day: datetime.date, **fields):
    session = SessionFactory(course=course, **fields)
    slots_create(session=session, first_day=day, days=1)
    return session


def test_last_month_issues_the_sessions_whose_last_day_was_last_month(coordinator_client, held, trainer_user):
    november = _finished_on(held.course, datetime.date(2026, 11, 30))
    november.trainers.add(*held.trainers.all())
    for slot in november.slots.all():
        _hold(slot, trainer_user, [])
    not_validated = _finished_on(held.course, datetime.date(2026, 11, 23))
    _finished_on(held.course, datetime.date(2026, 12, 31))  # the last day of December, too late
    _finished_on(held.course, datetime.date(2027, 1, 4))  # this month
    _finished_on(held.course, datetime.date(2026, 11, 16), status=SessionStatus.CANCELLED)

    with freeze_time(datetime.datetime(2026, 12, 2, 9, 0)):
        response = coordinator_client.post(reverse("documents:batch_last_month"))

    batch = DocumentBatch.objects.get()
    assert response["Location"] == reverse("documents:batch", args=[batch.pk])
    assert list(batch.sessions.all()) == [november]
    assert any(not_validated.code in message for message in _messages(response))
    assert "novembre 2026" in batch.label


def test_last_month_with_no_session_finished_says_so(coordinator_client, held):
    response = coordinator_client.post(reverse("documents:batch_last_month"))  # in December: none ended in November

    assert response["Location"] == reverse("documents:batches")
    with pytest.raises(TrainingError) as refusal:
        document_batch_create(sessions=[], label="", by=None)
    assert refusal.value.code == "no_session" and _messages(response) == [refusal.value.message]
