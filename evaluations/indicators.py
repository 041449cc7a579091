"""The yearly indicators and the published results (Qualiopi indicator 2), computed from the data.

Everything here is a read: querysets → pandas DataFrames → plain data (dicts of ints, floats,
strings, None and lists, ready for JSON). The management command `indicators`, the annual
reports and the results published on the course sheets and the home page all call these
functions, so a figure is never computed twice nor typed by hand.

Each table is loaded once with `values_list()` (a fixed number of queries whatever the size of
the data: 5 for the yearly indicators, 2 for the published results) and every count is done in
pandas.

Definitions (`spec/historical-workbook.md`, "How the yearly indicators count"; DESIGN.md §4)
--------------------------------------------------------------------------------------------

- **Held session**: status `done` (what the import maps `realisee` to), or, for live data whose
  status nobody moved on, a session still `open` or `closed` whose last half-day is on a day
  before `today`. Cancelled and draft sessions never count, whatever their dates. A session
  belongs to the period that holds its first day (year Y = year of its first day).
- **Filters** (`IndicatorFilters`) narrow the held sessions: funding, département of the
  session, theme of its course (slug), course (page id), trainer (id). Everything below is
  counted over the sessions they keep, the survey answers included.
- **trainees**: confirmed registrations with attended hours > 0 (hours recorded by the import,
  else the locked half-days), over the held sessions. A no-show (confirmed, 0 hour), a
  waiting-list, refused, pending or cancelled registration never counts. A person trained twice
  counts twice in `trainees` and once in `distinct_trainees`. `trainee_hours` sums their hours.
- **avg_duration_days[funding]**: mean over the held sessions of that funding (`all`: every
  funding) of planned hours (sum of the half-days) ÷ 7; None when there is no such session.
- **fill_rate**: trainees ÷ seats, over the held sessions whose capacity is known (> 0): the
  share of the seats offered that were actually used by someone who attended, so no-shows lower
  it. None when no session has seats. It may exceed 1 when the coordination added people beyond
  the capacity.
- **Survey rates**: a respondent is one `Response` of a campaign about a held session (one per
  campaign and registration by a database constraint, replaced when the person edits it, so the
  latest answer wins; an anonymous response, without registration, is one respondent too). The
  cohort is the session's: a 2025 training answered in 2026 counts in 2025.
  `hot.expectations_rate`: among respondents who answered the question feeding
  `Indicator.EXPECTATIONS` in a campaign of kind `hot`, the share answering 3 or 4
  (`SCALE_SATISFIED`); `hot.n` is that number of respondents (`hot.objectives_rate` /
  `hot.objectives_n` likewise for `Indicator.OBJECTIVES`). `cold.needs_met_rate` /
  `cold.practice_rate`: among respondents to the questions feeding `Indicator.NEEDS_MET` /
  `Indicator.PRACTICE` (kind `cold`), the share answering yes (stored as 1); `cold.n` counts the
  respondents to needs met, `cold.practice_n` those to practice. A positive answer is 3 or 4 on
  the four-point scale, 1 (yes) for a yes/no question; answers to questions of another type are
  not counted. Should a questionnaire have two questions feeding one indicator, the first one
  (by position) is the respondent's answer.
- **Response rates**: `hot.response_rate` / `cold.response_rate` = invitations answered ÷
  invitations sent, over the campaigns sent from this system (imported history has no
  invitations and is left out); `hot.invitations` / `cold.invitations` is the denominator. None
  when there are only imported campaigns.
- Rates are fractions 0–1, unrounded, None when their denominator is 0.

Breakdowns (`by_department`, `by_theme`, `by_sector`, `by_professional_category`) are lists of
rows `{"code", "label", "sessions", "trainees", "trainee_hours"}`: `sessions` is the number of
held sessions of the row (for sectors and categories: that had at least one trainee of the
row), `trainees` and `trainee_hours` as above. `code` is the département code, the theme slug,
the reference label for sectors and categories, and None for the row of the unknown ("no
theme", "not specified"), which comes last. Départements are the session's (where the training
took place), sorted by code; a course with several themes counts under each of them, so the
theme rows may add up to more than the totals; sectors and categories are those of the
registration (the profile as it was when the person registered), in the order of their lists.
Only rows with at least one session or trainee are listed.

Published results (`results_published`)
---------------------------------------

The course sheet and the home page show the satisfaction rate (hot expectations), the needs-met
and put-into-practice rates six months later, each with its number of respondents and response
rate, over the sessions of the **last complete year and the current one** (first day from
1 January of last year up to today): a period of one to two years that always holds a whole
yearly cohort, lets the six-month answers (which come half a year after the training) build up,
and gives a single course enough answers to publish. A rate is published only when at least
`PUBLICATION_MIN_RESPONDENTS` people answered its question.
"""

