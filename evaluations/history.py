"""The historical workbook: years of Excel files brought in once, through one documented format.

`python manage.py import_history FILE.xlsx [--dry-run]` and the back office's upload (preview,
then confirm) call the same three functions:

- `history_read(file)` opens the workbook (xlsx only, at most `HISTORY_IMPORT_MAX_BYTES`), finds
  its four sheets and their columns (names compared without case, accents or surrounding spaces)
  and returns the raw rows, or the errors that prevent reading it at all;
- `history_validate(workbook)` checks and normalises every row against the reference data and
  the database (no query per row: everything is loaded once), and works out what an import would
  create or update; it writes nothing;
- `history_import(file, dry_run=...)` does both and, when no row is invalid and it is not a dry
  run, writes everything in one transaction: all or nothing.

Every problem is a `RowError` (sheet, row number as Excel shows it, column, value, French reason,
machine `code`); warnings have the same shape (ignored columns, new labels of the free lists,
draft courses created, older duplicate answers left out…).

Importing the same workbook twice changes nothing the second time: sessions are keyed by code,
people by e-mail, registrations by (session, person), campaigns by (session, kind), responses by
(campaign, registration) and answers by (response, question). People keep what they typed
themselves: their names and profile are only filled where blank. The format itself is
documented for coordinators in `spec/historical-workbook.md`.

Error codes: `file_empty`, `file_too_large`, `file_not_xlsx`, `sheet_missing`, `sheet_duplicate`,
`column_missing`, `column_duplicate`, `value_required`, `text_too_long`, `date_invalid`,
`date_impossible`, `date_order`, `number_invalid`, `number_negative`, `number_too_large`,
`integer_invalid`, `duration_invalid`, `duration_too_long`, `department_unknown`, `funding_unknown`,
`status_unknown`, `client_missing`, `code_duplicate`, `email_invalid`, `email_duplicate`,
`session_unknown`, `person_unknown`, `registration_duplicate`, `respondent_not_registered`,
`questionnaire_unknown`, `questionnaire_not_for_trainees`, `questionnaire_anonymous`,
`questionnaire_kind_conflict`, `question_unknown`, `answer_invalid`, `answer_too_long`,
`catalogue_missing`, `slots_locked`, `campaign_other_questionnaire`, `conflict`.
"""

from __future__ import annotations

import datetime
import functools
import io
import math
import os
import re
import unicodedata
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

import openpyxl
from openpyxl.utils.datetime import from_excel

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, connection, transaction
from django.db.models import Max
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import ActivitySector, Department, ProfessionalCategory, Profile, StructureType
from cms.cache import public_cache_bump
from cms.models import CatalogueIndexPage, CoursePage
from config.uploads import zip_is_reasonable
from training.choices import ACTIVE_STATUSES, Funding, Period, RegistrationSource, RegistrationStatus, SessionStatus
from training.models import Attendance, Organisation, Registration, Session, Slot, Trainer, Venue

from .choices import TRAINEE_KINDS, CampaignOrigin, CampaignStatus, QuestionType, ResponseSource
from .exceptions import SurveyError
from .models import Answer, Campaign, Question, Questionnaire, Response
from .services.responses import answer_value_clean

User = get_user_model()

DEFAULT_MAX_BYTES = 20 * 1024 * 1024
PREVIEW_ROWS = 5

# The format
# ------------------------------------------------------------------------------

SESSIONS = "Sessions"
PARTICIPANTS = "Participants"
REGISTRATIONS = "Inscriptions"
ANSWERS = "Reponses"


@dataclass(frozen=True)
class SheetFormat:
    name: str
    required: tuple[str, ...]
    optional: tuple[str, ...] = ()

    @property
    def columns(self) -> tuple[str, ...]:
        return self.required + self.optional


FORMAT = (
    SheetFormat(
        SESSIONS,
        ("code", "formation", "financement", "departement", "date_debut", "date_fin", "duree_heures", "statut"),
        ("lieu", "capacite", "formateurs", "structure_cliente"),
    ),
    SheetFormat(
        PARTICIPANTS,
        ("email",),
        (
            "nom",
            "prenom",
            "structure",
            "type_structure",
            "secteur_activite",
            "categorie_socioprofessionnelle",
            "fonction",
            "departement",
        ),
    ),
    SheetFormat(REGISTRATIONS, ("session", "email", "statut", "heures_realisees")),
    SheetFormat(ANSWERS, ("session", "email", "questionnaire", "date_reponse", "question", "reponse")),
)
# Other spellings of a heading seen in coordinators' files.
_HEADER_ALIASES = {"e_mail": "email", "courriel": "email"}

_FUNDINGS = {
    "drapps": Funding.DRAPPS,
    "intra": Funding.INTRA,
    "inter": Funding.INTER,
    "autre": Funding.OTHER,
    "other": Funding.OTHER,
}
_SESSION_STATUSES = {
    "realisee": SessionStatus.DONE,
    "realise": SessionStatus.DONE,
    "annulee": SessionStatus.CANCELLED,
    "annule": SessionStatus.CANCELLED,
}
_REGISTRATION_STATUSES = {
    "inscrit": RegistrationStatus.CONFIRMED,
    "inscrite": RegistrationStatus.CONFIRMED,
    "annule": RegistrationStatus.CANCELLED,
    "annulee": RegistrationStatus.CANCELLED,
    "liste_attente": RegistrationStatus.WAITLISTED,
    "liste_d_attente": RegistrationStatus.WAITLISTED,
    "refuse": RegistrationStatus.REFUSED,
    "refusee": RegistrationStatus.REFUSED,
}

# Half-days of the slots created for a session: 3.5 teaching hours each, as the organisation works.
HALF_DAY_HOURS = Decimal("3.5")
MAX_SLOT_HOURS = Decimal("6")  # the database's bound for one half-day
MAX_SESSION_HOURS = 999
_MORNING_START, _MORNING_END = datetime.time(9), datetime.time(12, 30)
_AFTERNOON_START, _AFTERNOON_END = datetime.time(13, 30), datetime.time(17)
_CENT = Decimal("0.01")

# What an import creates or updates, in the order the report lists it.
KINDS = {
    "structure_types": gettext_lazy("structure types"),
    "activity_sectors": gettext_lazy("activity sectors"),
    "professional_categories": gettext_lazy("socio-professional categories"),
    "courses": gettext_lazy("courses (draft sheets)"),
    "venues": gettext_lazy("venues"),
    "trainers": gettext_lazy("trainers"),
    "organisations": gettext_lazy("client structures"),
    "sessions": gettext_lazy("sessions"),
    "slots": gettext_lazy("half-days"),
    "people": gettext_lazy("people"),
    "profiles": gettext_lazy("professional profiles"),
    "registrations": gettext_lazy("registrations"),
    "campaigns": gettext_lazy("survey campaigns"),
    "responses": gettext_lazy("survey responses"),
    "answers": gettext_lazy("answers"),
}
_FREE_LISTS = {
    "structure_types": (StructureType, "type_structure"),
    "activity_sectors": (ActivitySector, "secteur_activite"),
    "professional_categories": (ProfessionalCategory, "categorie_socioprofessionnelle"),
}


# The report
# ------------------------------------------------------------------------------


@dataclass(frozen=True)
class RowError:
    """One problem (or, in `warnings`, one remark) about a cell; `row` is None for the whole file or sheet."""

    sheet: str
    row: int | None
    column: str
    value: str
    reason: str
    code: str


@dataclass
class KindCount:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    deleted: int = 0


@dataclass
class HistoryReport:
    """What was found in the workbook and what the import creates or updates (or would, in a dry run).

    `counts` is filled only when the workbook has no error. `preview` holds the first rows of each
    sheet as read, for the back office's preview.
    """

    errors: list[RowError] = field(default_factory=list)
    warnings: list[RowError] = field(default_factory=list)
    counts: dict[str, KindCount] = field(default_factory=dict)
    rows: dict[str, int] = field(default_factory=dict)
    preview: dict[str, list[dict[str, str]]] = field(default_factory=dict)
    dry_run: bool = False
    written: bool = False
    plan: _Plan | None = field(default=None, repr=False, compare=False)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def created(self) -> dict[str, int]:
        return {kind: count.created for kind, count in self.counts.items()}

    @property
    def updated(self) -> dict[str, int]:
        return {kind: count.updated for kind, count in self.counts.items()}


