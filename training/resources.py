"""Tabular imports and exports of the training domain, all defined with django-import-export.

- `ParticipantResource` reads the people a structure sends to its intra session, one per row with
  the columns prénom, nom, email, fonction: an uploaded spreadsheet (xlsx, csv) or lines typed as
  "Prénom;Nom;email;fonction". It runs as a dry run and never writes: the coordinator sees each
  row with its errors, then confirms, and `registration_group_add` registers everyone or nobody.
- `SessionRegistrationResource` writes a session's registrations to a spreadsheet.
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal

import tablib
from import_export import resources
from import_export.fields import Field
from import_export.formats.base_formats import CSV, XLSX
from import_export.instance_loaders import BaseInstanceLoader
from import_export.results import RowResult
from import_export.widgets import CharWidget, DateTimeWidget, DateWidget, DecimalWidget, IntegerWidget

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db.models import Case, Count, IntegerField, Value, When
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from config.uploads import zip_is_reasonable

from .choices import RegistrationStatus
from .models import Attendance, Organisation, Registration, Session, Trainer, Venue
from .services.registrations import Participant

# Participants
# ------------------------------------------------------------------------------

# The columns of a participant list, as the coordinator's spreadsheets name them.
PARTICIPANT_COLUMNS = ("prénom", "nom", "email", "fonction")
_REQUIRED_COLUMNS = ("prénom", "nom", "email")
# Other headings found in the structures' files, compared without accents or case.
_COLUMN_ALIASES = {
    "prenom": "prénom",
    "first name": "prénom",
    "nom de famille": "nom",
    "last name": "nom",
    "e-mail": "email",
    "mail": "email",
    "courriel": "email",
    "adresse e-mail": "email",
    "adresse mail": "email",
    "poste": "fonction",
    "metier": "fonction",
    "job title": "fonction",
}
_MAX_LENGTH = {"first_name": 150, "last_name": 150, "email": 254, "job_title": 150}
MAX_PARTICIPANT_FILE_SIZE = 2 * 1024 * 1024


class ParticipantFileError(ValueError):
    """The participant list cannot be read at all (not a row-level problem); French message."""


def _plain(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(char for char in decomposed if not unicodedata.combining(char)).strip().lower()


def _column_name(header) -> str:
    plain = _plain(str(header or ""))
    for column in PARTICIPANT_COLUMNS:
        if plain == _plain(column):
            return column
    return _COLUMN_ALIASES.get(plain, plain)


def _cell(value) -> str:
    return "" if value is None else str(value).strip()


class _ParticipantRow:
    """What one row gives, filled in by the resource's fields."""

    def __init__(self):
        self.first_name = self.last_name = self.email = self.job_title = ""


@dataclass(frozen=True)
class ParticipantLine:
    """One row of the list as the preview shows it: its values and what is wrong with it."""

    number: int
    first_name: str
    last_name: str
    email: str
    job_title: str
    errors: tuple[str, ...] = ()

    @property
    def values(self) -> list[str]:
        return [self.first_name, self.last_name, self.email, self.job_title]

    def participant(self) -> Participant:
        return Participant(
            first_name=self.first_name, last_name=self.last_name, email=self.email, job_title=self.job_title
        )


@dataclass(frozen=True)
class ParticipantList:
    lines: list[ParticipantLine]
    errors: list[str]

    @property
    def is_valid(self) -> bool:
        return bool(self.lines) and not self.errors and not any(line.errors for line in self.lines)

    @property
    def participants(self) -> list[Participant]:
        return [line.participant() for line in self.lines]

    def rows_json(self) -> str:
        """The rows, to be posted back unchanged with the confirmation (and checked again)."""
        return json.dumps([line.values for line in self.lines], ensure_ascii=False)


