"""The auditor's evidence pack (Qualiopi): for a period, one ZIP with a folder per applicable
indicator and a manifest.

Layout
------
- `index.html` (the manifest, to open in a browser: the organisation, the period, each indicator
  with its files, the files of other folders it relies on, and what a person must still supply,
  from `QualiopiIndicator.evidence_manual`) and `manifeste.csv` (one row per file and indicator:
  chemin, indicateur, source, description, sha256, taille) at the root. Neither lists itself.
- `00-sessions/`: the sessions of the period (`sessions.xlsx`) and, one sub-folder per session,
  what several indicators rely on: its signed attendance sheet, the certificates of completion,
  the training agreement and programme issued for it, the scanned paper sheets. Indicators 9, 11,
  12, 17, 18 and 4 refer to these files instead of copying them twice.
- `NN-slug/` for each indicator that applies (`QualiopiIndicator.applicable`; the others get no
  folder, the manifest lists them with the reason), e.g. `01-information-du-public/`; each folder
  has a `LISEZMOI.txt` saying what it holds and what a person must add. Evidence shared by
  several indicators lives in the first applicable one of its "home" list (`HOMES`): the
  programmes in 1, the trainers in 21, the adaptations in 26, the attendance follow-up in 12.

The period
----------
A session belongs to the period when its first day falls in [date_from, date_to] (the rule of the
yearly indicators); drafts and cancelled sessions are left out. Everything about a session (its
documents, messages, attendance, surveys, adaptations, needs analysis) follows the session.
Registers follow their own date: a complaint its reception, a watch entry or a staff training its
date, an improvement action its creation or completion, a needs analysis without a session the day
it was carried out, a yearly survey its year; a trainer's qualification is listed when it was
valid at some point of the period. The LHEO export is the catalogue as published on the day the
pack is built, its sessions limited to those of the period. Nothing else goes in.

Files
-----
Issued documents (`training.Document`, current versions) and the scans and files attached to the
registers are copied byte for byte, streamed, never held in memory; an issued document's sha256 is
checked against the one recorded when it was issued (a difference or a missing file is written in
the manifest, never passed over). Everything else is produced by the project's own generators:
the programmes by `cms.pdf.page_pdf` from the revision each session was sold with, a signed
attendance sheet by `training.pdf.attendance_signed_pdf` when none was issued, the registers by
their import-export `Resource`s, the results by `evaluations.indicators` and `evaluations.results`.

Personal data (RGPD)
--------------------
The pack goes to an auditor: it holds what the evidence needs and no more. Accessibility needs are
health data: no need expressed appears anywhere; the adaptations made are listed (they are the
evidence of indicators 10 and 26) with the trainee's registration number instead of their name;
the per-session table of indicator 10 only counts. Survey comments are given without their
author; invitation lists carry names, not e-mail addresses. Training records (attendance,
documents, messages) keep the trainee's name: the auditor samples trainees across them.

Building
--------
`evidence_pack_request` creates the pack and queues `evidence_pack_build_task` once committed.
`evidence_pack_build` plans every file (one step each, `pack.total`), writes them one by one into a
temporary ZIP file, updating `pack.done` in short transactions of their own as it goes, then saves
the ZIP to private storage with its sha256. A DONE (or FAILED) pack is left as it is; a QUEUED or
RUNNING one (a retried or interrupted task) is built again from scratch; when two runs overlap,
the first to finish wins and the other discards its file.
"""

from __future__ import annotations

import csv
import datetime
import hashlib
import io
import logging
import os
import re
import tempfile
import time
import xml.etree.ElementTree as ET
import zipfile
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from functools import partial

import tablib
from dateutil.relativedelta import relativedelta
from import_export.fields import Field
from import_export.widgets import DateTimeWidget, DecimalWidget, IntegerWidget

from django.conf import settings
from django.core.files import File
from django.db import transaction
from django.db.models import Count, F, Max, Q, QuerySet
from django.template.loader import render_to_string
from django.utils import formats, timezone, translation
from django.utils.html import strip_tags
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from wagtail.models import PageLogEntry, Revision

from cms.models import CoursePage, OrganisationSettings
from cms.pdf import page_pdf, render_pdf
from config.storages import private_storage
from training.choices import AttendanceStatus, DocumentKind, RegistrationStatus, SessionStatus, SheetStatus
from training.exports import dataset_bytes
from training.lheo import LHEO_NAMESPACE, lheo_document
from training.models import (
    AttendanceSheet,
    Document,
    PaperScan,
    Registration,
    RegistrationMessage,
    Session,
    Trainer,
    Venue,
)
from training.pdf import attendance_signed_pdf
from training.resources import ExportResource, SessionResource

from .choices import QuestionnaireKind
from .exceptions import SurveyError
from .indicators import (
    PUBLICATION_MIN_RESPONDENTS,
    IndicatorFilters,
    answers_frame,
    indicators_for_period,
    invitations_frame,
    sessions_held,
    survey_indicators,
)
from .models import (
    AccessibilityAdaptation,
    Answer,
    Complaint,
    DisabilityPartner,
    EvidencePack,
    EvidencePackStatus,
    ImprovementAction,
    Invitation,
    NeedsAnalysis,
    QualiopiIndicator,
    StaffTraining,
    Subcontractor,
    TrainerQualification,
    WatchEntry,
    WatchKind,
)
from .resources import (
    AccessibilityAdaptationResource,
    AnswerResource,
    CampaignResource,
    ComplaintRegisterResource,
    DisabilityPartnerResource,
    ImprovementActionResource,
    NeedsAnalysisResource,
    StaffTrainingResource,
    SubcontractorResource,
    TrainerQualificationResource,
    WatchEntryResource,
)
from .results import campaign_for_results, campaign_list, campaign_results, campaign_subject

logger = logging.getLogger(__name__)

SESSIONS_FOLDER = "00-sessions"
README = "LISEZMOI.txt"
MANIFEST_HTML = "index.html"
MANIFEST_CSV = "manifeste.csv"
# The longest a period may be: a certification cycle.
MAX_PERIOD = relativedelta(years=3)
# Folder names: the indicator's title cut at a word before this length, without a trailing small word.
FOLDER_SLUG_MAX = 30
_TRAILING_WORDS = {"a", "au", "aux", "d", "de", "des", "du", "en", "et", "l", "la", "le", "les", "mise", "mises"}
_TRAILING_WORDS |= {"ou", "sur"}
# Already compressed: stored as they are in the ZIP.
STORED_EXTENSIONS = (".pdf", ".xlsx", ".zip", ".png", ".jpg", ".jpeg", ".gif", ".webp", ".docx", ".odt")
CHUNK_BYTES = 1024 * 1024
PROGRESS_SECONDS = 1.0  # the back office's progress bar is written at most this often
# A reference lists its files one by one up to this many, then gives their folder.
REFERENCE_FILES_LISTED = 12

# The indicators that hold a shared piece of evidence, in order of preference (the first that applies).
HOMES = {
    "programmes": (1, 6, 5, 19),
    "trainers": (21, 17, 18),
    "adaptations": (26, 10),
    "attendance": (12, 10, 11),
}

SOURCE_ISSUED = gettext_lazy("Issued document, copied unchanged")
SOURCE_ATTACHED = gettext_lazy("File kept in a register, copied unchanged")
SOURCE_GENERATED = gettext_lazy("Generated for this pack")
SOURCE_REFERENCE = gettext_lazy("See also (file of another folder)")


# Requesting a pack
# ------------------------------------------------------------------------------


def evidence_pack_default_period(today: datetime.date) -> tuple[datetime.date, datetime.date]:
    """The last twelve months, today included."""
    return today - relativedelta(years=1) + datetime.timedelta(days=1), today


def evidence_pack_period_check(*, date_from: datetime.date, date_to: datetime.date) -> None:
    """Errors: `period_reversed` (field date_to), `period_too_long` (field date_to)."""
    if date_from > date_to:
        raise SurveyError(_("The end of the period must be on or after its start."), "period_reversed", "date_to")
    if date_to > date_from + MAX_PERIOD:
        raise SurveyError(
            _("A pack covers at most three years (a certification cycle): shorten the period."),
            "period_too_long",
            "date_to",
        )


@transaction.atomic
def evidence_pack_request(
    *, date_from: datetime.date, date_to: datetime.date, by=None, queue: bool = True
) -> tuple[EvidencePack, bool]:
    """A new pack of this period, queued to be built once committed (with `queue=False`, the caller
    builds it: the command does). Returns the pack and whether it was created now: a second click
    while the same period is being prepared returns that pack instead of building it twice.

    Errors: those of `evidence_pack_period_check`.
    """
    evidence_pack_period_check(date_from=date_from, date_to=date_to)
    if queue:
        pending = (
            EvidencePack.objects.select_for_update()
            .filter(
                date_from=date_from,
                date_to=date_to,
                status__in=(EvidencePackStatus.QUEUED, EvidencePackStatus.RUNNING),
            )
            .first()
        )
        if pending is not None:
            return pending, False
    pack = EvidencePack.objects.create(date_from=date_from, date_to=date_to, requested_by=by)
    if queue:
        from .tasks import evidence_pack_build_task

        transaction.on_commit(lambda: evidence_pack_build_task.delay(pack.pk))
    return pack, True


def evidence_pack_list() -> QuerySet[EvidencePack]:
    return EvidencePack.objects.select_related("requested_by").order_by("-created_at", "-pk")


def evidence_pack_progress(pack: EvidencePack) -> int:
    """Percentage done, 0–100."""
    if pack.status == EvidencePackStatus.DONE:
        return 100
    return round(100 * pack.done / pack.total) if pack.total else 0


def evidence_pack_file_name(pack: EvidencePack) -> str:
    return f"dossier-qualiopi-{pack.date_from:%Y-%m-%d}-{pack.date_to:%Y-%m-%d}.zip"


# What the pack holds
# ------------------------------------------------------------------------------