# Reading
# ------------------------------------------------------------------------------


@dataclass
class SheetRows:
    name: str
    title: str  # as the file spells it
    columns: tuple[str, ...]  # canonical names of the columns found
    rows: list[tuple[int, dict[str, Any]]]  # (Excel row number, canonical column → value)


@dataclass
class HistoryWorkbook:
    sheets: dict[str, SheetRows] = field(default_factory=dict)
    errors: list[RowError] = field(default_factory=list)
    warnings: list[RowError] = field(default_factory=list)


def _fold(value: str) -> str:
    """The form texts are compared in: no accents, no case, inner spaces collapsed."""
    decomposed = unicodedata.normalize("NFKD", value)
    plain = "".join(char for char in decomposed if not unicodedata.combining(char))
    return " ".join(plain.casefold().split())


def _token(value) -> str:
    """A sheet name, heading or coded value: folded, with spaces, hyphens and apostrophes as `_`."""
    return re.sub(r"[\s\-'’_]+", "_", _fold(str(value))).strip("_")


def _label_key(value: str) -> str:
    """A label of a free list, loosely: punctuation, "et" and plural endings do not make a new label."""
    words = re.split(r"[^0-9a-zœæ]+", _fold(value))
    return " ".join(
        word[:-1] if len(word) > 3 and word[-1] in "sx" else word for word in words if word and word != "et"
    )


def history_max_bytes() -> int:
    return getattr(settings, "HISTORY_IMPORT_MAX_BYTES", DEFAULT_MAX_BYTES)


def _file_error(reason: str, code: str) -> RowError:
    return RowError(sheet="", row=None, column="", value="", reason=reason, code=code)


def _file_content(file) -> tuple[bytes | None, RowError | None]:
    """The bytes of a path or an uploaded file, unless it is empty or too large."""
    limit = history_max_bytes()
    too_large = _file_error(
        _("The file is larger than %(size)s MB: split the workbook.") % {"size": round(limit / 1024 / 1024, 1)},
        "file_too_large",
    )
    if isinstance(file, str | os.PathLike):
        size = os.path.getsize(file)
        if size > limit:
            return None, too_large
        with open(file, "rb") as handle:
            content = handle.read()
    else:
        size = getattr(file, "size", None)
        if size is not None and size > limit:
            return None, too_large
        if hasattr(file, "seek"):
            file.seek(0)
        content = file.read(limit + 1)
    if not content:
        return None, _file_error(_("The file is empty."), "file_empty")
    if len(content) > limit:
        return None, too_large
    return content, None


def _cell_value(value):
    if isinstance(value, str):
        value = value.strip()
        return value or None
    return value


def _display(value) -> str:
    """A cell as the report quotes it."""
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        return f"{value:%d/%m/%Y}" if value.time() == datetime.time(0) else f"{value:%d/%m/%Y %H:%M}"
    if isinstance(value, datetime.date):
        return f"{value:%d/%m/%Y}"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    text = str(value)
    return text if len(text) <= 200 else f"{text[:199]}…"


def _hours_display(value: Decimal) -> str:
    return f"{value.normalize():f}".replace(".", ",")


def history_read(file) -> HistoryWorkbook:
    """Open the workbook (a path or a file object) and return its sheets' rows, or why it cannot be read.

    Codes: `file_empty`, `file_too_large`, `file_not_xlsx`, `sheet_missing`, `sheet_duplicate`,
    `column_missing`, `column_duplicate`. Unknown sheets and columns are warnings.
    """
    workbook = HistoryWorkbook()
    content, error = _file_content(file)
    if error is not None:
        workbook.errors.append(error)
        return workbook
    not_xlsx = _file_error(
        _("This file is not an Excel workbook (.xlsx). Open it in a spreadsheet and save it as .xlsx."),
        "file_not_xlsx",
    )
    if not content.startswith(b"PK\x03\x04"):
        workbook.errors.append(not_xlsx)
        return workbook
    if not zip_is_reasonable(content):
        workbook.errors.append(
            _file_error(_("This workbook would unpack to a far larger size: split it."), "file_too_large")
        )
        return workbook
    try:
        book = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        try:
            _sheets_read(book, workbook)
        finally:
            book.close()
    except Exception:  # noqa: BLE001 - whatever openpyxl fails on, the file is not a readable workbook
        workbook.sheets.clear()
        workbook.warnings.clear()
        workbook.errors = [not_xlsx]
    return workbook


def _sheets_read(book, workbook: HistoryWorkbook) -> None:
    formats = {_token(sheet_format.name): sheet_format for sheet_format in FORMAT}
    found = {}
    for worksheet in book.worksheets:
        sheet_format = formats.get(_token(worksheet.title))
        if sheet_format is None:
            workbook.warnings.append(
                RowError(
                    worksheet.title, None, "", "", _("This sheet is not part of the format: ignored."), "sheet_ignored"
                )
            )
        elif sheet_format.name in found:
            workbook.errors.append(
                RowError(
                    sheet_format.name,
                    None,
                    "",
                    worksheet.title,
                    _("Two sheets have this name: keep only one."),
                    "sheet_duplicate",
                )
            )
        else:
            found[sheet_format.name] = (sheet_format, worksheet)
    for sheet_format in FORMAT:
        if sheet_format.name not in found:
            workbook.errors.append(
                RowError(
                    sheet_format.name,
                    None,
                    "",
                    "",
                    _("The sheet %(sheet)s is missing.") % {"sheet": sheet_format.name},
                    "sheet_missing",
                )
            )
    for sheet_format, worksheet in found.values():
        sheet = _sheet_read(sheet_format, worksheet, workbook)
        if sheet is not None:
            workbook.sheets[sheet_format.name] = sheet


def _sheet_read(sheet_format: SheetFormat, worksheet, workbook: HistoryWorkbook) -> SheetRows | None:
    if hasattr(worksheet, "reset_dimensions"):
        worksheet.reset_dimensions()  # files written by other tools often declare wrong dimensions
    rows = worksheet.iter_rows(values_only=True)
    header = next(rows, ())
    positions: dict[str, int] = {}
    errors_before = len(workbook.errors)
    for index, heading in enumerate(header):
        if heading is None or not str(heading).strip():
            continue
        token = _token(heading)
        column = _HEADER_ALIASES.get(token, token)
        if column not in sheet_format.columns:
            workbook.warnings.append(
                RowError(
                    sheet_format.name,
                    1,
                    str(heading).strip(),
                    "",
                    _("This column is not part of the format: ignored."),
                    "column_ignored",
                )
            )
        elif column in positions:
            workbook.errors.append(
                RowError(
                    sheet_format.name,
                    1,
                    column,
                    str(heading).strip(),
                    _("Two columns have this heading: keep only one."),
                    "column_duplicate",
                )
            )
        else:
            positions[column] = index
    for column in sheet_format.required:
        if column not in positions:
            workbook.errors.append(
                RowError(
                    sheet_format.name,
                    1,
                    column,
                    "",
                    _("The column %(column)s is missing.") % {"column": column},
                    "column_missing",
                )
            )
    if len(workbook.errors) > errors_before:
        return None
    data = []
    for number, values in enumerate(rows, start=2):
        cells = {
            column: _cell_value(values[index]) if index < len(values) else None for column, index in positions.items()
        }
        if any(value is not None for value in cells.values()):
            data.append((number, cells))
    return SheetRows(name=sheet_format.name, title=worksheet.title, columns=tuple(positions), rows=data)


# Values
# ------------------------------------------------------------------------------


class _Invalid(Exception):
    def __init__(self, reason: str, code: str):
        super().__init__(reason)
        self.reason = reason
        self.code = code


def _text(max_length: int) -> Callable[[Any], str]:
    def parse(raw) -> str:
        text = _display(raw) if not isinstance(raw, str) else raw.strip()
        if len(text) > max_length:
            raise _Invalid(
                _("This text is too long (%(max)s characters at most).") % {"max": max_length}, "text_too_long"
            )
        return text

    return parse