from __future__ import annotations

import datetime
from dataclasses import asdict, dataclass

import pandas as pd

from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from cms.models import CoursePage
from training.choices import Funding, RegistrationStatus, SessionStatus
from training.models import Registration, Session

from .choices import SCALE_SATISFIED, CampaignOrigin, Indicator, QuestionnaireKind, QuestionType
from .models import Answer, Invitation

# A published rate needs at least this many respondents (below, the page says it is not published yet).
PUBLICATION_MIN_RESPONDENTS = 5

HOURS_PER_DAY = 7
FUNDINGS = tuple(Funding.values)
HOT, COLD = QuestionnaireKind.HOT.value, QuestionnaireKind.COLD.value
# (campaign kind, indicator) pairs the rates count.
SURVEY_INDICATORS = (
    (HOT, Indicator.EXPECTATIONS.value),
    (HOT, Indicator.OBJECTIVES.value),
    (COLD, Indicator.NEEDS_MET.value),
    (COLD, Indicator.PRACTICE.value),
)
_LAST = 1_000_000  # sort position of the "unknown" row of a breakdown


@dataclass(frozen=True)
class IndicatorFilters:
    """Which held sessions count; empty values mean any."""

    funding: str = ""
    department: str = ""  # département code of the session, e.g. "09"
    theme: str = ""  # slug of a theme of the session's course
    course: int | None = None  # course page id
    trainer: int | None = None  # trainer id

    def as_dict(self) -> dict:
        return {name: value for name, value in asdict(self).items() if value not in ("", None)}


# Querysets
# ------------------------------------------------------------------------------


def sessions_held(
    *,
    first_day: datetime.date,
    last_day: datetime.date,
    filters: IndicatorFilters | None = None,
    today: datetime.date | None = None,
) -> QuerySet[Session]:
    """The held sessions whose first day is between `first_day` and `last_day` (included)."""
    today = today or timezone.localdate()
    filters = filters or IndicatorFilters()
    held = Q(status=SessionStatus.DONE) | Q(status__in=(SessionStatus.OPEN, SessionStatus.CLOSED), last_day__lt=today)
    sessions = Session.objects.with_schedule().filter(held, first_day__gte=first_day, first_day__lte=last_day)
    if filters.funding:
        sessions = sessions.filter(funding=filters.funding)
    if filters.department:
        sessions = sessions.filter(department__code=filters.department)
    if filters.theme:
        sessions = sessions.filter(course__themes__slug=filters.theme)
    if filters.course is not None:
        sessions = sessions.filter(course_id=filters.course)
    if filters.trainer is not None:
        sessions = sessions.filter(trainers=filters.trainer)
    return sessions.order_by()


# DataFrames (one query each)
# ------------------------------------------------------------------------------


def _frame(rows, columns: list[str], *, integers: tuple[str, ...] = ()) -> pd.DataFrame:
    """A DataFrame of these rows; the `integers` columns typed even when there is no row (for merges)."""
    frame = pd.DataFrame.from_records(list(rows), columns=columns)
    return frame.astype(dict.fromkeys(integers, "int64"))


def _centi(values: pd.Series) -> pd.Series:
    """Hours (Decimals with two decimals) as whole hundredths, so that sums stay exact."""
    return (pd.to_numeric(values, errors="coerce").fillna(0) * 100).round().astype("int64")


def sessions_frame(sessions: QuerySet[Session]) -> pd.DataFrame:
    """One row per session: session_id, funding, department_code, department_name, course_id,
    capacity, planned_centihours."""
    frame = _frame(
        sessions.values_list(
            "pk", "funding", "department__code", "department__name", "course_id", "capacity", "planned_hours"
        ),
        ["session_id", "funding", "department_code", "department_name", "course_id", "capacity", "planned_hours"],
        integers=("session_id", "course_id", "capacity"),
    )
    frame["planned_centihours"] = _centi(frame.pop("planned_hours"))
    return frame