def indicator_folder(number: int, title: str) -> str:
    """`01-information-du-public` from 1 and "Information du public sur les prestations (…)"."""
    head = re.split(r"[(:,]", title, maxsplit=1)[0]
    words = [word for word in slugify(re.sub(r"['’]", " ", head)).split("-") if word]
    kept: list[str] = []
    for word in words:
        if kept and len("-".join([*kept, word])) > FOLDER_SLUG_MAX:
            break
        kept.append(word)
    while len(kept) > 1 and kept[-1] in _TRAILING_WORDS:
        kept.pop()
    return f"{number:02d}-{'-'.join(kept) or 'indicateur'}"


def _safe(name: str) -> str:
    """A session code or a file name as a path segment: letters, digits, dots, dashes and underscores."""
    return re.sub(r"[^\w.-]+", "-", name, flags=re.ASCII).strip("-.") or "fichier"


@dataclass
class PackFile:
    """One file of the pack: generated (`content`) or copied unchanged from storage (`stored`)."""

    path: str
    indicator: int  # 0 for the sessions folder
    source: str
    description: str
    content: Callable[[], bytes] | None = None
    stored: str = ""  # name in private storage
    recorded_sha256: str = ""  # the sha256 recorded when the stored file was issued or uploaded
    group: str = ""
    sha256: str = ""
    size: int = 0
    warning: str = ""
    missing: bool = False

    @property
    def name(self) -> str:
        return self.path.rsplit("/", 1)[-1]

    @property
    def directory(self) -> str:
        return self.path.rsplit("/", 1)[0]


@dataclass
class PackReference:
    """Files of another folder an indicator relies on (a group of `PackFile`s)."""

    group: str
    description: str
    files: list[PackFile] = field(default_factory=list)

    @property
    def folders(self) -> list[str]:
        return sorted({file.directory for file in self.files})


@dataclass
class PackSection:
    """A folder of the pack: one indicator (or the sessions, number 0)."""

    number: int
    folder: str
    title: str
    indicator: QualiopiIndicator | None = None
    files: list[PackFile] = field(default_factory=list)
    references: list[PackReference] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def manual(self) -> str:
        return self.indicator.evidence_manual if self.indicator else ""

    @property
    def directories(self) -> list[tuple[str, list[PackFile]]]:
        """The section's files grouped by directory, the folder's own files first."""
        by_directory: dict[str, list[PackFile]] = defaultdict(list)
        for file in self.files:
            by_directory[file.directory].append(file)
        return sorted(by_directory.items(), key=lambda item: (item[0] != self.folder, item[0]))


def period_sessions(*, date_from: datetime.date, date_to: datetime.date) -> QuerySet[Session]:
    """The sessions of the period: first day in [date_from, date_to], neither draft nor cancelled."""
    return (
        Session.objects.exclude(status__in=(SessionStatus.DRAFT, SessionStatus.CANCELLED))
        .with_schedule()
        .filter(first_day__gte=date_from, first_day__lte=date_to)
        .select_related("course", "course_revision", "venue__department", "department", "client_organisation")
        .prefetch_related("trainers")
        .order_by("first_day", "code")
    )


def _local_day(moment: datetime.datetime | None) -> datetime.date | None:
    return timezone.localdate(moment) if moment else None


def _day(value: datetime.date | None) -> str:
    return f"{value:%d/%m/%Y}" if value else ""


def _start_of(day: datetime.date) -> datetime.datetime:
    """The first moment of this day, in Paris time."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def _end_of(day: datetime.date) -> datetime.datetime:
    """The first moment after this day, in Paris time."""
    return _start_of(day + datetime.timedelta(days=1))


class _Plan:
    """Everything the pack will hold, before a byte is written."""

    def __init__(self, pack: EvidencePack, *, now: datetime.datetime):
        self.pack = pack
        self.now = now
        self.today = timezone.localdate(now)
        self.date_from, self.date_to = pack.date_from, pack.date_to
        self.organisation = OrganisationSettings.load()
        self.indicators = list(QualiopiIndicator.objects.order_by("number"))
        self.applicable = {indicator.number: indicator for indicator in self.indicators if indicator.applicable}
        self.sessions = list(period_sessions(date_from=self.date_from, date_to=self.date_to))
        self.session_ids = [session.pk for session in self.sessions]
        self.session_codes = {session.code for session in self.sessions}
        self.sections: dict[int, PackSection] = {
            0: PackSection(number=0, folder=SESSIONS_FOLDER, title=_("Sessions of the period"))
        }
        for number, indicator in self.applicable.items():
            self.sections[number] = PackSection(
                number=number,
                folder=indicator_folder(number, indicator.title),
                title=indicator.title,
                indicator=indicator,
            )
        self.programme_versions: list[ProgrammeVersion] | None = None
        self.programme_paths: dict[tuple[int, int | None], str] = {}
        self._paths: set[str] = set()
        self._groups: dict[str, list[PackFile]] = defaultdict(list)

    # Helpers for the collectors

    def home(self, group: str) -> int | None:
        return next((number for number in HOMES[group] if number in self.applicable), None)

    def is_home(self, group: str, number: int) -> bool:
        return self.home(group) == number

    def add(self, section: PackSection, relative: str, *, description: str, group: str = "", **source) -> PackFile:
        """Plan a file at `relative` inside the section's folder (a name already taken gets -2, -3…)."""
        path = self._unique(f"{section.folder}/{relative}")
        default_source = SOURCE_ATTACHED if "stored" in source else SOURCE_GENERATED
        file = PackFile(
            path=path,
            indicator=section.number,
            source=str(source.pop("source", default_source)),
            description=description,
            group=group,
            **source,
        )
        section.files.append(file)
        if group:
            self._groups[group].append(file)
        return file

    def refer(self, section: PackSection, group: str, description: str) -> None:
        section.references.append(PackReference(group=group, description=description))

    def resolve_references(self) -> None:
        for section in self.sections.values():
            for reference in section.references:
                reference.files = list(self._groups.get(reference.group, []))

    def _unique(self, path: str) -> str:
        base, extension = os.path.splitext(path)
        candidate, number = path, 1
        while candidate in self._paths:
            number += 1
            candidate = f"{base}-{number}{extension}"
        self._paths.add(candidate)
        return candidate

    @property
    def files(self) -> list[PackFile]:
        return [file for section in self.ordered_sections for file in section.files]

    @property
    def ordered_sections(self) -> list[PackSection]:
        return [self.sections[number] for number in sorted(self.sections)]

    @property
    def not_applicable(self) -> list[QualiopiIndicator]:
        return [indicator for indicator in self.indicators if not indicator.applicable]


# Tabular files
# ------------------------------------------------------------------------------


def _sheet_title(title: str) -> str:
    return re.sub(r"[\[\]:*?/\\]", "-", title)[:31]


def _resource_xlsx(resource_class: type[ExportResource], rows, *, title: str) -> bytes:
    """Rows (a queryset, prepared by the resource, or a list of objects) as an XLSX workbook."""
    resource = resource_class()
    if isinstance(rows, QuerySet):
        rows = resource.export_queryset(rows)
    dataset = resource.export(queryset=rows, force_native_type=True)
    dataset.title = _sheet_title(title)
    return dataset_bytes(dataset, "xlsx")


def _table_xlsx(*, title: str, headers: list[str], rows: Iterable[list]) -> bytes:
    dataset = tablib.Dataset(*rows, headers=headers, title=_sheet_title(title))
    return dataset_bytes(dataset, "xlsx")


def _rate(value: float | None) -> float | None:
    """A rate as a percentage with one decimal, for a spreadsheet (None when there is none)."""
    return None if value is None else round(value * 100, 1)


def _csv_rate(value: float | None) -> str:
    """A rate as a percentage written the French way for a CSV file: 0.904 → "90,4"."""
    return "" if value is None else formats.number_format(round(value * 100, 1), decimal_pos=1)


# Resources of the pack (the registers' own, minimised where the pack needs less)
# ------------------------------------------------------------------------------


class PackAdaptationResource(AccessibilityAdaptationResource):
    """The adaptations made, without the need expressed (health data) and without the trainee's
    name: the registration number lets the organisation find the person, not the reader."""

    class Meta(AccessibilityAdaptationResource.Meta):
        fields = ("session", "trainee", "adaptation", "decided_on", "decided_by", "partner", "follow_up")
        export_order = fields

    def dehydrate_trainee(self, adaptation):
        if adaptation.registration_id is None:
            return _("Whole session")
        return _("Registration no. %(number)s") % {"number": adaptation.registration_id}


class PackQualificationResource(TrainerQualificationResource):
    """The qualifications with where their proof is in the pack."""

    def dehydrate_proof(self, qualification):
        return getattr(qualification, "pack_path", "") or _("no")


class PackSubcontractorResource(SubcontractorResource):
    def dehydrate_contract(self, subcontractor):
        return getattr(subcontractor, "pack_path", "") or _("no")


class PackNeedsAnalysisResource(NeedsAnalysisResource):
    def dehydrate_document(self, analysis):
        return getattr(analysis, "pack_path", "") or _("no")


class MessageLogResource(ExportResource):
    """The e-mails sent about the registrations of the period (indicator 9)."""

    session = Field(attribute="registration__session__code", column_name=gettext_lazy("Session"))
    course = Field(attribute="registration__session__course__title", column_name=gettext_lazy("Course"))
    last_name = Field(attribute="registration__user__last_name", column_name=gettext_lazy("Last name"))
    first_name = Field(attribute="registration__user__first_name", column_name=gettext_lazy("First name"))
    recipient = Field(attribute="recipient", column_name=gettext_lazy("Sent to"))
    kind = Field(column_name=gettext_lazy("Message"))
    subject = Field(attribute="subject", column_name=gettext_lazy("Subject"))
    attachments = Field(column_name=gettext_lazy("Attachments"))
    created_at = Field(attribute="created_at", column_name=gettext_lazy("Prepared at"), widget=DateTimeWidget())
    sent_at = Field(attribute="sent_at", column_name=gettext_lazy("Sent at"), widget=DateTimeWidget())

    class Meta:
        model = RegistrationMessage
        fields = (
            "session",
            "course",
            "last_name",
            "first_name",
            "recipient",
            "kind",
            "subject",
            "attachments",
            "created_at",
            "sent_at",
        )
        export_order = fields

    def export_queryset(self, queryset):
        return queryset.select_related("registration__session__course", "registration__user")

    def dehydrate_kind(self, message):
        return self.dehydrate_choice(message, "kind")

    def dehydrate_attachments(self, message):
        return "; ".join(message.attachments or [])


