"""The coordinator's dashboard and the annual key figures ("chiffres clés"): reads only.

Every figure is one of the yearly indicators (`evaluations.indicators`, whose docstring holds
the definitions): the year's frames are loaded with the very functions `indicators_for_year`
uses and computed by `indicators_compute`, so `Dashboard.indicators` is exactly
`indicators_for_year(year=…)`; the previous year is `indicators_for_year(year=year - 1)`. What
the dashboard adds is drawn from the same frames, never counted another way:

- the fill rate of each held session: its trainees ÷ its seats (`sessions_with_trainees`);
- the trainees by structure type: the trainees' rows of `trainees_frame` joined to the
  structure type of their registration (one confirmed registration per person and session),
  grouped like the sector and category breakdowns (`profile_breakdown`);
- the satisfaction trend: the hot expectations rate (`survey_indicators`) of the answers about
  the year's sessions, grouped by the month of the session's last day.

The whole dashboard costs a fixed number of queries whatever the data size (5 for the year,
5 for the previous year, 3 for the session rows, the trainees' structure types and the
responses' sessions). French formatting (`90,4 %`, `3,65 jours`, `1 234` with a narrow
no-break space) is done here, for the admin pages and the PDF alike.

Drill-down links go to the back office's lists with their filters (`year`: the year of the
session's first day). Sessions are listed with `status=done` (held), registrations with
`status=confirmed` (trainees, no-shows included). Breakdown rows add their own filter: `theme`
(the theme's code, on both lists), `structure_type`, `sector` or `category` (the label, on the
registrations list).
"""

from __future__ import annotations

import datetime
import textwrap
from dataclasses import dataclass, replace
from urllib.parse import urlencode

import pandas as pd

from django.db.models import Min
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from training.choices import Funding, RegistrationStatus, SessionStatus
from training.models import Registration, Slot

from .indicators import (
    FUNDINGS,
    HOT,
    IndicatorFilters,
    answers_frame,
    indicators_compute,
    indicators_for_year,
    invitations_frame,
    profile_breakdown,
    sessions_frame,
    sessions_held,
    sessions_with_trainees,
    survey_indicators,
    themes_frame,
    trainees_frame,
)
from .models import Response

# A held session filled below this share of its seats is flagged on the dashboard.
LOW_FILL_RATE = 0.6
# What a figure without a value (no session, no respondent) shows.
EMPTY = "—"
NARROW_NBSP = "\u202f"
NBSP = "\u00a0"
MINUS = "\u2212"


# French formatting
# ------------------------------------------------------------------------------


def format_number(value: float | int | None, places: int = 0) -> str:
    """`1234.5` → `1 234,5` (narrow no-break space between thousands, decimal comma); — for None."""
    if value is None:
        return EMPTY
    text = f"{abs(value):,.{places}f}".replace(",", NARROW_NBSP).replace(".", ",")
    return f"{MINUS}{text}" if value < 0 and text.strip("0,\u202f") else text


def format_hours(value: float | None) -> str:
    """Trainee-hours: whole hours unless there is a fraction (`7 747,69`)."""
    if value is None:
        return EMPTY
    return format_number(value, 0 if float(value).is_integer() else 2)


def format_percent(rate: float | None) -> str:
    """A fraction as a French percentage, one decimal unless whole: 0.904 → `90,4 %`; — for None."""
    if rate is None:
        return EMPTY
    value = round(rate * 100, 1)
    return f"{format_number(value, 0 if value.is_integer() else 1)}{NBSP}%"


def format_days_number(days: float) -> str:
    """An average length in days, two decimals at most: 3.65 → `3,65`, 3.5 → `3,5`, 3.0 → `3`."""
    value = round(days, 2)
    places = 0 if value.is_integer() else 1 if round(value, 1) == value else 2
    return format_number(value, places)


def format_days(days: float | None) -> str:
    """An average length: 3.65 → `3,65 jours`, 1.5 → `1,5 jour`; — for None."""
    if days is None:
        return EMPTY
    return ngettext("%(days)s day", "%(days)s days", int(round(days, 2))) % {"days": format_days_number(days)}


