"""The coordinator's dashboard and the annual key-figures PDF (`evaluations.dashboard`,
`evaluations.views_admin.dashboard`): the same figures as `indicators_for_year`, links to the
records behind each figure, permissions, a fixed number of queries, a PDF that reads in French."""

import datetime
import html
import io
import re
from decimal import Decimal

import pandas  # noqa: F401  imported before any frozen clock: importing it under freezegun crashes the interpreter
import pytest
from pypdf import PdfReader

from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import ActivitySector, ProfessionalCategory, StructureType
from evaluations.choices import CampaignOrigin, CampaignStatus, QuestionnaireKind, ResponseSource
from evaluations.dashboard import (
    change_count,
    change_days,
    change_rate,
    dashboard_for_year,
    format_date_long,
    format_days_number,
    format_hours,
    format_number,
    format_percent,
    registrations_url,
    sessions_url,
    sort_sessions_fill,
    survey_results_url,
)
from evaluations.indicators import indicators_for_year
from evaluations.models import Answer, Campaign, Questionnaire, Response
from tests.factories import (
    OrganisationFactory,
    RegistrationFactory,
    SessionFactory,
    UserFactory,
    course_create,
    department,
    slots_create,
)
from training.choices import Funding, RegistrationStatus, SessionStatus

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 11, 22)
HOT, COLD = QuestionnaireKind.HOT, QuestionnaireKind.COLD
NBSP, NARROW = "\u00a0", "\u202f"
DASHBOARD = "/admin/tableau-de-bord/"


# Data
# ------------------------------------------------------------------------------


@pytest.fixture
def course(catalogue):
    return course_create(catalogue=catalogue, title="Développer les compétences psychosociales", slug="cps")


def held(course, code, first_day, *, days=2, funding=Funding.DRAPPS, dept="31", capacity=10, status=SessionStatus.DONE):
    client = OrganisationFactory() if funding == Funding.INTRA else None
    session = SessionFactory(
        course=course,
        code=code,
        funding=funding,
        status=status,
        department=department(dept),
        capacity=capacity,
        client_organisation=client,
    )
    slots_create(session=session, first_day=first_day, days=days)
    return session


def trainee(session, hours="14", *, status=RegistrationStatus.CONFIRMED, **fields):
    return RegistrationFactory(
        session=session, status=status, hours_recorded=None if hours is None else Decimal(hours), **fields
    )


def answers(session, kind, rows):
    """Imported answers: one response per (registration, {question key: number})."""
    questionnaire = Questionnaire.objects.get(slug="a_chaud" if kind == HOT else "a_froid_6_mois")
    questions = {question.key: question for question in questionnaire.questions.all()}
    opened = timezone.make_aware(datetime.datetime(2025, 12, 1))
    campaign = Campaign.objects.create(
        questionnaire=questionnaire,
        kind=kind,
        session=session,
        status=CampaignStatus.CLOSED,
        origin=CampaignOrigin.IMPORT,
        opened_at=opened,
        closes_at=opened,
    )
    for registration, values in rows:
        response = Response.objects.create(
            campaign=campaign, registration=registration, source=ResponseSource.IMPORT, submitted_at=opened
        )
        Answer.objects.bulk_create(
            Answer(response=response, question=questions[key], number=number) for key, number in values.items()
        )


@pytest.fixture
def profiles(db):
    return {
        "structure": StructureType.objects.order_by("position").first(),
        "sector": ActivitySector.objects.order_by("position").first(),
        "category": ProfessionalCategory.objects.order_by("position").first(),
    }


