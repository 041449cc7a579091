"""Issued documents: certificates, attestations, convocations, programmes, agreements and signed
attendance sheets, rendered by WeasyPrint as PDF/A-3b and kept unchanged.

`document_issue` is idempotent: the current version of a kind of document for a session (and a
trainee) is returned as it is, unless a reason to re-issue is given, which creates the next
version and marks the previous one superseded (both are kept). Each document carries a short
unguessable code and its QR code; `document_verify` tells anyone holding a copy whether it is
genuine, current and unchanged (its sha256), showing no personal data beyond initials.

Bulk issues (`document_batch_create`, run by `document_batch_run` in Celery) issue the end-of-
training documents of whole sessions with their progress, e-mail each trainee once and leave a
ZIP of the documents for the coordination.
"""

from __future__ import annotations

import base64
import datetime
import hashlib
import io
import secrets
import zipfile
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import qrcode
import qrcode.constants
from dateutil.relativedelta import relativedelta
from PIL import Image

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import F
from django.db.models.functions import Least
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from wagtail.images.models import SourceImageIOError

from cms.models import OrganisationSettings
from cms.pdf import render_pdf

from ..attendance_selectors import session_signed_record
from ..choices import (
    AttendanceStatus,
    BatchStatus,
    DocumentKind,
    Funding,
    MessageKind,
    RegistrationStatus,
    RetentionClass,
    SheetStatus,
)
from ..exceptions import TrainingError
from ..models import Attendance, Document, DocumentBatch, Registration, Session, Slot
from .messages import registration_message_enqueue
from .registrations import registration_cancellation_deadline

_CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L: read aloud or typed from paper
_CODE_LENGTH = 10

RETENTION = {
    DocumentKind.CERTIFICATE: RetentionClass.EVIDENCE,
    DocumentKind.ATTESTATION: RetentionClass.EVIDENCE,
    DocumentKind.ATTENDANCE_SHEET: RetentionClass.EVIDENCE,
    DocumentKind.AGREEMENT: RetentionClass.CONTRACT,
    DocumentKind.CONVOCATION: RetentionClass.INFORMATION,
    DocumentKind.PROGRAMME: RetentionClass.INFORMATION,
}
# The years each class is kept, from the settings (`RETENTION_*_YEARS`, see `training.retention`).
RETENTION_SETTINGS = {
    RetentionClass.EVIDENCE: "RETENTION_EVIDENCE_YEARS",
    RetentionClass.CONTRACT: "RETENTION_CONTRACT_YEARS",
    RetentionClass.INFORMATION: "RETENTION_INFORMATION_YEARS",
}


def retention_years(retention: str) -> int:
    return getattr(settings, RETENTION_SETTINGS[retention])


TEMPLATES = {
    DocumentKind.CERTIFICATE: "pdf/certificate.html",
    DocumentKind.ATTESTATION: "pdf/attestation.html",
    DocumentKind.CONVOCATION: "pdf/convocation.html",
    DocumentKind.PROGRAMME: "pdf/programme.html",
    DocumentKind.AGREEMENT: "pdf/agreement.html",
    DocumentKind.ATTENDANCE_SHEET: "pdf/attendance_signed.html",
}
# Documents of one trainee; the others concern the whole session.
PERSONAL_KINDS = (DocumentKind.CERTIFICATE, DocumentKind.ATTESTATION, DocumentKind.CONVOCATION)
END_OF_TRAINING_KINDS = [DocumentKind.CERTIFICATE, DocumentKind.ATTESTATION]
# Documents the legal representative signs: never issued without one.
SIGNED_KINDS = (DocumentKind.CERTIFICATE, DocumentKind.ATTESTATION, DocumentKind.AGREEMENT)
FILE_PREFIXES = {
    DocumentKind.CERTIFICATE: "certificat-realisation",
    DocumentKind.ATTESTATION: "attestation-fin-formation",
    DocumentKind.CONVOCATION: "convocation",
    DocumentKind.PROGRAMME: "programme",
    DocumentKind.AGREEMENT: "convention-formation",
    DocumentKind.ATTENDANCE_SHEET: "feuille-emargement-signee",
}