_DMY = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})(?:[ T]\d{1,2}:\d{2}(?::\d{2})?)?$")
_YMD = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$")
# Excel serial numbers of 1950-01-01 and 2099-12-31: a date cell that lost its format.
_SERIAL_RANGE = (18264, 73415)


def _date(raw) -> datetime.date:
    invalid = _Invalid(_("Expected a date as dd/mm/yyyy or yyyy-mm-dd."), "date_invalid")
    if isinstance(raw, datetime.datetime):
        return raw.date()
    if isinstance(raw, datetime.date):
        return raw
    if isinstance(raw, int | float) and not isinstance(raw, bool):
        if _SERIAL_RANGE[0] <= raw <= _SERIAL_RANGE[1]:
            return from_excel(raw).date()
        raise invalid
    if not isinstance(raw, str):
        raise invalid
    match = _DMY.match(raw)
    if match:
        day, month, year = (int(part) for part in match.groups())
    else:
        match = _YMD.match(raw)
        if not match:
            raise invalid
        year, month, day = (int(part) for part in match.groups())
    try:
        return datetime.date(year, month, day)
    except ValueError:
        raise _Invalid(_("This date does not exist."), "date_impossible") from None


_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)$")


def _decimal(raw) -> Decimal:
    invalid = _Invalid(_("Expected a number, such as 3,5 or 3.5."), "number_invalid")
    if isinstance(raw, bool):
        raise invalid
    if isinstance(raw, int):
        value = Decimal(raw)
    elif isinstance(raw, float):
        if not math.isfinite(raw):
            raise invalid
        value = Decimal(repr(raw))
    elif isinstance(raw, Decimal):
        value = raw
    elif isinstance(raw, str):
        text = re.sub(r"[\s\u202f]", "", raw).replace(",", ".")
        if not _NUMBER.match(text):
            raise invalid
        try:
            value = Decimal(text)
        except InvalidOperation:
            raise invalid from None
    else:
        raise invalid
    return value


def _hours(raw) -> Decimal:
    """Hours: a number not below zero, kept to the hundredth."""
    value = _decimal(raw)
    if value < 0:
        raise _Invalid(_("This number cannot be negative."), "number_negative")
    if value >= 10000:
        raise _Invalid(_("This number is too large."), "number_too_large")
    return value.quantize(_CENT, rounding=ROUND_HALF_UP)


def _whole(raw) -> int:
    value = _decimal(raw)
    if value != value.to_integral_value():
        raise _Invalid(_("Expected a whole number."), "integer_invalid")
    if value < 0:
        raise _Invalid(_("This number cannot be negative."), "number_negative")
    if value > 100000:
        raise _Invalid(_("This number is too large."), "number_too_large")
    return int(value)


def _email(raw) -> str:
    email = str(raw).strip().lower()
    try:
        validate_email(email)
    except ValidationError:
        raise _Invalid(_("This is not a valid e-mail address."), "email_invalid") from None
    if len(email) > 254:
        raise _Invalid(_("This is not a valid e-mail address."), "email_invalid")
    return email


def _choice(mapping: dict, reason: str, code: str) -> Callable[[Any], Any]:
    def parse(raw):
        value = mapping.get(_token(raw))
        if value is None:
            raise _Invalid(reason, code)
        return value

    return parse


# Validation
# ------------------------------------------------------------------------------


@dataclass(frozen=True)
class SlotSpec:
    date: datetime.date
    period: str
    starts_at: datetime.time
    ends_at: datetime.time
    hours: Decimal


@dataclass
class _SessionRow:
    row: int
    code: str
    course_title: str
    funding: str
    department: Department
    venue: str
    first_day: datetime.date
    last_day: datetime.date
    hours: Decimal
    capacity: int | None
    trainers: list[str]
    client: str
    status: str
    slots: list[SlotSpec]


@dataclass
class _PersonRow:
    row: int
    email: str
    last_name: str
    first_name: str
    structure: str
    job_title: str
    department: Department | None
    labels: dict[str, str]  # free list kind → label


@dataclass
class _RegistrationRow:
    row: int
    session: str  # the key of the session's code
    email: str
    status: str
    hours: Decimal


@dataclass
class _AnswerRow:
    row: int
    session: str
    email: str
    questionnaire: Questionnaire
    question: Question
    day: datetime.date
    value: tuple


@dataclass(frozen=True)
class _Ref:
    """A row to be found by key once the objects the import creates exist (`_Plan.ids`)."""

    kind: str
    key: Any


@dataclass
class _Plan:
    """What writing does: what to create, the changes of existing rows, and the ids of what exists."""

    ids: dict[str, dict] = field(default_factory=lambda: defaultdict(dict))
    labels: dict[str, dict[str, str]] = field(default_factory=lambda: defaultdict(dict))
    courses: dict[str, dict] = field(default_factory=dict)
    catalogue_id: int | None = None
    venues: dict[tuple, dict] = field(default_factory=dict)
    venue_aliases: dict[tuple, tuple] = field(default_factory=dict)
    trainers: dict[str, dict] = field(default_factory=dict)
    organisations: dict[str, dict] = field(default_factory=dict)
    sessions: dict[str, dict] = field(default_factory=dict)
    session_trainers: dict[str, list[_Ref]] = field(default_factory=dict)
    session_slots: dict[str, list[SlotSpec]] = field(default_factory=dict)
    people: dict[str, dict] = field(default_factory=dict)
    profiles: dict[str, dict] = field(default_factory=dict)
    registrations: dict[tuple, dict] = field(default_factory=dict)
    campaigns: dict[tuple, dict] = field(default_factory=dict)
    responses: dict[tuple, dict] = field(default_factory=dict)
    answers: list[dict] = field(default_factory=list)
    # Existing rows and the values they take: model → [(instance, {field: value})]
    changes: dict[type, list[tuple[Any, dict]]] = field(default_factory=lambda: defaultdict(list))

    def pk(self, value):
        return self.ids[value.kind].get(value.key) if isinstance(value, _Ref) else value


class _RowCheck:
    """The cells of one row, parsed one by one; each invalid cell becomes an error of the report."""

    def __init__(self, validation: _Validation, sheet: str, number: int, cells: dict):
        self.validation = validation
        self.sheet = sheet
        self.number = number
        self.cells = cells
        self.ok = True

    def error(self, column: str, reason: str, code: str, value=None) -> None:
        raw = self.cells.get(column) if value is None else value
        self.validation.error(self.sheet, self.number, column, raw, reason, code)
        self.ok = False

    def get(self, column: str, parse: Callable[[Any], Any], *, required: bool = False):
        raw = self.cells.get(column)
        if raw is None:
            if required:
                self.error(column, _("This value is required."), "value_required")
            return None
        try:
            return parse(raw)
        except _Invalid as invalid:
            self.error(column, invalid.reason, invalid.code)
            return None