def format_date_long(day: datetime.date) -> str:
    """`22 novembre 2026`, and `1er décembre 2026` as French writes the first of the month."""
    text = date_format(day, "j F Y")
    if day.day == 1 and translation.get_language().startswith("fr"):
        return f"1er{text[1:]}"
    return text


def _signed(text: str, value: float) -> str:
    if text.lstrip(MINUS).strip("0,\u202f") == "":
        return text.lstrip(MINUS)
    return text if text.startswith(MINUS) else f"+{text}"


# Change from the previous year
# ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Change:
    """How a figure moved since the previous year: `text` is written out (never a colour alone)."""

    text: str
    direction: str  # "up", "down" or "same"

    @property
    def arrow(self) -> str:
        return {"up": "↗", "down": "↘"}.get(self.direction, "→")


def _direction(difference: float) -> str:
    if abs(difference) < 1e-9:
        return "same"
    return "up" if difference > 0 else "down"


def change_count(current: float | None, previous: float | None, *, hours: bool = False) -> Change | None:
    """`+8 (+0,9 %)`: the difference, and its share of last year's figure when there was one."""
    if current is None or previous is None:
        return None
    difference = current - previous
    text = _signed(format_hours(difference) if hours else format_number(difference), difference)
    if previous:
        relative = round(difference / previous * 100, 1)
        percent = format_number(relative, 0 if relative.is_integer() else 1)
        text = f"{text} ({_signed(percent, relative)}{NBSP}%)"
    return Change(text=text, direction=_direction(difference))


def change_rate(current: float | None, previous: float | None) -> Change | None:
    """`+2,1 points`: the difference of two rates, in percentage points."""
    if current is None or previous is None:
        return None
    points = round((current - previous) * 100, 1)
    number = _signed(format_number(points, 0 if points.is_integer() else 1), points)
    text = ngettext("%(points)s point", "%(points)s points", int(abs(points))) % {"points": number}
    return Change(text=text, direction=_direction(points))


def change_days(current: float | None, previous: float | None) -> Change | None:
    """`+0,89 day`: the difference of two average lengths."""
    if current is None or previous is None:
        return None
    difference = round(current - previous, 2)
    number = _signed(format_number(difference, 0 if difference.is_integer() else 2), difference)
    text = ngettext("%(days)s day", "%(days)s days", int(abs(difference))) % {"days": number}
    return Change(text=text, direction=_direction(difference))


# Drill-down links (the back office's lists, with their filters)
# ------------------------------------------------------------------------------


def _with_query(url: str, **params) -> str:
    query = urlencode({key: value for key, value in params.items() if value not in (None, "")})
    return f"{url}?{query}" if query else url


def sessions_url(*, year: int, funding: str = "", department_id: int | None = None, theme: str = "") -> str:
    """The held sessions of the year, of a funding or a département."""
    return _with_query(
        reverse("sessions:index"),
        year=year,
        theme=theme,
        status=SessionStatus.DONE.value,
        funding=funding,
        department=department_id,
    )


def registrations_url(*, year: int, funding: str = "", department_id: int | None = None, **profile) -> str:
    """The confirmed registrations of the year's held sessions (`profile`: theme, structure_type, sector or
    category, as the registrations list filters them)."""
    return _with_query(
        reverse("registrations:index"),
        year=year,
        **profile,
        status=RegistrationStatus.CONFIRMED.value,
        session_status=SessionStatus.DONE.value,
        funding=funding,
        department=department_id,
    )


def survey_results_url(
    *, year: int | None = None, date_from: datetime.date | None = None, date_to: datetime.date | None = None
) -> str:
    """The survey results (standard indicators) of the sessions of a year or a period."""
    return _with_query(
        reverse("survey_results:index"),
        year=year,
        date_from=date_from.isoformat() if date_from else None,
        date_to=date_to.isoformat() if date_to else None,
    )


def key_figures_pdf_url(year: int) -> str:
    return reverse("indicators_dashboard:key_figures_pdf", kwargs={"year": year})


def dashboard_url(year: int | None = None) -> str:
    url = reverse("indicators_dashboard:index")
    return _with_query(url, year=year)


# What the pages show
# ------------------------------------------------------------------------------


@dataclass(frozen=True)
class KeyFigure:
    """One figure of the year, with last year's and the change."""

    key: str
    label: str
    value: str
    previous: str = EMPTY
    change: Change | None = None
    detail: str = ""
    url: str = ""
    note: str = ""