def verification_code_new() -> str:
    return "".join(secrets.choice(_CODE_ALPHABET) for _i in range(_CODE_LENGTH))


def verification_code_clean(code: str) -> str:
    """A code as typed or read from paper: case, spaces and dashes do not matter."""
    return "".join(code.split()).replace("-", "").upper()


def verification_code_display(code: str) -> str:
    return f"{code[:5]}-{code[5:]}"


def verification_url(code: str) -> str:
    return settings.WAGTAILADMIN_BASE_URL.rstrip("/") + reverse("training:verification", args=[code])


def _qr_data_url(url: str) -> str:
    """The QR code as a PNG of one pixel per module, which the document scales up sharply
    (`image-rendering: pixelated`): a few hundred bytes, drawn in a fraction of a millisecond."""
    # A fixed mask pattern spares trying all eight; a printed code this short scans as well.
    code = qrcode.QRCode(border=1, error_correction=qrcode.constants.ERROR_CORRECT_M, mask_pattern=0)
    code.add_data(url)
    matrix = code.get_matrix()
    size = len(matrix)
    image = Image.frombytes("L", (size, size), bytes(0 if dark else 255 for row in matrix for dark in row))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


# What a document states
# ------------------------------------------------------------------------------


@dataclass(frozen=True)
class SessionFacts:
    slots: list[Slot]
    first_day: datetime.date | None
    last_day: datetime.date | None
    planned_hours: Decimal
    finished: bool  # the last half-day has ended
    validated: bool  # every half-day's attendance is locked


def session_facts(*, session: Session, now: datetime.datetime | None = None) -> SessionFacts:
    now = now or timezone.now()
    slots = list(Slot.objects.filter(session=session).select_related("sheet").order_by("date", "starts_at"))
    last_end = timezone.make_aware(datetime.datetime.combine(slots[-1].date, slots[-1].ends_at)) if slots else None
    return SessionFacts(
        slots=slots,
        first_day=slots[0].date if slots else None,
        last_day=slots[-1].date if slots else None,
        planned_hours=sum((slot.hours for slot in slots), Decimal("0")),
        finished=last_end is not None and last_end <= now,
        validated=bool(slots)
        and all(getattr(slot, "sheet", None) is not None and slot.sheet.status == SheetStatus.LOCKED for slot in slots),
    )


def _hours_attended(registration: Registration) -> tuple[Decimal, list[Attendance]]:
    """Hours attended and the attendances behind them (validated half-days), read once per issue."""
    if not hasattr(registration, "_attended"):
        attendances = list(
            Attendance.objects.filter(registration=registration, slot__sheet__status=SheetStatus.LOCKED)
            .select_related("slot")
            .order_by("slot__date", "slot__starts_at")
        )
        registration._attended = (sum((a.hours for a in attendances), Decimal("0")), attendances)
    return registration._attended


# Documents that state what happened: issued once the session is over and its attendance final.
AFTER_SESSION_KINDS = (DocumentKind.CERTIFICATE, DocumentKind.ATTESTATION, DocumentKind.ATTENDANCE_SHEET)


def session_facts_refusal(facts: SessionFacts, *, kind: str) -> TrainingError | None:
    """Why the session itself does not allow this kind of document yet, or None when it does.

    Codes: `no_half_day`, then for the documents stating what happened `session_not_finished`,
    `attendance_not_validated`. The back office reads the same reasons to explain a missing document.
    """
    if not facts.slots:
        return TrainingError(_("This session has no half-day yet."), "no_half_day")
    if kind in AFTER_SESSION_KINDS and not facts.finished:
        return TrainingError(_("The session is not over yet."), "session_not_finished")
    if kind in AFTER_SESSION_KINDS and not facts.validated:
        return TrainingError(
            _("Some half-days of this session are not validated yet: their attendance is not final."),
            "attendance_not_validated",
        )
    return None


