"""The yearly indicators on a large year: `evaluations.indicators.indicators_for_year` against one SQL query.

Target (issue "Indicators and reports"): on a generated year of 100,000 registrations and 300,000
answers, `indicators_for_year` takes under 3 s and at most 3× the time of ONE hand-written SQL
query producing the same headline figures (sessions, trainees, distinct trainees, trainee-hours,
hot expectations rate and n, cold needs-met and practice rates and n).

The year (`YEAR`, which the demo does not use) is generated once in the bench database with
`bulk_create` in batches, and left alone when it is already there: 5,000 held sessions (2% of
them still `closed` but over, which count too) of 20 registrations each on one to three days of
half-days, plus 50 cancelled sessions that never count; 60,000 people, so many were trained more
than once; per session 17 trainees (hours recorded as the import does, or, in one session of
fifty, locked attendance sheets), one no-show, one waiting list and one cancellation; imported
hot and cold campaigns with 85,000 hot responses (`attentes`, `objectifs`) and 65,000 cold ones
(`besoins`, `mise_en_pratique`).

Then, in another process (so that generating does not inflate its memory): one warm-up of each,
then five rounds of (a) `indicators_for_year` and (b) the SQL query, interleaved, medians
compared; five rounds of each part of the function (the five queries into DataFrames, and the
pandas computation); the headline figures of (a) and (b) checked equal; the peak memory of one
computation (growth of the process's maximum resident set during the warm-up, and tracemalloc's
peak of a run of its own).

Rows in the table: "requests" are runs, "req/s" runs per second, percentiles the time of one run.
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path

from ..load import LoadResult
from ..report import Check, ScenarioResult
from ..site import BenchSite

YEAR = 2031  # a year the demo leaves empty
TODAY = (2032, 1, 15)  # the sessions still `closed` count as held from the day after their last one
SESSIONS = 5000
CANCELLED_SESSIONS = 50
REGISTRATIONS_PER_SESSION = 20
PEOPLE = 60_000
HOT_RESPONDENTS = 17  # per session: every trainee
COLD_RESPONDENTS = 13  # per session: the first 13 trainees, six months later
BATCH = 5000
RUNS = 5
TARGET_SECONDS = 3.0
RATIO_TARGET = 3.0
CODE_PREFIX = f"BENCH-IND-{YEAR}-"


def run(site: BenchSite, log: Callable[[str], None]) -> ScenarioResult:
    load_before = os.getloadavg()[0]
    log(
        f"  generating {YEAR}: {SESSIONS:,} sessions, {SESSIONS * REGISTRATIONS_PER_SESSION:,} registrations, "
        f"{SESSIONS * (HOT_RESPONDENTS + COLD_RESPONDENTS) * 2:,} answers (bulk_create, once)…"
    )
    generated = _shell(site, "year_generate()")
    log(f"  indicators_for_year({YEAR}) against one SQL query, {RUNS} rounds after a warm-up…")
    measured = _shell(site, f"indicators_measure({RUNS})")
    result = _result(generated, measured, database=site.database)
    result.notes.append(
        f"Load average (1 min) {load_before:.2f} at the start, {os.getloadavg()[0]:.2f} at the end, on "
        f"{os.cpu_count()} CPUs: other work on the machine stretches wall times, not CPU times."
    )
    return result


def _shell(site: BenchSite, call: str) -> dict:
    """Run one of the functions below in `manage.py shell` on the bench database; its JSON answer."""
    output = site.manage("shell", "-c", f"from bench.scenarios.indicators import *; {call}")
    return json.loads(output.strip().splitlines()[-1])


def _row(name: str, path: str, figures: dict) -> LoadResult:
    return LoadResult(
        name=name,
        path=path,
        clients=1,
        requests=figures["count"],
        errors=0,
        seconds=figures["seconds"],
        rps=round(figures["count"] / figures["seconds"], 2) if figures["seconds"] else 0.0,
        p50_ms=figures["p50_ms"],
        p95_ms=figures["p95_ms"],
        p99_ms=figures["p99_ms"],
    )


def _result(generated: dict, measured: dict, *, database: str) -> ScenarioResult:
    ours, sql = measured["function"], measured["sql"]
    ratio = ours["p50_ms"] / sql["p50_ms"] if sql["p50_ms"] else float("inf")
    figures = measured["figures"]
    differences = [
        f"{name}: {figures['function'][name]!r} vs SQL {figures['sql'][name]!r}" for name in measured["mismatches"]
    ]
    headline = ", ".join(
        f"{name} {value:,}" if isinstance(value, int) else f"{name} {value:.4f}" if value is not None else f"{name} —"
        for name, value in figures["function"].items()
    )
    checks = [
        Check(
            f"indicators_for_year({YEAR}) under {TARGET_SECONDS:.0f} s (median of {RUNS})",
            ours["p50_ms"] < TARGET_SECONDS * 1000,
            f"{ours['p50_ms'] / 1000:.2f} s (p95 {ours['p95_ms'] / 1000:.2f} s) on {database}",
        ),
        Check(
            f"at most {RATIO_TARGET:.0f}× one hand-written SQL query for the headline figures (medians)",
            ratio <= RATIO_TARGET,
            f"{ratio:.2f}× ({ours['p50_ms']:.0f} ms vs {sql['p50_ms']:.0f} ms)",
        ),
        Check(
            "the SQL query gives the same headline figures as the function",
            not measured["mismatches"],
            "identical: " + headline if not differences else "; ".join(differences),
        ),
        Check(
            f"the year holds {SESSIONS * REGISTRATIONS_PER_SESSION:,} registrations and "
            f"{SESSIONS * (HOT_RESPONDENTS + COLD_RESPONDENTS) * 2:,} answers",
            generated["rows"]["registrations"] == SESSIONS * REGISTRATIONS_PER_SESSION
            and generated["rows"]["answers"] == SESSIONS * (HOT_RESPONDENTS + COLD_RESPONDENTS) * 2,
            ", ".join(f"{count:,} {name}" for name, count in generated["rows"].items()),
        ),
    ]
    if generated["created"]:
        took = ", ".join(f"{name} {seconds:.1f} s" for name, seconds in generated["seconds"].items())
        generation = (
            f"Generated in {sum(generated['seconds'].values()):.0f} s with bulk_create in batches of {BATCH:,} ({took})"
        )
    else:
        generation = f"The year was already in the database ({CODE_PREFIX}…): not generated again"
    server = generated["server"]
    generation += f"; then ANALYZE ({generated['analyze_seconds']:.1f} s)" + (
        f". PostgreSQL {server['server_version']}: autovacuum {server['autovacuum']} (so without that ANALYZE the "
        f"planner knows nothing of the new rows), jit {server['jit']} above cost {server['jit_above_cost']}, "
        f"work_mem {server['work_mem']}, shared_buffers {server['shared_buffers']}."
        if server
        else "."
    )
    parts = measured["parts"]
    memory = measured["memory"]
    notes = [
        generation,
        f"Memory of one indicators_for_year: the process's maximum resident set grew by "
        f"{memory['maxrss_growth_mb']:.0f} MB during the warm-up (from {memory['maxrss_before_mb']:.0f} MB); "
        f"tracemalloc peak {memory['tracemalloc_peak_mb']:.0f} MB (a run of its own, {memory['tracemalloc_seconds']:.1f} s "
        f"under tracing). Frames: {', '.join(f'{name} {rows:,} rows' for name, rows in measured['frame_rows'].items())}.",
        f"Parts of the function, medians of {RUNS}: "
        + ", ".join(f"{name} {parts[name]['p50_ms']:.0f} ms" for name in parts)
        + f" (sum {sum(part['p50_ms'] for part in parts.values()):.0f} ms).",
        _cpu_note(measured, "default settings"),
        f"Counted: sessions held whose first day is in {YEAR}, today = {TODAY[0]}-{TODAY[1]:02d}-{TODAY[2]:02d}. "
        "The SQL: one statement (common table expressions: held sessions from their half-days, trainees with "
        "hours recorded or locked, the first answer per response and indicator by ROW_NUMBER), portable between "
        "SQLite and PostgreSQL.",
    ]
    notes += measured["notes"]
    measurements = [
        _row(f"indicators_for_year({YEAR})", "in-process", ours),
        _row("one SQL query, headline figures", "in-process", sql),
    ]
    if without_jit := measured["without_jit"]:
        nojit_ratio = without_jit["function"]["p50_ms"] / without_jit["sql"]["p50_ms"]
        measurements += [
            _row(f"indicators_for_year({YEAR}), jit off", "in-process", without_jit["function"]),
            _row("one SQL query, jit off", "in-process", without_jit["sql"]),
        ]
        notes.append(
            f"With PostgreSQL's JIT compilation off for the connection (SET jit = off, {RUNS} more interleaved "
            f"rounds): function {without_jit['function']['p50_ms']:.0f} ms, SQL {without_jit['sql']['p50_ms']:.0f} ms, "
            f"{nojit_ratio:.2f}×. The function's queries filter on the held sessions through correlated subqueries "
            "(first and last day, hours locked), whose estimated cost passes jit_above_cost on a year this large: "
            "the server then spends part of a second compiling them."
        )
        notes.append(_cpu_note(without_jit, "jit off"))
    measurements += [_row(f"  part: {name}", "in-process", figures) for name, figures in parts.items()]
    return ScenarioResult(name="indicators", measurements=measurements, checks=checks, notes=notes)


def _cpu_note(figures: dict, label: str) -> str:
    """CPU times, less stretched than wall times by other work on the machine: this process's, and its
    PostgreSQL backend's when the server runs on this machine (on SQLite, the process does everything)."""
    function, sql = figures["function_cpu"]["p50_ms"], figures["sql_cpu"]["p50_ms"]
    if "function_total_cpu" not in figures:
        return f"CPU time of the process ({label}), medians: function {function:.0f} ms, SQL {sql:.0f} ms."
    total_function, total_sql = figures["function_total_cpu"]["p50_ms"], figures["sql_total_cpu"]["p50_ms"]
    return (
        f"CPU time ({label}), medians, this process + its PostgreSQL backend: function {total_function:.0f} ms "
        f"({function:.0f} + {figures['function_server_cpu']['p50_ms']:.0f}), SQL {total_sql:.0f} ms "
        f"({sql:.0f} + {figures['sql_server_cpu']['p50_ms']:.0f}): "
        + (f"{total_function / total_sql:.2f}×." if total_sql else "—.")
    )


