"""Reads behind the coordinator's document pages: a session's documents, a batch and its documents.

They complete the "Documents" section of `training.selectors`. Each costs a fixed number of
queries whatever the number of trainees or documents.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import QuerySet

from .choices import DocumentKind, Funding, RegistrationStatus
from .models import Document, DocumentBatch, Registration, Session
from .selectors import registration_hours_attended
from .services.documents import SessionFacts, session_facts, session_facts_refusal

# The documents of the whole session, in the order the page lists them.
SESSION_KINDS = (DocumentKind.AGREEMENT, DocumentKind.ATTENDANCE_SHEET, DocumentKind.PROGRAMME)


@dataclass(frozen=True)
class TraineeDocuments:
    registration: Registration
    hours_attended: Decimal  # over the validated half-days
    certificate: Document | None  # the current version, if issued
    attestation: Document | None
    pending: str  # why no end-of-training document can be issued yet: an error code of `document_issue`, or ""


@dataclass(frozen=True)
class SessionDocument:
    kind: str
    label: str
    current: Document | None
    pending: str  # as for a trainee


@dataclass(frozen=True)
class SupersededDocument:
    document: Document
    replacement: Document | None  # the next version, which says why it was issued


@dataclass(frozen=True)
class SessionDocumentBoard:
    session: Session
    facts: SessionFacts
    trainees: list[TraineeDocuments]
    session_documents: list[SessionDocument]
    superseded: list[SupersededDocument]  # every earlier version, newest first
    pending: str  # why the end-of-training documents cannot be issued yet (the whole session), or ""


def _session_pending(facts: SessionFacts, *, end_of_training: bool) -> str:
    """The code `document_issue` would give when the session's own facts forbid a document, or ""."""
    kind = DocumentKind.CERTIFICATE if end_of_training else DocumentKind.PROGRAMME
    refusal = session_facts_refusal(facts, kind=kind)
    return refusal.code if refusal is not None else ""


def session_document_board(*, session_id: int) -> SessionDocumentBoard:
    """A session's documents: each confirmed trainee with their hours attended and current
    certificate and attestation (or why there is none yet), the session's own documents (the
    agreement of an intra session, the signed attendance sheet, the programme) and every earlier
    version with the reason it was replaced. Five queries whatever the number of trainees."""
    session = Session.objects.select_related("course", "client_organisation").with_schedule().get(pk=session_id)
    facts = session_facts(session=session)
    registrations = list(
        Registration.objects.filter(session=session, status=RegistrationStatus.CONFIRMED)
        .select_related("user", "organisation")
        .order_by("user__last_name", "user__first_name", "pk")
    )
    hours = registration_hours_attended(registration_ids=[registration.pk for registration in registrations])
    documents = list(
        Document.objects.filter(session=session)
        .select_related("issued_by", "registration__user")
        .order_by("-issued_at", "-pk")
    )
    current = {(d.kind, d.registration_id): d for d in documents if d.superseded_at is None}
    versions = {(d.kind, d.registration_id, d.version): d for d in documents}

    pending = _session_pending(facts, end_of_training=True)
    trainees = []
    for registration in registrations:
        attended = hours.get(registration.pk) or Decimal("0")
        trainees.append(
            TraineeDocuments(
                registration=registration,
                hours_attended=attended,
                certificate=current.get((DocumentKind.CERTIFICATE, registration.pk)),
                attestation=current.get((DocumentKind.ATTESTATION, registration.pk)),
                pending=pending or ("" if attended > 0 else "no_hours_attended"),
            )
        )
    session_documents = [
        SessionDocument(
            kind=kind,
            label=DocumentKind(kind).label,
            current=current.get((kind, None)),
            pending=_session_pending(facts, end_of_training=kind == DocumentKind.ATTENDANCE_SHEET),
        )
        for kind in SESSION_KINDS
        if kind != DocumentKind.AGREEMENT or session.funding == Funding.INTRA or (kind, None) in current
    ]
    superseded = [
        SupersededDocument(document=d, replacement=versions.get((d.kind, d.registration_id, d.version + 1)))
        for d in documents
        if d.superseded_at is not None
    ]
    return SessionDocumentBoard(
        session=session,
        facts=facts,
        trainees=trainees,
        session_documents=session_documents,
        superseded=superseded,
        pending=pending,
    )


def batch_detail(*, batch_id: int) -> DocumentBatch:
    """A batch with who asked for it and its sessions (two queries)."""
    return DocumentBatch.objects.select_related("requested_by").prefetch_related("sessions__course").get(pk=batch_id)


def batch_document_list(*, batch: DocumentBatch) -> QuerySet[Document]:
    """The documents a batch issued, by session, kind and trainee."""
    return (
        Document.objects.filter(batch=batch)
        .select_related("session", "registration__user")
        .order_by("session__code", "kind", "registration__user__last_name", "registration__user__first_name", "pk")
    )


def batch_list() -> QuerySet[DocumentBatch]:
    """Every batch, newest first, with who asked for it."""
    return DocumentBatch.objects.select_related("requested_by").order_by("-created_at", "-pk")