def _check_issuable(
    kind: str,
    session: Session,
    registration: Registration | None,
    facts: SessionFacts,
    organisation: OrganisationSettings | None = None,
) -> dict:
    """The facts the document states, once its rules allow it; raise the reason otherwise.

    Errors: `registration_required`, `not_confirmed`, `session_not_finished`,
    `attendance_not_validated`, `no_hours_attended`, `signatory_missing`, `not_intra`, `no_half_day`.
    """
    refusal = session_facts_refusal(facts, kind=kind)
    if refusal is not None:
        raise refusal
    if kind in PERSONAL_KINDS and registration is None:
        raise TrainingError(_("This document is issued to a trainee."), "registration_required")
    stated: dict = {
        "first_day": facts.first_day.isoformat(),
        "last_day": facts.last_day.isoformat(),
        "planned_hours": str(facts.planned_hours),
    }
    if kind == DocumentKind.CONVOCATION and registration.status != RegistrationStatus.CONFIRMED:
        raise TrainingError(_("Only a confirmed trainee is convened."), "not_confirmed")
    if kind in (DocumentKind.CERTIFICATE, DocumentKind.ATTESTATION):
        hours, _attendances = _hours_attended(registration)
        if hours <= 0:
            raise TrainingError(_("This trainee attended no hour: no certificate is issued."), "no_hours_attended")
        stated["hours_attended"] = str(hours)
    organisation = organisation or OrganisationSettings.load()
    if kind in SIGNED_KINDS and not organisation.legal_representative_name.strip():
        raise TrainingError(
            _("Set the legal representative who signs documents first (Settings › Organisation)."),
            "signatory_missing",
        )
    if kind == DocumentKind.AGREEMENT and session.funding != Funding.INTRA:
        raise TrainingError(_("A training agreement is drawn up for intra sessions."), "not_intra")
    if registration is not None:
        stated["trainee"] = registration.user.get_full_name() or registration.user.email
    return stated


def document_context(
    *,
    kind: str,
    session: Session,
    registration: Registration | None,
    facts: SessionFacts,
    issued_at,
    code: str,
    organisation: OrganisationSettings | None = None,
) -> dict:
    """Everything a document template prints (see `templates/pdf/`)."""
    course = session.course
    organisation = organisation or OrganisationSettings.load()
    url = verification_url(code)
    context = {
        "organisation": organisation,
        "kind": kind,
        "session": session,
        "course": course,
        "registration": registration,
        "person": registration.user if registration else None,
        "employer": (registration.organisation.name if registration and registration.organisation else "")
        or (registration.structure_name if registration else ""),
        "slots": facts.slots,
        "first_day": facts.first_day,
        "last_day": facts.last_day,
        "planned_hours": facts.planned_hours,
        "venue": session.venue,
        "trainers": list(session.trainers.all()),
        "objectives": list(course.objectives.all()),
        "issued_at": issued_at,
        "place_of_issue": "",
        "verification_code": verification_code_display(code),
        "verification_url": url,
        "verification_qr": _qr_data_url(url),
    }
    if registration is not None and kind in (DocumentKind.CERTIFICATE, DocumentKind.ATTESTATION):
        hours, attendances = _hours_attended(registration)
        context.update(
            hours_attended=hours,
            attendances=attendances,
            half_days_attended=sum(1 for a in attendances if a.status in (AttendanceStatus.PRESENT, "partial")),
        )
    if kind == DocumentKind.AGREEMENT:
        participants = list(
            Registration.objects.filter(session=session, status=RegistrationStatus.CONFIRMED)
            .select_related("user", "organisation")
            .order_by("user__last_name", "user__first_name")
        )
        price = session.price_per_trainee
        context.update(
            client=session.client_organisation,
            participants=participants,
            price_total=None if price is None else price * len(participants),
        )
    if kind in (DocumentKind.CERTIFICATE, DocumentKind.ATTESTATION, DocumentKind.AGREEMENT):
        context["signature_image_url"] = _signature_image_url(organisation)
    if kind == DocumentKind.CONVOCATION:
        rules = organisation.internal_rules_page
        context.update(
            cancellation_deadline=registration_cancellation_deadline(session=session),
            rules_url=settings.WAGTAILADMIN_BASE_URL.rstrip("/") + rules.url
            if rules is not None and rules.live and rules.url
            else "",
        )
    if kind == DocumentKind.ATTENDANCE_SHEET:
        context["record"] = session_signed_record(session=session)
    if kind == DocumentKind.PROGRAMME:
        revision = session.course_revision
        context["page"] = revision.as_object() if revision is not None else course
    return context