class ExpectationResource(ExportResource):
    """What each trainee expected, told when registering (indicator 4)."""

    session = Field(attribute="session__code", column_name=gettext_lazy("Session"))
    course = Field(attribute="session__course__title", column_name=gettext_lazy("Course"))
    last_name = Field(attribute="user__last_name", column_name=gettext_lazy("Last name"))
    first_name = Field(attribute="user__first_name", column_name=gettext_lazy("First name"))
    job_title = Field(attribute="job_title", column_name=gettext_lazy("Job title"))
    structure = Field(attribute="structure_name", column_name=gettext_lazy("Structure"))
    registered_at = Field(attribute="created_at", column_name=gettext_lazy("Registered on"), widget=DateTimeWidget())
    expectations = Field(attribute="expectations", column_name=gettext_lazy("Expectations"))

    class Meta:
        model = Registration
        fields = ("session", "course", "last_name", "first_name", "job_title", "structure", "registered_at")
        fields += ("expectations",)
        export_order = fields

    def export_queryset(self, queryset):
        return queryset.select_related("session__course", "user")


class PrerequisiteResource(ExportResource):
    """Prerequisites declared by each trainee and checked against our records (indicator 8)."""

    session = Field(attribute="session__code", column_name=gettext_lazy("Session"))
    course = Field(attribute="session__course__title", column_name=gettext_lazy("Course"))
    last_name = Field(attribute="user__last_name", column_name=gettext_lazy("Last name"))
    first_name = Field(attribute="user__first_name", column_name=gettext_lazy("First name"))
    prerequisites = Field(column_name=gettext_lazy("Prerequisites of the course"))
    declared = Field(column_name=gettext_lazy("Prerequisites declared"))
    checked = Field(column_name=gettext_lazy("Prerequisite course attended here"))

    class Meta:
        model = Registration
        fields = ("session", "course", "last_name", "first_name", "prerequisites", "declared", "checked")
        export_order = fields

    def export_queryset(self, queryset):
        return queryset.select_related("session__course", "user")

    def dehydrate_prerequisites(self, registration):
        return registration.session.course.prerequisites or _("None")

    def dehydrate_declared(self, registration):
        return _("yes") if registration.prerequisites_declared else _("no")

    def dehydrate_checked(self, registration):
        return _("yes") if registration.prerequisites_checked else _("no")


class AbsenceResource(ExportResource):
    """Absences, late arrivals and abandonments of the trainees of the period (indicator 12)."""

    session = Field(attribute="session__code", column_name=gettext_lazy("Session"))
    course = Field(attribute="session__course__title", column_name=gettext_lazy("Course"))
    last_name = Field(attribute="user__last_name", column_name=gettext_lazy("Last name"))
    first_name = Field(attribute="user__first_name", column_name=gettext_lazy("First name"))
    absent = Field(attribute="absent_count", column_name=gettext_lazy("Half-days absent"), widget=IntegerWidget())
    excused = Field(
        attribute="excused_count", column_name=gettext_lazy("Half-days absent, excused"), widget=IntegerWidget()
    )
    partial = Field(
        attribute="partial_count", column_name=gettext_lazy("Half-days partly present"), widget=IntegerWidget()
    )
    hours_attended = Field(
        attribute="hours_attended", column_name=gettext_lazy("Hours attended"), widget=DecimalWidget()
    )
    alert = Field(attribute="alert_sent_at", column_name=gettext_lazy("Absence alert sent at"), widget=DateTimeWidget())
    abandoned_at = Field(
        attribute="abandoned_at", column_name=gettext_lazy("Abandonment recorded at"), widget=DateTimeWidget()
    )
    reason = Field(column_name=gettext_lazy("Abandonment reason"))
    details = Field(attribute="abandonment_details", column_name=gettext_lazy("Abandonment details"))

    class Meta:
        model = Registration
        fields = ("session", "course", "last_name", "first_name", "absent", "excused", "partial", "hours_attended")
        fields += ("alert", "abandoned_at", "reason", "details")
        export_order = fields

    def export_queryset(self, queryset):
        def on_locked(status):
            return Q(attendances__status=status, attendances__slot__sheet__status=SheetStatus.LOCKED)

        return (
            queryset.select_related("session__course", "user")
            .with_hours_attended()
            .annotate(
                absent_count=Count("attendances", filter=on_locked(AttendanceStatus.ABSENT), distinct=True),
                excused_count=Count("attendances", filter=on_locked(AttendanceStatus.EXCUSED), distinct=True),
                partial_count=Count("attendances", filter=on_locked(AttendanceStatus.PARTIAL), distinct=True),
                alert_sent_at=Max(
                    "attendances__slot__sheet__absence_alert_sent_at",
                    filter=Q(attendances__status=AttendanceStatus.ABSENT),
                ),
            )
            .filter(
                Q(absent_count__gt=0) | Q(excused_count__gt=0) | Q(partial_count__gt=0) | Q(abandoned_at__isnull=False)
            )
        )

    def dehydrate_reason(self, registration):
        return registration.get_abandonment_reason_display() if registration.abandonment_reason else ""


class PackVenueResource(ExportResource):
    """The rooms of the period and what a person with reduced mobility needs to know (indicator 17)."""

    name = Field(attribute="name", column_name=gettext_lazy("Venue"))
    address = Field(attribute="address", column_name=gettext_lazy("Address"))
    postcode = Field(attribute="postcode", column_name=gettext_lazy("Postcode"))
    city = Field(attribute="city", column_name=gettext_lazy("Town"))
    department = Field(attribute="department__code", column_name=gettext_lazy("Département"))
    sessions = Field(attribute="period_sessions", column_name=gettext_lazy("Sessions of the period"))
    step_free_access = Field(column_name=gettext_lazy("Step-free access"))
    accessible_toilets = Field(column_name=gettext_lazy("Accessible toilets"))
    hearing_loop = Field(column_name=gettext_lazy("Hearing loop"))
    accessibility_notes = Field(attribute="accessibility_notes", column_name=gettext_lazy("Accessibility details"))
    access_notes = Field(attribute="access_notes", column_name=gettext_lazy("How to get there"))

    class Meta:
        model = Venue
        fields = ("name", "address", "postcode", "city", "department", "sessions", "step_free_access")
        fields += ("accessible_toilets", "hearing_loop", "accessibility_notes", "access_notes")
        export_order = fields

    def dehydrate_step_free_access(self, venue):
        return _("yes") if venue.step_free_access else _("no")

    def dehydrate_accessible_toilets(self, venue):
        return _("yes") if venue.accessible_toilets else _("no")

    def dehydrate_hearing_loop(self, venue):
        return _("yes") if venue.hearing_loop else _("no")


class PackTrainerResource(ExportResource):
    """The trainers of the period, their sessions and the trainees' satisfaction (indicators 17, 18, 21)."""

    last_name = Field(attribute="last_name", column_name=gettext_lazy("Last name"))
    first_name = Field(attribute="first_name", column_name=gettext_lazy("First name"))
    kind = Field(column_name=gettext_lazy("Status"))
    employer = Field(attribute="employer", column_name=gettext_lazy("Employer"))
    sessions = Field(attribute="period_sessions", column_name=gettext_lazy("Sessions of the period"))
    bio = Field(attribute="bio", column_name=gettext_lazy("Qualifications and experience"))
    qualifications = Field(
        attribute="qualification_count", column_name=gettext_lazy("Qualifications recorded"), widget=IntegerWidget()
    )
    satisfaction = Field(attribute="satisfaction_rate", column_name=gettext_lazy("Satisfaction, end of training (%)"))
    respondents = Field(attribute="satisfaction_n", column_name=gettext_lazy("Respondents"), widget=IntegerWidget())

    class Meta:
        model = Trainer
        fields = ("last_name", "first_name", "kind", "employer", "sessions", "bio", "qualifications")
        fields += ("satisfaction", "respondents")
        export_order = fields

    def dehydrate_kind(self, trainer):
        return self.dehydrate_choice(trainer, "kind")


class ReminderLogResource(ExportResource):
    """Who was invited to a survey, reminded, and whether they answered (indicator 30)."""

    subject = Field(column_name=gettext_lazy("Session or year"))
    questionnaire = Field(attribute="campaign__questionnaire__title", column_name=gettext_lazy("Questionnaire"))
    name = Field(column_name=gettext_lazy("Person"))
    sent_at = Field(attribute="sent_at", column_name=gettext_lazy("Invited at"), widget=DateTimeWidget())
    reminders = Field(attribute="reminders_sent", column_name=gettext_lazy("Reminders"), widget=IntegerWidget())
    last_reminded_at = Field(
        attribute="last_reminded_at", column_name=gettext_lazy("Last reminded at"), widget=DateTimeWidget()
    )
    answered_at = Field(attribute="answered_at", column_name=gettext_lazy("Answered at"), widget=DateTimeWidget())

    class Meta:
        model = Invitation
        fields = ("subject", "questionnaire", "name", "sent_at", "reminders", "last_reminded_at", "answered_at")
        export_order = fields

    def export_queryset(self, queryset):
        return queryset.select_related("campaign__session", "campaign__questionnaire", "registration__user")

    def dehydrate_subject(self, invitation):
        campaign = invitation.campaign
        return campaign.session.code if campaign.session_id else campaign.year

    def dehydrate_name(self, invitation):
        if invitation.registration_id:
            user = invitation.registration.user
            return user.get_full_name() or invitation.name
        return invitation.name or _("(no name)")


# The collectors: what each folder holds
# ------------------------------------------------------------------------------


def _stored_copy(plan, section, relative, field_file, *, description, group="", recorded_sha256="", source=None):
    return plan.add(
        section,
        relative,
        description=description,
        group=group,
        stored=field_file.name,
        recorded_sha256=recorded_sha256,
        **({"source": source} if source is not None else {}),
    )