def trainees_frame(sessions: QuerySet[Session]) -> pd.DataFrame:
    """One row per trainee (confirmed registration with attended hours) of these sessions."""
    registrations = (
        Registration.objects.filter(session__in=sessions.values("pk"), status=RegistrationStatus.CONFIRMED)
        .with_hours_attended()
        .filter(hours_attended__gt=0)
        .order_by()
    )
    frame = _frame(
        registrations.values_list(
            "session_id",
            "user_id",
            "hours_attended",
            "activity_sector__label",
            "activity_sector__position",
            "professional_category__label",
            "professional_category__position",
        ),
        ["session_id", "user_id", "hours", "sector", "sector_position", "category", "category_position"],
        integers=("session_id", "user_id"),
    )
    frame["centihours"] = _centi(frame.pop("hours"))
    return frame


def themes_frame(sessions: QuerySet[Session]) -> pd.DataFrame:
    """The themes of the courses of these sessions: course_id, slug, name, position."""
    links = CoursePage.themes.through.objects.filter(coursepage_id__in=sessions.values("course_id"))
    return _frame(
        links.values_list("coursepage_id", "theme__slug", "theme__name", "theme__position"),
        ["course_id", "slug", "name", "position"],
        integers=("course_id", "position"),
    )


def answers_frame(sessions: QuerySet[Session]) -> pd.DataFrame:
    """The answers that feed the survey rates, for campaigns about these sessions: response_id,
    kind (of campaign), indicator, type (of question), sort_order (of question), number."""
    answers = Answer.objects.filter(
        response__campaign__session__in=sessions.values("pk"),
        response__campaign__kind__in=(HOT, COLD),
        question__indicator__in={indicator for _kind, indicator in SURVEY_INDICATORS},
        question__type__in=(QuestionType.SCALE, QuestionType.YES_NO),
        number__isnull=False,
    )
    return _frame(
        answers.values_list(
            "response_id",
            "response__campaign__kind",
            "question__indicator",
            "question__type",
            "question__sort_order",
            "number",
        ),
        ["response_id", "kind", "indicator", "type", "sort_order", "number"],
        integers=("response_id", "sort_order", "number"),
    )


def invitations_frame(sessions: QuerySet[Session]) -> pd.DataFrame:
    """Invitations sent and answered per campaign kind (hot, cold), campaigns sent from this system only."""
    invitations = (
        Invitation.objects.filter(campaign__session__in=sessions.values("pk"), campaign__kind__in=(HOT, COLD))
        .exclude(campaign__origin=CampaignOrigin.IMPORT)
        .order_by()
        .values("campaign__kind")
        .annotate(invited=Count("pk"), answered=Count("answered_at"))
    )
    return _frame(
        invitations.values_list("campaign__kind", "invited", "answered"),
        ["kind", "invited", "answered"],
        integers=("invited", "answered"),
    )


# Computations (DataFrames → plain data)
# ------------------------------------------------------------------------------


def _ratio(numerator, denominator) -> float | None:
    return int(numerator) / int(denominator) if denominator else None


def _mean_days(sessions: pd.DataFrame) -> float | None:
    return _ratio(sessions["planned_centihours"].sum(), len(sessions) * 100 * HOURS_PER_DAY) if len(sessions) else None


def sessions_with_trainees(sessions: pd.DataFrame, trainees: pd.DataFrame) -> pd.DataFrame:
    """The sessions frame with each session's `trainees` and `centihours`."""
    counts = trainees.groupby("session_id").agg(trainees=("user_id", "size"), centihours=("centihours", "sum"))
    merged = sessions.merge(counts, left_on="session_id", right_index=True, how="left")
    for column in ("trainees", "centihours"):
        merged[column] = merged[column].fillna(0).astype("int64")
    return merged


def session_indicators(sessions: pd.DataFrame, trainees: pd.DataFrame) -> dict:
    """Sessions, trainees, hours, durations and fill rate."""
    per_session = sessions_with_trainees(sessions, trainees)
    with_seats = per_session[per_session["capacity"] > 0]
    return {
        "sessions": {
            "total": len(sessions),
            "by_funding": {funding: int((sessions["funding"] == funding).sum()) for funding in FUNDINGS},
        },
        "trainees": len(trainees),
        "distinct_trainees": int(trainees["user_id"].nunique()),
        "trainee_hours": int(trainees["centihours"].sum()) / 100,
        "avg_duration_days": {
            "all": _mean_days(sessions),
            **{funding: _mean_days(sessions[sessions["funding"] == funding]) for funding in FUNDINGS},
        },
        "seats": int(with_seats["capacity"].sum()),
        "fill_rate": _ratio(with_seats["trainees"].sum(), with_seats["capacity"].sum()),
    }