def _signature_image_url(organisation: OrganisationSettings) -> str:
    """The legal representative's signature and stamp as a `file:` URL for WeasyPrint, or "" when
    none is set or its file cannot be read (the document then leaves room to sign by hand)."""
    image = organisation.signature_image
    if image is None:
        return ""
    try:
        path = Path(image.get_rendition("max-400x160").file.path)
    except (SourceImageIOError, NotImplementedError):
        return ""
    return path.as_uri() if path.is_file() else ""


# Issuing
# ------------------------------------------------------------------------------


def _file_name(kind: str, session: Session, registration: Registration | None, version: int) -> str:
    """For example `certificat-realisation-2026-cps1-12-01-durand-camille-418-v1.pdf`: readable in a
    ZIP, and unique (two trainees may share a name: the registration number tells them apart)."""
    who = ""
    if registration is not None:
        user = registration.user
        name = slugify(f"{user.last_name} {user.first_name}") or slugify(user.email.split("@")[0])
        who = f"-{name}-{registration.pk}"
    return f"{FILE_PREFIXES[kind]}-{slugify(session.code)}{who}-v{version}.pdf"


@transaction.atomic
def document_issue(
    *,
    kind: str,
    session: Session,
    registration: Registration | None = None,
    by=None,
    reissue_reason: str = "",
    batch: DocumentBatch | None = None,
    now: datetime.datetime | None = None,
) -> tuple[Document, bool]:
    """The current document of this kind for the session (and trainee), issued now if there is
    none; with `reissue_reason`, a new version that supersedes the current one. Returns the
    document and whether it was issued now.

    Errors: those of `_check_issuable`.
    """
    now = now or timezone.now()
    # One issuer at a time per session: no two first versions, no version number taken twice.
    session = (
        Session.objects.select_for_update(of=("self",))
        .select_related("course", "venue", "client_organisation")
        .get(pk=session.pk)
    )
    if registration is not None:
        registration = Registration.objects.select_related("user", "organisation").get(pk=registration.pk)
    current = Document.objects.current().filter(kind=kind, session=session, registration=registration).first()
    if current is not None and not reissue_reason.strip():
        return current, False
    facts = session_facts(session=session, now=now)
    organisation = OrganisationSettings.load()
    stated = _check_issuable(kind, session, registration, facts, organisation)
    version = (current.version + 1) if current else 1
    code = verification_code_new()
    while Document.objects.filter(verification_code=code).exists():
        code = verification_code_new()
    context = document_context(
        kind=kind,
        session=session,
        registration=registration,
        facts=facts,
        issued_at=now,
        code=code,
        organisation=organisation,
    )
    context["version"] = version
    pdf = render_pdf(template_name=TEMPLATES[kind], context=context, archival=True)
    if current is not None:
        current.superseded_at = now
        current.save(update_fields=["superseded_at"])
    retention = RETENTION[kind]
    document = Document(
        kind=kind,
        session=session,
        registration=registration,
        version=version,
        issued_at=now,
        issued_by=by,
        size=len(pdf),
        sha256=hashlib.sha256(pdf).hexdigest(),
        verification_code=code,
        retention_class=retention,
        retain_until=(facts.last_day or now.date()) + relativedelta(years=retention_years(retention)),
        facts=stated,
        reissue_reason=reissue_reason.strip(),
        batch=batch,
    )
    document.file.save(_file_name(kind, session, registration, version), ContentFile(pdf), save=False)
    document.save()
    return document, True