def _documents(plan: _Plan, kinds: Iterable[str]) -> list[Document]:
    return list(
        Document.objects.current()
        .filter(session_id__in=plan.session_ids, kind__in=list(kinds))
        .select_related("session", "registration__user")
        .order_by("session__code", "kind", "registration__user__last_name", "registration__user__first_name", "pk")
    )


def _document_description(document: Document) -> str:
    who = ""
    if document.registration_id:
        user = document.registration.user
        who = user.get_full_name() or user.email
    text = _("%(kind)s, version %(version)s, issued on %(date)s") % {
        "kind": document.get_kind_display(),
        "version": document.version,
        "date": _day(_local_day(document.issued_at)),
    }
    return f"{text} — {who}" if who else text


def _sessions_folder(plan: _Plan) -> None:
    """00-sessions: the list of sessions, then per session its attendance, certificates, agreement,
    programme issued and scanned paper sheets."""
    section = plan.sections[0]
    plan.add(
        section,
        "sessions.xlsx",
        description=_("The %(count)s sessions of the period: dates, venue, trainers, seats, registrations")
        % {"count": len(plan.sessions)},
        group="sessions",
        content=partial(
            _resource_xlsx,
            SessionResource,
            Session.objects.filter(pk__in=plan.session_ids),
            title=_("Sessions"),
        ),
    )
    documents = _documents(
        plan, (DocumentKind.ATTENDANCE_SHEET, DocumentKind.CERTIFICATE, DocumentKind.AGREEMENT, DocumentKind.PROGRAMME)
    )
    by_session: dict[int, list[Document]] = defaultdict(list)
    for document in documents:
        by_session[document.session_id].append(document)
    opened = set(
        AttendanceSheet.objects.filter(slot__session_id__in=plan.session_ids)
        .exclude(status=SheetStatus.PENDING)
        .values_list("slot__session_id", flat=True)
        .distinct()
    )
    scans: dict[int, list[PaperScan]] = defaultdict(list)
    # A scan whose retention expired (`training.retention`) has no file any more.
    for scan in (
        PaperScan.objects.filter(session_id__in=plan.session_ids).exclude(file="").order_by("uploaded_at", "pk")
    ):
        scans[scan.session_id].append(scan)
    groups = {
        DocumentKind.ATTENDANCE_SHEET: "attendance_sheets",
        DocumentKind.CERTIFICATE: "certificates",
        DocumentKind.AGREEMENT: "agreements",
        DocumentKind.PROGRAMME: "session_programmes",
    }
    for session in plan.sessions:
        folder = _safe(session.code)
        issued = by_session.get(session.pk, [])
        if session.pk in opened and not any(d.kind == DocumentKind.ATTENDANCE_SHEET for d in issued):
            plan.add(
                section,
                f"{folder}/feuille-emargement-{slugify(session.code)}.pdf",
                description=_(
                    "Signed attendance sheet of %(code)s, produced from the attendance records when the pack "
                    "was built (no sheet was issued as a document)"
                )
                % {"code": session.code},
                group="attendance_sheets",
                content=partial(_signed_sheet_pdf, session.pk),
            )
        for document in issued:
            _stored_copy(
                plan,
                section,
                f"{folder}/{_safe(document.file.name.rsplit('/', 1)[-1])}",
                document.file,
                description=_document_description(document),
                group=groups[document.kind],
                recorded_sha256=document.sha256,
                source=SOURCE_ISSUED,
            )
        for scan in scans.get(session.pk, []):
            _stored_copy(
                plan,
                section,
                f"{folder}/emargement-papier-{scan.pk}-{_safe(scan.original_name)}",
                scan.file,
                description=_("Scanned paper attendance sheet of %(code)s, uploaded on %(date)s")
                % {"code": session.code, "date": _day(_local_day(scan.uploaded_at))},
                group="attendance_sheets",
                recorded_sha256=scan.sha256,
            )


def _signed_sheet_pdf(session_id: int) -> bytes:
    return attendance_signed_pdf(session=Session.objects.get(pk=session_id))


@dataclass(frozen=True)
class ProgrammeVersion:
    """A course sheet as published at a moment, with the sessions sold with it."""

    course: CoursePage
    revision_id: int | None
    published_at: datetime.datetime | None
    sessions: tuple[Session, ...]

    @property
    def day(self) -> datetime.date | None:
        return _local_day(self.published_at)

    @property
    def key(self) -> tuple[int, int | None]:
        return (self.course.pk, self.revision_id)


def _programme_versions(plan: _Plan) -> list[ProgrammeVersion]:
    """The versions of the course sheets the sessions of the period were offered with."""
    grouped: dict[tuple[int, int | None], list[Session]] = defaultdict(list)
    for session in plan.sessions:
        grouped[(session.course_id, session.course_revision_id)].append(session)
    revision_ids = [revision_id for _course, revision_id in grouped if revision_id]
    published = dict(
        PageLogEntry.objects.filter(action="wagtail.publish", revision_id__in=revision_ids)
        .order_by("timestamp")
        .values_list("revision_id", "timestamp")
    )
    versions = []
    for (_course_id, revision_id), sessions in grouped.items():
        course = sessions[0].course
        if revision_id:
            moment = published.get(revision_id) or sessions[0].course_revision.created_at
        else:
            moment = course.last_published_at or course.latest_revision_created_at
        versions.append(
            ProgrammeVersion(course=course, revision_id=revision_id, published_at=moment, sessions=tuple(sessions))
        )
    return sorted(versions, key=lambda v: (v.course.title, v.published_at or timezone.now()))


def _version_page(version: ProgrammeVersion) -> CoursePage:
    """The course sheet as that version holds it; its publication date is the version's."""
    if version.revision_id is None:
        return CoursePage.objects.get(pk=version.course.pk)
    revision = Revision.objects.get(pk=version.revision_id)
    page = revision.as_object()
    # `page_pdf` caches per live revision and prints "updated on": both are this version's.
    page.live_revision_id = revision.pk
    page.last_published_at = version.published_at
    return page


def _programme_pdf(version: ProgrammeVersion) -> bytes:
    return page_pdf(page=_version_page(version), template_name="pdf/programme.html")


def _ensure_programmes(plan: _Plan) -> list[ProgrammeVersion]:
    if plan.programme_versions is None:
        plan.programme_versions = _programme_versions(plan)
    return plan.programme_versions


def _programmes(plan: _Plan, section: PackSection) -> None:
    for version in _ensure_programmes(plan):
        day = version.day
        codes = ", ".join(session.code for session in version.sessions)
        file = plan.add(
            section,
            f"programmes/programme-{version.course.slug}-{day:%Y-%m-%d}.pdf"
            if day
            else f"programmes/programme-{version.course.slug}.pdf",
            description=_("Programme of “%(course)s” as published on %(date)s, offered to the sessions %(codes)s")
            % {"course": version.course.title, "date": _day(day), "codes": codes},
            group="programmes",
            content=partial(_programme_pdf, version),
        )
        plan.programme_paths[version.key] = file.path


def _versions_table(plan: _Plan) -> bytes:
    rows = [
        [
            version.course.title,
            version.day,
            len(version.sessions),
            ", ".join(session.code for session in version.sessions),
            plan.programme_paths.get(version.key, ""),
        ]
        for version in _ensure_programmes(plan)
    ]
    return _table_xlsx(
        title=_("Course sheets"),
        headers=[_("Course"), _("Version published on"), _("Sessions"), _("Session codes"), _("Programme (PDF)")],
        rows=rows,
    )


def _lheo_of_period(codes: frozenset[str], today: datetime.date) -> bytes:
    """The public LHEO export as published today, its actions limited to the sessions of the period."""
    document = lheo_document(request_base_url=settings.WAGTAILADMIN_BASE_URL, today=today)
    parser = ET.XMLParser(target=ET.TreeBuilder(insert_comments=True))
    root = ET.fromstring(document, parser=parser)
    action_tag = f"{{{LHEO_NAMESPACE}}}action"
    for formation in root.iter(f"{{{LHEO_NAMESPACE}}}formation"):
        for action in formation.findall(action_tag):
            if action.get("numero") not in codes:
                formation.remove(action)
    ET.register_namespace("", LHEO_NAMESPACE)
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def _indicator_1(plan: _Plan, section: PackSection) -> None:
    _programmes(plan, section)  # their first home
    plan.add(
        section,
        "fiches-formation.xlsx",
        description=_("The course sheets of the period: each version published and the sessions offered with it"),
        content=partial(_versions_table, plan),
    )
    plan.add(
        section,
        f"catalogue-lheo-{plan.today:%Y-%m-%d}.xml",
        description=_(
            "LHEO 2.3 export of the catalogue as published on %(date)s (the public /catalogue/lheo.xml), its "
            "sessions limited to those of the period still open to the public that day"
        )
        % {"date": _day(plan.today)},
        content=partial(_lheo_of_period, frozenset(plan.session_codes), plan.today),
    )


# Indicator 2: results


def _abandonment(sessions: QuerySet[Session]) -> dict[int | None, tuple[int, int]]:
    """(trainees who started, of whom gave up) per course id, and for all under None."""
    rows = (
        Registration.objects.filter(session__in=sessions.values("pk"), status=RegistrationStatus.CONFIRMED)
        .with_hours_attended()
        .filter(hours_attended__gt=0)
        .order_by()
        .values("session__course_id")
        .annotate(started=Count("pk"), abandoned=Count("pk", filter=Q(abandoned_at__isnull=False)))
        .values_list("session__course_id", "started", "abandoned")
    )
    result: dict[int | None, tuple[int, int]] = {}
    total_started = total_abandoned = 0
    for course_id, started, abandoned in rows:
        result[course_id] = (started, abandoned)
        total_started += started
        total_abandoned += abandoned
    result[None] = (total_started, total_abandoned)
    return result