@pytest.fixture
def year_2025(course, profiles):
    """2025: four held sessions (drapps 31 at 30 %, intra 09 full ending in February, inter 31 at 10 %,
    one without seats), a cancelled one; 2024: one drapps session. Hot and cold answers."""
    a = held(course, "2025-CPS-31-01", datetime.date(2025, 3, 10))
    people = [trainee(a, **{f"{key}": value for key, value in _profile(profiles).items()}) for _ in range(3)]
    trainee(a, "0")  # confirmed no-show
    trainee(a, None, status=RegistrationStatus.CANCELLED)
    answers(a, HOT, [(people[0], {"attentes": 4}), (people[1], {"attentes": 4}), (people[2], {"attentes": 2})])
    answers(a, COLD, [(people[0], {"besoins": 1, "mise_en_pratique": 1}), (people[1], {"besoins": 0})])
    # Thursday 30 January to Monday 3 February: its last day is in February.
    b = held(course, "2025-CPS-09-01", datetime.date(2025, 1, 30), days=3, funding=Funding.INTRA, dept="09", capacity=4)
    b_people = [trainee(b, "21") for _ in range(4)]
    answers(b, HOT, [(b_people[0], {"attentes": 4}), (b_people[1], {"attentes": 3})])
    c = held(course, "2025-CPS-31-02", datetime.date(2025, 6, 2), days=1, funding=Funding.INTER, capacity=10)
    trainee(c, "7")
    e = held(course, "2025-CPS-12-01", datetime.date(2025, 9, 1), days=1, funding=Funding.OTHER, dept="12", capacity=0)
    trainee(e, "7")
    cancelled = held(course, "2025-CPS-31-03", datetime.date(2025, 4, 7), status=SessionStatus.CANCELLED)
    trainee(cancelled, "14")
    last_year = held(course, "2024-CPS-31-01", datetime.date(2024, 5, 13))
    for _ in range(2):
        trainee(last_year)
    return {"a": a, "b": b, "c": c, "e": e, "cancelled": cancelled, "people": people}


def _profile(profiles):
    return {
        "structure_type": profiles["structure"],
        "activity_sector": profiles["sector"],
        "professional_category": profiles["category"],
    }


@pytest.fixture
def staff_client(client):
    """Someone of the back office (access to the admin) who may not read the sessions."""
    user = UserFactory()
    user.user_permissions.add(Permission.objects.get(codename="access_admin"))
    client.force_login(user)
    return client


# The figures are the yearly indicators
# ------------------------------------------------------------------------------


def test_the_dashboard_figures_are_those_of_indicators_for_year(year_2025):
    dashboard = dashboard_for_year(year=2025, today=TODAY)

    assert dashboard.indicators == indicators_for_year(year=2025, today=TODAY)
    assert dashboard.previous == indicators_for_year(year=2024, today=TODAY)
    figures = {figure.key: figure for figure in dashboard.key_figures}
    assert figures["sessions"].value == "4"
    assert figures["sessions"].previous.endswith("1")
    assert figures["sessions"].change.text == f"+3 (+300{NBSP}%)"
    assert figures["trainees"].value == "9"  # 3 + 4 + 1 + 1: neither the no-show nor the cancelled session
    assert figures["trainee_hours"].value == "140"  # 3 × 14 + 4 × 21 + 7 + 7
    assert figures["fill_rate"].value == format_percent(8 / 24)  # seats of sessions that have some
    surveys = {figure.key: figure for figure in dashboard.survey_figures}
    assert surveys["hot_expectations"].value == f"80{NBSP}%"  # 4 satisfied of 5 respondents
    assert f"n{NBSP}={NBSP}5 " in surveys["hot_expectations"].detail
    assert surveys["cold_needs_met"].value == f"50{NBSP}%"
    assert surveys["cold_practice"].value == f"100{NBSP}%"
    assert {row.funding: row.sessions.value for row in dashboard.funding_rows} == {
        "drapps": "1",
        "intra": "1",
        "inter": "1",
        "other": "1",
    }
    assert dashboard.sold_duration.value.startswith("3")  # the intra session: 21 h ÷ 7


def test_fill_rate_per_session_lists_the_lowest_first_and_flags_those_under_60_percent(year_2025):
    rows = dashboard_for_year(year=2025, today=TODAY).sessions_fill

    assert [row.code for row in rows] == ["2025-CPS-31-02", "2025-CPS-31-01", "2025-CPS-09-01", "2025-CPS-12-01"]
    assert [(row.trainees, row.capacity, row.fill_text) for row in rows] == [
        (1, 10, f"10{NBSP}%"),
        (3, 10, f"30{NBSP}%"),  # the no-show does not fill a seat
        (4, 4, f"100{NBSP}%"),
        (1, 0, "—"),  # no seats: no rate, listed last
    ]
    assert [row.is_low for row in rows] == [True, True, False, False]
    assert [row.code for row in sort_sessions_fill(rows, "-fill")][:3] == [
        "2025-CPS-09-01",
        "2025-CPS-31-01",
        "2025-CPS-31-02",
    ]
    assert [row.code for row in sort_sessions_fill(rows, "code")][0] == "2025-CPS-09-01"
    assert [row.department for row in sort_sessions_fill(rows, "department")][0] == "09 Ariège"


