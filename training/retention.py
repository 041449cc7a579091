"""Retention of the training records (`accounts.retention` registry) and their part of an erasure.

What is kept for the evidence's lifetime (`RETENTION_EVIDENCE_YEARS` from the end of the
training) and what goes at its end:

- **Registrations**: kept whole; then the free texts (expectations, funding details, job title
  and structure as typed, reasons of a cancellation, refusal or abandonment, assessment result)
  are erased; the facts the indicators and the BPF count stay (person, status, dates, structure
  type, sector, category, département, employer structure, hours recorded, situation).
- **Attendance**: the status and hours stay (they are the hours of the yearly figures); the
  reason typed for an absence is erased.
- **Proof records** (the hash chain of each half-day): kept whole as evidence; then the IP
  address, browser, signature image and the names written in their details are erased and the
  record is marked `redacted_at`. Its hash, its links and the signature image's sha256 stay, so
  `attendance_chain_verify` still finds any record removed, inserted or reordered; the erased
  content itself can no longer be recomputed (nothing left to prove after the retention).
- **Scanned paper sheets**: the file is deleted, its sha256 stays.
- **Messages sent** (evidence of information, indicator 9): the address is erased.
- **Documents**: deleted with their file when their own `retain_until` has passed (their class:
  evidence, contract or information).
- **Accessibility needs** (health data): erased `RETENTION_ACCESSIBILITY_MONTHS` after the end of
  the training, with the consent date.
- **Export files** (back-office exports, batch ZIPs): deleted after `RETENTION_EXPORT_DAYS`.

A session under legal hold (`Session.legal_hold`) or a person under a `LegalHold` keeps everything.
"""

from __future__ import annotations

import datetime

from dateutil.relativedelta import relativedelta

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from wagtail.models import ModelLogEntry

from accounts.retention import (
    PersonalDataError,
    erasure_request_recipients,
    erasure_step,
    file_delete_on_commit,
    people_with_records_kept,
    record_type,
    sessions_on_hold,
)

from .choices import ACTIVE_STATUSES, DocumentKind, RetentionClass, SessionStatus
from .models import (
    Attendance,
    AttendanceProof,
    DataExport,
    Document,
    DocumentBatch,
    PaperScan,
    Registration,
    RegistrationMessage,
    Session,
    Slot,
)
from .services.absences import coordination_recipients

# Keys of a proof's details that name a person or hold what they wrote.
_PROOF_PERSONAL_KEYS = ("trainee", "trainer", "reason")


def _start(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def sessions_ended_before(cutoff: datetime.date):
    """Sessions whose last half-day is before `cutoff` (without half-day: created before it)."""
    return Session.objects.with_schedule().filter(
        Q(last_day__lt=cutoff) | Q(last_day__isnull=True, created_at__lt=_start(cutoff))
    )


def _split(queryset, held, *, session: str, person: str):
    """(what may go, how many a legal hold keeps) of a queryset of expired records."""
    on_hold = Q(**{f"{session}__in": held.session_ids}) | Q(**{f"{person}__in": held.person_ids})
    return queryset.exclude(on_hold), queryset.filter(on_hold).count()


erasure_request_recipients(coordination_recipients)  # the coordination answers erasure requests


@sessions_on_hold
def _sessions_on_hold() -> set[int]:
    return set(Session.objects.filter(legal_hold=True).values_list("pk", flat=True))


@people_with_records_kept
def _people_with_registrations_kept(user_ids: list[int]) -> set[int]:
    """A registration is kept (whole) until its retention expires and `anonymised_at` is set."""
    return set(
        Registration.objects.filter(user_id__in=user_ids, anonymised_at__isnull=True).values_list("user_id", flat=True)
    )


def _evidence_years() -> int:
    return settings.RETENTION_EVIDENCE_YEARS


@record_type(
    "accessibility_needs",
    label=lambda: _("Accessibility needs (health data)"),
    setting="RETENTION_ACCESSIBILITY_MONTHS",
    unit="months",
    counts_from=lambda: _("the end of the training"),
    then=lambda: _("needs and consent erased"),
    order=10,
)
def _needs_purge(*, cutoff, now, held):
    expired = Registration.objects.filter(session__in=sessions_ended_before(cutoff).values("pk")).filter(
        ~Q(accessibility_needs="") | Q(accessibility_consent_at__isnull=False)
    )
    purged, kept = _split(expired, held, session="session_id", person="user_id")
    return purged.update(accessibility_needs="", accessibility_consent_at=None), kept


@record_type(
    "registration",
    label=lambda: _("Registrations, attendance and e-mails sent"),
    setting="RETENTION_EVIDENCE_YEARS",
    unit="years",
    counts_from=lambda: _("the end of the training"),
    then=lambda: _("free texts, reasons and addresses erased; the facts counted by the indicators kept"),
    order=20,
)
def _registrations_purge(*, cutoff, now, held):
    expired = Registration.objects.filter(
        session__in=sessions_ended_before(cutoff).values("pk"), anonymised_at__isnull=True
    )
    purged, kept = _split(expired, held, session="session_id", person="user_id")
    ids = list(purged.values_list("pk", flat=True))
    Attendance.objects.filter(registration_id__in=ids).exclude(reason="").update(reason="")
    RegistrationMessage.objects.filter(registration_id__in=ids).update(recipient="")
    ModelLogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(Registration), object_id__in=[str(pk) for pk in ids]
    ).update(label=_("Anonymised registration"))
    done = Registration.objects.filter(pk__in=ids).update(
        expectations="",
        accessibility_needs="",
        accessibility_consent_at=None,
        funding_note="",
        job_title="",
        structure_name="",
        cancellation_reason="",
        refusal_reason="",
        assessment_result="",
        abandonment_details="",
        anonymised_at=now,
    )
    return done, kept