@dataclass(frozen=True)
class Verification:
    document: Document
    current: bool  # no newer version replaced it
    stored_intact: bool  # our archived file still has the sha256 recorded when it was issued
    copy_matches: bool | None  # the copy submitted is byte for byte the one issued (None: no copy given)
    initials: str


def _initials(user) -> str:
    parts = [user.first_name, user.last_name] if (user.first_name or user.last_name) else [user.email]
    return " ".join(f"{part.strip()[0].upper()}." for part in parts if part.strip())


def document_verify(*, code: str, content: bytes | None = None) -> Verification:
    """Whether a document with this code was issued, is current and unchanged.

    Errors: `document_unknown`.
    """
    document = (
        Document.objects.select_related("session__course", "registration__user")
        .filter(verification_code=verification_code_clean(code))
        .first()
    )
    if document is None:
        raise TrainingError(_("No document carries this code."), "document_unknown")
    with document.file.open("rb") as stored:
        stored_intact = hashlib.sha256(stored.read()).hexdigest() == document.sha256
    return Verification(
        document=document,
        current=document.superseded_at is None,
        stored_intact=stored_intact,
        copy_matches=None if content is None else hashlib.sha256(content).hexdigest() == document.sha256,
        initials=_initials(document.registration.user) if document.registration else "",
    )


# Bulk issues
# ------------------------------------------------------------------------------


def sessions_finished_between(*, start: datetime.date, end: datetime.date):
    """Sessions (not cancelled nor drafts) whose last half-day falls between two dates, included."""
    from ..choices import SessionStatus

    return (
        Session.objects.exclude(status__in=(SessionStatus.DRAFT, SessionStatus.CANCELLED))
        .with_schedule()
        .filter(last_day__gte=start, last_day__lte=end)
        .order_by("last_day", "code")
    )


def previous_month(today: datetime.date) -> tuple[datetime.date, datetime.date]:
    first_of_this_month = today.replace(day=1)
    last = first_of_this_month - datetime.timedelta(days=1)
    return last.replace(day=1), last


def _ready(session: Session) -> bool:
    return session_facts_refusal(session_facts(session=session), kind=DocumentKind.CERTIFICATE) is None


def sessions_split_ready(*, sessions: list[Session]) -> tuple[list[Session], list[Session]]:
    """The sessions whose end-of-training documents can be issued (over, attendance validated), and the others."""
    ready = [session for session in sessions if _ready(session)]
    return ready, [session for session in sessions if session not in ready]


@transaction.atomic
def document_batch_create(*, sessions: list[Session], label: str, by, kinds: list[str] | None = None) -> DocumentBatch:
    """Queue the issue of the end-of-training documents of these sessions (run after commit);
    each must be over with every half-day's attendance validated.

    Errors: `no_session`, `sessions_not_ready`.
    """
    if not sessions:
        raise TrainingError(_("No session to issue documents for."), "no_session")
    not_ready = [session.code for session in sessions if not _ready(session)]
    if not_ready:
        raise TrainingError(
            _("These sessions are not over or their attendance is not validated yet: %(codes)s.")
            % {"codes": ", ".join(not_ready)},
            "sessions_not_ready",
        )
    batch = DocumentBatch.objects.create(kinds=kinds or END_OF_TRAINING_KINDS, label=label, requested_by=by)
    batch.sessions.set(sessions)
    from ..tasks import document_batch_run_task

    transaction.on_commit(lambda: document_batch_run_task.delay(batch.pk))
    return batch


def _batch_registrations(batch: DocumentBatch):
    return (
        Registration.objects.filter(session__in=batch.sessions.all(), status=RegistrationStatus.CONFIRMED)
        .select_related("user", "session")
        .order_by("session__code", "user__last_name", "user__first_name", "pk")
    )


