"""The Drapps report as an Excel workbook (openpyxl): one sheet per table, the headings on the first
row (so that a spreadsheet or pandas reads each sheet as a table), numbers as numbers, rates as
percentage cells, dates as dates. The figures are those of `drapps.drapps_report_data()`.

Sheets, in order: summary (year, year before, change), départements, themes, structure types,
activity sectors, socio-professional categories, surveys, sessions.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from django.utils import translation
from django.utils.translation import gettext as _

from .drapps import COUNT, DAYS, HOURS, RATE

TEXT, DATE = "text", "date"
NUMBER_FORMATS = {
    COUNT: "#,##0",
    HOURS: "#,##0.00",
    DAYS: "0.0",
    RATE: "0.0 %",
    DATE: "DD/MM/YYYY",
    TEXT: "@",
}
# The change from the year before, signed; a rate moves in points (the cell holds change × 100).
CHANGE_FORMATS = {
    COUNT: "+#,##0;-#,##0;0",
    HOURS: "+#,##0.00;-#,##0.00;0",
    DAYS: "+0.0;-0.0;0",
    RATE: '+0.0" pts";-0.0" pts";0" pts"',
}
HEADER_FONT = Font(bold=True, color="FFFFFF")
HEADER_FILL = PatternFill("solid", fgColor="0A5C45")
MAX_WIDTH = 70


@dataclass(frozen=True)
class Column:
    heading: str
    kind: str
    width: int = 14


@dataclass(frozen=True)
class Table:
    """One sheet: its columns, its rows of values and, where a row holds another kind of figure than
    its column, that row's number formats (one dict per row: column number → format)."""

    title: str
    columns: list[Column]
    rows: list[list]
    row_formats: list[dict] | None = None


def drapps_report_xlsx(data: dict) -> bytes:
    """The workbook of `drapps.drapps_report_data()`, as the bytes of an .xlsx file."""
    with translation.override("fr"):
        workbook = Workbook()
        workbook.remove(workbook.active)
        workbook.properties.title = _("Drapps trainings %(year)s") % {"year": data["year"]}
        workbook.properties.creator = _("Training management")
        for table in _tables(data):
            _sheet_write(workbook, table)
        buffer = io.BytesIO()
        workbook.save(buffer)
    return buffer.getvalue()


def _sheet_write(workbook: Workbook, table: Table) -> None:
    columns, rows = table.columns, table.rows
    sheet = workbook.create_sheet(title=table.title[:31])
    sheet.append([column.heading for column in columns])
    for cell in sheet[1]:
        cell.font = HEADER_FONT
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="bottom")
    for values in rows:
        sheet.append(values)
    for index, column in enumerate(columns, start=1):
        letter = get_column_letter(index)
        longest = max((len(str(value)) for value in (row[index - 1] for row in rows) if value is not None), default=0)
        sheet.column_dimensions[letter].width = min(MAX_WIDTH, max(column.width, longest + 2))
        for (cell,) in sheet.iter_rows(min_row=2, min_col=index, max_col=index):
            cell.number_format = NUMBER_FORMATS[column.kind]
    for row_index, overrides in enumerate(table.row_formats or [], start=2):
        for column_index, number_format in overrides.items():
            sheet.cell(row=row_index, column=column_index).number_format = number_format
    sheet.freeze_panes = "B2"
    if rows:
        sheet.auto_filter.ref = sheet.dimensions


def _tables(data: dict) -> list[Table]:
    year, previous = data["year"], data["previous_year"]
    return [
        _summary(data, year, previous),
        _counts_table(_("Départements"), _("Département"), data["by_department"], year, previous, code=True),
        _counts_table(_("Themes"), _("Theme"), data["by_theme"], year, previous),
        _profile_table(_("Structure types"), _("Structure type"), data["by_structure_type"], year, previous),
        _profile_table(_("Activity sectors"), _("Activity sector"), data["by_sector"], year, previous),
        _profile_table(
            _("Socio-prof. categories"),
            _("Socio-professional category"),
            data["by_professional_category"],
            year,
            previous,
        ),
        _surveys_table(data, year, previous),
        _sessions_table(data),
    ]