@record_type(
    "attendance_proof",
    label=lambda: _("Signature proofs (IP address, browser, signature image)"),
    setting="RETENTION_EVIDENCE_YEARS",
    unit="years",
    counts_from=lambda: _("the end of the training"),
    then=lambda: _("IP address, browser, signature image and names erased; the chain's links kept"),
    order=30,
)
def _proofs_purge(*, cutoff, now, held):
    sessions = sessions_ended_before(cutoff).values("pk")
    expired = AttendanceProof.objects.filter(sheet__slot__session__in=sessions, redacted_at__isnull=True)
    # A half-day's chain is redacted whole: none of it while one of its trainees is held.
    held_sessions = set(held.session_ids) | set(
        Registration.objects.filter(user_id__in=held.person_ids).values_list("session_id", flat=True)
    )
    kept = expired.filter(sheet__slot__session__in=held_sessions).count()
    proofs = list(expired.exclude(sheet__slot__session__in=held_sessions).only("pk", "data"))
    for proof in proofs:
        proof.ip_address, proof.user_agent, proof.signature_png = None, "", b""
        proof.data = {key: value for key, value in proof.data.items() if key not in _PROOF_PERSONAL_KEYS}
        proof.redacted_at = now
    AttendanceProof.objects.bulk_update(
        proofs, ["ip_address", "user_agent", "signature_png", "data", "redacted_at"], batch_size=500
    )
    return len(proofs), kept


@record_type(
    "paper_scan",
    label=lambda: _("Scanned paper attendance sheets"),
    setting="RETENTION_EVIDENCE_YEARS",
    unit="years",
    counts_from=lambda: _("the end of the training"),
    then=lambda: _("file deleted, its sha256 kept"),
    order=40,
)
def _scans_purge(*, cutoff, now, held):
    expired = PaperScan.objects.filter(session__in=sessions_ended_before(cutoff).values("pk")).exclude(file="")
    held_sessions = set(held.session_ids) | set(
        Registration.objects.filter(user_id__in=held.person_ids).values_list("session_id", flat=True)
    )
    kept = expired.filter(session_id__in=held_sessions).count()
    scans = list(expired.exclude(session_id__in=held_sessions))
    for scan in scans:
        file_delete_on_commit(scan.file)
    return PaperScan.objects.filter(pk__in=[scan.pk for scan in scans]).update(file=""), kept


def _documents_purge(retention: str, *, now, held):
    expired = Document.objects.filter(retention_class=retention, retain_until__lt=timezone.localdate(now))
    purged, kept = _split(expired, held, session="session_id", person="registration__user_id")
    documents = list(purged)
    for document in documents:
        file_delete_on_commit(document.file)
    Document.objects.filter(pk__in=[document.pk for document in documents]).delete()
    return len(documents), kept