def survey_indicators(answers: pd.DataFrame, invitations: pd.DataFrame) -> dict:
    """The hot and cold rates, their respondents and response rates."""
    # The few distinct texts as categories: comparing and hashing them is then done on integer codes
    # (on a year of 300,000 answers, about 4× faster than on the strings; same results).
    answers = answers.astype(dict.fromkeys(("kind", "indicator", "type"), "category"))
    # Each respondent's answer to an indicator is that of its first question by position: a stable
    # sort on the position keeps, among equal positions, the rows' order, then the first row wins.
    answers = answers.sort_values("sort_order", kind="stable").drop_duplicates(["response_id", "kind", "indicator"])
    positive = ((answers["type"] == QuestionType.SCALE.value) & answers["number"].isin(SCALE_SATISFIED)) | (
        (answers["type"] == QuestionType.YES_NO.value) & (answers["number"] == 1)
    )

    def share(kind: str, indicator: str) -> tuple[float | None, int]:
        chosen = positive[(answers["kind"] == kind) & (answers["indicator"] == indicator)]
        return _ratio(chosen.sum(), len(chosen)), len(chosen)

    def response_rate(kind: str) -> tuple[float | None, int]:
        rows = invitations[invitations["kind"] == kind]
        invited = int(rows["invited"].sum())
        return _ratio(rows["answered"].sum(), invited), invited

    expectations_rate, hot_n = share(HOT, Indicator.EXPECTATIONS.value)
    objectives_rate, objectives_n = share(HOT, Indicator.OBJECTIVES.value)
    needs_met_rate, cold_n = share(COLD, Indicator.NEEDS_MET.value)
    practice_rate, practice_n = share(COLD, Indicator.PRACTICE.value)
    hot_response_rate, hot_invitations = response_rate(HOT)
    cold_response_rate, cold_invitations = response_rate(COLD)
    return {
        "hot": {
            "expectations_rate": expectations_rate,
            "n": hot_n,
            "objectives_rate": objectives_rate,
            "objectives_n": objectives_n,
            "response_rate": hot_response_rate,
            "invitations": hot_invitations,
        },
        "cold": {
            "needs_met_rate": needs_met_rate,
            "practice_rate": practice_rate,
            "n": cold_n,
            "practice_n": practice_n,
            "response_rate": cold_response_rate,
            "invitations": cold_invitations,
        },
    }


def _breakdown(rows: pd.DataFrame) -> list[dict]:
    """Rows with columns code, label, order, session_id, trainees, centihours → the breakdown list.
    An empty `code` is the unknown row (code None)."""
    if rows.empty:
        return []
    grouped = (
        rows.groupby("code", sort=False)
        .agg(
            label=("label", "first"),
            order=("order", "first"),
            sessions=("session_id", "nunique"),
            trainees=("trainees", "sum"),
            centihours=("centihours", "sum"),
        )
        .reset_index()
        .sort_values(["order", "label"], kind="stable")
    )
    return [
        {
            "code": code or None,
            "label": label,
            "sessions": int(sessions),
            "trainees": int(trainees),
            "trainee_hours": int(centihours) / 100,
        }
        for code, label, sessions, trainees, centihours in grouped[
            ["code", "label", "sessions", "trainees", "centihours"]
        ].itertuples(index=False)
    ]


def department_breakdown(per_session: pd.DataFrame) -> list[dict]:
    rows = per_session.assign(
        code=per_session["department_code"], label=per_session["department_name"], order=per_session["department_code"]
    )
    return _breakdown(rows)


def theme_breakdown(per_session: pd.DataFrame, themes: pd.DataFrame) -> list[dict]:
    rows = per_session.merge(themes, on="course_id", how="left")
    unknown = rows["slug"].isna()
    rows = rows.assign(
        code=rows["slug"].fillna("").astype(str),
        label=rows["name"].where(~unknown, _("No theme")).astype(str),
        order=pd.to_numeric(rows["position"]).fillna(_LAST).astype("int64"),
    )
    return _breakdown(rows)