@dataclass(frozen=True)
class FundingRow:
    funding: str
    label: str
    sessions: KeyFigure
    duration: KeyFigure


@dataclass(frozen=True)
class SessionFill:
    """A held session of the year and how full it was."""

    session_id: int
    code: str
    course: str
    department: str
    funding: str
    first_day: datetime.date | None
    capacity: int
    trainees: int
    fill_rate: float | None
    inspect_url: str
    registrations_url: str

    @property
    def fill_text(self) -> str:
        return format_percent(self.fill_rate)

    @property
    def is_low(self) -> bool:
        return self.fill_rate is not None and self.fill_rate < LOW_FILL_RATE

    @property
    def bar(self) -> float:
        return min(100.0, (self.fill_rate or 0) * 100)


@dataclass(frozen=True)
class Bar:
    value: int
    text: str
    width: float  # 0–100, of the largest value of the chart
    url: str = ""


@dataclass(frozen=True)
class BarRow:
    label: str
    bars: tuple[Bar, ...]
    share: str = ""  # share of the year's trainees
    is_unknown: bool = False


@dataclass(frozen=True)
class Breakdown:
    key: str
    title: str
    label_heading: str
    rows: list[BarRow]
    note: str = ""


@dataclass(frozen=True)
class MonthPoint:
    month: datetime.date  # first day of the month
    label: str
    short_label: str
    rate: float | None
    n: int
    url: str

    @property
    def rate_text(self) -> str:
        return format_percent(self.rate)


@dataclass(frozen=True)
class Dashboard:
    year: int
    previous_year: int
    today: datetime.date
    indicators: dict
    previous: dict
    key_figures: list[KeyFigure]
    funding_rows: list[FundingRow]
    survey_figures: list[KeyFigure]
    sessions_fill: list[SessionFill]
    departments: Breakdown
    breakdowns: list[Breakdown]
    months: list[MonthPoint]
    low_fill_count: int = 0
    sold_duration: KeyFigure | None = None

    @property
    def is_empty(self) -> bool:
        return not self.indicators["sessions"]["total"]

    @property
    def year_in_progress(self) -> bool:
        return self.year >= self.today.year

    @property
    def pdf_url(self) -> str:
        return key_figures_pdf_url(self.year)

    @property
    def today_text(self) -> str:
        return format_date_long(self.today)


# Loading
# ------------------------------------------------------------------------------


@dataclass(frozen=True)
class _YearData:
    indicators: dict
    sessions: pd.DataFrame  # sessions_frame
    trainees: pd.DataFrame  # trainees_frame
    answers: pd.DataFrame  # answers_frame
    invitations: pd.DataFrame  # invitations_frame
    details: pd.DataFrame  # one row per session: code, course, département, dates, status
    structures: pd.DataFrame  # trainees_frame with each trainee's structure type
    response_sessions: pd.DataFrame  # response_id → session_id (end-of-training campaigns)


def _year_data(*, year: int, today: datetime.date) -> _YearData:
    """The year's frames (those of `indicators_for_year`) and the three the dashboard adds: 8 queries."""
    first_day, last_day = datetime.date(year, 1, 1), datetime.date(year, 12, 31)
    filters = IndicatorFilters()
    sessions = sessions_held(first_day=first_day, last_day=last_day, filters=filters, today=today)
    frames = {
        "sessions": sessions_frame(sessions),
        "trainees": trainees_frame(sessions),
        "themes": themes_frame(sessions),
        "answers": answers_frame(sessions),
        "invitations": invitations_frame(sessions),
    }
    indicators = {
        "year": year,
        "period": {"first_day": first_day.isoformat(), "last_day": last_day.isoformat()},
        "filters": filters.as_dict(),
        **indicators_compute(**frames),
    }
    details = pd.DataFrame.from_records(
        list(
            sessions.values_list(
                "pk",
                "code",
                "course__title",
                "department_id",
                "department__code",
                "department__name",
                "funding",
                "first_day",
                "last_day",
            )
        ),
        columns=[
            "session_id",
            "code",
            "course",
            "department_id",
            "department_code",
            "department_name",
            "funding",
            "first_day",
            "last_day",
        ],
    )
    profiles = pd.DataFrame.from_records(
        list(
            Registration.objects.filter(session__in=sessions.values("pk"), status=RegistrationStatus.CONFIRMED)
            .order_by()
            .values_list("session_id", "user_id", "structure_type__label", "structure_type__position")
        ),
        columns=["session_id", "user_id", "structure", "structure_position"],
    ).drop_duplicates(["session_id", "user_id"])
    trainees = frames["trainees"]
    structures = trainees.merge(
        profiles.astype({"session_id": "int64", "user_id": "int64"}), on=["session_id", "user_id"], how="left"
    )
    response_sessions = pd.DataFrame.from_records(
        list(
            Response.objects.filter(campaign__session__in=sessions.values("pk"), campaign__kind=HOT)
            .order_by()
            .values_list("pk", "campaign__session_id")
        ),
        columns=["response_id", "session_id"],
    )
    return _YearData(
        indicators=indicators,
        sessions=frames["sessions"],
        trainees=trainees,
        answers=frames["answers"],
        invitations=frames["invitations"],
        details=details,
        structures=structures,
        response_sessions=response_sessions,
    )