def _ratio(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def results_data(*, date_from: datetime.date, date_to: datetime.date) -> dict:
    """The results of the period, overall and per course: the figures of `evaluations.indicators`
    (satisfaction, objectives, six months later, response rates) with the abandonment rate."""
    overall = indicators_for_period(first_day=date_from, last_day=date_to)
    held = sessions_held(first_day=date_from, last_day=date_to)
    abandonment = _abandonment(held)
    courses = CoursePage.objects.filter(pk__in=held.values("course_id")).order_by("title")
    rows = []
    for course in courses:
        figures = indicators_for_period(
            first_day=date_from, last_day=date_to, filters=IndicatorFilters(course=course.pk)
        )
        started, abandoned = abandonment.get(course.pk, (0, 0))
        rows.append(
            {"course": course, **figures, "abandonment_rate": _ratio(abandoned, started), "abandoned": abandoned}
        )
    started, abandoned = abandonment[None]
    return {
        "date_from": date_from,
        "date_to": date_to,
        "overall": {**overall, "abandonment_rate": _ratio(abandoned, started), "abandoned": abandoned},
        "courses": rows,
        "minimum": PUBLICATION_MIN_RESPONDENTS,
    }


def _results_pdf(data: dict) -> bytes:
    return render_pdf(template_name="evaluations/evidence/results.html", context={"data": data})


def _results_csv(data: dict) -> bytes:
    headers = [
        _("Scope"),
        _("Sessions held"),
        _("Trainees"),
        _("Satisfaction, end of training (%)"),
        _("Respondents"),
        _("Objectives reached (%)"),
        _("Respondents"),
        _("Response rate, end of training (%)"),
        _("Needs met six months later (%)"),
        _("Put into practice six months later (%)"),
        _("Respondents six months later"),
        _("Response rate six months later (%)"),
        _("Abandonment rate (%)"),
        _("From"),
        _("To"),
    ]
    rows = []
    for label, figures in [(_("All courses"), data["overall"])] + [
        (row["course"].title, row) for row in data["courses"]
    ]:
        hot, cold = figures["hot"], figures["cold"]
        rows.append(
            [
                label,
                figures["sessions"]["total"],
                figures["trainees"],
                _csv_rate(hot["expectations_rate"]),
                hot["n"],
                _csv_rate(hot["objectives_rate"]),
                hot["objectives_n"],
                _csv_rate(hot["response_rate"]),
                _csv_rate(cold["needs_met_rate"]),
                _csv_rate(cold["practice_rate"]),
                cold["n"],
                _csv_rate(cold["response_rate"]),
                _csv_rate(figures["abandonment_rate"]),
                _day(data["date_from"]),
                _day(data["date_to"]),
            ]
        )
    return dataset_bytes(tablib.Dataset(*rows, headers=headers), "csv")


def _indicator_2(plan: _Plan, section: PackSection) -> None:
    period = f"{plan.date_from:%Y-%m-%d}-{plan.date_to:%Y-%m-%d}"
    data_cache: dict = {}

    def data() -> dict:
        if not data_cache:
            data_cache.update(results_data(date_from=plan.date_from, date_to=plan.date_to))
        return data_cache

    plan.add(
        section,
        f"resultats-{period}.pdf",
        description=_(
            "Results of the sessions held in the period, overall and per course, each rate with its number of "
            "respondents and response rate"
        ),
        content=lambda: _results_pdf(data()),
    )
    plan.add(
        section,
        f"resultats-{period}.csv",
        description=_("The same results as a table (rates in %, semicolon-separated)"),
        content=lambda: _results_csv(data()),
    )


# Indicators 4 to 8: needs, objectives, contents, positioning


def _indicator_4(plan: _Plan, section: PackSection) -> None:
    analyses = list(
        NeedsAnalysis.objects.filter(
            Q(session_id__in=plan.session_ids)
            | Q(session__isnull=True, carried_out_on__gte=plan.date_from, carried_out_on__lte=plan.date_to)
        )
        .select_related("session__course", "organisation", "carried_out_by")
        .order_by("carried_out_on", "pk")
    )
    for analysis in analyses:
        if analysis.document:
            subject = analysis.session.code if analysis.session_id else (analysis.organisation or "")
            file = _stored_copy(
                plan,
                section,
                f"pieces/{analysis.carried_out_on:%Y-%m-%d}-{_safe(str(subject))}-"
                f"{_safe(os.path.basename(analysis.document.name))}",
                analysis.document,
                description=_("Document of the needs analysis of %(date)s (%(subject)s)")
                % {"date": _day(analysis.carried_out_on), "subject": subject},
            )
            analysis.pack_path = file.path
    plan.add(
        section,
        "analyses-besoin.xlsx",
        description=ngettext(
            "%(count)s needs analysis (intra sessions of the period and analyses dated in it)",
            "%(count)s needs analyses (intra sessions of the period and analyses dated in it)",
            len(analyses),
        )
        % {"count": len(analyses)},
        content=partial(_resource_xlsx, PackNeedsAnalysisResource, analyses, title=_("Needs analyses")),
    )
    expectations = (
        Registration.objects.filter(session_id__in=plan.session_ids, status=RegistrationStatus.CONFIRMED)
        .exclude(expectations="")
        .order_by("session__code", "user__last_name", "user__first_name", "pk")
    )
    plan.add(
        section,
        "attentes-inscription.xlsx",
        description=_("Expectations each trainee of the period gave when registering"),
        content=partial(_resource_xlsx, ExpectationResource, expectations, title=_("Expectations")),
    )
    plan.refer(section, "agreements", _("Training agreements of the intra sessions"))


def _objectives_table(plan: _Plan) -> bytes:
    rows = []
    for version in _ensure_programmes(plan):
        page = _version_page(version)
        for number, objective in enumerate(page.objectives.all(), start=1):
            rows.append([page.title, version.day, number, objective.text])
    return _table_xlsx(
        title=_("Objectives"),
        headers=[_("Course"), _("Version published on"), _("No."), _("Operational objective")],
        rows=rows,
    )


def _sequences_table(plan: _Plan) -> bytes:
    rows = []
    for version in _ensure_programmes(plan):
        page = _version_page(version)
        for number, step in enumerate(page.programme, start=1):
            value = step.value
            rows.append(
                [
                    page.title,
                    version.day,
                    page.get_modality_display(),
                    page.duration_hours,
                    number,
                    value.get("title", ""),
                    value.get("duration_hours"),
                    strip_tags(str(value.get("content", ""))).strip(),
                ]
            )
        if not page.programme:
            rows.append([page.title, version.day, page.get_modality_display(), page.duration_hours, "", "", "", ""])
    return _table_xlsx(
        title=_("Sequences"),
        headers=[
            _("Course"),
            _("Version published on"),
            _("Modality"),
            _("Duration (hours)"),
            _("No."),
            _("Sequence"),
            _("Sequence duration (hours)"),
            _("Content"),
        ],
        rows=rows,
    )


def _indicator_5(plan: _Plan, section: PackSection) -> None:
    if plan.is_home("programmes", 5):
        _programmes(plan, section)
    else:
        plan.refer(section, "programmes", _("Programmes: the objectives as published"))
    plan.add(
        section,
        "objectifs.xlsx",
        description=_("Operational objectives of each course sheet version of the period"),
        content=partial(_objectives_table, plan),
    )
    plan.refer(section, "objectives_reached", _("Whether the objectives were reached, per session"))


def _indicator_6(plan: _Plan, section: PackSection) -> None:
    if plan.is_home("programmes", 6):
        _programmes(plan, section)
    else:
        plan.refer(section, "programmes", _("Programmes: contents, sequences, durations, methods"))
    plan.add(
        section,
        "sequences.xlsx",
        description=_("Sequences, durations and modality of each course sheet version of the period"),
        content=partial(_sequences_table, plan),
    )


def _indicator_8(plan: _Plan, section: PackSection) -> None:
    answers = Answer.objects.filter(
        response__campaign__session_id__in=plan.session_ids,
        response__campaign__kind=QuestionnaireKind.POSITIONING,
    )
    plan.add(
        section,
        "positionnement-reponses.xlsx",
        description=_("Answers to the positioning questionnaires sent before the sessions of the period"),
        content=partial(_resource_xlsx, AnswerResource, answers, title=_("Positioning")),
    )
    registrations = Registration.objects.filter(
        session_id__in=plan.session_ids, status=RegistrationStatus.CONFIRMED
    ).order_by("session__code", "user__last_name", "user__first_name", "pk")
    plan.add(
        section,
        "prerequis-inscriptions.xlsx",
        description=_("Prerequisites declared by each trainee of the period and checked against our records"),
        content=partial(_resource_xlsx, PrerequisiteResource, registrations, title=_("Prerequisites")),
    )


# Indicators 9 to 12: information, adaptation, evaluation, commitment


def _rules_version(plan: _Plan) -> tuple[int, datetime.datetime] | None:
    """The revision of the internal rules in force at the end of the period, and its publication."""
    page = plan.organisation.internal_rules_page
    if page is None:
        return None
    entry = (
        PageLogEntry.objects.filter(
            page_id=page.pk, action="wagtail.publish", revision__isnull=False, timestamp__lt=_end_of(plan.date_to)
        )
        .order_by("-timestamp", "-pk")
        .first()
    )
    return (entry.revision_id, entry.timestamp) if entry else None


def _rules_pdf(revision_id: int, published_at: datetime.datetime) -> bytes:
    revision = Revision.objects.get(pk=revision_id)
    page = revision.as_object()
    page.live_revision_id = revision.pk
    page.last_published_at = published_at
    return page_pdf(page=page, template_name="pdf/content_page.html")


def _indicator_9(plan: _Plan, section: PackSection) -> None:
    for document in _documents(plan, (DocumentKind.CONVOCATION,)):
        _stored_copy(
            plan,
            section,
            f"convocations/{_safe(document.session.code)}/{_safe(document.file.name.rsplit('/', 1)[-1])}",
            document.file,
            description=_document_description(document),
            group="convocations",
            recorded_sha256=document.sha256,
            source=SOURCE_ISSUED,
        )
    messages = RegistrationMessage.objects.filter(registration__session_id__in=plan.session_ids).order_by(
        "registration__session__code", "created_at", "pk"
    )
    plan.add(
        section,
        "journal-envois.xlsx",
        description=_(
            "Every e-mail sent about the registrations of the period (registration received, convocation with its "
            "attachments, reminders…), with its time of sending"
        ),
        group="messages",
        content=partial(_resource_xlsx, MessageLogResource, messages, title=_("E-mails sent")),
    )
    rules = _rules_version(plan)
    if rules is not None:
        revision_id, published_at = rules
        day = _local_day(published_at)
        plan.add(
            section,
            f"reglement-interieur-{day:%Y-%m-%d}.pdf",
            description=_(
                "Internal rules in force at the end of the period (published on %(date)s), sent with every convocation"
            )
            % {"date": _day(day)},
            content=partial(_rules_pdf, revision_id, published_at),
        )
    else:
        section.notes.append(_("No internal rules page was published by the end of the period."))
    plan.refer(section, "sessions", _("Dates, times and venues of the sessions"))


def _needs_table(plan: _Plan) -> bytes:
    """Per session: how many trainees declared a need and how many adaptations were recorded, no text."""
    needs = dict(
        Registration.objects.filter(session_id__in=plan.session_ids, status=RegistrationStatus.CONFIRMED)
        .exclude(accessibility_needs="")
        .order_by()
        .values("session_id")
        .annotate(n=Count("pk"))
        .values_list("session_id", "n")
    )
    adaptations: dict[int, int] = defaultdict(int)
    for session_id, registration_session_id in AccessibilityAdaptation.objects.filter(
        Q(session_id__in=plan.session_ids) | Q(registration__session_id__in=plan.session_ids)
    ).values_list("session_id", "registration__session_id"):
        adaptations[session_id or registration_session_id] += 1
    rows = [
        [session.code, session.course.title, session.first_day, needs.get(session.pk, 0), adaptations[session.pk]]
        for session in plan.sessions
        if needs.get(session.pk) or adaptations.get(session.pk)
    ]
    return _table_xlsx(
        title=_("Accessibility needs"),
        headers=[
            _("Session"),
            _("Course"),
            _("First day"),
            _("Trainees who declared a need"),
            _("Adaptations recorded"),
        ],
        rows=rows,
    )


def _adaptations(plan: _Plan) -> QuerySet[AccessibilityAdaptation]:
    return AccessibilityAdaptation.objects.filter(
        Q(session_id__in=plan.session_ids) | Q(registration__session_id__in=plan.session_ids)
    ).order_by("decided_on", "pk")


def _adaptations_file(plan: _Plan, section: PackSection) -> None:
    plan.add(
        section,
        "adaptations.xlsx",
        description=_(
            "Adaptations made for the trainees and sessions of the period (the need expressed, health data, is "
            "left out; trainees appear by their registration number)"
        ),
        group="adaptations",
        content=partial(_resource_xlsx, PackAdaptationResource, _adaptations(plan), title=_("Adaptations")),
    )


def _indicator_10(plan: _Plan, section: PackSection) -> None:
    plan.add(
        section,
        "besoins-adaptation-par-session.xlsx",
        description=_(
            "Per session of the period: how many trainees declared an accessibility need and how many adaptations "
            "were recorded (counts only)"
        ),
        content=partial(_needs_table, plan),
    )
    if plan.is_home("adaptations", 10):
        _adaptations_file(plan, section)
    else:
        plan.refer(section, "adaptations", _("The adaptations made"))
    if plan.is_home("attendance", 10):
        _attendance_files(plan, section)
    else:
        plan.refer(section, "attendance", _("Follow-up of absences and abandonments"))


def _objectives_reached_table(plan: _Plan) -> bytes:
    rows = []
    held = {session.pk for session in sessions_held(first_day=plan.date_from, last_day=plan.date_to)}
    for session in plan.sessions:
        if session.pk not in held:
            continue
        one = Session.objects.filter(pk=session.pk)
        hot = survey_indicators(answers_frame(one), invitations_frame(one))["hot"]
        rows.append(
            [
                session.code,
                session.course.title,
                session.first_day,
                hot["objectives_n"],
                _rate(hot["objectives_rate"]),
                hot["n"],
                _rate(hot["expectations_rate"]),
            ]
        )
    return _table_xlsx(
        title=_("Objectives reached"),
        headers=[
            _("Session"),
            _("Course"),
            _("First day"),
            _("Respondents: objectives"),
            _("Objectives reached (%)"),
            _("Respondents: satisfaction"),
            _("Satisfaction (%)"),
        ],
        rows=rows,
    )


def _indicator_11(plan: _Plan, section: PackSection) -> None:
    for document in _documents(plan, (DocumentKind.ATTESTATION,)):
        _stored_copy(
            plan,
            section,
            f"attestations/{_safe(document.session.code)}/{_safe(document.file.name.rsplit('/', 1)[-1])}",
            document.file,
            description=_document_description(document),
            group="attestations",
            recorded_sha256=document.sha256,
            source=SOURCE_ISSUED,
        )
    plan.add(
        section,
        "objectifs-atteints-par-session.xlsx",
        description=_("Per session held: share of the trainees who say they reached the objectives, with their number"),
        group="objectives_reached",
        content=partial(_objectives_reached_table, plan),
    )
    plan.refer(section, "certificates", _("Certificates of completion (hours attended)"))
    if plan.is_home("attendance", 11):
        _attendance_files(plan, section)
    else:
        plan.refer(section, "attendance_sheets", _("Signed attendance sheets"))


def _assiduity_table(plan: _Plan) -> bytes:
    """Per session with attendance recorded: trainees, no-shows, abandonments, hours and assiduity."""
    registrations = (
        Registration.objects.filter(session_id__in=plan.session_ids, status=RegistrationStatus.CONFIRMED)
        .with_hours_attended()
        .order_by()
        .values_list("session_id", "hours_attended", "hours_recorded", "hours_locked", "abandoned_at")
    )
    figures: dict[int, dict] = defaultdict(lambda: {"confirmed": 0, "absent": 0, "abandoned": 0, "hours": Decimal(0)})
    recorded: set[int] = set()
    for session_id, hours, hours_recorded, hours_locked, abandoned_at in registrations:
        row = figures[session_id]
        row["confirmed"] += 1
        row["hours"] += hours or 0
        row["absent"] += not hours
        row["abandoned"] += abandoned_at is not None
        if hours_recorded is not None or hours_locked is not None:
            recorded.add(session_id)
    rows = []
    for session in plan.sessions:
        if session.pk not in recorded:
            continue
        row = figures[session.pk]
        planned = session.planned_hours or Decimal(0)
        expected = planned * row["confirmed"]
        rows.append(
            [
                session.code,
                session.course.title,
                session.first_day,
                session.last_day,
                row["confirmed"],
                row["absent"],
                row["abandoned"],
                planned,
                row["hours"],
                _rate(float(row["hours"] / expected)) if expected else None,
            ]
        )
    return _table_xlsx(
        title=_("Assiduity"),
        headers=[
            _("Session"),
            _("Course"),
            _("First day"),
            _("Last day"),
            _("Trainees confirmed"),
            _("Did not attend"),
            _("Abandonments recorded"),
            _("Hours planned per trainee"),
            _("Hours attended (all trainees)"),
            _("Assiduity (%)"),
        ],
        rows=rows,
    )


def _attendance_files(plan: _Plan, section: PackSection) -> None:
    registrations = Registration.objects.filter(
        session_id__in=plan.session_ids, status=RegistrationStatus.CONFIRMED
    ).order_by("session__code", "user__last_name", "user__first_name", "pk")
    plan.add(
        section,
        "absences-abandons.xlsx",
        description=_(
            "Trainees of the period with an absence or a late arrival on a validated half-day, or whose abandonment "
            "was recorded: the alert sent to the coordination, the reason given"
        ),
        group="attendance",
        content=partial(_resource_xlsx, AbsenceResource, registrations, title=_("Absences")),
    )
    plan.add(
        section,
        "assiduite-par-session.xlsx",
        description=_("Per session with attendance recorded: trainees, no-shows, abandonments and hours attended"),
        group="attendance",
        content=partial(_assiduity_table, plan),
    )


def _indicator_12(plan: _Plan, section: PackSection) -> None:
    _attendance_files(plan, section)  # their first home
    plan.refer(section, "attendance_sheets", _("Signed attendance sheets"))
    plan.refer(section, "certificates", _("Certificates of completion (hours attended)"))


# Indicators 17 to 22: means, coordination, resources, people


def _trainers(plan: _Plan) -> list[Trainer]:
    """The trainers of the period with their sessions, qualifications and satisfaction."""
    sessions_by_trainer: dict[int, list[str]] = defaultdict(list)
    for session in plan.sessions:
        for trainer in session.trainers.all():
            sessions_by_trainer[trainer.pk].append(session.code)
    trainers = list(
        Trainer.objects.filter(pk__in=sessions_by_trainer)
        .annotate(qualification_count=Count("qualifications"))
        .order_by("last_name", "first_name", "pk")
    )
    for trainer in trainers:
        held = sessions_held(
            first_day=plan.date_from, last_day=plan.date_to, filters=IndicatorFilters(trainer=trainer.pk)
        )
        hot = survey_indicators(answers_frame(held), invitations_frame(held))["hot"]
        trainer.period_sessions = ", ".join(sessions_by_trainer[trainer.pk])
        trainer.satisfaction_rate = _rate(hot["expectations_rate"])
        trainer.satisfaction_n = hot["n"]
    return trainers


def _trainer_files(plan: _Plan, section: PackSection) -> None:
    trainer_ids = {trainer.pk for session in plan.sessions for trainer in session.trainers.all()}
    qualifications = list(
        TrainerQualification.objects.filter(trainer_id__in=trainer_ids)
        .filter(Q(obtained_on__isnull=True) | Q(obtained_on__lte=plan.date_to))
        .filter(Q(expires_on__isnull=True) | Q(expires_on__gte=plan.date_from))
        .select_related("trainer")
        .order_by("trainer__last_name", "trainer__first_name", "title", "pk")
    )
    for qualification in qualifications:
        if qualification.document:
            trainer = qualification.trainer
            extension = os.path.splitext(qualification.document.name)[1].lower()
            file = _stored_copy(
                plan,
                section,
                f"justificatifs/{slugify(f'{trainer.last_name} {trainer.first_name}')}-"
                f"{slugify(qualification.title)[:60]}-{qualification.pk}{extension}",
                qualification.document,
                description=_("Proof of “%(title)s” — %(trainer)s")
                % {"title": qualification.title, "trainer": trainer},
                group="trainers",
            )
            qualification.pack_path = file.path
    plan.add(
        section,
        "formateurs.xlsx",
        description=_("The trainers of the period: status, sessions, qualifications and the trainees' satisfaction"),
        group="trainers",
        content=lambda: _resource_xlsx(PackTrainerResource, _trainers(plan), title=_("Trainers")),
    )
    plan.add(
        section,
        "qualifications-formateurs.xlsx",
        description=_(
            "Diplomas, certifications and habilitations of the trainers of the period valid during it, with their "
            "expiry and their proof"
        ),
        group="trainers",
        content=partial(_resource_xlsx, PackQualificationResource, qualifications, title=_("Qualifications")),
    )


def _venues(plan: _Plan) -> list[Venue]:
    codes: dict[int, list[str]] = defaultdict(list)
    for session in plan.sessions:
        if session.venue_id:
            codes[session.venue_id].append(session.code)
    venues = list(Venue.objects.filter(pk__in=codes).select_related("department").order_by("city", "name"))
    for venue in venues:
        venue.period_sessions = ", ".join(codes[venue.pk])
    return venues


def _indicator_17(plan: _Plan, section: PackSection) -> None:
    plan.add(
        section,
        "lieux-de-formation.xlsx",
        description=_("The venues of the sessions of the period and their accessibility"),
        content=lambda: _resource_xlsx(PackVenueResource, _venues(plan), title=_("Venues")),
    )
    if plan.is_home("trainers", 17):
        _trainer_files(plan, section)
    else:
        plan.refer(section, "trainers", _("The trainers and their qualifications"))
    plan.refer(section, "sessions", _("The trainers assigned to each session"))


def _indicator_18(plan: _Plan, section: PackSection) -> None:
    answers = Answer.objects.filter(
        response__campaign__session_id__in=plan.session_ids, response__campaign__kind=QuestionnaireKind.TRAINER
    )
    plan.add(
        section,
        "rapports-formateurs.xlsx",
        description=_("The trainers' reports after the sessions of the period (their questionnaire's answers)"),
        content=partial(_resource_xlsx, AnswerResource, answers, title=_("Trainers' reports")),
    )
    if plan.is_home("trainers", 18):
        _trainer_files(plan, section)
    else:
        plan.refer(section, "trainers", _("The trainers and their qualifications"))
    plan.refer(section, "sessions", _("The trainers assigned to each session"))


def _indicator_19(plan: _Plan, section: PackSection) -> None:
    if plan.is_home("programmes", 19):
        _programmes(plan, section)
    else:
        plan.refer(section, "programmes", _("Programmes handed to the trainees"))
    plan.refer(section, "messages", _("The documents attached to each convocation (see the Attachments column)"))


def _indicator_21(plan: _Plan, section: PackSection) -> None:
    _trainer_files(plan, section)  # their first home


def _indicator_22(plan: _Plan, section: PackSection) -> None:
    trainings = StaffTraining.objects.filter(started_on__gte=plan.date_from, started_on__lte=plan.date_to).order_by(
        "started_on", "pk"
    )
    plan.add(
        section,
        "formations-equipe.xlsx",
        description=_("Trainings, conferences and professional reviews of the staff in the period"),
        content=partial(_resource_xlsx, StaffTrainingResource, trainings, title=_("Staff trainings")),
    )


# Indicators 23 to 27: environment


def _watch(plan: _Plan, section: PackSection, kind: str, name: str) -> None:
    entries = WatchEntry.objects.filter(
        kind=kind, observed_on__gte=plan.date_from, observed_on__lte=plan.date_to
    ).order_by("observed_on", "pk")
    plan.add(
        section,
        name,
        description=_("Watch register of the period: %(kind)s") % {"kind": WatchKind(kind).label},
        content=partial(_resource_xlsx, WatchEntryResource, entries, title=_("Watch")),
    )


def _indicator_23(plan: _Plan, section: PackSection) -> None:
    _watch(plan, section, WatchKind.LEGAL, "veille-legale.xlsx")


def _indicator_24(plan: _Plan, section: PackSection) -> None:
    _watch(plan, section, WatchKind.JOBS, "veille-emplois-metiers.xlsx")


def _indicator_25(plan: _Plan, section: PackSection) -> None:
    _watch(plan, section, WatchKind.INNOVATION, "veille-innovations.xlsx")


def _indicator_26(plan: _Plan, section: PackSection) -> None:
    _adaptations_file(plan, section)  # their first home
    plan.add(
        section,
        "partenaires-handicap.xlsx",
        description=_("The disability referent's network of partners"),
        content=partial(
            _resource_xlsx, DisabilityPartnerResource, DisabilityPartner.objects.order_by("name"), title=_("Partners")
        ),
    )
    organisation = plan.organisation
    if organisation.disability_referent_name:
        section.notes.append(
            _("Disability referent: %(name)s %(contact)s, named on every course sheet and convocation.")
            % {
                "name": organisation.disability_referent_name,
                "contact": " — ".join(
                    part
                    for part in (organisation.disability_referent_email, organisation.disability_referent_phone)
                    if part
                ),
            }
        )
    else:
        section.notes.append(_("No disability referent is named in the organisation's settings."))
    plan.refer(section, "programmes", _("Programmes: the accessibility section and the referent's contact"))


def _indicator_27(plan: _Plan, section: PackSection) -> None:
    subcontractors = list(
        Subcontractor.objects.filter(
            Q(contract_signed_on__isnull=True) | Q(contract_signed_on__lte=plan.date_to)
        ).order_by("name", "pk")
    )
    for subcontractor in subcontractors:
        if subcontractor.contract:
            file = _stored_copy(
                plan,
                section,
                f"contrats/{slugify(subcontractor.name)}-{subcontractor.pk}-"
                f"{_safe(os.path.basename(subcontractor.contract.name))}",
                subcontractor.contract,
                description=_("Subcontracting contract with %(name)s") % {"name": subcontractor.name},
            )
            subcontractor.pack_path = file.path
    plan.add(
        section,
        "sous-traitants.xlsx",
        description=_("Subcontractors under contract during the period: certification, contract, last check"),
        content=partial(_resource_xlsx, PackSubcontractorResource, subcontractors, title=_("Subcontractors")),
    )


# Indicators 30 to 32: feedback, complaints, improvement


FEEDBACK_KINDS = (
    QuestionnaireKind.HOT,
    QuestionnaireKind.COLD,
    QuestionnaireKind.TRAINER,
    QuestionnaireKind.CLIENT,
    QuestionnaireKind.FUNDER,
)


def _feedback_campaigns(plan: _Plan) -> QuerySet:
    years = range(plan.date_from.year, plan.date_to.year + 1)
    return (
        campaign_list()
        .filter(kind__in=FEEDBACK_KINDS)
        .filter(Q(session_id__in=plan.session_ids) | Q(session__isnull=True, year__in=list(years)))
        .order_by("session__code", "year", "kind", "pk")
    )


def _campaign_workbook(campaign_id: int) -> bytes:
    """One campaign's results: each question's distribution, then the comments, without their author."""
    campaign = campaign_for_results(campaign_id=campaign_id)
    results = campaign_results(campaign=campaign)
    summary = tablib.Dataset(
        headers=[_("Question"), _("Respondents"), _("Satisfied or yes (%)"), _("Mean out of 10"), _("Distribution")],
        title=_sheet_title(_("Results")),
    )
    summary.append(
        [
            _("%(subject)s — %(questionnaire)s")
            % {
                "subject": campaign_subject(campaign),
                "questionnaire": campaign.questionnaire.title,
            },
            campaign.answered,
            None,
            None,
            _("%(invited)s invited, %(answered)s answered, %(responses)s responses")
            % {"invited": campaign.invited, "answered": campaign.answered, "responses": results.responses},
        ]
    )
    for result in results.questions:
        rate = result.satisfied_rate if result.satisfied_rate is not None else result.yes_rate
        summary.append(
            [
                result.question.text,
                result.n,
                _rate(rate),
                round(result.mean, 2) if result.mean is not None else None,
                "; ".join(f"{bar.label}: {bar.count}" for bar in result.bars)
                if result.bars
                else (_("%(count)s comments") % {"count": result.text_count} if result.text_count else ""),
            ]
        )
    comments = tablib.Dataset(headers=[_("Question"), _("Comment")], title=_sheet_title(_("Comments")))
    for review in results.reviews:
        for question, text in review.comments:
            comments.append([question, text])
    return tablib.Databook([summary, comments]).export("xlsx")


def _indicator_30(plan: _Plan, section: PackSection) -> None:
    campaigns = list(_feedback_campaigns(plan).select_related("questionnaire"))
    plan.add(
        section,
        "campagnes.xlsx",
        description=_(
            "The surveys of the period (end of training, six months later, trainers, client structures, funders): "
            "invited, answered"
        ),
        content=partial(_resource_xlsx, CampaignResource, _feedback_campaigns(plan), title=_("Survey campaigns")),
    )
    for campaign in campaigns:
        subject = campaign.session.code if campaign.session_id else str(campaign.year)
        plan.add(
            section,
            f"resultats/{_safe(subject)}-{slugify(campaign.questionnaire.slug).replace('_', '-')}.xlsx",
            description=_("Results of “%(questionnaire)s” — %(subject)s: each question, then the comments")
            % {"questionnaire": campaign.questionnaire.title, "subject": subject},
            content=partial(_campaign_workbook, campaign.pk),
        )
    invitations = (
        Invitation.objects.filter(campaign__in=[campaign.pk for campaign in campaigns], sent_at__isnull=False)
        .filter(Q(reminders_sent__gt=0) | Q(answered_at__isnull=True))
        .order_by("campaign__session__code", "campaign__year", "campaign__kind", "name", "pk")
    )
    plan.add(
        section,
        "relances-non-repondants.xlsx",
        description=_("People who had not answered: the reminders sent to them and whether they answered afterwards"),
        content=partial(_resource_xlsx, ReminderLogResource, invitations, title=_("Reminders")),
    )


def _indicator_31(plan: _Plan, section: PackSection) -> None:
    complaints = Complaint.objects.filter(
        received_at__gte=_start_of(plan.date_from),
        received_at__lt=_end_of(plan.date_to),
    ).order_by("received_at", "pk")
    plan.add(
        section,
        "reclamations.xlsx",
        description=_("Complaints, difficulties and incidents received in the period, each step dated"),
        content=partial(_resource_xlsx, ComplaintRegisterResource, complaints, title=_("Complaints")),
    )


def _indicator_32(plan: _Plan, section: PackSection) -> None:
    start, end = _start_of(plan.date_from), _end_of(plan.date_to)
    actions = ImprovementAction.objects.filter(
        Q(created_at__gte=start, created_at__lt=end) | Q(done_on__gte=plan.date_from, done_on__lte=plan.date_to)
    ).order_by("created_at", "pk")
    plan.add(
        section,
        "actions-amelioration.xlsx",
        description=_("Improvement actions decided or completed in the period, with their source and follow-up"),
        content=partial(_resource_xlsx, ImprovementActionResource, actions, title=_("Improvement actions")),
    )


COLLECTORS: dict[int, Callable[[_Plan, PackSection], None]] = {
    1: _indicator_1,
    2: _indicator_2,
    4: _indicator_4,
    5: _indicator_5,
    6: _indicator_6,
    8: _indicator_8,
    9: _indicator_9,
    10: _indicator_10,
    11: _indicator_11,
    12: _indicator_12,
    17: _indicator_17,
    18: _indicator_18,
    19: _indicator_19,
    21: _indicator_21,
    22: _indicator_22,
    23: _indicator_23,
    24: _indicator_24,
    25: _indicator_25,
    26: _indicator_26,
    27: _indicator_27,
    30: _indicator_30,
    31: _indicator_31,
    32: _indicator_32,
}


def _readme(plan: _Plan, section: PackSection) -> bytes:
    prefix = f"{section.folder}/"
    text = render_to_string(
        "evaluations/evidence/readme.txt",
        {
            "plan": plan,
            "section": section,
            "organisation": plan.organisation,
            "files": [
                (file.path.removeprefix(prefix), file.description) for file in section.files if file.name != README
            ],
            "references": section.references,
            "listed": REFERENCE_FILES_LISTED,
        },
    )
    return text.replace("\n", "\r\n").encode("utf-8")


def evidence_plan(pack: EvidencePack, *, now: datetime.datetime | None = None) -> _Plan:
    """Every file of the pack, by folder, nothing generated yet."""
    plan = _Plan(pack, now=now or timezone.now())
    _sessions_folder(plan)
    for number, section in sorted(plan.sections.items()):
        if number and (collector := COLLECTORS.get(number)) is not None:
            collector(plan, section)
    plan.resolve_references()
    for section in plan.ordered_sections:
        plan.add(
            section,
            README,
            description=_("What this folder holds and what the organisation must add"),
            content=partial(_readme, plan, section),
        )
    return plan


# Writing the ZIP
# ------------------------------------------------------------------------------


class _Progress:
    """`pack.done`, written in its own short transaction at most every `PROGRESS_SECONDS`."""

    def __init__(self, pack_id: int, total: int):
        self.pack_id = pack_id
        self.total = total
        self.done = 0
        self._written_at = 0.0
        EvidencePack.objects.filter(pk=pack_id).update(total=total, done=0)

    def step(self) -> None:
        self.done += 1
        now = time.monotonic()
        if self.done == self.total or now - self._written_at >= PROGRESS_SECONDS:
            EvidencePack.objects.filter(pk=self.pack_id).update(done=self.done)
            self._written_at = now


def _zip_info(path: str, moment: datetime.datetime) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(path, date_time=timezone.localtime(moment).timetuple()[:6])
    compressed = path.lower().endswith(STORED_EXTENSIONS)
    info.compress_type = zipfile.ZIP_STORED if compressed else zipfile.ZIP_DEFLATED
    info.external_attr = 0o644 << 16
    return info


def _write_file(archive: zipfile.ZipFile, file: PackFile, moment: datetime.datetime) -> None:
    digest, size = hashlib.sha256(), 0
    if file.content is not None:
        data = file.content()
        digest.update(data)
        size = len(data)
        archive.writestr(_zip_info(file.path, moment), data)
    else:
        storage = private_storage()
        try:
            source = storage.open(file.stored, "rb")
        except FileNotFoundError:
            file.missing = True
            file.warning = _("The stored file is missing: it could not be copied.")
            return
        with source, archive.open(_zip_info(file.path, moment), "w", force_zip64=True) as target:
            while chunk := source.read(CHUNK_BYTES):
                digest.update(chunk)
                target.write(chunk)
                size += len(chunk)
    file.sha256, file.size = digest.hexdigest(), size
    if file.recorded_sha256 and file.recorded_sha256 != file.sha256:
        file.warning = _(
            "Its sha256 differs from the one recorded when it was issued (%(recorded)s): the stored file changed."
        ) % {"recorded": file.recorded_sha256}


def _manifest_rows(plan: _Plan) -> list[list]:
    rows = []
    for section in plan.ordered_sections:
        for file in section.files:
            if not file.missing:
                rows.append([file.path, section.number, file.source, file.description, file.sha256, file.size])
        for reference in section.references:
            for file in reference.files:
                if not file.missing:
                    rows.append(
                        [
                            file.path,
                            section.number,
                            str(SOURCE_REFERENCE),
                            reference.description,
                            file.sha256,
                            file.size,
                        ]
                    )
    return rows


def _manifest_csv(plan: _Plan) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(["chemin", "indicateur", "source", "description", "sha256", "taille"])
    writer.writerows(_manifest_rows(plan))
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def _manifest_html(plan: _Plan, *, generated_at: datetime.datetime) -> bytes:
    files = [file for file in plan.files if not file.missing]
    return render_to_string(
        "evaluations/evidence/index.html",
        {
            "plan": plan,
            "pack": plan.pack,
            "organisation": plan.organisation,
            "generated_at": generated_at,
            "sections": plan.ordered_sections,
            "not_applicable": plan.not_applicable,
            "file_count": len(files),
            "total_size": sum(file.size for file in files),
            "warnings": [file for file in plan.files if file.warning],
            "reference_files_listed": REFERENCE_FILES_LISTED,
            "manifest_csv": MANIFEST_CSV,
        },
    ).encode("utf-8")


@dataclass(frozen=True)
class BuiltPack:
    file_count: int
    size: int
    sha256: str


def evidence_pack_write(plan: _Plan, target, *, progress: _Progress | None = None) -> BuiltPack:
    """Write every planned file and the two manifests into `target` (a seekable binary file)."""
    moment = plan.now
    with zipfile.ZipFile(target, "w", allowZip64=True) as archive:
        for file in plan.files:
            _write_file(archive, file, moment)
            if progress is not None:
                progress.step()
        archive.writestr(_zip_info(MANIFEST_CSV, moment), _manifest_csv(plan))
        archive.writestr(_zip_info(MANIFEST_HTML, moment), _manifest_html(plan, generated_at=moment))
        file_count = len(archive.infolist())
    if progress is not None:
        progress.step()
    target.seek(0)
    digest, size = hashlib.sha256(), 0
    while chunk := target.read(CHUNK_BYTES):
        digest.update(chunk)
        size += len(chunk)
    target.seek(0)
    return BuiltPack(file_count=file_count, size=size, sha256=digest.hexdigest())


def evidence_pack_build(*, pack_id: int) -> EvidencePack:
    """Build the pack's ZIP (see the module docstring): nothing for a DONE or FAILED pack, from
    scratch for a QUEUED or RUNNING one. A failure marks the pack FAILED with its reason."""
    with transaction.atomic():
        pack = EvidencePack.objects.select_for_update().get(pk=pack_id)
        if pack.status in (EvidencePackStatus.DONE, EvidencePackStatus.FAILED):
            return pack
        pack.status, pack.done, pack.total, pack.error = EvidencePackStatus.RUNNING, 0, 0, ""
        pack.save(update_fields=["status", "done", "total", "error"])
    try:
        with (
            translation.override("fr"),
            timezone.override(settings.TIME_ZONE),
            tempfile.TemporaryFile(suffix=".zip") as target,
        ):
            plan = evidence_plan(pack)
            progress = _Progress(pack.pk, total=len(plan.files) + 1)
            built = evidence_pack_write(plan, target, progress=progress)
            name = evidence_pack_file_name(pack)
            stored_name = private_storage().save(pack.file.field.generate_filename(pack, name), File(target, name=name))
    except Exception as error:  # any failure is recorded on the pack, for the back office to show
        logger.exception("Evidence pack %s failed", pack_id)
        with translation.override("fr"):
            message = _(
                "The pack could not be built (%(error)s). Request it again; if it fails again, tell the administrator."
            ) % {"error": f"{type(error).__name__}: {error}"[:500]}
        EvidencePack.objects.filter(pk=pack_id, status=EvidencePackStatus.RUNNING).update(
            status=EvidencePackStatus.FAILED, error=message, finished_at=timezone.now()
        )
        return EvidencePack.objects.get(pk=pack_id)
    finished = EvidencePack.objects.filter(pk=pack_id, status=EvidencePackStatus.RUNNING).update(
        status=EvidencePackStatus.DONE,
        file=stored_name,
        size=built.size,
        sha256=built.sha256,
        file_count=built.file_count,
        done=F("total"),
        finished_at=timezone.now(),
    )
    if not finished:  # another run of the same pack finished first: keep its file
        private_storage().delete(stored_name)
    return EvidencePack.objects.get(pk=pack_id)