@record_type(
    "document_evidence",
    label=lambda: _("Certificates, attestations and signed attendance sheets"),
    setting="RETENTION_EVIDENCE_YEARS",
    unit="years",
    counts_from=lambda: _("the end of the training (the document's own date to keep until)"),
    then=lambda: _("document and file deleted"),
    order=50,
)
def _evidence_documents_purge(*, cutoff, now, held):
    return _documents_purge(RetentionClass.EVIDENCE, now=now, held=held)


@record_type(
    "document_contract",
    label=lambda: _("Training agreements"),
    setting="RETENTION_CONTRACT_YEARS",
    unit="years",
    counts_from=lambda: _("the end of the training (the document's own date to keep until)"),
    then=lambda: _("document and file deleted"),
    order=51,
)
def _contract_documents_purge(*, cutoff, now, held):
    return _documents_purge(RetentionClass.CONTRACT, now=now, held=held)


@record_type(
    "document_information",
    label=lambda: _("Convocations and programmes sent"),
    setting="RETENTION_INFORMATION_YEARS",
    unit="years",
    counts_from=lambda: _("the end of the training (the document's own date to keep until)"),
    then=lambda: _("document and file deleted"),
    order=52,
)
def _information_documents_purge(*, cutoff, now, held):
    return _documents_purge(RetentionClass.INFORMATION, now=now, held=held)


@record_type(
    "export_file",
    label=lambda: _("Export files and batch ZIPs"),
    setting="RETENTION_EXPORT_DAYS",
    unit="days",
    counts_from=lambda: _("the day they were made"),
    then=lambda: _("file deleted"),
    order=60,
)
def _exports_purge(*, cutoff, now, held):
    exports = list(DataExport.objects.filter(created_at__lt=_start(cutoff)))
    for export in exports:
        file_delete_on_commit(export.file)
    DataExport.objects.filter(pk__in=[export.pk for export in exports]).delete()
    batches = list(DocumentBatch.objects.filter(created_at__lt=_start(cutoff)).exclude(archive=""))
    for batch in batches:
        file_delete_on_commit(batch.archive)
    DocumentBatch.objects.filter(pk__in=[batch.pk for batch in batches]).update(archive="")
    return len(exports) + len(batches), 0


# A person's erasure request
# ------------------------------------------------------------------------------


@erasure_step(order=10)
def _ongoing_check(person, now):
    """No erasure while the person is registered to a session not over (they cancel first), nor
    while a session of theirs is under a legal hold (`erasure_legal_hold`)."""
    ongoing = (
        Registration.objects.filter(user=person, status__in=ACTIVE_STATUSES)
        .exclude(session__status__in=(SessionStatus.DONE, SessionStatus.CANCELLED))
        .exclude(session__in=sessions_ended_before(timezone.localdate(now)).values("pk"))
    )
    if ongoing.exists():
        raise PersonalDataError(
            _("This person is registered to a session that is not over."), "erasure_ongoing_session"
        )
    # A session under a legal hold keeps all its records, its trainees' included: refuse the request.
    if Registration.objects.filter(user=person, session__legal_hold=True).exists():
        raise PersonalDataError(
            _("A legal hold keeps the records of a session of this person: refuse the request."),
            "erasure_legal_hold",
        )
    return [], []


def _session_end(session_id: int) -> datetime.date | None:
    return Slot.objects.filter(session_id=session_id).order_by("-date").values_list("date", flat=True).first()


@erasure_step(order=20)
def _registrations_erase(person, now):
    """Needs and what the person wrote go now; the records of their trainings stay until their end."""
    registrations = Registration.objects.filter(user=person)
    registrations.update(accessibility_needs="", accessibility_consent_at=None, expectations="", funding_note="")
    erased = [_("your accessibility needs and what you wrote when registering")]
    kept = []
    for registration in registrations.filter(anonymised_at__isnull=True).select_related("session__course"):
        end = _session_end(registration.session_id) or timezone.localdate(registration.session.created_at)
        kept.append(
            (
                _("%(session)s: registration, attendance sheets, signatures and e-mails sent")
                % {"session": f"{registration.session.code} — {registration.session.course.title}"},
                end + relativedelta(years=_evidence_years()),
            )
        )
    for document in Document.objects.current().filter(registration__user=person).select_related("session"):
        if document.kind in (DocumentKind.CERTIFICATE, DocumentKind.ATTESTATION, DocumentKind.CONVOCATION):
            kept.append((f"{document.get_kind_display()} — {document.session.code}", document.retain_until))
    return erased, kept