# Building the pages' data
# ------------------------------------------------------------------------------


def _funding_labels() -> dict[str, str]:
    return {
        Funding.DRAPPS.value: _("Drapps (ARS)"),
        Funding.INTRA.value: _("Intra"),
        Funding.INTER.value: _("Inter"),
        Funding.OTHER.value: _("Other"),
    }


def _previous_text(value: str, previous_year: int) -> str:
    return _("%(year)s: %(value)s") % {"year": previous_year, "value": value}


def _key_figures(current: dict, previous: dict, *, year: int) -> list[KeyFigure]:
    previous_year = year - 1
    trainees_list = registrations_url(year=year)

    def figure(key, label, value, last, change, url, detail=""):
        return KeyFigure(
            key=key,
            label=label,
            value=value,
            previous=_previous_text(last, previous_year),
            change=change,
            detail=detail,
            url=url,
        )

    by_funding = current["sessions"]["by_funding"]
    labels = _funding_labels()
    funding_detail = " · ".join(
        f"{format_number(by_funding[funding])} {labels[funding]}" for funding in FUNDINGS if by_funding[funding]
    )
    return [
        figure(
            "sessions",
            _("Sessions held"),
            format_number(current["sessions"]["total"]),
            format_number(previous["sessions"]["total"]),
            change_count(current["sessions"]["total"], previous["sessions"]["total"]),
            sessions_url(year=year),
            funding_detail,
        ),
        figure(
            "trainees",
            _("Trainees"),
            format_number(current["trainees"]),
            format_number(previous["trainees"]),
            change_count(current["trainees"], previous["trainees"]),
            trainees_list,
            _("Confirmed registrations with attended hours"),
        ),
        figure(
            "distinct_trainees",
            _("People trained"),
            format_number(current["distinct_trainees"]),
            format_number(previous["distinct_trainees"]),
            change_count(current["distinct_trainees"], previous["distinct_trainees"]),
            trainees_list,
            _("A person trained twice counts once"),
        ),
        figure(
            "trainee_hours",
            _("Trainee-hours"),
            format_hours(current["trainee_hours"]),
            format_hours(previous["trainee_hours"]),
            change_count(current["trainee_hours"], previous["trainee_hours"], hours=True),
            trainees_list,
            _("Hours attended, summed over the trainees"),
        ),
        figure(
            "avg_duration_days",
            _("Average length"),
            format_days(current["avg_duration_days"]["all"]),
            format_days(previous["avg_duration_days"]["all"]),
            change_days(current["avg_duration_days"]["all"], previous["avg_duration_days"]["all"]),
            sessions_url(year=year),
            _("Planned hours ÷ 7, all fundings"),
        ),
        figure(
            "fill_rate",
            _("Fill rate"),
            format_percent(current["fill_rate"]),
            format_percent(previous["fill_rate"]),
            change_rate(current["fill_rate"], previous["fill_rate"]),
            sessions_url(year=year),
            _("Trainees ÷ %(seats)s seats offered") % {"seats": format_number(current["seats"])},
        ),
    ]