def test_structure_types_count_the_trainees_like_the_sectors(year_2025, profiles):
    dashboard = dashboard_for_year(year=2025, today=TODAY)
    structures = next(breakdown for breakdown in dashboard.breakdowns if breakdown.key == "structure_types")
    sectors = next(breakdown for breakdown in dashboard.breakdowns if breakdown.key == "sectors")

    assert [(row.label, row.bars[0].value, row.bars[1].value) for row in structures.rows] == [
        (profiles["structure"].label, 3, 1),
        (structures.rows[1].label, 6, 3),  # not specified, last
    ]
    assert structures.rows[1].is_unknown
    assert [(row.bars[0].value, row.is_unknown) for row in sectors.rows] == [(3, False), (6, True)]
    assert sum(row.bars[0].value for row in structures.rows) == dashboard.indicators["trainees"]


def test_satisfaction_by_month_of_the_sessions_last_day(year_2025):
    months = dashboard_for_year(year=2025, today=TODAY).months

    assert [point.month.month for point in months] == list(range(1, 13))
    by_month = {point.month.month: point for point in months}
    assert (by_month[2].rate, by_month[2].n) == (1.0, 2)  # the intra session ended on 3 February
    assert (by_month[3].rate, by_month[3].n) == (2 / 3, 3)
    assert (by_month[1].rate, by_month[1].n) == (None, 0)
    assert by_month[3].label == "mars 2025"
    assert by_month[3].url == survey_results_url(
        date_from=datetime.date(2025, 3, 1), date_to=datetime.date(2025, 3, 31)
    )


def test_a_session_ending_in_january_adds_its_month_after_december(course):
    session = held(course, "2025-CPS-31-09", datetime.date(2025, 12, 31), days=2)  # 31 December, 1 January
    answers(session, HOT, [(trainee(session), {"attentes": 4})])

    months = dashboard_for_year(year=2025, today=TODAY).months

    assert len(months) == 13
    assert (months[-1].month, months[-1].n, months[-1].rate) == (datetime.date(2026, 1, 1), 1, 1.0)
    assert months[-1].short_label.endswith("2026")
    assert months[11].n == 0


def test_a_year_without_previous_year_shows_no_change(year_2025):
    dashboard = dashboard_for_year(year=2024, today=TODAY)

    assert all(figure.change is None for figure in dashboard.key_figures)
    assert all("2023" in figure.previous for figure in dashboard.key_figures)
    empty = dashboard_for_year(year=2019, today=TODAY)
    assert empty.is_empty
    assert empty.sessions_fill == []
    assert [figure.value for figure in empty.survey_figures] == ["—", "—", "—"]


def test_french_formatting():
    assert format_number(7747) == f"7{NARROW}747"
    assert format_number(1234567.891, 2) == f"1{NARROW}234{NARROW}567,89"
    assert format_hours(7747.69) == f"7{NARROW}747,69"
    assert format_hours(140.0) == "140"
    assert format_percent(0.904) == f"90,4{NBSP}%"
    assert format_percent(0.8) == f"80{NBSP}%"
    assert format_percent(None) == "—"
    assert format_days_number(3.65) == "3,65"
    assert format_days_number(2.7599) == "2,76"
    assert format_days_number(3.5) == "3,5"
    assert change_count(861, 853).text == f"+8 (+0,9{NBSP}%)"
    assert change_count(21, 25).text == f"\u22124 (\u221216{NBSP}%)"
    assert change_count(5, 5).direction == "same"
    assert change_count(5, 0).text == "+5"
    assert change_rate(0.904, 0.88).text.startswith("+2,4")
    assert change_rate(0.85, 0.9).direction == "down"
    assert change_days(3.65, 2.76).text.startswith("+0,89")
    assert change_count(None, 3) is None
    assert format_date_long(datetime.date(2026, 12, 1)) == "1er décembre 2026"
    assert format_date_long(datetime.date(2026, 11, 22)) == "22 novembre 2026"