class _Validation:
    """Checks the rows of a workbook and plans the import; every query is made once for all rows."""

    def __init__(self, workbook: HistoryWorkbook):
        self.workbook = workbook
        self.now = timezone.now()
        self.report = HistoryReport(warnings=list(workbook.warnings))
        self.plan = _Plan()
        self.departments_by_code = {}
        self.departments_by_name = {}
        for department in Department.objects.all():
            self.departments_by_code[department.code] = department
            self.departments_by_name[_fold(department.name)] = department
        self.questionnaires = {
            _token(questionnaire.slug): questionnaire
            for questionnaire in Questionnaire.objects.prefetch_related("questions")
        }
        self.questions = {
            (questionnaire.pk, _token(question.key)): question
            for questionnaire in self.questionnaires.values()
            for question in questionnaire.questions.all()
        }
        # Rows that are valid, and the keys that the other sheets may refer to even if their row is not.
        self.sessions: dict[str, _SessionRow] = {}
        self.session_codes: dict[str, int] = {}
        self.people: dict[str, _PersonRow] = {}
        self.emails: dict[str, int] = {}
        self.registrations: dict[tuple[str, str], _RegistrationRow] = {}
        self.registered: dict[tuple[str, str], int] = {}
        self.answers: list[_AnswerRow] = []
        self.inscrits: dict[str, int] = {}  # session key → registrations `inscrit`, the default capacity

    # Collecting ----------------------------------------------------------------

    def error(self, sheet: str, row: int | None, column: str, raw, reason: str, code: str) -> None:
        self.report.errors.append(RowError(sheet, row, column, _display(raw), reason, code))

    def warn(self, sheet: str, row: int | None, column: str, raw, reason: str, code: str) -> None:
        self.report.warnings.append(RowError(sheet, row, column, _display(raw), reason, code))

    def rows(self, name: str) -> list[tuple[int, dict]]:
        return self.workbook.sheets[name].rows

    # Sheets ----------------------------------------------------------------------

    def department(self, raw) -> Department:
        if isinstance(raw, int | float) and not isinstance(raw, bool) and float(raw).is_integer():
            raw = str(int(raw))
        text = str(raw).strip()
        number = re.fullmatch(r"(\d{1,3})(?:[.,]0+)?", text)  # 9 or 9.0: Excel dropped the leading zero
        if number:
            department = self.departments_by_code.get(number.group(1).zfill(2))
        else:
            department = self.departments_by_code.get(text.upper()) or self.departments_by_name.get(_fold(text))
        if department is None:
            raise _Invalid(
                _("Unknown département: give its code (09, 31…) or its name (Ariège…)."), "department_unknown"
            )
        return department

    def sessions_check(self) -> None:
        inscrits = defaultdict(int)
        for _number, cells in self.rows(REGISTRATIONS):
            if cells.get("session") is not None and _token(cells.get("statut") or "") in ("inscrit", "inscrite"):
                inscrits[_fold(str(cells["session"]))] += 1
        self.inscrits = inscrits
        for number, cells in self.rows(SESSIONS):
            row = _RowCheck(self, SESSIONS, number, cells)
            code = row.get("code", _text(40), required=True)
            key = _fold(code) if code else ""
            if key and key in self.session_codes:
                row.error(
                    "code",
                    _("This session code is already used on row %(row)s.") % {"row": self.session_codes[key]},
                    "code_duplicate",
                )
                key = ""
            elif key:
                self.session_codes[key] = number
            title = row.get("formation", _text(255), required=True)
            funding = row.get(
                "financement",
                _choice(_FUNDINGS, _("Unknown funding: expected Drapps, Intra, Inter or Autre."), "funding_unknown"),
                required=True,
            )
            department = row.get("departement", self.department, required=True)
            venue = row.get("lieu", _text(150)) or ""
            first_day = row.get("date_debut", _date, required=True)
            last_day = row.get("date_fin", _date, required=True)
            hours = row.get("duree_heures", _hours, required=True)
            if hours is not None and hours <= 0:
                row.error("duree_heures", _("The duration must be more than 0 hours."), "duration_invalid")
                hours = None
            elif hours is not None and hours > MAX_SESSION_HOURS:
                row.error(
                    "duree_heures",
                    _("This duration is too long (%(max)s hours at most).") % {"max": MAX_SESSION_HOURS},
                    "number_too_large",
                )
                hours = None
            capacity = row.get("capacite", _whole)
            trainers = row.get("formateurs", _text(1000)) or ""
            names = [name.strip() for name in trainers.split(";") if name.strip()]
            for name in names:
                if len(name) > 300:
                    row.error(
                        "formateurs",
                        _("This text is too long (%(max)s characters at most).") % {"max": 300},
                        "text_too_long",
                    )
            client = row.get("structure_cliente", _text(200)) or ""
            status = row.get(
                "statut",
                _choice(_SESSION_STATUSES, _("Unknown status: expected realisee or annulee."), "status_unknown"),
                required=True,
            )
            if funding == Funding.INTRA and not client:
                row.error(
                    "structure_cliente", _("An Intra session needs its client structure."), "client_missing", value=""
                )
            slots = []
            if first_day and last_day and last_day < first_day:
                row.error("date_fin", _("The last day is before the first day."), "date_order")
            elif first_day and last_day and hours:
                slots, compressed = slots_plan(first_day=first_day, last_day=last_day, hours=hours)
                if not slots:
                    row.error(
                        "duree_heures",
                        _("This duration does not fit between the first and last day (12 hours a day at most)."),
                        "duration_too_long",
                    )
                elif compressed:
                    self.warn(
                        SESSIONS,
                        number,
                        "duree_heures",
                        cells.get("duree_heures"),
                        _("More than 7 hours a day between these dates: the half-days were made longer."),
                        "duration_compressed",
                    )
            if row.ok and key:
                self.sessions[key] = _SessionRow(
                    row=number,
                    code=code,
                    course_title=title,
                    funding=funding,
                    department=department,
                    venue=venue,
                    first_day=first_day,
                    last_day=last_day,
                    hours=hours,
                    capacity=capacity,
                    trainers=names,
                    client=client,
                    status=status,
                    slots=slots,
                )

    def people_check(self) -> None:
        for number, cells in self.rows(PARTICIPANTS):
            row = _RowCheck(self, PARTICIPANTS, number, cells)
            email = row.get("email", _email, required=True)
            if email and email in self.emails:
                row.error(
                    "email",
                    _("This e-mail address is already used on row %(row)s.") % {"row": self.emails[email]},
                    "email_duplicate",
                )
                email = None
            elif email:
                self.emails[email] = number
            person = _PersonRow(
                row=number,
                email=email or "",
                last_name=row.get("nom", _text(150)) or "",
                first_name=row.get("prenom", _text(150)) or "",
                structure=row.get("structure", _text(200)) or "",
                job_title=row.get("fonction", _text(150)) or "",
                department=row.get("departement", self.department),
                labels={kind: row.get(column, _text(120)) or "" for kind, (_model, column) in _FREE_LISTS.items()},
            )
            if row.ok and email:
                self.people[email] = person

    def registrations_check(self) -> None:
        statuses = _choice(
            _REGISTRATION_STATUSES,
            _("Unknown status: expected inscrit, annule, liste_attente or refuse."),
            "status_unknown",
        )
        for number, cells in self.rows(REGISTRATIONS):
            row = _RowCheck(self, REGISTRATIONS, number, cells)
            session = self.session_ref(row)
            email = self.person_ref(row)
            status = row.get("statut", statuses, required=True)
            hours = row.get("heures_realisees", _hours)
            if session and email:
                key = (session, email)
                if key in self.registered:
                    row.error(
                        "email",
                        _("This person is already registered to this session on row %(row)s.")
                        % {"row": self.registered[key]},
                        "registration_duplicate",
                    )
                    continue
                self.registered[key] = number
            if not row.ok:
                continue
            hours = hours if hours is not None else Decimal("0.00")
            planned = self.sessions.get(session)
            if planned is not None and hours > planned.hours:
                self.warn(
                    REGISTRATIONS,
                    number,
                    "heures_realisees",
                    cells.get("heures_realisees"),
                    _("More hours than the planned duration of the session (%(hours)s h).")
                    % {"hours": _hours_display(planned.hours)},
                    "hours_above_duration",
                )
            self.registrations[(session, email)] = _RegistrationRow(
                row=number, session=session, email=email, status=status, hours=hours
            )

    def session_ref(self, row: _RowCheck) -> str | None:
        code = row.get("session", _text(40), required=True)
        if code is None:
            return None
        key = _fold(code)
        if key not in self.session_codes:
            row.error("session", _("No session of sheet Sessions has this code."), "session_unknown")
            return None
        return key

    def person_ref(self, row: _RowCheck) -> str | None:
        email = row.get("email", _email, required=True)
        if email is not None and email not in self.emails:
            row.error("email", _("No person of sheet Participants has this e-mail address."), "person_unknown")
            return None
        return email

    def questionnaire(self, raw) -> Questionnaire:
        questionnaire = self.questionnaires.get(_token(raw))
        if questionnaire is None:
            raise _Invalid(
                _("Unknown questionnaire: expected %(codes)s.")
                % {"codes": ", ".join(sorted(q.slug for q in self.questionnaires.values() if q.kind in TRAINEE_KINDS))},
                "questionnaire_unknown",
            )
        if questionnaire.kind not in TRAINEE_KINDS:
            raise _Invalid(_("This questionnaire is not one the trainees answer."), "questionnaire_not_for_trainees")
        if questionnaire.anonymous:
            raise _Invalid(
                _("This questionnaire is anonymous: named answers cannot be imported into it."),
                "questionnaire_anonymous",
            )
        return questionnaire

    def answers_check(self) -> None:
        for number, cells in self.rows(ANSWERS):
            row = _RowCheck(self, ANSWERS, number, cells)
            session = self.session_ref(row)
            email = self.person_ref(row)
            if session and email and (session, email) not in self.registered:
                row.error(
                    "email",
                    _("This person is not registered to this session in sheet Inscriptions."),
                    "respondent_not_registered",
                )
            questionnaire = row.get("questionnaire", self.questionnaire, required=True)
            day = row.get("date_reponse", _date, required=True)
            question = None
            if questionnaire is not None:
                question = row.get("question", functools.partial(self.question, questionnaire), required=True)
            value = None
            if question is not None:
                raw = cells.get("reponse")
                if question.type == QuestionType.MULTIPLE and isinstance(raw, str):
                    raw = [choice.strip() for choice in raw.split(";") if choice.strip()]  # several options a cell
                try:
                    value = answer_value_clean(question, raw)
                except SurveyError as refused:
                    row.error("reponse", refused.message, refused.code)
            if not row.ok:
                continue
            if value is None:
                self.warn(ANSWERS, number, "reponse", None, _("No answer: row ignored."), "answer_empty")
                continue
            self.answers.append(
                _AnswerRow(
                    row=number,
                    session=session,
                    email=email,
                    questionnaire=questionnaire,
                    question=question,
                    day=day,
                    value=value,
                )
            )

    def question(self, questionnaire: Questionnaire, raw) -> Question:
        question = self.questions.get((questionnaire.pk, _token(raw)))
        if question is None:
            keys = ", ".join(q.key for q in questionnaire.questions.all())
            raise _Invalid(
                _("This questionnaire has no question with this key (expected one of: %(keys)s).") % {"keys": keys},
                "question_unknown",
            )
        return question