def _funding_rows(current: dict, previous: dict, *, year: int) -> list[FundingRow]:
    labels = _funding_labels()
    rows = []
    for funding in FUNDINGS:
        sessions, last_sessions = (
            current["sessions"]["by_funding"][funding],
            previous["sessions"]["by_funding"][funding],
        )
        if not sessions and not last_sessions:
            continue
        days, last_days = current["avg_duration_days"][funding], previous["avg_duration_days"][funding]
        url = sessions_url(year=year, funding=funding)
        rows.append(
            FundingRow(
                funding=funding,
                label=labels[funding],
                sessions=KeyFigure(
                    key=f"sessions_{funding}",
                    label=labels[funding],
                    value=format_number(sessions),
                    previous=format_number(last_sessions),
                    change=change_count(sessions, last_sessions),
                    url=url,
                ),
                duration=KeyFigure(
                    key=f"avg_duration_days_{funding}",
                    label=labels[funding],
                    value=format_days(days),
                    previous=format_days(last_days),
                    change=change_days(days, last_days),
                    url=url,
                ),
            )
        )
    return rows


def _respondents(n: int) -> str:
    text = ngettext("n = %(n)s respondent", "n = %(n)s respondents", n) % {"n": format_number(n)}
    return text.replace(" = ", f"{NBSP}={NBSP}")


def _response_rate(rate: float | None, invitations: int) -> str:
    if rate is None:
        return _("No invitation sent from this system")
    return _("response rate %(rate)s of %(invited)s invited") % {
        "rate": format_percent(rate),
        "invited": format_number(invitations),
    }


def _survey_figures(current: dict, previous: dict, *, year: int) -> list[KeyFigure]:
    hot, cold = current["hot"], current["cold"]
    last_hot, last_cold = previous["hot"], previous["cold"]
    url = survey_results_url(year=year)
    previous_year = year - 1

    def rate_figure(key, label, rate, n, last_rate, last_n, response_rate, invitations):
        return KeyFigure(
            key=key,
            label=label,
            value=format_percent(rate),
            previous=_previous_text(
                f"{format_percent(last_rate)} (n\u00a0=\u00a0{format_number(last_n)})"
                if last_rate is not None
                else EMPTY,
                previous_year,
            ),
            change=change_rate(rate, last_rate),
            detail=_respondents(n),
            note=_response_rate(response_rate, invitations),
            url=url,
        )

    return [
        rate_figure(
            "hot_expectations",
            _("Satisfaction at the end of the training"),
            hot["expectations_rate"],
            hot["n"],
            last_hot["expectations_rate"],
            last_hot["n"],
            hot["response_rate"],
            hot["invitations"],
        ),
        rate_figure(
            "cold_needs_met",
            _("Six months later: the training met their needs"),
            cold["needs_met_rate"],
            cold["n"],
            last_cold["needs_met_rate"],
            last_cold["n"],
            cold["response_rate"],
            cold["invitations"],
        ),
        rate_figure(
            "cold_practice",
            _("Six months later: they put it into practice"),
            cold["practice_rate"],
            cold["practice_n"],
            last_cold["practice_rate"],
            last_cold["practice_n"],
            cold["response_rate"],
            cold["invitations"],
        ),
    ]


def _sold_duration(current: dict, previous: dict, *, year: int) -> KeyFigure:
    """The average length of the trainings sold to structures (intra), as the activity report has it."""
    days, last_days = current["avg_duration_days"]["intra"], previous["avg_duration_days"]["intra"]
    return KeyFigure(
        key="avg_duration_days_intra",
        label=_("Average length of the trainings sold (intra)"),
        value=format_days(days),
        previous=_previous_text(format_days(last_days), year - 1),
        change=change_days(days, last_days),
        url=sessions_url(year=year, funding=Funding.INTRA.value),
    )


def _sessions_fill(data: _YearData) -> list[SessionFill]:
    per_session = sessions_with_trainees(data.sessions, data.trainees)[["session_id", "capacity", "trainees"]]
    rows = data.details.merge(per_session, on="session_id", how="left")
    labels = _funding_labels()
    sessions = []
    for row in rows.itertuples(index=False):
        capacity, trainees = int(row.capacity), int(row.trainees)
        sessions.append(
            SessionFill(
                session_id=int(row.session_id),
                code=row.code,
                course=row.course,
                department=f"{row.department_code} {row.department_name}",
                funding=labels.get(row.funding, row.funding),
                first_day=row.first_day,
                capacity=capacity,
                trainees=trainees,
                fill_rate=trainees / capacity if capacity else None,
                inspect_url=reverse("sessions:inspect", args=[int(row.session_id)]),
                registrations_url=reverse("registrations:session", args=[int(row.session_id)]),
            )
        )
    return sort_sessions_fill(sessions, "fill")