# The page
# ------------------------------------------------------------------------------


def _href(url: str) -> str:
    return f'href="{html.escape(url)}"'


def test_the_dashboard_shows_the_year_and_links_each_figure_to_its_records(coordinator_client, year_2025):
    response = coordinator_client.get(DASHBOARD, {"year": 2025})

    assert response.status_code == 200
    page = response.content.decode()
    ariege = department("09").pk
    expected = [
        sessions_url(year=2025),
        sessions_url(year=2025, funding="drapps"),
        sessions_url(year=2025, funding="intra"),
        registrations_url(year=2025),
        sessions_url(year=2025, department_id=ariege),
        registrations_url(year=2025, department_id=ariege),
        survey_results_url(year=2025),
        reverse("registrations:session", args=[year_2025["a"].pk]),
        reverse("sessions:inspect", args=[year_2025["c"].pk]),
        reverse("indicators_dashboard:key_figures_pdf", kwargs={"year": 2025}),
    ]
    for url in expected:
        assert _href(url) in page, url
    assert "/admin/sessions/?year=2025&amp;status=done&amp;funding=drapps" in page
    assert (
        f"/admin/registrations/?year=2025&amp;status=confirmed&amp;session_status=done&amp;department={ariege}" in page
    )
    # Flagged under 60 %: written, not only coloured.
    assert page.count('class="dash-low"') == 2


def test_the_links_lead_to_the_records_counted(coordinator_client, year_2025):
    intra = coordinator_client.get(sessions_url(year=2025, funding="intra")).content.decode()
    assert "2025-CPS-09-01" in intra
    assert "2025-CPS-31-01" not in intra

    year = coordinator_client.get(sessions_url(year=2025)).content.decode()
    assert {"2025-CPS-31-01", "2025-CPS-09-01", "2025-CPS-31-02", "2025-CPS-12-01"} <= set(
        re.findall(r"2025-CPS-\d\d-\d\d", year)
    )
    assert "2025-CPS-31-03" not in year  # cancelled
    assert "2024-CPS-31-01" not in year

    ariege = coordinator_client.get(registrations_url(year=2025, department_id=department("09").pk))
    assert ariege.content.decode().count("2025-CPS-09-01") >= 4


def test_the_fill_table_sorts_by_its_column_headers(coordinator_client, year_2025):
    by_fill = coordinator_client.get(DASHBOARD, {"year": 2025}).content.decode()
    assert by_fill.index("2025-CPS-31-02") < by_fill.index("2025-CPS-09-01")
    assert 'aria-sort="ascending"' in by_fill
    assert _href("?year=2025&ordering=-fill#fill") in by_fill

    by_code = coordinator_client.get(DASHBOARD, {"year": 2025, "ordering": "code"}).content.decode()
    table = by_code[by_code.index('id="fill"') :]
    assert table.index("2025-CPS-09-01") < table.index("2025-CPS-31-02")


def test_an_unknown_year_falls_back_to_the_current_one_with_an_error(coordinator_client, year_2025):
    response = coordinator_client.get(DASHBOARD, {"year": "1850"})

    assert response.status_code == 200
    assert response.context["dashboard"].year == timezone.localdate().year
    assert response.context["form"].errors["year"]


def test_the_admin_home_shows_the_years_headline_figures(coordinator_client, year_2025):
    page = coordinator_client.get(reverse("wagtailadmin_home")).content.decode()

    assert 'id="indicators-summary' in page
    assert _href(reverse("indicators_dashboard:index")) in page


def test_the_menu_offers_the_dashboard_to_the_coordination(coordinator_client):
    assert _href(DASHBOARD) in coordinator_client.get(reverse("wagtailadmin_home")).content.decode()


@pytest.mark.parametrize("path", [DASHBOARD, "/admin/tableau-de-bord/chiffres-cles-2025.pdf"])
def test_anonymous_people_are_sent_to_the_login_page(client, path, db):
    response = client.get(path)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("wagtailadmin_login"))


@pytest.mark.parametrize("path", [DASHBOARD, "/admin/tableau-de-bord/chiffres-cles-2025.pdf"])
def test_a_learner_cannot_read_the_dashboard(client, path, db):
    client.force_login(UserFactory())

    response = client.get(path)

    assert response.status_code in (302, 403)
    assert response.get("Content-Type", "").startswith("text/html")


