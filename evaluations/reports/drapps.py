"""The funder report on the Drapps programme (sessions funded by the ARS), year Y beside year Y-1.

`drapps_report_data(year=Y)` returns plain data that both outputs lay out (`drapps_xlsx`,
`drapps_pdf`). Every figure is the one `indicators --year Y --funding drapps` prints: the
report calls `indicators_for_year` with the Drapps filter for each year, and adds only what the
indicators do not hold, counted over the same trainees (`trainees_frame`):

- the trainees by **structure type** (of the registration, as for sectors and categories);
- the **list of the sessions** of year Y with their trainees and trainee hours.

Shape of the data (rates are fractions 0–1, None when their denominator is 0; hours are floats
with two decimals at most):

- `year`, `previous_year`; `current`, `previous`: the whole indicators of each year;
- `summary`: rows `{key, label, kind, current, previous, change}` (`kind`: count, hours, days or
  rate; `change` = current − previous, in points for a rate, None when either is unknown);
- `by_department`: one row per département of the region (all of them, in code order):
  `{code, label, current: {sessions, trainees, trainee_hours}, previous: {…}}`;
- `by_theme`: the same for the themes of either year, in the order of the theme list, "no
  theme" last (a course with two themes counts under both);
- `by_structure_type`, `by_sector`, `by_professional_category`: rows `{code, label, current:
  {trainees, share}, previous: {…}}`, `share` = trainees of the row ÷ trainees of the year, in
  the order of the reference list, "not specified" last;
- `surveys`: rows `{key, kind, label, current: {rate, n, response_rate, invitations}, previous}`
  for the end-of-training expectations and objectives and the six-month needs and practice;
- `sessions`: the held Drapps sessions of year Y `{code, course, department_code, department,
  first_day, last_day, planned_hours, capacity, trainees, trainee_hours}` by first day.
"""

from __future__ import annotations

import datetime

from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import ActivitySector, Department, ProfessionalCategory, StructureType
from cms.models import Theme
from training.choices import Funding, RegistrationStatus
from training.models import Registration

from ..indicators import (
    IndicatorFilters,
    indicators_for_year,
    profile_breakdown,
    sessions_held,
    sessions_with_trainees,
    trainees_frame,
)
from . import rows_frame

FILTERS = IndicatorFilters(funding=Funding.DRAPPS)
COUNT, HOURS, DAYS, RATE = "count", "hours", "days", "rate"


def drapps_report_data(*, year: int, today: datetime.date | None = None) -> dict:
    """The Drapps report of `year` with `year - 1` beside it (a fixed number of queries)."""
    today = today or timezone.localdate()
    current = indicators_for_year(year=year, filters=FILTERS, today=today)
    previous = indicators_for_year(year=year - 1, filters=FILTERS, today=today)
    current_details = _details(year=year, today=today, with_sessions=True)
    previous_details = _details(year=year - 1, today=today, with_sessions=False)
    years = {"current": current, "previous": previous}
    return {
        "year": year,
        "previous_year": year - 1,
        "generated_on": today,
        "current": current,
        "previous": previous,
        "summary": _summary(current, previous),
        "by_department": _by_department(current, previous),
        "by_theme": _by_theme(current, previous),
        "by_structure_type": _profile_rows(
            current_details["by_structure_type"], previous_details["by_structure_type"], model=StructureType, **years
        ),
        "by_sector": _profile_rows(current["by_sector"], previous["by_sector"], model=ActivitySector, **years),
        "by_professional_category": _profile_rows(
            current["by_professional_category"],
            previous["by_professional_category"],
            model=ProfessionalCategory,
            **years,
        ),
        "surveys": _surveys(current, previous),
        "sessions": current_details["sessions"],
    }


# What the indicators do not hold
# ------------------------------------------------------------------------------


def _details(*, year: int, today: datetime.date, with_sessions: bool) -> dict:
    """The structure-type breakdown (and the session list) of the held Drapps sessions of `year`."""
    sessions = sessions_held(
        first_day=datetime.date(year, 1, 1), last_day=datetime.date(year, 12, 31), filters=FILTERS, today=today
    )
    trainees = trainees_frame(sessions)
    # The structure type of each trainee's registration: at most one confirmed registration per person
    # and session (database constraint), so the merge keeps the trainees as they are.
    structures = rows_frame(
        Registration.objects.filter(session__in=sessions.values("pk"), status=RegistrationStatus.CONFIRMED)
        .order_by()
        .values_list("session_id", "user_id", "structure_type__label", "structure_type__position"),
        ["session_id", "user_id", "structure", "structure_position"],
        integers=("session_id", "user_id"),
    )
    trainees = trainees.merge(structures, on=["session_id", "user_id"], how="left")
    details = {"by_structure_type": profile_breakdown(trainees, column="structure"), "sessions": []}
    if with_sessions:
        details["sessions"] = _session_list(sessions, trainees)
    return details