class ParticipantResource(resources.Resource):
    first_name = Field(attribute="first_name", column_name="prénom", widget=CharWidget())
    last_name = Field(attribute="last_name", column_name="nom", widget=CharWidget())
    email = Field(attribute="email", column_name="email", widget=CharWidget())
    job_title = Field(attribute="job_title", column_name="fonction", widget=CharWidget())

    class Meta:
        instance_loader_class = BaseInstanceLoader  # rows are never matched to stored objects
        import_id_fields = []
        force_init_instance = True
        skip_diff = True
        report_skipped = True  # blank rows keep their place: the line numbers stay those of the file
        store_instance = True
        store_row_values = True

    def init_instance(self, row=None):
        return _ParticipantRow()

    def save_instance(self, instance, is_create, row, **kwargs):
        """Rows are only checked here; once confirmed, `registration_group_add` registers them."""

    def before_import(self, dataset, **kwargs):
        dataset.headers = [_column_name(header) for header in dataset.headers or []]
        missing = [column for column in _REQUIRED_COLUMNS if column not in dataset.headers]
        if missing:
            raise ParticipantFileError(
                _("Columns missing: %(missing)s. The expected columns are: %(columns)s.")
                % {"missing": ", ".join(missing), "columns": ", ".join(PARTICIPANT_COLUMNS)}
            )

    def skip_row(self, instance, original, row, import_validation_errors=None):
        return not any(_cell(value) for value in row.values())

    def import_instance(self, instance, row, **kwargs):
        super().import_instance(instance, row, **kwargs)
        for attribute in _MAX_LENGTH:
            setattr(instance, attribute, getattr(instance, attribute).strip())
        if self.skip_row(instance, None, row):
            return
        errors = {}
        if not instance.first_name:
            errors["first_name"] = _("The first name is missing.")
        if not instance.last_name:
            errors["last_name"] = _("The last name is missing.")
        if not instance.email:
            errors["email"] = _("The e-mail address is missing.")
        else:
            try:
                validate_email(instance.email)
            except ValidationError:
                errors["email"] = _("“%(email)s” is not a valid e-mail address.") % {"email": instance.email}
        for attribute, limit in _MAX_LENGTH.items():
            if attribute not in errors and len(getattr(instance, attribute)) > limit:
                errors[attribute] = _("“%(value)s” is longer than %(limit)s characters.") % {
                    "value": getattr(instance, attribute)[:40],
                    "limit": limit,
                }
        if errors:
            raise ValidationError(errors)

    def participant_list(self, dataset: tablib.Dataset, *, first_line: int) -> ParticipantList:
        """Check every row (a dry run: nothing is written). `first_line` numbers the first row."""
        result = self.import_data(dataset, dry_run=True, raise_errors=False)
        if result.base_errors:
            return ParticipantList(lines=[], errors=[_file_error_message(error.error) for error in result.base_errors])
        lines = []
        for number, row_result in enumerate(result.rows, start=first_line):
            if row_result.import_type == RowResult.IMPORT_TYPE_SKIP:
                continue
            values = {column: _cell(row_result.row_values.get(column)) for column in PARTICIPANT_COLUMNS}
            errors: tuple[str, ...] = ()
            if row_result.validation_error is not None:
                errors = tuple(
                    message for messages in row_result.validation_error.message_dict.values() for message in messages
                )
            elif row_result.errors:
                errors = (_("This row could not be read."),)
            lines.append(
                ParticipantLine(
                    number=number,
                    first_name=values["prénom"],
                    last_name=values["nom"],
                    email=values["email"],
                    job_title=values["fonction"],
                    errors=errors,
                )
            )
        if not lines:
            return ParticipantList(lines=[], errors=[_("The list contains no participant.")])
        return ParticipantList(lines=lines, errors=[])


def _file_error_message(error: Exception) -> str:
    if isinstance(error, ParticipantFileError):
        return str(error)
    return _("The file could not be read.")