@pytest.mark.parametrize("path", [DASHBOARD, "/admin/tableau-de-bord/chiffres-cles-2025.pdf"])
def test_back_office_users_without_the_sessions_right_are_refused(staff_client, path):
    response = staff_client.get(path)

    assert response.status_code in (302, 403)
    assert not response.get("Content-Type", "").startswith("application/pdf")
    home = staff_client.get(reverse("wagtailadmin_home")).content.decode()
    assert "indicators-summary" not in home
    assert _href(DASHBOARD) not in home


def _grow(course, profiles, *, year=2025, sessions=6, people=5):
    """More sessions, trainees and answers in every breakdown."""
    codes = ("09", "11", "12", "30", "31", "32", "34", "46", "48", "65", "66", "81", "82")
    for number in range(sessions):
        session = held(
            course,
            f"{year}-GROW-{number:02d}",
            datetime.date(year, 1 + number % 12, 5),
            funding=(Funding.DRAPPS, Funding.INTRA, Funding.INTER)[number % 3],
            dept=codes[number % len(codes)],
        )
        registrations = [trainee(session, **_profile(profiles)) for _ in range(people)]
        answers(session, HOT, [(registration, {"attentes": 3}) for registration in registrations])
        answers(session, COLD, [(registration, {"besoins": 1}) for registration in registrations[:2]])


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_the_dashboard_costs_a_fixed_number_of_queries(
    coordinator_client, year_2025, course, profiles, django_assert_max_num_queries
):
    url = f"{DASHBOARD}?year=2025"
    coordinator_client.get(url)  # warm the caches of the admin's menu and settings
    small = _queries(coordinator_client, url)

    _grow(course, profiles, year=2025, sessions=8)
    _grow(course, profiles, year=2024, sessions=4)

    with django_assert_max_num_queries(small):
        response = coordinator_client.get(url)
    assert response.context["dashboard"].indicators["sessions"]["total"] == 12
    assert small <= 40


def test_the_home_panel_costs_a_fixed_number_of_queries(coordinator_client, year_2025, course, profiles):
    url = reverse("wagtailadmin_home")
    coordinator_client.get(url)
    small = _queries(coordinator_client, url)

    _grow(course, profiles, year=timezone.localdate().year, sessions=5)

    assert _queries(coordinator_client, url) == small


# The key-figures PDF
# ------------------------------------------------------------------------------


def _pdf_text(content: bytes) -> tuple[int, str]:
    reader = PdfReader(io.BytesIO(content))
    text = "\n".join(page.extract_text() for page in reader.pages)
    return len(reader.pages), re.sub(r"\s+", " ", text.replace("\u202f", " "))


def test_the_key_figures_pdf_holds_the_years_figures(coordinator_client, year_2025, profiles):
    response = coordinator_client.get(reverse("indicators_dashboard:key_figures_pdf", kwargs={"year": 2025}))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="chiffres-cles-2025.pdf"'
    assert response.content.startswith(b"%PDF")
    pages, text = _pdf_text(response.content)
    assert pages <= 2
    assert "2025" in text
    assert "80 %" in text  # satisfaction
    assert "50 %" in text  # needs met at six months
    assert "100 %" in text  # put into practice
    assert "n = 5" in text and "n = 2" in text
    assert re.search(r"\b4\b", text)  # trainings held
    assert re.search(r"\b9\b", text)  # trainees
    assert "2024: 1" in text or "2024 : 1" in text
    assert profiles["category"].label in text
    assert profiles["sector"].label in text


def test_the_key_figures_pdf_of_an_impossible_year_is_not_found(coordinator_client):
    assert coordinator_client.get("/admin/tableau-de-bord/chiffres-cles-1850.pdf").status_code == 404
    next_year = timezone.localdate().year + 2
    assert coordinator_client.get(f"/admin/tableau-de-bord/chiffres-cles-{next_year}.pdf").status_code == 404


# Demo-like data, read in French
# ------------------------------------------------------------------------------