def history_validate(workbook: HistoryWorkbook) -> HistoryReport:
    """Check every row of a read workbook and work out what importing it creates or updates.

    Writes nothing. The report lists every invalid row; its `counts` (and the plan that
    `history_import` writes) are set only when there is no error.
    """
    if workbook.errors:
        return HistoryReport(errors=list(workbook.errors), warnings=list(workbook.warnings))
    validation = _Validation(workbook)
    report = validation.report
    for name, sheet in workbook.sheets.items():
        report.rows[name] = len(sheet.rows)
        report.preview[name] = [
            {column: _display(cells.get(column)) for column in sheet.columns}
            for _number, cells in sheet.rows[:PREVIEW_ROWS]
        ]
    validation.sessions_check()
    validation.people_check()
    validation.registrations_check()
    validation.answers_check()
    _plan(validation)
    if report.errors:
        report.counts = {}
        report.plan = None
    return report


# Slots
# ------------------------------------------------------------------------------


def _add_minutes(time: datetime.time, minutes: int) -> datetime.time:
    moment = datetime.datetime.combine(datetime.date(2000, 1, 1), time) + datetime.timedelta(minutes=minutes)
    return moment.time()


def _days_chosen(first_day: datetime.date, last_day: datetime.date, count: int) -> list[datetime.date]:
    """`count` days from the first to the last: both of them, and the weekdays in between first."""
    if count == 1:
        return [first_day]
    between = [first_day + datetime.timedelta(days=n) for n in range(1, (last_day - first_day).days)]
    weekdays = [day for day in between if day.weekday() < 5]
    weekends = [day for day in between if day.weekday() >= 5]
    return sorted([first_day, last_day, *(weekdays + weekends)[: count - 2]])


def slots_plan(*, first_day: datetime.date, last_day: datetime.date, hours: Decimal) -> tuple[list[SlotSpec], bool]:
    """The half-days of a past session whose only record is its dates and planned duration.

    One day per 7 hours (rounded up) from the first day to the last, weekdays preferred between
    them; half-days of 3.5 h (9:00–12:30, 13:30–17:00), the last one taking what remains, so that
    the hours add up exactly to `hours`. When the dates leave fewer days than that, the hours are
    shared evenly and the half-days made longer (`True` is returned with them); when that means
    more than 6 h a half-day, there is no plan (an empty list).
    """
    cents = int((hours * 100).to_integral_value())
    half_day = int(HALF_DAY_HOURS * 100)
    needed = max(1, math.ceil(cents / half_day))
    calendar_days = (last_day - first_day).days + 1
    days_wanted = max(math.ceil(needed / 2), 1 if calendar_days == 1 else 2)
    days = _days_chosen(first_day, last_day, min(days_wanted, calendar_days))
    count = min(max(needed, len(days)), 2 * len(days))
    if count == needed and cents <= half_day * count:
        shares = [half_day] * (count - 1) + [cents - half_day * (count - 1)]
        compressed = False
    else:
        base, rest = divmod(cents, count)
        shares = [base + 1 if n < rest else base for n in range(count)]
        compressed = max(shares) > half_day
    if max(shares) > int(MAX_SLOT_HOURS * 100) or min(shares) <= 0:
        return [], compressed
    full_days = count - len(days)  # the first days have an afternoon too
    periods = []
    for index, day in enumerate(days):
        periods.append((day, Period.MORNING))
        if index < full_days:
            periods.append((day, Period.AFTERNOON))
    slots = []
    for (day, period), share in zip(periods, shares, strict=True):
        extra = max(0, round((share - half_day) * 60 / 100))
        if period == Period.MORNING:
            starts_at, ends_at = _add_minutes(_MORNING_START, -extra), _MORNING_END
        else:
            starts_at, ends_at = _AFTERNOON_START, _add_minutes(_AFTERNOON_END, extra)
        slots.append(SlotSpec(day, period, starts_at, ends_at, (Decimal(share) / 100).quantize(_CENT)))
    return slots, compressed


# Planning
# ------------------------------------------------------------------------------


def _chunks(items: Iterable, size: int = 500):
    items = list(items)
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _local_midnight(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(0)))


def _count(report: HistoryReport, kind: str) -> KindCount:
    return report.counts.setdefault(kind, KindCount())


def _wanted_changes(plan: _Plan, instance, wanted: dict) -> dict:
    """The fields of `instance` that differ from `wanted` (a `_Ref` to a row still to create always does)."""
    changes = {}
    for name, value in wanted.items():
        current = getattr(instance, name)
        if isinstance(value, _Ref):
            pk = plan.pk(value)
            if pk is None or pk != current:
                changes[name] = value
        elif current != value:
            changes[name] = value
    return changes


def _plan(validation: _Validation) -> None:
    report, plan = validation.report, validation.plan
    for kind in KINDS:
        _count(report, kind)
    _plan_labels(validation)
    _plan_sessions(validation)
    _plan_people(validation)
    _plan_registrations(validation)
    _plan_answers(validation)
    report.plan = plan


def _plan_labels(validation: _Validation) -> None:
    report, plan = validation.report, validation.plan
    for kind, (model, column) in _FREE_LISTS.items():
        existing = {}
        for pk, label in model.objects.order_by("position", "pk").values_list("pk", "label"):
            existing.setdefault(_label_key(label), pk)
        plan.ids[kind].update(existing)
        for person in validation.people.values():
            label = person.labels[kind]
            key = _label_key(label) if label else ""
            if not key or key in plan.ids[kind] or key in plan.labels[kind]:
                continue
            plan.labels[kind][key] = label
            _count(report, kind).created += 1
            validation.warn(
                PARTICIPANTS,
                person.row,
                column,
                label,
                _("New label added to the list %(list)s.") % {"list": KINDS[kind]},
                "label_created",
            )