def participant_list_from_text(text: str) -> ParticipantList:
    """Lines typed as "Prénom;Nom;email;fonction" (or pasted from a spreadsheet, tab-separated)."""
    dataset = tablib.Dataset(headers=list(PARTICIPANT_COLUMNS))
    for line in text.splitlines():
        separator = ";" if ";" in line or "\t" not in line else "\t"
        parts = [part.strip() for part in line.split(separator)]
        parts += [""] * (len(PARTICIPANT_COLUMNS) - len(parts))
        dataset.append([*parts[:3], separator.join(parts[3:]).strip()])
    return ParticipantResource().participant_list(dataset, first_line=1)


def participant_list_from_rows(rows_json: str) -> ParticipantList:
    """The rows a preview posted back with its confirmation, checked again."""
    try:
        rows = json.loads(rows_json)
        if not isinstance(rows, list) or not all(
            isinstance(row, list) and len(row) == len(PARTICIPANT_COLUMNS) for row in rows
        ):
            raise ValueError
    except ValueError:
        return ParticipantList(lines=[], errors=[_("The list of participants was lost: please send it again.")])
    dataset = tablib.Dataset(*[[_cell(value) for value in row] for row in rows], headers=list(PARTICIPANT_COLUMNS))
    return ParticipantResource().participant_list(dataset, first_line=1)


def participant_list_from_file(uploaded) -> ParticipantList:
    """An uploaded xlsx or csv file (headings on the first row; csv separated by ";" or ",")."""
    name = uploaded.name.lower()
    if uploaded.size > MAX_PARTICIPANT_FILE_SIZE:
        return ParticipantList(lines=[], errors=[_("The file is too large (2 MB at most).")])
    content = uploaded.read()
    try:
        if name.endswith(".xlsx"):
            if not zip_is_reasonable(content):
                raise ValueError("not a workbook of a reasonable size")
            dataset = XLSX().create_dataset(content)
        elif name.endswith(".csv"):
            dataset = _csv_dataset(content)
        else:
            return ParticipantList(lines=[], errors=[_("Please send an .xlsx or .csv file.")])
    # Whatever the reader fails on (not a zip, not a workbook, broken csv), the answer is the same.
    except Exception:  # noqa: BLE001
        return ParticipantList(lines=[], errors=[_("The file could not be read.")])
    return ParticipantResource().participant_list(dataset, first_line=2)


def _csv_dataset(content: bytes) -> tablib.Dataset:
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = content.decode("cp1252")  # a csv saved by Excel in French
    header = text.split("\n", 1)[0]
    delimiter = ";" if header.count(";") >= header.count(",") else ","
    return CSV().create_dataset(text, delimiter=delimiter)


# Export of a session's registrations
# ------------------------------------------------------------------------------


class SessionRegistrationResource(resources.Resource):
    last_name = Field(attribute="user__last_name", column_name=gettext_lazy("Last name"))
    first_name = Field(attribute="user__first_name", column_name=gettext_lazy("First name"))
    email = Field(attribute="user__email", column_name=gettext_lazy("E-mail address"))
    status = Field(column_name=gettext_lazy("Status"))
    waitlist_position = Field(attribute="waitlist_position", column_name=gettext_lazy("Position on the waiting list"))
    structure = Field(attribute="structure_name", column_name=gettext_lazy("Structure"))
    job_title = Field(attribute="job_title", column_name=gettext_lazy("Job title"))
    source = Field(column_name=gettext_lazy("Source"))
    registered_at = Field(attribute="created_at", column_name=gettext_lazy("Registered on"), widget=DateTimeWidget())
    confirmed_at = Field(attribute="confirmed_at", column_name=gettext_lazy("Confirmed on"), widget=DateTimeWidget())
    waitlisted_at = Field(attribute="waitlisted_at", column_name=gettext_lazy("Waitlisted on"), widget=DateTimeWidget())
    cancelled_at = Field(attribute="cancelled_at", column_name=gettext_lazy("Cancelled on"), widget=DateTimeWidget())
    refused_at = Field(attribute="refused_at", column_name=gettext_lazy("Refused on"), widget=DateTimeWidget())

    class Meta:
        export_order = (
            "last_name",
            "first_name",
            "email",
            "status",
            "waitlist_position",
            "structure",
            "job_title",
            "source",
            "registered_at",
            "confirmed_at",
            "waitlisted_at",
            "cancelled_at",
            "refused_at",
        )

    def dehydrate_status(self, registration: Registration) -> str:
        return registration.get_status_display()

    def dehydrate_source(self, registration: Registration) -> str:
        return registration.get_source_display()