def _summary(data: dict, year: int, previous: int):
    columns = [
        Column(_("Indicator"), TEXT, 40),
        Column(str(year), COUNT),
        Column(str(previous), COUNT),
        Column(_("Year-on-year change"), COUNT),
    ]
    rows, row_formats = [], []
    for row in data["summary"]:
        change = row["change"]
        if change is not None and row["kind"] == RATE:
            change *= 100  # in points
        rows.append([row["label"], row["current"], row["previous"], change])
        kind = row["kind"]
        row_formats.append({2: NUMBER_FORMATS[kind], 3: NUMBER_FORMATS[kind], 4: CHANGE_FORMATS[kind]})
    return Table(_("Activity"), columns, rows, row_formats)


def _counts_table(title: str, heading: str, rows: list[dict], year: int, previous: int, *, code: bool = False):
    columns = [
        *([Column(_("Code"), TEXT, 8)] if code else []),
        Column(heading, TEXT, 28),
        Column(_("Sessions %(year)s") % {"year": year}, COUNT),
        Column(_("Trainees %(year)s") % {"year": year}, COUNT),
        Column(_("Trainee hours %(year)s") % {"year": year}, HOURS, 16),
        Column(_("Sessions %(year)s") % {"year": previous}, COUNT),
        Column(_("Trainees %(year)s") % {"year": previous}, COUNT),
        Column(_("Trainee hours %(year)s") % {"year": previous}, HOURS, 16),
    ]
    values = [
        [
            *([row["code"]] if code else []),
            row["label"],
            row["current"]["sessions"],
            row["current"]["trainees"],
            row["current"]["trainee_hours"],
            row["previous"]["sessions"],
            row["previous"]["trainees"],
            row["previous"]["trainee_hours"],
        ]
        for row in rows
    ]
    return Table(title, columns, values)


def _profile_table(title: str, heading: str, rows: list[dict], year: int, previous: int):
    columns = [
        Column(heading, TEXT, 36),
        Column(_("Trainees %(year)s") % {"year": year}, COUNT),
        Column(_("Share %(year)s") % {"year": year}, RATE),
        Column(_("Trainees %(year)s") % {"year": previous}, COUNT),
        Column(_("Share %(year)s") % {"year": previous}, RATE),
    ]
    values = [
        [
            row["label"],
            row["current"]["trainees"],
            row["current"]["share"],
            row["previous"]["trainees"],
            row["previous"]["share"],
        ]
        for row in rows
    ]
    return Table(title, columns, values)


def _surveys_table(data: dict, year: int, previous: int):
    columns = [Column(_("Question"), TEXT, 40)]
    for each in (year, previous):
        columns += [
            Column(_("Positive %(year)s") % {"year": each}, RATE),
            Column(_("Respondents %(year)s") % {"year": each}, COUNT),
            Column(_("Response rate %(year)s") % {"year": each}, RATE),
            Column(_("Surveys sent %(year)s") % {"year": each}, COUNT),
        ]
    values = []
    for row in data["surveys"]:
        line = [row["label"]]
        for side in (row["current"], row["previous"]):
            line += [side["rate"], side["n"], side["response_rate"], side["invitations"]]
        values.append(line)
    return Table(_("Surveys"), columns, values)


def _sessions_table(data: dict):
    columns = [
        Column(_("Code"), TEXT, 20),
        Column(_("Course"), TEXT, 50),
        Column(_("Département code"), TEXT, 10),
        Column(_("Département"), TEXT, 18),
        Column(_("First day"), DATE, 12),
        Column(_("Last day"), DATE, 12),
        Column(_("Planned hours"), HOURS, 10),
        Column(_("Seats"), COUNT, 8),
        Column(_("Trainees"), COUNT, 10),
        Column(_("Trainee hours"), HOURS, 12),
    ]
    values = [
        [
            session["code"],
            session["course"],
            session["department_code"],
            session["department"],
            session["first_day"],
            session["last_day"],
            session["planned_hours"],
            session["capacity"],
            session["trainees"],
            session["trainee_hours"],
        ]
        for session in data["sessions"]
    ]
    return Table(_("Sessions"), columns, values)