# Run inside Django (`manage.py shell` with the bench's settings), each printing one JSON line.


def _emit(answer: dict) -> None:
    sys.stdout.write(json.dumps(answer) + "\n")
    sys.stdout.flush()


def _figures(seconds: list[float]) -> dict:
    import statistics

    cuts = statistics.quantiles(seconds, n=100, method="inclusive") if len(seconds) > 1 else seconds * 99
    return {
        "count": len(seconds),
        "seconds": round(sum(seconds), 3),
        "p50_ms": round(statistics.median(seconds) * 1000, 1),
        "p95_ms": round(cuts[94] * 1000, 1),
        "p99_ms": round(cuts[98] * 1000, 1),
    }


def _year_rows() -> dict[str, int]:
    from evaluations.models import Answer, Campaign, Response
    from training.models import Registration, Session

    sessions = Session.objects.filter(code__startswith=CODE_PREFIX)
    return {
        "sessions": sessions.count(),
        "registrations": Registration.objects.filter(session__in=sessions).count(),
        "campaigns": Campaign.objects.filter(session__in=sessions).count(),
        "responses": Response.objects.filter(campaign__session__in=sessions).count(),
        "answers": Answer.objects.filter(response__campaign__session__in=sessions).count(),
    }


def _batches(objects, size: int = BATCH):
    batch = []
    for obj in objects:
        batch.append(obj)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def _spread(key: int, salt: int) -> int:
    """A deterministic number 0–99 for a row, so answers and profiles vary without a random generator."""
    return (key * 2654435761 + salt * 40503) % 1000 // 10