SESSION_ORDERINGS = ("fill", "-fill", "code", "-code", "date", "-date", "department", "-department")


def sort_sessions_fill(sessions: list[SessionFill], ordering: str) -> list[SessionFill]:
    """Sort the fill table: `fill` (lowest first, sessions without seats last), `code`, `date`,
    `department`; a leading `-` reverses. An unknown ordering sorts by fill rate."""
    key = ordering.lstrip("-")
    reverse_order = ordering.startswith("-")
    if key == "code":
        return sorted(sessions, key=lambda row: row.code, reverse=reverse_order)
    if key == "date":
        return sorted(sessions, key=lambda row: (row.first_day or datetime.date.min, row.code), reverse=reverse_order)
    if key == "department":
        return sorted(sessions, key=lambda row: (row.department, row.code), reverse=reverse_order)
    with_rate = sorted(
        (row for row in sessions if row.fill_rate is not None),
        key=lambda row: (row.fill_rate, row.code),
        reverse=reverse_order and key == "fill",
    )
    return with_rate + [row for row in sessions if row.fill_rate is None]


def _bar(value: int, largest: int, url: str = "") -> Bar:
    return Bar(value=value, text=format_number(value), width=round(value / largest * 100, 1) if largest else 0, url=url)


def _share(value: int, total: int) -> str:
    return format_percent(value / total) if total else EMPTY


def _departments(data: _YearData, *, year: int) -> Breakdown:
    rows = data.indicators["by_department"]
    ids = dict(zip(data.details["department_code"], data.details["department_id"], strict=True))
    most_sessions = max((row["sessions"] for row in rows), default=0)
    most_trainees = max((row["trainees"] for row in rows), default=0)
    total = data.indicators["trainees"]
    return Breakdown(
        key="departments",
        title=_("Sessions and trainees by département"),
        label_heading=_("Département"),
        rows=[
            BarRow(
                label=f"{row['code']} {row['label']}",
                bars=(
                    _bar(row["sessions"], most_sessions, sessions_url(year=year, department_id=ids.get(row["code"]))),
                    _bar(
                        row["trainees"], most_trainees, registrations_url(year=year, department_id=ids.get(row["code"]))
                    ),
                ),
                share=_share(row["trainees"], total),
            )
            for row in rows
        ],
        note=_("Where the training took place."),
    )


def _profile_rows(rows: list[dict], *, total: int, year: int, filter_name: str) -> list[BarRow]:
    """Rows of trainees (with a bar) and sessions, each linking to its registrations (and, for themes, its
    sessions) through the lists' `filter_name` filter; the row of the unknown links to the whole year."""
    largest = max((row["trainees"] for row in rows), default=0)

    def trainees_of(row) -> str:
        return registrations_url(year=year, **({filter_name: row["code"]} if row["code"] is not None else {}))

    def sessions_of(row) -> str:
        theme = row["code"] if filter_name == "theme" and row["code"] is not None else ""
        return sessions_url(year=year, theme=theme)

    return [
        BarRow(
            label=row["label"],
            bars=(
                _bar(row["trainees"], largest, trainees_of(row)),
                Bar(value=row["sessions"], text=format_number(row["sessions"]), width=0, url=sessions_of(row)),
            ),
            share=_share(row["trainees"], total),
            is_unknown=row["code"] is None,
        )
        for row in rows
    ]


def structure_type_breakdown(structures: pd.DataFrame) -> list[dict]:
    """The trainees by the structure type of their registration, like the sector and category rows."""
    return profile_breakdown(structures, column="structure")