def _session_list(sessions, trainees) -> list[dict]:
    rows = rows_frame(
        sessions.order_by("first_day", "code").values_list(
            "pk",
            "code",
            "course__title",
            "department__code",
            "department__name",
            "first_day",
            "last_day",
            "planned_hours",
            "capacity",
        ),
        [
            "session_id",
            "code",
            "course",
            "department_code",
            "department",
            "first_day",
            "last_day",
            "planned_hours",
            "capacity",
        ],
        integers=("session_id", "capacity"),
    )
    rows = sessions_with_trainees(rows, trainees)
    return [
        {
            "code": row.code,
            "course": row.course,
            "department_code": row.department_code,
            "department": row.department,
            "first_day": row.first_day,
            "last_day": row.last_day,
            "planned_hours": float(row.planned_hours or 0),
            "capacity": int(row.capacity),
            "trainees": int(row.trainees),
            "trainee_hours": int(row.centihours) / 100,
        }
        for row in rows.itertuples(index=False)
    ]


# Year beside year
# ------------------------------------------------------------------------------


def _summary(current: dict, previous: dict) -> list[dict]:
    def departments(data):
        return sum(1 for row in data["by_department"] if row["sessions"])

    rows = [
        ("sessions", _("Sessions held"), COUNT, lambda data: data["sessions"]["total"]),
        ("departments", _("Départements with a session"), COUNT, departments),
        ("trainees", _("Trainees (one per session attended)"), COUNT, lambda data: data["trainees"]),
        ("distinct_trainees", _("Distinct people trained"), COUNT, lambda data: data["distinct_trainees"]),
        ("trainee_hours", _("Trainee hours"), HOURS, lambda data: data["trainee_hours"]),
        ("avg_duration_days", _("Average duration (days)"), DAYS, lambda data: data["avg_duration_days"]["all"]),
        ("seats", _("Seats offered"), COUNT, lambda data: data["seats"]),
        ("fill_rate", _("Fill rate"), RATE, lambda data: data["fill_rate"]),
    ]
    summary = []
    for key, label, kind, value in rows:
        this_year, last_year = value(current), value(previous)
        change = None if this_year is None or last_year is None else this_year - last_year
        if change is not None and kind == HOURS:
            change = round(change, 2)  # hundredths of hours, without the float noise of a subtraction
        summary.append(
            {"key": key, "label": label, "kind": kind, "current": this_year, "previous": last_year, "change": change}
        )
    return summary


def _counts(row: dict | None) -> dict:
    row = row or {}
    return {
        "sessions": row.get("sessions", 0),
        "trainees": row.get("trainees", 0),
        "trainee_hours": row.get("trainee_hours", 0.0),
    }


def _by_department(current: dict, previous: dict) -> list[dict]:
    """Every département of the region, even without a session (a funder looks for the gaps)."""
    this_year = {row["code"]: row for row in current["by_department"]}
    last_year = {row["code"]: row for row in previous["by_department"]}
    departments = dict(Department.objects.values_list("code", "name"))
    for row in (*current["by_department"], *previous["by_department"]):
        departments.setdefault(row["code"], row["label"])
    return [
        {
            "code": code,
            "label": departments[code],
            "current": _counts(this_year.get(code)),
            "previous": _counts(last_year.get(code)),
        }
        for code in sorted(departments)
    ]


def _by_theme(current: dict, previous: dict) -> list[dict]:
    positions = dict(Theme.objects.values_list("slug", "position"))
    this_year = {row["code"]: row for row in current["by_theme"]}
    last_year = {row["code"]: row for row in previous["by_theme"]}
    labels = {row["code"]: row["label"] for row in (*previous["by_theme"], *current["by_theme"])}

    def order(code):
        return (code is None, positions.get(code, 0), labels[code])

    return [
        {
            "code": code,
            "label": labels[code],
            "current": _counts(this_year.get(code)),
            "previous": _counts(last_year.get(code)),
        }
        for code in sorted(labels, key=order)
    ]


def _profile_rows(current_rows: list[dict], previous_rows: list[dict], *, current: dict, previous: dict, model):
    """Trainees of each value of a reference list, and their share of the year's trainees."""
    positions = dict(model.objects.values_list("label", "position"))
    this_year = {row["code"]: row for row in current_rows}
    last_year = {row["code"]: row for row in previous_rows}
    labels = {row["code"]: row["label"] for row in (*previous_rows, *current_rows)}

    def side(row, data):
        trainees = row["trainees"] if row else 0
        return {"trainees": trainees, "share": trainees / data["trainees"] if data["trainees"] else None}

    def order(code):
        return (code is None, positions.get(code, 0), labels[code])

    return [
        {
            "code": code,
            "label": labels[code],
            "current": side(this_year.get(code), current),
            "previous": side(last_year.get(code), previous),
        }
        for code in sorted(labels, key=order)
    ]


def _surveys(current: dict, previous: dict) -> list[dict]:
    rows = [
        ("expectations", "hot", _("End of training: expectations met"), "expectations_rate", "n"),
        ("objectives", "hot", _("End of training: objectives reached"), "objectives_rate", "objectives_n"),
        ("needs_met", "cold", _("Six months later: needs met"), "needs_met_rate", "n"),
        ("practice", "cold", _("Six months later: put into practice"), "practice_rate", "practice_n"),
    ]

    def side(data, kind, rate, n):
        survey = data[kind]
        return {
            "rate": survey[rate],
            "n": survey[n],
            "response_rate": survey["response_rate"],
            "invitations": survey["invitations"],
        }

    return [
        {
            "key": key,
            "kind": kind,
            "label": label,
            "current": side(current, kind, rate, n),
            "previous": side(previous, kind, rate, n),
        }
        for key, kind, label, rate, n in rows
    ]