def year_generate() -> None:
    """The bench year, created once (all or nothing) with `bulk_create` in batches; the time of each table."""
    import datetime
    import itertools
    from decimal import Decimal

    from django.contrib.auth.hashers import make_password
    from django.db import transaction
    from django.utils import timezone

    from accounts.models import ActivitySector, Department, ProfessionalCategory, User
    from cms.models import CoursePage
    from evaluations.choices import CampaignOrigin, CampaignStatus, QuestionnaireKind, ResponseSource
    from evaluations.models import Answer, Campaign, Question, Response
    from training.choices import (
        AttendanceStatus,
        Funding,
        Period,
        RegistrationSource,
        RegistrationStatus,
        SessionStatus,
        SheetStatus,
    )
    from training.models import Attendance, AttendanceSheet, Organisation, Registration, Session, Slot

    existing = _year_rows()
    if existing["sessions"]:
        if existing["sessions"] != SESSIONS + CANCELLED_SESSIONS:
            raise RuntimeError(f"{CODE_PREFIX}… sessions are there but not all of them: {existing}")
        _emit({"created": False, "rows": existing, "seconds": {}, **_statistics_refresh()})
        return

    seconds: dict[str, float] = {}
    half_day = Decimal("3.5")
    now = timezone.now()
    paris = timezone.get_current_timezone()

    def timed(name: str, create: Callable[[], list]):
        started = time.perf_counter()
        created = create()
        seconds[name] = seconds.get(name, 0.0) + time.perf_counter() - started
        return created

    def bulk(model, objects) -> list:
        created = []
        for batch in _batches(objects):
            created += model.objects.bulk_create(batch)
        return created

    courses = list(CoursePage.objects.live().order_by("pk")) or list(CoursePage.objects.order_by("pk"))
    departments = list(Department.objects.order_by("code"))
    sectors = list(ActivitySector.objects.order_by("position", "pk"))
    categories = list(ProfessionalCategory.objects.order_by("position", "pk"))
    questions = {
        (question.questionnaire.slug, question.key): question
        for question in Question.objects.select_related("questionnaire").filter(
            questionnaire__slug__in=("a_chaud", "a_froid_6_mois"),
            key__in=("attentes", "objectifs", "besoins", "mise_en_pratique"),
        )
    }
    hot_questionnaire = questions[("a_chaud", "attentes")].questionnaire
    cold_questionnaire = questions[("a_froid_6_mois", "besoins")].questionnaire
    fundings = [Funding.DRAPPS] * 12 + [Funding.INTER] * 4 + [Funding.INTRA] * 3 + [Funding.OTHER]
    first_monday = datetime.date(YEAR, 1, 6)
    while first_monday.weekday():
        first_monday += datetime.timedelta(days=1)

    def days_of(index: int) -> int:
        return 1 + index % 3

    def first_day_of(index: int) -> datetime.date:
        # 50 weeks, sessions starting Monday to Wednesday: every day of a session is in its week.
        return first_monday + datetime.timedelta(weeks=(index // 3) % 50, days=index % 3)

    def uses_attendance(index: int) -> bool:  # one session in fifty: locked sheets instead of recorded hours
        return index % 50 == 7

    with transaction.atomic():
        client = Organisation.objects.create(name=f"Structure cliente du banc d'essai {YEAR}")

        def session_build(index: int) -> Session:
            funding = fundings[index % len(fundings)]
            if index >= SESSIONS:
                status = SessionStatus.CANCELLED
            elif index % 50 == 49:
                status = SessionStatus.CLOSED  # nobody marked it held: it counts once its last day is over
            else:
                status = SessionStatus.DONE
            return Session(
                course=courses[index % len(courses)],
                code=f"{CODE_PREFIX}{index:05d}",
                funding=funding,
                client_organisation=client if funding == Funding.INTRA else None,
                department=departments[index % len(departments)],
                capacity=REGISTRATIONS_PER_SESSION,
                status=status,
                imported_at=now,
            )

        sessions = timed(
            "sessions", lambda: bulk(Session, (session_build(index) for index in range(SESSIONS + CANCELLED_SESSIONS)))
        )
        slots = timed(
            "slots",
            lambda: bulk(
                Slot,
                (
                    Slot(
                        session=session,
                        date=first_day_of(index) + datetime.timedelta(days=day),
                        period=period,
                        starts_at=starts,
                        ends_at=ends,
                        hours=half_day,
                    )
                    for index, session in enumerate(sessions)
                    for day in range(days_of(index))
                    for period, starts, ends in (
                        (Period.MORNING, datetime.time(9), datetime.time(12, 30)),
                        (Period.AFTERNOON, datetime.time(13, 30), datetime.time(17)),
                    )
                ),
            ),
        )
        password = make_password(None)
        people = timed(
            "people",
            lambda: bulk(
                User,
                (
                    User(
                        email=f"bench-ind-{number:05d}@bench.test",
                        first_name="Camille",
                        last_name=f"Stagiaire {number:05d}",
                        password=password,
                    )
                    for number in range(PEOPLE)
                ),
            ),
        )

        def registration(index: int, session, seat: int) -> Registration:
            key = index * REGISTRATIONS_PER_SESSION + seat
            planned = half_day * 2 * days_of(index)
            status = {
                REGISTRATIONS_PER_SESSION - 1: RegistrationStatus.CANCELLED,
                REGISTRATIONS_PER_SESSION - 2: RegistrationStatus.WAITLISTED,
            }.get(seat, RegistrationStatus.CONFIRMED)
            if status != RegistrationStatus.CONFIRMED or uses_attendance(index):
                hours = None
            elif seat == REGISTRATIONS_PER_SESSION - 3:
                hours = Decimal(0)  # a no-show
            else:
                hours = planned - half_day if seat == 0 and planned > half_day else planned
            spread = _spread(key, 1)
            return Registration(
                session=session,
                # 7 is prime to PEOPLE: 20 seats in a row are 20 different people.
                user=people[(key * 7) % PEOPLE],
                status=status,
                source=RegistrationSource.COORDINATION,
                confirmed_at=now if status == RegistrationStatus.CONFIRMED else None,
                cancelled_at=now if status == RegistrationStatus.CANCELLED else None,
                waitlisted_at=now if status == RegistrationStatus.WAITLISTED else None,
                waitlist_position=1 if status == RegistrationStatus.WAITLISTED else None,
                hours_recorded=hours,
                job_title="Infirmière scolaire" if spread < 40 else "Éducateur spécialisé",
                structure_name=f"Structure {key % 700}",
                activity_sector=sectors[spread % len(sectors)] if sectors and spread >= 8 else None,
                professional_category=categories[spread % len(categories)] if categories and spread >= 12 else None,
                department=departments[(index + seat) % len(departments)],
            )

        registrations = timed(
            "registrations",
            lambda: bulk(
                Registration,
                (
                    registration(index, session, seat)
                    for index, session in enumerate(sessions[:SESSIONS])
                    for seat in range(REGISTRATIONS_PER_SESSION)
                ),
            ),
        )
        by_session = [
            registrations[index * REGISTRATIONS_PER_SESSION : (index + 1) * REGISTRATIONS_PER_SESSION]
            for index in range(SESSIONS)
        ]

        # Attendance sheets of the sessions without recorded hours: locked, but the last half-day of
        # one in two of them still open (it counts nothing yet); the no-show has no attendance.
        slots_of: dict[int, list] = {}
        for slot in slots:
            slots_of.setdefault(slot.session_id, []).append(slot)
        attended = [index for index in range(SESSIONS) if uses_attendance(index)]

        def sheets_of(index: int):
            half_days = slots_of[sessions[index].pk]
            for slot in half_days:
                still_open = index % 100 == 7 and slot is half_days[-1]
                yield AttendanceSheet(
                    slot=slot,
                    status=SheetStatus.OPEN if still_open else SheetStatus.LOCKED,
                    opened_at=now,
                    locked_at=None if still_open else now,
                )

        timed(
            "attendance",
            lambda: bulk(AttendanceSheet, itertools.chain.from_iterable(sheets_of(index) for index in attended)),
        )
        timed(
            "attendance",
            lambda: bulk(
                Attendance,
                (
                    Attendance(registration=trainee, slot=slot, status=AttendanceStatus.PRESENT, hours=slot.hours)
                    for index in attended
                    for trainee in by_session[index][: REGISTRATIONS_PER_SESSION - 3]
                    for slot in slots_of[sessions[index].pk]
                ),
            ),
        )

        def last_day(index: int) -> datetime.date:
            return first_day_of(index) + datetime.timedelta(days=days_of(index) - 1)

        def moment(day: datetime.date) -> datetime.datetime:
            return datetime.datetime.combine(day, datetime.time(18), tzinfo=paris)

        kinds = ((QuestionnaireKind.HOT, hot_questionnaire, 0), (QuestionnaireKind.COLD, cold_questionnaire, 182))
        campaigns = timed(
            "campaigns",
            lambda: bulk(
                Campaign,
                (
                    Campaign(
                        questionnaire=questionnaire,
                        kind=kind,
                        session=session,
                        status=CampaignStatus.CLOSED,
                        origin=CampaignOrigin.IMPORT,
                        opened_at=moment(last_day(index) + datetime.timedelta(days=delay)),
                        closes_at=moment(last_day(index) + datetime.timedelta(days=delay + 21)),
                    )
                    for index, session in enumerate(sessions[:SESSIONS])
                    for kind, questionnaire, delay in kinds
                ),
            ),
        )
        respondents = {QuestionnaireKind.HOT: HOT_RESPONDENTS, QuestionnaireKind.COLD: COLD_RESPONDENTS}
        responses = timed(
            "responses",
            lambda: bulk(
                Response,
                (
                    Response(
                        campaign=campaign,
                        registration=trainee,
                        source=ResponseSource.IMPORT,
                        submitted_at=campaign.opened_at + datetime.timedelta(days=seat % 5),
                    )
                    for number, campaign in enumerate(campaigns)
                    for seat, trainee in enumerate(by_session[number // 2][: respondents[campaign.kind]])
                ),
            ),
        )

        def answers_of(response: Response):
            key = response.registration_id
            if response.campaign.kind == QuestionnaireKind.HOT:
                expectations = _spread(key, 2)
                objectives = _spread(key, 3)
                yield Answer(
                    response=response,
                    question=questions[("a_chaud", "attentes")],
                    number=4 if expectations < 55 else 3 if expectations < 88 else 2 if expectations < 96 else 1,
                )
                yield Answer(
                    response=response,
                    question=questions[("a_chaud", "objectifs")],
                    number=4 if objectives < 45 else 3 if objectives < 85 else 2 if objectives < 97 else 1,
                )
            else:
                yield Answer(
                    response=response,
                    question=questions[("a_froid_6_mois", "besoins")],
                    number=int(_spread(key, 4) < 93),
                )
                yield Answer(
                    response=response,
                    question=questions[("a_froid_6_mois", "mise_en_pratique")],
                    number=int(_spread(key, 5) < 81),
                )

        timed(
            "answers",
            lambda: bulk(Answer, itertools.chain.from_iterable(answers_of(response) for response in responses)),
        )
    _emit(
        {
            "created": True,
            "rows": _year_rows(),
            "seconds": {name: round(s, 2) for name, s in seconds.items()},
            **_statistics_refresh(),
        }
    )


def _statistics_refresh() -> dict:
    """ANALYZE the database, as PostgreSQL's autovacuum does after a bulk load (on the bench's server it may
    be off: then the planner has no statistics of the new rows at all); the server's settings that matter."""
    from django.db import connection

    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
        settings = {}
        if connection.vendor == "postgresql":
            for name in ("server_version", "autovacuum", "jit", "jit_above_cost", "work_mem", "shared_buffers"):
                cursor.execute(f"SHOW {name}")
                settings[name] = cursor.fetchone()[0]
    return {"analyze_seconds": round(time.perf_counter() - started, 2), "server": settings}


# The headline figures in one statement, by the definitions of `evaluations.indicators` (module
# docstring): held sessions (done, or open/closed and over) by the first day of their half-days;
# trainees = confirmed registrations with hours attended > 0 (recorded, else the locked half-days);
# for each response, the answer to the first question (by position) feeding each indicator.
HEADLINE_SQL = """
WITH held AS (
    SELECT s.id
    FROM training_session s
    JOIN (
        SELECT session_id, MIN(date) AS first_day, MAX(date) AS last_day FROM training_slot GROUP BY session_id
    ) days ON days.session_id = s.id
    WHERE days.first_day >= %(first_day)s AND days.first_day <= %(last_day)s
      AND (s.status = %(done)s OR (s.status IN (%(open)s, %(closed)s) AND days.last_day < %(today)s))
),
trainees AS (
    SELECT r.user_id, COALESCE(r.hours_recorded, locked.hours, 0) AS hours
    FROM training_registration r
    JOIN held ON held.id = r.session_id
    LEFT JOIN (
        SELECT a.registration_id, SUM(a.hours) AS hours
        FROM training_attendance a
        JOIN training_attendancesheet sheet ON sheet.slot_id = a.slot_id
        WHERE sheet.status = %(locked)s
        GROUP BY a.registration_id
    ) locked ON locked.registration_id = r.id
    WHERE r.status = %(confirmed)s AND COALESCE(r.hours_recorded, locked.hours, 0) > 0
),
answers AS (
    SELECT
        c.kind,
        q.indicator,
        CASE WHEN (q.type = %(scale)s AND an.number IN (3, 4)) OR (q.type = %(yes_no)s AND an.number = 1)
             THEN 1 ELSE 0 END AS positive,
        ROW_NUMBER() OVER (PARTITION BY an.response_id, c.kind, q.indicator ORDER BY q.sort_order, q.id) AS nth
    FROM evaluations_answer an
    JOIN evaluations_response re ON re.id = an.response_id
    JOIN evaluations_campaign c ON c.id = re.campaign_id
    JOIN held ON held.id = c.session_id
    JOIN evaluations_question q ON q.id = an.question_id
    WHERE an.number IS NOT NULL
      AND q.type IN (%(scale)s, %(yes_no)s)
      AND ((c.kind = %(hot)s AND q.indicator = %(expectations)s)
           OR (c.kind = %(cold)s AND q.indicator IN (%(needs_met)s, %(practice)s)))
),
rates AS (
    SELECT
        SUM(CASE WHEN indicator = %(expectations)s THEN 1 ELSE 0 END) AS hot_n,
        SUM(CASE WHEN indicator = %(expectations)s THEN positive ELSE 0 END) AS hot_positive,
        SUM(CASE WHEN indicator = %(needs_met)s THEN 1 ELSE 0 END) AS cold_n,
        SUM(CASE WHEN indicator = %(needs_met)s THEN positive ELSE 0 END) AS needs_met_positive,
        SUM(CASE WHEN indicator = %(practice)s THEN 1 ELSE 0 END) AS practice_n,
        SUM(CASE WHEN indicator = %(practice)s THEN positive ELSE 0 END) AS practice_positive
    FROM answers
    WHERE nth = 1
)
SELECT
    (SELECT COUNT(*) FROM held) AS sessions,
    totals.trainees,
    totals.distinct_trainees,
    totals.trainee_hours,
    CAST(rates.hot_positive AS DOUBLE PRECISION) / NULLIF(rates.hot_n, 0) AS expectations_rate,
    COALESCE(rates.hot_n, 0) AS hot_n,
    CAST(rates.needs_met_positive AS DOUBLE PRECISION) / NULLIF(rates.cold_n, 0) AS needs_met_rate,
    CAST(rates.practice_positive AS DOUBLE PRECISION) / NULLIF(rates.practice_n, 0) AS practice_rate,
    COALESCE(rates.cold_n, 0) AS cold_n,
    COALESCE(rates.practice_n, 0) AS practice_n
FROM (
    SELECT COUNT(*) AS trainees, COUNT(DISTINCT user_id) AS distinct_trainees, COALESCE(SUM(hours), 0) AS trainee_hours
    FROM trainees
) totals
CROSS JOIN rates
"""
HEADLINE = (
    "sessions",
    "trainees",
    "distinct_trainees",
    "trainee_hours",
    "expectations_rate",
    "hot_n",
    "needs_met_rate",
    "practice_rate",
    "cold_n",
    "practice_n",
)


def headline_sql(*, year: int, today) -> dict:
    """The headline figures of the year by `HEADLINE_SQL`: one query."""
    import datetime

    from django.db import connection

    from evaluations.choices import Indicator, QuestionnaireKind, QuestionType
    from training.choices import RegistrationStatus, SessionStatus, SheetStatus

    params = {
        "first_day": datetime.date(year, 1, 1),
        "last_day": datetime.date(year, 12, 31),
        "today": today,
        "done": SessionStatus.DONE.value,
        "open": SessionStatus.OPEN.value,
        "closed": SessionStatus.CLOSED.value,
        "locked": SheetStatus.LOCKED.value,
        "confirmed": RegistrationStatus.CONFIRMED.value,
        "scale": QuestionType.SCALE.value,
        "yes_no": QuestionType.YES_NO.value,
        "hot": QuestionnaireKind.HOT.value,
        "cold": QuestionnaireKind.COLD.value,
        "expectations": Indicator.EXPECTATIONS.value,
        "needs_met": Indicator.NEEDS_MET.value,
        "practice": Indicator.PRACTICE.value,
    }
    with connection.cursor() as cursor:
        cursor.execute(HEADLINE_SQL, params)
        row = cursor.fetchone()
    figures = dict(zip(HEADLINE, row, strict=True))
    for name in ("sessions", "trainees", "distinct_trainees", "hot_n", "cold_n", "practice_n"):
        figures[name] = int(figures[name] or 0)
    figures["trainee_hours"] = round(float(figures["trainee_hours"] or 0), 2)  # numeric (PostgreSQL), real (SQLite)
    return figures


def headline_of(indicators: dict) -> dict:
    """The same figures, from what `indicators_for_year` returns."""
    hot, cold = indicators["hot"], indicators["cold"]
    return {
        "sessions": indicators["sessions"]["total"],
        "trainees": indicators["trainees"],
        "distinct_trainees": indicators["distinct_trainees"],
        "trainee_hours": indicators["trainee_hours"],
        "expectations_rate": hot["expectations_rate"],
        "hot_n": hot["n"],
        "needs_met_rate": cold["needs_met_rate"],
        "practice_rate": cold["practice_rate"],
        "cold_n": cold["n"],
        "practice_n": cold["practice_n"],
    }


def _same(a, b) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        return abs(a - b) <= 1e-12 * max(1.0, abs(a))
    return a == b


def _backend_pid() -> int | None:
    """The process of this connection's PostgreSQL backend (to read its CPU time), None on SQLite."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


def _process_cpu_seconds(pid: int | None) -> float | None:
    """User and system CPU seconds of a process (Linux `/proc`; a server on this machine), or None."""
    if pid is None:
        return None
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def indicators_measure(runs: int) -> None:
    """Time `indicators_for_year` against `headline_sql` (interleaved, after a warm-up of each), each part
    of the function, and its memory; check both give the same headline figures."""
    import datetime
    import gc
    import resource
    import tracemalloc

    from django.db import connection

    from evaluations import indicators

    year, today = YEAR, datetime.date(*TODAY)

    def compute() -> dict:
        return indicators.indicators_for_year(year=year, today=today)

    connection.ensure_connection()
    gc.collect()
    maxrss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    result = compute()  # warm-up: the first run in the process, so its growth of the peak RSS is its own
    maxrss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    sql = headline_sql(year=year, today=today)
    del result
    gc.collect()

    backend = _backend_pid()

    def cpu_now() -> tuple[float, float | None]:
        return time.process_time(), _process_cpu_seconds(backend)

    def cpu_since(before: tuple[float, float | None], times: dict[str, list[float]], side: str) -> None:
        process, server = cpu_now()
        times[f"{side}_cpu"].append(process - before[0])
        if server is not None and before[1] is not None:
            times[f"{side}_server_cpu"].append(server - before[1])
            times[f"{side}_total_cpu"].append(process - before[0] + server - before[1])

    def interleaved() -> tuple[dict, dict, dict[str, list[float]]]:
        times: dict[str, list[float]] = {
            f"{side}{kind}": [] for side in ("function", "sql") for kind in ("", "_cpu", "_server_cpu", "_total_cpu")
        }
        for _ in range(runs):
            started, cpu = time.perf_counter(), cpu_now()
            result = compute()
            times["function"].append(time.perf_counter() - started)
            cpu_since(cpu, times, "function")
            started, cpu = time.perf_counter(), cpu_now()
            sql = headline_sql(year=year, today=today)
            times["sql"].append(time.perf_counter() - started)
            cpu_since(cpu, times, "sql")
        return result, sql, times

    result, sql, times = interleaved()
    ours = headline_of(result)
    mismatches = [name for name in HEADLINE if not _same(ours[name], sql[name])]
    del result
    gc.collect()

    # The parts, as `indicators_for_period` chains them.
    sessions = indicators.sessions_held(
        first_day=datetime.date(year, 1, 1), last_day=datetime.date(year, 12, 31), today=today
    )
    loaders = {
        "sessions_frame": indicators.sessions_frame,
        "trainees_frame": indicators.trainees_frame,
        "themes_frame": indicators.themes_frame,
        "answers_frame": indicators.answers_frame,
        "invitations_frame": indicators.invitations_frame,
    }
    part_times: dict[str, list[float]] = {name: [] for name in (*loaders, "indicators_compute")}
    frames = {name: load(sessions) for name, load in loaders.items()}  # warm-up
    indicators.indicators_compute(**{name.removesuffix("_frame"): frame for name, frame in frames.items()})
    for _ in range(runs):
        for name, load in loaders.items():
            started = time.perf_counter()
            frames[name] = load(sessions)
            part_times[name].append(time.perf_counter() - started)
        started = time.perf_counter()
        indicators.indicators_compute(**{name.removesuffix("_frame"): frame for name, frame in frames.items()})
        part_times["indicators_compute"].append(time.perf_counter() - started)
    frame_rows = {name.removesuffix("_frame"): len(frame) for name, frame in frames.items()}
    frame_bytes = sum(int(frame.memory_usage(deep=True).sum()) for frame in frames.values())
    del frames
    gc.collect()

    # PostgreSQL compiles a query whose estimated cost passes `jit_above_cost` (on by default): the same
    # rounds with it off for this connection show what the compilation costs each side.
    without_jit = None
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SHOW jit")
            jit_on = cursor.fetchone()[0] == "on"
        if jit_on:
            with connection.cursor() as cursor:
                cursor.execute("SET jit = off")
            compute(), headline_sql(year=year, today=today)  # warm-up
            _result, _sql, nojit = interleaved()
            with connection.cursor() as cursor:
                cursor.execute("RESET jit")
            without_jit = {name: _figures(values) for name, values in nojit.items() if values}
            del _result
            gc.collect()

    tracemalloc.start()
    started = time.perf_counter()
    compute()
    traced_seconds = time.perf_counter() - started
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()

    _emit(
        {
            **{name: _figures(values) for name, values in times.items() if values},
            "parts": {name: _figures(times) for name, times in part_times.items()},
            "frame_rows": frame_rows,
            "without_jit": without_jit,
            "figures": {"function": ours, "sql": sql},
            "mismatches": mismatches,
            "memory": {
                "maxrss_before_mb": maxrss_before / 1024,  # kilobytes on Linux
                "maxrss_growth_mb": (maxrss_after - maxrss_before) / 1024,
                "tracemalloc_peak_mb": peak / 1024 / 1024,
                "tracemalloc_seconds": traced_seconds,
            },
            "notes": [f"The five DataFrames take {frame_bytes / 1024 / 1024:.0f} MB (pandas memory_usage, deep)."],
        }
    )