def _plan_sessions(validation: _Validation) -> None:
    report, plan = validation.report, validation.plan
    rows = list(validation.sessions.values())
    # Courses: an existing sheet with the same title, or a draft sheet created under the catalogue.
    for pk, title in CoursePage.objects.order_by("-live", "pk").values_list("pk", "title"):
        plan.ids["courses"].setdefault(_fold(title), pk)
    catalogue = CatalogueIndexPage.objects.order_by("pk").first()
    plan.catalogue_id = catalogue.pk if catalogue else None
    for session in rows:
        key = _fold(session.course_title)
        if key in plan.ids["courses"]:
            continue
        if key in plan.courses:
            course = plan.courses[key]
            course["intra"] |= session.funding == Funding.INTRA
            course["inter"] |= session.funding != Funding.INTRA
            continue
        if catalogue is None:
            validation.error(
                SESSIONS,
                session.row,
                "formation",
                session.course_title,
                _("No course has this title, and there is no catalogue page to create it under."),
                "catalogue_missing",
            )
            continue
        plan.courses[key] = {
            "title": session.course_title,
            "hours": session.hours,
            "intra": session.funding == Funding.INTRA,
            "inter": session.funding != Funding.INTRA,
        }
        _count(report, "courses").created += 1
        validation.warn(
            SESSIONS,
            session.row,
            "formation",
            session.course_title,
            _("No course has this title: a draft course sheet is created, to complete in the back office."),
            "course_created",
        )

    # Venues by name within the département, trainers by full name, client structures by name.
    venues_by_department, venues_by_city = {}, {}
    for pk, name, city, department_id in Venue.objects.values_list("pk", "name", "city", "department_id"):
        venues_by_department.setdefault((_fold(name), department_id), pk)
        venues_by_city.setdefault((_fold(name), _fold(city)), pk)
    planned_by_city = {}
    for session in rows:
        if not session.venue:
            continue
        key = (_fold(session.venue), session.department.pk)
        by_city = (key[0], _fold(session.venue[:80]))
        pk = venues_by_department.get(key) or venues_by_city.get(by_city)
        if pk is not None:
            plan.ids["venues"][key] = pk
        elif by_city in planned_by_city:  # (name, city) is unique: one venue for two départements
            plan.venue_aliases[key] = planned_by_city[by_city]
        elif key not in plan.venues and key not in plan.venue_aliases:
            plan.venues[key] = {
                "name": session.venue,
                "city": session.venue[:80],
                "department_id": session.department.pk,
            }
            planned_by_city[by_city] = key
            _count(report, "venues").created += 1
    for pk, first_name, last_name in Trainer.objects.order_by("pk").values_list("pk", "first_name", "last_name"):
        plan.ids["trainers"].setdefault(_fold(f"{first_name} {last_name}"), pk)
    for session in rows:
        for name in session.trainers:
            key = _fold(name)
            if key not in plan.ids["trainers"] and key not in plan.trainers:
                first_name, _space, last_name = name.partition(" ")
                plan.trainers[key] = {"first_name": first_name[:150], "last_name": last_name.strip()[:150]}
                _count(report, "trainers").created += 1
    for pk, name in Organisation.objects.order_by("pk").values_list("pk", "name"):
        plan.ids["organisations"].setdefault(_fold(name), pk)
    for session in rows:
        key = _fold(session.client) if session.client else ""
        if key and key not in plan.ids["organisations"] and key not in plan.organisations:
            plan.organisations[key] = {"name": session.client, "department_id": session.department.pk}
            _count(report, "organisations").created += 1

    # Sessions by code, with their trainers and half-days.
    existing = {
        _fold(session.code): session
        for chunk in _chunks(session.code for session in rows)
        for session in Session.objects.filter(code__in=chunk)
    }
    plan.ids["sessions"].update({key: session.pk for key, session in existing.items()})
    session_ids = [session.pk for session in existing.values()]
    trainers_of, slots_of, attended = defaultdict(set), defaultdict(set), set()
    for chunk in _chunks(session_ids):
        for session_id, trainer_id in Session.trainers.through.objects.filter(session_id__in=chunk).values_list(
            "session_id", "trainer_id"
        ):
            trainers_of[session_id].add(trainer_id)
        for slot in Slot.objects.filter(session_id__in=chunk):
            slots_of[slot.session_id].add(SlotSpec(slot.date, slot.period, slot.starts_at, slot.ends_at, slot.hours))
        attended.update(
            Attendance.objects.filter(slot__session_id__in=chunk).values_list("slot__session_id", flat=True).distinct()
        )
    for session in rows:
        key = _fold(session.code)
        fields = {
            "funding": session.funding,
            "department_id": session.department.pk,
            "status": session.status,
            "course_id": _Ref("courses", _fold(session.course_title)),
        }
        if session.venue:
            fields["venue_id"] = _Ref("venues", (_fold(session.venue), session.department.pk))
        if session.client:
            fields["client_organisation_id"] = _Ref("organisations", _fold(session.client))
        if session.capacity is not None:
            fields["capacity"] = session.capacity
        trainers = [_Ref("trainers", name) for name in dict.fromkeys(_fold(name) for name in session.trainers)]
        current = existing.get(key)
        if current is None:
            fields.setdefault("capacity", max(1, validation.inscrits.get(key, 0)))
            plan.sessions[key] = {"code": session.code, "imported_at": validation.now, **fields}
            plan.session_trainers[key] = trainers
            plan.session_slots[key] = session.slots
            _count(report, "sessions").created += 1
            _count(report, "slots").created += len(session.slots)
            continue
        changed = False
        changes = _wanted_changes(plan, current, fields)
        if changes:
            plan.changes[Session].append((current, changes))
            changed = True
        if trainers and (
            any(plan.pk(ref) is None for ref in trainers)
            or {plan.pk(ref) for ref in trainers} != trainers_of[current.pk]
        ):
            plan.session_trainers[key] = trainers
            changed = True
        if set(session.slots) != slots_of[current.pk]:
            if current.pk in attended:
                validation.error(
                    SESSIONS,
                    session.row,
                    "date_debut",
                    _display(session.first_day),
                    _(
                        "This session's half-days already have attendance records: its dates and duration cannot be "
                        "changed by an import."
                    ),
                    "slots_locked",
                )
                continue
            plan.session_slots[key] = session.slots
            _count(report, "slots").created += len(session.slots)
            _count(report, "slots").deleted += len(slots_of[current.pk])
            changed = True
        _count(report, "sessions").updated += changed
        _count(report, "sessions").unchanged += not changed


_SNAPSHOT_KINDS = (
    ("structure_type_id", "structure_types"),
    ("activity_sector_id", "activity_sectors"),
    ("professional_category_id", "professional_categories"),
)


def _plan_people(validation: _Validation) -> None:
    report, plan = validation.report, validation.plan
    people = validation.people
    users = {}
    for chunk in _chunks(people):
        for user in User.objects.annotate(email_key=Lower("email")).filter(email_key__in=chunk):
            users[user.email_key] = user
    profiles = {}
    for chunk in _chunks(user.pk for user in users.values()):
        for profile in Profile.objects.filter(user_id__in=chunk):
            profiles[profile.user_id] = profile
    plan.ids["people"].update({email: user.pk for email, user in users.items()})
    for email, person in people.items():
        user = users.get(email)
        labels = {name: _Ref(kind, _label_key(person.labels[kind])) for name, kind in _SNAPSHOT_KINDS}
        profile_fields = {
            "job_title": person.job_title,
            "structure_name": person.structure,
            "department_id": person.department.pk if person.department else None,
            **labels,
        }
        complete = all(profile_fields.values()) and all(person.labels.values())
        if user is None:
            plan.people[email] = {"email": email, "first_name": person.first_name, "last_name": person.last_name}
            _count(report, "people").created += 1
        else:
            blanks = {
                name: value
                for name, value in (("first_name", person.first_name), ("last_name", person.last_name))
                if value and not getattr(user, name)
            }
            if blanks:
                plan.changes[User].append((user, blanks))
            _count(report, "people").updated += bool(blanks)
            _count(report, "people").unchanged += not blanks
        profile = profiles.get(user.pk) if user is not None else None
        if profile is not None:
            blanks = {
                name: value
                for name, value in (("job_title", person.job_title), ("structure_name", person.structure))
                if value and not getattr(profile, name)
            }
            if blanks:
                plan.changes[Profile].append((profile, blanks))
            _count(report, "profiles").updated += bool(blanks)
            _count(report, "profiles").unchanged += not blanks
        elif complete:
            plan.profiles[email] = profile_fields
            _count(report, "profiles").created += 1
        else:
            validation.warn(
                PARTICIPANTS,
                person.row,
                "email",
                email,
                _(
                    "Incomplete professional profile (structure, type, sector, category, job, département): the "
                    "person will complete it when registering next."
                ),
                "profile_incomplete",
            )