def profile_breakdown(trainees: pd.DataFrame, *, column: str) -> list[dict]:
    """Trainees by a reference list of their registration (`sector` or `category`)."""
    unknown = trainees[column].isna()
    rows = trainees.assign(
        code=trainees[column].fillna("").astype(str),
        label=trainees[column].where(~unknown, _("Not specified")).astype(str),
        order=pd.to_numeric(trainees[f"{column}_position"]).fillna(_LAST).astype("int64"),
        trainees=1,
    )
    return _breakdown(rows)


def indicators_compute(
    *,
    sessions: pd.DataFrame,
    trainees: pd.DataFrame,
    themes: pd.DataFrame,
    answers: pd.DataFrame,
    invitations: pd.DataFrame,
) -> dict:
    """Every indicator from the loaded frames (see the module docstring for the definitions)."""
    per_session = sessions_with_trainees(sessions, trainees)
    return {
        **session_indicators(sessions, trainees),
        **survey_indicators(answers, invitations),
        "by_department": department_breakdown(per_session),
        "by_theme": theme_breakdown(per_session, themes),
        "by_sector": profile_breakdown(trainees, column="sector"),
        "by_professional_category": profile_breakdown(trainees, column="category"),
    }


# Entry points
# ------------------------------------------------------------------------------


def indicators_for_period(
    *,
    first_day: datetime.date,
    last_day: datetime.date,
    filters: IndicatorFilters | None = None,
    today: datetime.date | None = None,
) -> dict:
    """The indicators of the sessions held whose first day is in [first_day, last_day]."""
    filters = filters or IndicatorFilters()
    sessions = sessions_held(first_day=first_day, last_day=last_day, filters=filters, today=today)
    return {
        "period": {"first_day": first_day.isoformat(), "last_day": last_day.isoformat()},
        "filters": filters.as_dict(),
        **indicators_compute(
            sessions=sessions_frame(sessions),
            trainees=trainees_frame(sessions),
            themes=themes_frame(sessions),
            answers=answers_frame(sessions),
            invitations=invitations_frame(sessions),
        ),
    }


def indicators_for_year(
    *, year: int, filters: IndicatorFilters | None = None, today: datetime.date | None = None
) -> dict:
    """The yearly indicators (`indicators --year Y`): sessions held whose first day is in year Y."""
    return {
        "year": year,
        **indicators_for_period(
            first_day=datetime.date(year, 1, 1), last_day=datetime.date(year, 12, 31), filters=filters, today=today
        ),
    }


@dataclass(frozen=True)
class PublishedRate:
    """One published figure: the rate, how many answered its question, the response rate if known."""

    rate: float | None
    n: int
    response_rate: float | None = None

    @property
    def is_published(self) -> bool:
        return self.rate is not None and self.n >= PUBLICATION_MIN_RESPONDENTS


@dataclass(frozen=True)
class PublishedResults:
    first_day: datetime.date
    last_day: datetime.date
    satisfaction: PublishedRate
    needs_met: PublishedRate
    practice: PublishedRate

    @property
    def has_respondents(self) -> bool:
        return any(rate.n for rate in (self.satisfaction, self.needs_met, self.practice))


def publication_period(today: datetime.date) -> tuple[datetime.date, datetime.date]:
    """The sessions the published results cover: from 1 January of last year to today."""
    return datetime.date(today.year - 1, 1, 1), today


def results_published(*, course_id: int | None = None, today: datetime.date | None = None) -> PublishedResults:
    """The results shown to the public (of one course, or of all): two queries."""
    today = today or timezone.localdate()
    first_day, last_day = publication_period(today)
    sessions = sessions_held(
        first_day=first_day, last_day=last_day, filters=IndicatorFilters(course=course_id), today=today
    )
    surveys = survey_indicators(answers_frame(sessions), invitations_frame(sessions))
    hot, cold = surveys["hot"], surveys["cold"]
    return PublishedResults(
        first_day=first_day,
        last_day=last_day,
        satisfaction=PublishedRate(hot["expectations_rate"], hot["n"], hot["response_rate"]),
        needs_met=PublishedRate(cold["needs_met_rate"], cold["n"], cold["response_rate"]),
        practice=PublishedRate(cold["practice_rate"], cold["practice_n"], cold["response_rate"]),
    )