_EXPORT_STATUS_ORDER = (
    RegistrationStatus.CONFIRMED,
    RegistrationStatus.OFFERED,
    RegistrationStatus.PENDING,
    RegistrationStatus.WAITLISTED,
    RegistrationStatus.CANCELLED,
    RegistrationStatus.REFUSED,
)


def session_registrations_xlsx(*, session: Session) -> bytes:
    """The session's registrations as an xlsx workbook: dates as real dates (Paris time)."""
    status_rank = Case(
        *(When(status=status, then=Value(rank)) for rank, status in enumerate(_EXPORT_STATUS_ORDER)),
        output_field=IntegerField(),
    )
    registrations = (
        Registration.objects.filter(session=session)
        .select_related("user")
        .order_by(status_rank, "waitlist_position", "user__last_name", "user__first_name", "pk")
    )
    dataset = SessionRegistrationResource().export(registrations, force_native_type=True)
    dataset.title = re.sub(r"[\[\]:*?/\\]", "-", session.code)[:31]  # characters a sheet name cannot hold
    return XLSX().export_data(dataset)


# Exports of the back-office lists (`training.exports`)
# ------------------------------------------------------------------------------


class HoursWidget(DecimalWidget):
    """Hours without trailing zeros, whatever the database returns: 10,5 and 14 (not 10,50 and 14,00)."""

    def render(self, value, obj=None, **kwargs):
        if isinstance(value, Decimal):
            value = int(value) if value == value.to_integral_value() else value.normalize()
        return super().render(value, obj, **kwargs)


class ExportResource(resources.ModelResource):
    """A list's export: `export_queryset` adds what the columns read, so a row costs no query."""

    def export_queryset(self, queryset):
        return queryset

    def sheet_title(self) -> str:
        """The worksheet's name in an XLSX export (31 characters at most)."""
        return capfirst(str(self._meta.model._meta.verbose_name_plural))[:31]

    def dehydrate_choice(self, obj, field_name: str) -> str:
        return getattr(obj, f"get_{field_name}_display")()


class SessionResource(ExportResource):
    code = Field(attribute="code", column_name=gettext_lazy("Code"))
    course = Field(attribute="course__title", column_name=gettext_lazy("Course"))
    funding = Field(column_name=gettext_lazy("Funding"))
    department = Field(attribute="department__code", column_name=gettext_lazy("Département"))
    venue = Field(attribute="venue__name", column_name=gettext_lazy("Venue"))
    city = Field(attribute="venue__city", column_name=gettext_lazy("Town"))
    first_day = Field(attribute="first_day", column_name=gettext_lazy("First day"), widget=DateWidget("%d/%m/%Y"))
    last_day = Field(attribute="last_day", column_name=gettext_lazy("Last day"), widget=DateWidget("%d/%m/%Y"))
    planned_hours = Field(attribute="planned_hours", column_name=gettext_lazy("Planned hours"), widget=HoursWidget())
    capacity = Field(attribute="capacity", column_name=gettext_lazy("Seats"), widget=IntegerWidget())
    confirmed = Field(attribute="confirmed_count", column_name=gettext_lazy("Confirmed"), widget=IntegerWidget())
    waitlisted = Field(attribute="waitlist_count", column_name=gettext_lazy("Waiting list"), widget=IntegerWidget())
    status = Field(column_name=gettext_lazy("Status"))
    client = Field(attribute="client_organisation__name", column_name=gettext_lazy("Client structure"))
    trainers = Field(column_name=gettext_lazy("Trainers"))

    class Meta:
        model = Session
        fields = (
            "code",
            "course",
            "funding",
            "department",
            "venue",
            "city",
            "first_day",
            "last_day",
            "planned_hours",
            "capacity",
            "confirmed",
            "waitlisted",
            "status",
            "client",
            "trainers",
        )
        export_order = fields

    def export_queryset(self, queryset):
        return (
            queryset.select_related("course", "department", "venue", "client_organisation")
            .prefetch_related("trainers")
            .with_schedule()
            .with_registration_counts()
        )

    def dehydrate_funding(self, session):
        return self.dehydrate_choice(session, "funding")

    def dehydrate_status(self, session):
        return self.dehydrate_choice(session, "status")

    def dehydrate_trainers(self, session):
        return "; ".join(f"{t.first_name} {t.last_name}" for t in session.trainers.all())