def _plan_registrations(validation: _Validation) -> None:
    report, plan = validation.report, validation.plan
    session_ids = list(plan.ids["sessions"].values())
    existing = {}
    for chunk in _chunks(session_ids):
        registrations = Registration.objects.filter(session_id__in=chunk).order_by("created_at", "pk")
        for registration in registrations:
            key = (registration.session_id, registration.user_id)
            kept = existing.get(key)
            if kept is None or registration.status in ACTIVE_STATUSES or kept.status not in ACTIVE_STATUSES:
                existing[key] = registration
    for (session, email), row in validation.registrations.items():
        if session not in validation.sessions or email not in validation.people:
            continue  # their row is invalid, and reported
        person = validation.people[email]
        snapshot = {
            "job_title": person.job_title,
            "structure_name": person.structure,
            "department_id": person.department.pk if person.department else None,
        }
        for name, kind in _SNAPSHOT_KINDS:
            label = person.labels[kind]
            snapshot[name] = _Ref(kind, _label_key(label)) if label else None
        session_pk, user_pk = plan.ids["sessions"].get(session), plan.ids["people"].get(email)
        current = existing.get((session_pk, user_pk)) if session_pk and user_pk else None
        if current is None:
            plan.registrations[(session, email)] = {
                "status": row.status,
                "hours_recorded": row.hours,
                **snapshot,
            }
            _count(report, "registrations").created += 1
            continue
        wanted = {"status": row.status, "hours_recorded": row.hours}
        for name, value in snapshot.items():
            # The coordination's records are the truth of registrations it entered; never what the person typed.
            if value and (current.source == RegistrationSource.COORDINATION or not getattr(current, name)):
                wanted[name] = value
        changes = _wanted_changes(plan, current, wanted)
        if changes:
            plan.changes[Registration].append((current, changes))
        plan.ids["registrations"][(session, email)] = current.pk
        _count(report, "registrations").updated += bool(changes)
        _count(report, "registrations").unchanged += not changes


def _plan_answers(validation: _Validation) -> None:
    """The latest answer wins: in the workbook (the latest date; on a tie, the row further down) and against the
    database (an answer recorded on a later day is kept)."""
    report, plan = validation.report, validation.plan
    latest: dict[tuple, _AnswerRow] = {}
    for answer in validation.answers:
        key = (answer.session, answer.email, answer.questionnaire.pk, answer.question.pk)
        kept = latest.get(key)
        if kept is None or (answer.day, answer.row) > (kept.day, kept.row):
            if kept is not None:
                _answer_superseded(validation, kept, answer)
            latest[key] = answer
        else:
            _answer_superseded(validation, answer, kept)
    answers = [
        answer
        for answer in latest.values()
        if answer.session in validation.sessions
        and answer.email in validation.people
        and (answer.session, answer.email) in validation.registrations
    ]

    # Campaigns: one per session and kind, of one questionnaire.
    groups: dict[tuple, list[_AnswerRow]] = defaultdict(list)
    for answer in answers:
        groups[(answer.session, answer.questionnaire.kind)].append(answer)
    session_ids = {plan.ids["sessions"][key]: key for key, _kind in groups if key in plan.ids["sessions"]}
    campaigns = {}
    for chunk in _chunks(session_ids):
        for campaign in Campaign.objects.filter(session_id__in=chunk).select_related("questionnaire"):
            campaigns[(session_ids[campaign.session_id], campaign.kind)] = campaign
    responses, existing_answers = {}, {}
    campaign_ids = {campaign.pk: key for key, campaign in campaigns.items()}
    for chunk in _chunks(campaign_ids):
        for response in Response.objects.filter(campaign_id__in=chunk, registration__isnull=False):
            responses[(response.campaign_id, response.registration_id)] = response
    for chunk in _chunks(response.pk for response in responses.values()):
        for answer in Answer.objects.filter(response_id__in=chunk):
            existing_answers[(answer.response_id, answer.question_id)] = answer

    valid_groups = {}
    for key, group in groups.items():
        questionnaire = min(group, key=lambda answer: answer.row).questionnaire
        conflicting = [answer for answer in group if answer.questionnaire.pk != questionnaire.pk]
        for answer in conflicting:
            validation.error(
                ANSWERS,
                answer.row,
                "questionnaire",
                answer.questionnaire.slug,
                _("Another questionnaire of the same kind (%(code)s) is answered for this session.")
                % {"code": questionnaire.slug},
                "questionnaire_kind_conflict",
            )
        campaign = campaigns.get(key)
        if campaign is not None and campaign.questionnaire_id != questionnaire.pk:
            for answer in group:
                validation.error(
                    ANSWERS,
                    answer.row,
                    "questionnaire",
                    answer.questionnaire.slug,
                    _("This session's survey of this kind was made with another questionnaire (%(code)s).")
                    % {"code": campaign.questionnaire.slug},
                    "campaign_other_questionnaire",
                )
            continue
        if conflicting:
            continue
        valid_groups[key] = group
        opened_at = _local_midnight(min(answer.day for answer in group))
        closes_at = _local_midnight(max(answer.day for answer in group) + datetime.timedelta(days=1))
        if campaign is None:
            plan.campaigns[key] = {
                "questionnaire_id": questionnaire.pk,
                "kind": questionnaire.kind,
                "session_id": _Ref("sessions", key[0]),
                "opened_at": opened_at,
                "closes_at": closes_at,
            }
            _count(report, "campaigns").created += 1
            continue
        plan.ids["campaigns"][key] = campaign.pk
        wanted = {}
        if campaign.origin == CampaignOrigin.IMPORT:
            wanted = {"opened_at": min(opened_at, campaign.opened_at), "closes_at": max(closes_at, campaign.closes_at)}
        changes = _wanted_changes(plan, campaign, wanted)
        if changes:
            plan.changes[Campaign].append((campaign, changes))
        _count(report, "campaigns").updated += bool(changes)
        _count(report, "campaigns").unchanged += not changes

    # Responses: one per campaign and registration; answers: one per question, the latest.
    by_response: dict[tuple, list[_AnswerRow]] = defaultdict(list)
    for (session, kind), group in valid_groups.items():
        for answer in group:
            by_response[(session, kind, answer.email)].append(answer)
    for key, group in by_response.items():
        session, kind, email = key
        submitted_at = _local_midnight(max(answer.day for answer in group))
        campaign_pk = plan.ids["campaigns"].get((session, kind))
        registration_pk = plan.ids["registrations"].get((session, email))
        response = responses.get((campaign_pk, registration_pk)) if campaign_pk and registration_pk else None
        if response is None:
            plan.responses[key] = {
                "campaign_id": _Ref("campaigns", (session, kind)),
                "registration_id": _Ref("registrations", (session, email)),
                "submitted_at": submitted_at,
            }
            _count(report, "responses").created += 1
            for answer in group:
                plan.answers.append(
                    {"response_id": _Ref("responses", key), "question_id": answer.question.pk, "value": answer.value}
                )
                _count(report, "answers").created += 1
            continue
        plan.ids["responses"][key] = response.pk
        answered_on = timezone.localdate(response.submitted_at)
        changes = _wanted_changes(plan, response, {"submitted_at": max(submitted_at, response.submitted_at)})
        if changes:
            plan.changes[Response].append((response, changes))
        _count(report, "responses").updated += bool(changes)
        _count(report, "responses").unchanged += not changes
        for answer in group:
            stored = existing_answers.get((response.pk, answer.question.pk))
            if stored is None:
                plan.answers.append(
                    {"response_id": response.pk, "question_id": answer.question.pk, "value": answer.value}
                )
                _count(report, "answers").created += 1
                continue
            number, text, choices = answer.value
            if (stored.number, stored.text, stored.choices) == (number, text, choices):
                _count(report, "answers").unchanged += 1
            elif answer.day < answered_on:
                _count(report, "answers").unchanged += 1
                validation.warn(
                    ANSWERS,
                    answer.row,
                    "reponse",
                    answer.value[0] if answer.value[0] is not None else answer.value[1],
                    _("A later answer is already recorded (%(date)s): it is kept.")
                    % {"date": f"{answered_on:%d/%m/%Y}"},
                    "answer_kept",
                )
            else:
                plan.changes[Answer].append((stored, {"number": number, "text": text, "choices": choices}))
                _count(report, "answers").updated += 1