@pytest.fixture
def demo_like(catalogue, profiles):
    """A year shaped like the demo: sessions in the 13 départements, three fundings, profiles from the
    reference lists, answers at the end of the training and six months later."""
    courses = [
        course_create(catalogue=catalogue, title="Comprendre les violences intrafamiliales", slug="vif"),
        course_create(catalogue=catalogue, title="Santé environnementale et perturbateurs endocriniens", slug="sepe"),
    ]
    sectors = list(ActivitySector.objects.order_by("position")[:4])
    categories = list(ProfessionalCategory.objects.order_by("position")[:4])
    structures = list(StructureType.objects.order_by("position")[:3])
    codes = ("09", "11", "12", "30", "31", "32", "34", "46", "48", "65", "66", "81", "82")
    for number, code in enumerate(codes):
        session = held(
            courses[number % 2],
            f"2026-DEMO-{code}-01",
            datetime.date(2026, 1 + number % 10, 6),
            days=2 + number % 2,
            funding=(Funding.DRAPPS, Funding.DRAPPS, Funding.INTRA)[number % 3],
            dept=code,
            capacity=12,
        )
        registrations = [
            trainee(
                session,
                "14",
                activity_sector=sectors[person % 4],
                professional_category=categories[person % 4],
                structure_type=structures[person % 3],
            )
            for person in range(5 + number % 7)
        ]
        answers(session, HOT, [(r, {"attentes": 4 if i % 5 else 2}) for i, r in enumerate(registrations)])
        answers(
            session, COLD, [(r, {"besoins": 1, "mise_en_pratique": i % 2}) for i, r in enumerate(registrations[:3])]
        )


def test_the_dashboard_reads_in_french_with_demo_like_data(coordinator_client, demo_like):
    response = coordinator_client.get(DASHBOARD, {"year": 2026})
    assert response.status_code == 200
    page = response.content.decode()
    main = page[page.index("<main") :]
    text = re.sub(r"[ \t\r\n]+", " ", html.unescape(re.sub(r"<[^>]+>", " ", main)))

    assert '<html lang="fr"' in page
    # French numbers: decimal comma, a no-break space before %, no decimal point anywhere in the figures.
    assert re.search(r"\d+,\d\u00a0%", text)
    assert not re.search(r"\d\.\d+\s?%", text)
    assert not re.search(r"\b\d+\.\d\d\b", text.replace("2026-DEMO", ""))
    hours = response.context["dashboard"].indicators["trainee_hours"]
    assert hours >= 1000
    assert format_hours(hours) in text and NARROW in format_hours(hours)  # thousands grouped
    # Départements and reference lists in French, months in French.
    for label in ("09 Ariège", "34 Hérault", "82 Tarn-et-Garonne"):
        assert label in text
    assert ActivitySector.objects.order_by("position").first().label in text
    assert "Mars 2026" in text or "mars" in text
    assert "Taux de remplissage" in text
    assert "Stagiaires" in text
    dashboard = response.context["dashboard"]
    assert len(dashboard.departments.rows) == 13
    assert dashboard.indicators == indicators_for_year(year=2026, today=dashboard.today)


def test_profile_rows_link_to_the_registrations_of_that_profile(coordinator_client, catalogue):
    from decimal import Decimal

    from accounts.models import ActivitySector
    from tests.factories import RegistrationFactory, SessionFactory, course_create, slots_create
    from training.choices import RegistrationStatus, SessionStatus

    sector, other = ActivitySector.objects.order_by("position")[:2]
    session = SessionFactory(course=course_create(catalogue=catalogue), status=SessionStatus.DONE)
    slots_create(session=session, first_day=datetime.date(2025, 3, 3), days=1)
    kept = RegistrationFactory(
        session=session, status=RegistrationStatus.CONFIRMED, hours_recorded=Decimal("7"), activity_sector=sector
    )
    left = RegistrationFactory(
        session=session, status=RegistrationStatus.CONFIRMED, hours_recorded=Decimal("7"), activity_sector=other
    )

    dashboard_page = coordinator_client.get(reverse("indicators_dashboard:index"), {"year": 2025}).content.decode()
    listing = coordinator_client.get(reverse("registrations:index"), {"year": 2025, "sector": sector.label})

    assert "sector=" in dashboard_page
    assert kept.user.email in listing.content.decode() or kept.user.last_name in listing.content.decode()
    assert left.user.last_name not in listing.content.decode()