class RegistrationResource(ExportResource):
    session = Field(attribute="session__code", column_name=gettext_lazy("Session"))
    course = Field(attribute="session__course__title", column_name=gettext_lazy("Course"))
    last_name = Field(attribute="user__last_name", column_name=gettext_lazy("Last name"))
    first_name = Field(attribute="user__first_name", column_name=gettext_lazy("First name"))
    email = Field(attribute="user__email", column_name=gettext_lazy("E-mail address"))
    status = Field(column_name=gettext_lazy("Status"))
    job_title = Field(attribute="job_title", column_name=gettext_lazy("Job title"))
    structure = Field(attribute="structure_name", column_name=gettext_lazy("Structure"))
    structure_type = Field(attribute="structure_type__label", column_name=gettext_lazy("Structure type"))
    activity_sector = Field(attribute="activity_sector__label", column_name=gettext_lazy("Activity sector"))
    professional_category = Field(
        attribute="professional_category__label", column_name=gettext_lazy("Socio-professional category")
    )
    department = Field(attribute="department__code", column_name=gettext_lazy("Département"))
    hours_attended = Field(attribute="hours_attended", column_name=gettext_lazy("Hours attended"), widget=HoursWidget())
    registered_at = Field(attribute="created_at", column_name=gettext_lazy("Registered on"), widget=DateTimeWidget())
    abandonment = Field(column_name=gettext_lazy("Reason for leaving early"))

    class Meta:
        model = Registration
        fields = (
            "session",
            "course",
            "last_name",
            "first_name",
            "email",
            "status",
            "job_title",
            "structure",
            "structure_type",
            "activity_sector",
            "professional_category",
            "department",
            "hours_attended",
            "registered_at",
            "abandonment",
        )
        export_order = fields

    def export_queryset(self, queryset):
        return queryset.select_related(
            "session__course", "user", "structure_type", "activity_sector", "professional_category", "department"
        ).with_hours_attended()

    def dehydrate_status(self, registration):
        return self.dehydrate_choice(registration, "status")

    def dehydrate_abandonment(self, registration):
        return registration.get_abandonment_reason_display() if registration.abandonment_reason else ""


class AttendanceResource(ExportResource):
    session = Field(attribute="slot__session__code", column_name=gettext_lazy("Session"))
    date = Field(attribute="slot__date", column_name=gettext_lazy("Date"), widget=DateWidget("%d/%m/%Y"))
    period = Field(column_name=gettext_lazy("Half-day"))
    last_name = Field(attribute="registration__user__last_name", column_name=gettext_lazy("Last name"))
    first_name = Field(attribute="registration__user__first_name", column_name=gettext_lazy("First name"))
    email = Field(attribute="registration__user__email", column_name=gettext_lazy("E-mail address"))
    status = Field(column_name=gettext_lazy("Attendance"))
    minutes_missed = Field(
        attribute="minutes_missed", column_name=gettext_lazy("Minutes missed"), widget=IntegerWidget()
    )
    hours = Field(attribute="hours", column_name=gettext_lazy("Hours attended"), widget=HoursWidget())
    reason = Field(attribute="reason", column_name=gettext_lazy("Reason"))
    signed_at = Field(attribute="signature__created_at", column_name=gettext_lazy("Signed at"), widget=DateTimeWidget())
    method = Field(column_name=gettext_lazy("Signature method"))

    class Meta:
        model = Attendance
        fields = (
            "session",
            "date",
            "period",
            "last_name",
            "first_name",
            "email",
            "status",
            "minutes_missed",
            "hours",
            "reason",
            "signed_at",
            "method",
        )
        export_order = fields

    def export_queryset(self, queryset):
        return queryset.select_related("slot__session", "registration__user", "signature")

    def dehydrate_period(self, attendance):
        return attendance.slot.get_period_display()

    def dehydrate_status(self, attendance):
        return self.dehydrate_choice(attendance, "status")

    def dehydrate_method(self, attendance):
        return attendance.signature.get_method_display() if attendance.signature_id else ""