def document_batch_run(*, batch_id: int) -> DocumentBatch:
    """Count what the batch has to issue, then hand each session to its own task, so that every
    Celery worker takes a share; the last session done builds the ZIP (`_batch_finish`)."""
    from ..tasks import document_batch_session_task

    batch = DocumentBatch.objects.get(pk=batch_id)
    if batch.status in (BatchStatus.DONE, BatchStatus.FAILED):
        return batch
    session_ids = list(batch.sessions.order_by("code").values_list("pk", flat=True))
    DocumentBatch.objects.filter(pk=batch.pk, status=BatchStatus.QUEUED).update(
        status=BatchStatus.RUNNING, total=_batch_registrations(batch).count() * len(batch.kinds)
    )
    for session_id in session_ids:
        document_batch_session_task.delay(batch.pk, session_id)
    return DocumentBatch.objects.get(pk=batch.pk)


def document_batch_session_run(*, batch_id: int, session_id: int) -> None:
    """Issue the end-of-training documents of one session of a batch, one transaction each.

    A retried task, or one delivered again after its worker died, issues nothing twice
    (`document_issue` returns the current document, under the session's lock, and the database
    keeps one current document per kind and trainee); trainees with no hours attended are
    skipped. Each trainee who has documents is e-mailed once (the message is recorded per
    registration and kind, a database constraint, and sent under its lock).
    """
    batch = DocumentBatch.objects.get(pk=batch_id)
    if batch.status != BatchStatus.RUNNING or session_id in batch.sessions_done:
        return
    registrations = _batch_registrations(batch).filter(session_id=session_id)
    try:
        for registration in registrations:
            got_any = False
            for kind in batch.kinds:
                issued = skipped = 0
                try:
                    _document, created = document_issue(
                        kind=kind,
                        session=registration.session,
                        registration=registration,
                        by=batch.requested_by,
                        batch=batch,
                    )
                    issued, got_any = int(created), True
                except TrainingError as error:
                    if error.code != "no_hours_attended":
                        raise
                    skipped = 1
                # A run delivered again counts its documents again: never past the total until the
                # last session sets the exact figures.
                DocumentBatch.objects.filter(pk=batch.pk).update(
                    done=Least(F("done") + 1, F("total")), issued=F("issued") + issued, skipped=F("skipped") + skipped
                )
            if got_any:
                with transaction.atomic():
                    registration_message_enqueue(registration_id=registration.pk, kind=MessageKind.DOCUMENTS)
    except TrainingError as error:
        DocumentBatch.objects.filter(pk=batch.pk).update(status=BatchStatus.FAILED, error=error.message)
        return
    _batch_finish(batch_id=batch.pk, session_id=session_id)


@transaction.atomic
def _batch_finish(*, batch_id: int, session_id: int) -> None:
    """Record a session as done; after the last one, set the exact counts and build the ZIP (once)."""
    batch = DocumentBatch.objects.select_for_update().get(pk=batch_id)
    if session_id not in batch.sessions_done:
        batch.sessions_done = [*batch.sessions_done, session_id]
    if batch.status == BatchStatus.RUNNING and len(batch.sessions_done) >= batch.sessions.count():
        # Exact figures whatever retries counted twice: issued by this batch, skipped for lack of hours.
        expected = {(r.pk, kind) for r in _batch_registrations(batch) for kind in batch.kinds}
        held = set(
            Document.objects.current()
            .filter(registration__in=[pk for pk, _kind in expected], kind__in=batch.kinds)
            .values_list("registration_id", "kind")
        )
        batch.done = batch.total = len(expected)
        batch.issued = Document.objects.filter(batch=batch).count()
        batch.skipped = len(expected - held)
        _batch_archive(batch)
        batch.status = BatchStatus.DONE
        batch.finished_at = timezone.now()
    batch.save()


def _batch_archive(batch: DocumentBatch) -> None:
    """A ZIP of the current documents of the batch's sessions and kinds, one folder per session."""
    documents = (
        Document.objects.current()
        .filter(session__in=batch.sessions.all(), kind__in=batch.kinds)
        .select_related("session")
        .order_by("session__code", "kind", "pk")
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:  # PDFs are compressed already
        for document in documents:
            with document.file.open("rb") as stored:
                archive.writestr(f"{document.session.code}/{document.file.name.rsplit('/', 1)[-1]}", stored.read())
    batch.archive.save(f"documents-{batch.pk}.zip", ContentFile(buffer.getvalue()), save=False)