def _answer_superseded(validation: _Validation, older: _AnswerRow, newer: _AnswerRow) -> None:
    validation.warn(
        ANSWERS,
        older.row,
        "date_reponse",
        older.day,
        _("A later answer by the same person to the same question (row %(row)s) replaces this one.")
        % {"row": newer.row},
        "answer_superseded",
    )


# Writing
# ------------------------------------------------------------------------------


def _resolved(plan: _Plan, values: dict) -> dict:
    return {name: plan.pk(value) for name, value in values.items()}


def _course_slug(title: str, taken: set[str]) -> str:
    base = slugify(_fold(title).replace("œ", "oe").replace("æ", "ae"))[:80].strip("-") or "formation"
    slug, suffix = base, 1
    while slug in taken:
        suffix += 1
        slug = f"{base}-{suffix}"
    taken.add(slug)
    return slug


def _courses_create(plan: _Plan) -> None:
    if not plan.courses:
        return
    catalogue = CatalogueIndexPage.objects.get(pk=plan.catalogue_id)
    taken = set(catalogue.get_children().values_list("slug", flat=True))
    for key, course in plan.courses.items():
        hours = course["hours"].quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
        page = CoursePage(
            title=course["title"],
            slug=_course_slug(course["title"], taken),
            live=False,
            summary=_("Course sheet created by the import of the training history: to complete before publishing."),
            duration_hours=max(hours, Decimal("0.5")),
            duration_days=max(Decimal(math.ceil(hours / 7 * 2)) / 2, Decimal("0.5")),
            offered_intra=course["intra"],
            offered_inter=course["inter"],
        )
        catalogue.add_child(instance=page)
        page.save_revision()
        plan.ids["courses"][key] = page.pk


def _created(plan: _Plan, kind: str, model, specs: dict, build: Callable[[Any, dict], Any] | None = None) -> None:
    keys = list(specs)
    objects = [build(key, spec) if build else model(**_resolved(plan, spec)) for key, spec in specs.items()]
    model.objects.bulk_create(objects, batch_size=500)
    plan.ids[kind].update({key: obj.pk for key, obj in zip(keys, objects, strict=True)})


def _changes_apply(plan: _Plan, model, now: datetime.datetime) -> None:
    instances, fields = [], set()
    for instance, changes in plan.changes.get(model, []):
        for name, value in changes.items():
            setattr(instance, name, plan.pk(value))
        fields.update(changes)
        instances.append(instance)
    if not instances:
        return
    if any(f.name == "updated_at" for f in model._meta.concrete_fields):
        for instance in instances:
            instance.updated_at = now
        fields.add("updated_at")
    model.objects.bulk_update(instances, sorted(fields), batch_size=500)


def _user_build(_email: str, spec: dict):
    user = User(**spec)
    user.set_unusable_password()  # they choose one through "mot de passe oublié" when they need their space
    return user


def _write(plan: _Plan, *, by=None) -> None:
    now = timezone.now()
    for kind, (model, _column) in _FREE_LISTS.items():
        if plan.labels[kind]:
            position = model.objects.aggregate(last=Max("position"))["last"] or 0
            specs = {
                key: {"label": label, "position": position + n}
                for n, (key, label) in enumerate(plan.labels[kind].items(), 1)
            }
            _created(plan, kind, model, specs)
    _courses_create(plan)
    _created(plan, "venues", Venue, plan.venues)
    for alias, key in plan.venue_aliases.items():
        plan.ids["venues"][alias] = plan.ids["venues"][key]
    _created(plan, "trainers", Trainer, plan.trainers)
    _created(plan, "organisations", Organisation, plan.organisations)

    _created(plan, "sessions", Session, plan.sessions)
    _changes_apply(plan, Session, now)
    through = Session.trainers.through
    session_pks = [plan.ids["sessions"][key] for key in plan.session_trainers]
    through.objects.filter(session_id__in=session_pks).delete()
    through.objects.bulk_create(
        [
            through(session_id=plan.ids["sessions"][key], trainer_id=plan.pk(ref))
            for key, refs in plan.session_trainers.items()
            for ref in refs
        ],
        batch_size=500,
    )
    Slot.objects.filter(session_id__in=[plan.ids["sessions"][key] for key in plan.session_slots]).delete()
    Slot.objects.bulk_create(
        [
            Slot(
                session_id=plan.ids["sessions"][key],
                date=slot.date,
                period=slot.period,
                starts_at=slot.starts_at,
                ends_at=slot.ends_at,
                hours=slot.hours,
            )
            for key, slots in plan.session_slots.items()
            for slot in slots
        ],
        batch_size=500,
    )

    _created(plan, "people", User, plan.people, build=_user_build)
    _changes_apply(plan, User, now)
    _created(
        plan,
        "profiles",
        Profile,
        plan.profiles,
        build=lambda email, spec: Profile(user_id=plan.ids["people"][email], **_resolved(plan, spec)),
    )
    _changes_apply(plan, Profile, now)

    _created(
        plan,
        "registrations",
        Registration,
        plan.registrations,
        build=lambda key, spec: Registration(
            session_id=plan.ids["sessions"][key[0]],
            user_id=plan.ids["people"][key[1]],
            source=RegistrationSource.COORDINATION,
            **_resolved(plan, spec),
        ),
    )
    _changes_apply(plan, Registration, now)

    _created(
        plan,
        "campaigns",
        Campaign,
        plan.campaigns,
        build=lambda key, spec: Campaign(
            status=CampaignStatus.CLOSED, origin=CampaignOrigin.IMPORT, created_by=by, **_resolved(plan, spec)
        ),
    )
    _changes_apply(plan, Campaign, now)
    _created(
        plan,
        "responses",
        Response,
        plan.responses,
        build=lambda key, spec: Response(source=ResponseSource.IMPORT, invitation=None, **_resolved(plan, spec)),
    )
    _changes_apply(plan, Response, now)
    Answer.objects.bulk_create(
        [
            Answer(
                response_id=plan.pk(answer["response_id"]),
                question_id=answer["question_id"],
                number=answer["value"][0],
                text=answer["value"][1],
                choices=answer["value"][2],
            )
            for answer in plan.answers
        ],
        batch_size=500,
    )
    _changes_apply(plan, Answer, now)


def _statistics_refresh() -> None:
    """After a large import, PostgreSQL's planner statistics of the tables written are refreshed at once
    (autovacuum would do it later; meanwhile the indicators' queries may pick bad plans)."""
    if connection.vendor != "postgresql":
        return
    models = (Session, Slot, Registration, Campaign, Response, Answer, User)
    with connection.cursor() as cursor:
        for model in models:
            cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")


def history_import(file, *, dry_run: bool = False, by=None) -> HistoryReport:
    """Read, check and (unless `dry_run`, and only when no row is invalid) write the workbook, all or nothing.

    `by` is the coordinator who imports (recorded on the campaigns created). Codes: those of
    `history_read` and `history_validate`, and `conflict` when the data changed while writing.
    """
    workbook = history_read(file)
    if dry_run or workbook.errors:
        report = history_validate(workbook)
        report.dry_run = dry_run
        return report
    try:
        with transaction.atomic():
            report = history_validate(workbook)
            if report.errors:
                return report
            _write(report.plan, by=by)
            transaction.on_commit(public_cache_bump)
            transaction.on_commit(_statistics_refresh)
    except IntegrityError:
        report.counts = {}
        report.plan = None
        report.errors.append(
            _file_error(
                _("The data changed while importing: nothing was written. Import the workbook again."), "conflict"
            )
        )
        return report
    report.written = True
    return report