def _breakdowns(data: _YearData, *, year: int) -> list[Breakdown]:
    indicators = data.indicators
    total = indicators["trainees"]
    return [
        Breakdown(
            key="themes",
            title=_("By theme"),
            label_heading=_("Theme"),
            rows=_profile_rows(indicators["by_theme"], total=total, year=year, filter_name="theme"),
            note=_("A course with several themes counts under each of them."),
        ),
        Breakdown(
            key="structure_types",
            title=_("By structure type"),
            label_heading=_("Structure type"),
            rows=_profile_rows(
                structure_type_breakdown(data.structures), total=total, year=year, filter_name="structure_type"
            ),
            note=_("The trainee's structure as declared when registering."),
        ),
        Breakdown(
            key="sectors",
            title=_("By activity sector"),
            label_heading=_("Activity sector"),
            rows=_profile_rows(indicators["by_sector"], total=total, year=year, filter_name="sector"),
        ),
        Breakdown(
            key="categories",
            title=_("By socio-professional category"),
            label_heading=_("Socio-professional category"),
            rows=_profile_rows(indicators["by_professional_category"], total=total, year=year, filter_name="category"),
        ),
    ]


def _month_end(month: datetime.date) -> datetime.date:
    following = (month.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)
    return following - datetime.timedelta(days=1)


def _months(data: _YearData, *, year: int) -> list[MonthPoint]:
    """The hot expectations rate and its respondents by month of the session's last day."""
    answers = data.answers.merge(data.response_sessions, on="response_id", how="inner").merge(
        data.details[["session_id", "last_day"]], on="session_id", how="inner"
    )
    answers = answers[answers["kind"] == HOT]
    months = {datetime.date(year, number, 1) for number in range(1, 13)}
    answer_months = answers["last_day"].map(lambda day: day.replace(day=1)) if len(answers) else pd.Series(dtype=object)
    months |= set(answer_months)
    no_invitation = data.invitations.iloc[0:0]
    points = []
    for month in sorted(months):
        rows = answers[answer_months == month] if len(answers) else answers
        hot = survey_indicators(rows, no_invitation)["hot"]
        points.append(
            MonthPoint(
                month=month,
                label=date_format(month, "F Y"),
                short_label=date_format(month, "N") if month.year == year else date_format(month, "N Y"),
                rate=hot["expectations_rate"],
                n=hot["n"],
                # The results' period is on the sessions' first day: the month's sessions started in it or before.
                url=survey_results_url(date_from=month, date_to=_month_end(month)),
            )
        )
    return points


def _no_comparison(figure: KeyFigure, *, previous_year: int, inline: bool = True) -> KeyFigure:
    """The figure when nothing was held the previous year: no change to show (it would only repeat the figure)."""
    text = _("%(year)s: no training held") % {"year": previous_year} if inline else EMPTY
    return replace(figure, previous=text, change=None)


def dashboard_for_year(*, year: int, today: datetime.date | None = None) -> Dashboard:
    """Everything the dashboard and the key-figures PDF show for `year` (13 queries)."""
    today = today or timezone.localdate()
    data = _year_data(year=year, today=today)
    current = data.indicators
    previous = indicators_for_year(year=year - 1, today=today)
    key_figures = _key_figures(current, previous, year=year)
    funding_rows = _funding_rows(current, previous, year=year)
    survey_figures = _survey_figures(current, previous, year=year)
    sold_duration = _sold_duration(current, previous, year=year)
    if not previous["sessions"]["total"]:
        key_figures = [_no_comparison(figure, previous_year=year - 1) for figure in key_figures]
        survey_figures = [_no_comparison(figure, previous_year=year - 1) for figure in survey_figures]
        sold_duration = _no_comparison(sold_duration, previous_year=year - 1)
        funding_rows = [
            replace(
                row,
                sessions=replace(row.sessions, change=None),
                duration=_no_comparison(row.duration, previous_year=year - 1, inline=False),
            )
            for row in funding_rows
        ]
    sessions_fill = _sessions_fill(data)
    return Dashboard(
        year=year,
        previous_year=year - 1,
        today=today,
        indicators=current,
        previous=previous,
        key_figures=key_figures,
        funding_rows=funding_rows,
        survey_figures=survey_figures,
        sessions_fill=sessions_fill,
        departments=_departments(data, year=year),
        breakdowns=_breakdowns(data, year=year),
        months=_months(data, year=year),
        low_fill_count=sum(1 for row in sessions_fill if row.is_low),
        sold_duration=sold_duration,
    )