class VenueResource(ExportResource):
    department = Field(attribute="department__code", column_name=gettext_lazy("Département"))

    class Meta:
        model = Venue
        fields = ("name", "address", "postcode", "city", "department", "step_free_access", "accessible_toilets")
        export_order = fields

    def export_queryset(self, queryset):
        return queryset.select_related("department")


class TrainerResource(ExportResource):
    kind = Field(column_name=gettext_lazy("Status"))

    class Meta:
        model = Trainer
        fields = ("last_name", "first_name", "email", "phone", "kind", "employer", "is_active")
        export_order = fields

    def dehydrate_kind(self, trainer):
        return self.dehydrate_choice(trainer, "kind")


class OrganisationResource(ExportResource):
    structure_type = Field(attribute="structure_type__label", column_name=gettext_lazy("Structure type"))
    department = Field(attribute="department__code", column_name=gettext_lazy("Département"))

    class Meta:
        model = Organisation
        fields = (
            "name",
            "siret",
            "structure_type",
            "department",
            "address",
            "postcode",
            "city",
            "contact_name",
            "contact_email",
            "contact_phone",
        )
        export_order = fields

    def export_queryset(self, queryset):
        return queryset.select_related("structure_type", "department")


class PersonResource(ExportResource):
    """The people who registered (or were imported), with their professional profile."""

    last_name = Field(attribute="last_name", column_name=gettext_lazy("Last name"))
    first_name = Field(attribute="first_name", column_name=gettext_lazy("First name"))
    email = Field(attribute="email", column_name=gettext_lazy("E-mail address"))
    phone = Field(attribute="profile__phone", column_name=gettext_lazy("Phone"))
    job_title = Field(attribute="profile__job_title", column_name=gettext_lazy("Job title"))
    structure = Field(attribute="profile__structure_name", column_name=gettext_lazy("Structure"))
    structure_type = Field(attribute="profile__structure_type__label", column_name=gettext_lazy("Structure type"))
    activity_sector = Field(attribute="profile__activity_sector__label", column_name=gettext_lazy("Activity sector"))
    professional_category = Field(
        attribute="profile__professional_category__label", column_name=gettext_lazy("Socio-professional category")
    )
    department = Field(attribute="profile__department__code", column_name=gettext_lazy("Département of work"))
    registrations = Field(
        attribute="registration_count", column_name=gettext_lazy("Registrations"), widget=IntegerWidget()
    )
    joined = Field(attribute="date_joined", column_name=gettext_lazy("Account created on"), widget=DateTimeWidget())

    class Meta:
        model = get_user_model()
        fields = (
            "last_name",
            "first_name",
            "email",
            "phone",
            "job_title",
            "structure",
            "structure_type",
            "activity_sector",
            "professional_category",
            "department",
            "registrations",
            "joined",
        )
        export_order = fields

    def export_queryset(self, queryset):
        queryset = queryset.select_related(
            "profile__structure_type",
            "profile__activity_sector",
            "profile__professional_category",
            "profile__department",
        )
        if "registration_count" not in queryset.query.annotations:
            queryset = queryset.annotate(registration_count=Count("registrations"))
        return queryset