def dashboard_years(*, today: datetime.date | None = None) -> list[int]:
    """The years the selector offers: from the first half-day on record to next year, latest first."""
    today = today or timezone.localdate()
    first = Slot.objects.aggregate(first=Min("date"))["first"]
    start = min(first.year if first else today.year, today.year)
    return list(range(today.year + 1, start - 1, -1))


# The summary on the admin home page
# ------------------------------------------------------------------------------


def home_summary(*, today: datetime.date | None = None) -> dict:
    """The year's four headline figures (sessions, trainees, satisfaction, needs met): 5 queries."""
    today = today or timezone.localdate()
    indicators = indicators_for_year(year=today.year, today=today)
    hot, cold = indicators["hot"], indicators["cold"]
    return {
        "year": today.year,
        "url": dashboard_url(),
        "figures": [
            KeyFigure(
                "sessions",
                _("Sessions held"),
                format_number(indicators["sessions"]["total"]),
                url=sessions_url(year=today.year),
            ),
            KeyFigure(
                "trainees", _("Trainees"), format_number(indicators["trainees"]), url=registrations_url(year=today.year)
            ),
            KeyFigure(
                "hot_expectations",
                _("Satisfaction"),
                format_percent(hot["expectations_rate"]),
                detail=_respondents(hot["n"]),
                url=survey_results_url(year=today.year),
            ),
            KeyFigure(
                "cold_needs_met",
                _("Needs met at six months"),
                format_percent(cold["needs_met_rate"]),
                detail=_respondents(cold["n"]),
                url=survey_results_url(year=today.year),
            ),
        ],
    }


# The charts of the key-figures PDF (inline SVG)
# ------------------------------------------------------------------------------


@dataclass(frozen=True)
class SvgBar:
    y: float
    lines: list[str]
    width: float
    value: str
    text_y: float
    is_unknown: bool


@dataclass(frozen=True)
class SvgBarChart:
    """A horizontal bar chart drawn in SVG user units: labels right-aligned before `label_width`,
    bars from there over `bar_area`, the written value after the bar."""

    width: int
    height: float
    label_width: int
    bar_area: int
    bar_height: int
    font_size: float
    line_height: float
    bars: list[SvgBar]

    @property
    def label_x(self) -> int:
        return self.label_width - 6

    @property
    def value_x(self) -> int:
        return self.label_width + self.bar_area + 5


def _wrap(label: str, width: int, lines: int) -> list[str]:
    wrapped = textwrap.wrap(label, width) or [""]
    if len(wrapped) > lines:
        wrapped = [*wrapped[: lines - 1], textwrap.shorten(" ".join(wrapped[lines - 1 :]), width, placeholder="…")]
    return wrapped


def svg_bar_chart(
    rows: list[dict],
    *,
    total: int,
    width: int = 320,
    label_width: int = 128,
    value_width: int = 76,
    wrap: int = 22,
    font_size: float = 9.5,
) -> SvgBarChart:
    """Geometry of a horizontal bar chart of the trainees of each breakdown row: the label wrapped on
    three lines at most, the bar's length relative to the largest row, the count and the share of
    the year's trainees written after it."""
    line_height = font_size * 1.15
    bar_height, gap = round(font_size * 1.2), font_size * 0.55
    bar_area = width - label_width - value_width
    largest = max((row["trainees"] for row in rows), default=0)
    bars, y = [], 2.0
    for row in rows:
        lines = _wrap(row["label"], wrap, 3)
        block = max(bar_height, line_height * len(lines))
        bars.append(
            SvgBar(
                y=round(y + (block - bar_height) / 2, 2),
                lines=lines,
                width=round(row["trainees"] / largest * bar_area, 1) if largest else 0,
                value=f"{format_number(row['trainees'])} ({_share(row['trainees'], total)})",
                text_y=round(y + (block - line_height * len(lines)) / 2 + font_size * 0.92, 2),
                is_unknown=row["code"] is None,
            )
        )
        y += block + gap
    return SvgBarChart(
        width=width,
        height=round(y, 2),
        label_width=label_width,
        bar_area=bar_area,
        bar_height=bar_height,
        font_size=font_size,
        line_height=round(line_height, 2),
        bars=bars,
    )
