"""The Drapps funder report (`manage.py drapps_report`, `evaluations.reports.drapps`): the figures of
`indicators --funding drapps`, the year before beside them, as XLSX and as PDF."""

import datetime
import io
import json
from decimal import Decimal

import openpyxl
import pandas as pd
import pytest
from pypdf import PdfReader

from django.core.management import CommandError, call_command
from django.utils import timezone

from accounts.models import ActivitySector, ProfessionalCategory, StructureType
from cms.models import Theme
from evaluations.choices import CampaignOrigin, CampaignStatus, QuestionnaireKind, ResponseSource
from evaluations.models import Answer, Campaign, Invitation, Questionnaire, Response
from evaluations.reports.charts import horizontal_bar_chart, nice_step
from evaluations.reports.drapps import drapps_report_data
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

HOT, COLD = QuestionnaireKind.HOT, QuestionnaireKind.COLD
SHEETS = ["summary", "departments", "themes", "structure_types", "sectors", "categories", "surveys", "sessions"]


# Hand-made data
# ------------------------------------------------------------------------------


def held(course, first_day, *, code, days=2, funding=Funding.DRAPPS, status=SessionStatus.DONE, dept="09", capacity=10):
    session = SessionFactory(
        course=course,
        code=code,
        funding=funding,
        status=status,
        department=department(dept),
        capacity=capacity,
        client_organisation=OrganisationFactory() if funding == Funding.INTRA else None,
    )
    slots_create(session=session, first_day=first_day, days=days)
    return session


def trainee(session, hours, *, user=None, structure=0, sector=0, category=0, status=RegistrationStatus.CONFIRMED):
    """A registration; `structure`, `sector`, `category` pick the nth item of each reference list (None: blank)."""

    def pick(model, index):
        return None if index is None else list(model.objects.all())[index]

    return RegistrationFactory(
        session=session,
        status=status,
        hours_recorded=Decimal(hours),
        structure_type=pick(StructureType, structure),
        activity_sector=pick(ActivitySector, sector),
        professional_category=pick(ProfessionalCategory, category),
        **({"user": user} if user else {}),
    )


def survey(session, kind, answers, *, invited=(), origin=CampaignOrigin.IMPORT):
    """A closed campaign: `answers` = [(registration, {question key: number})]; `invited` registrations
    got an invitation (answered when they are among the respondents)."""
    questionnaire = Questionnaire.objects.get(slug="a_chaud" if kind == HOT else "a_froid_6_mois")
    questions = {question.key: question for question in questionnaire.questions.all()}
    moment = timezone.make_aware(datetime.datetime(2025, 12, 1))
    campaign = Campaign.objects.create(
        questionnaire=questionnaire,
        kind=kind,
        session=session,
        status=CampaignStatus.CLOSED,
        origin=origin,
        opened_at=moment,
        closes_at=moment,
    )
    respondents = {registration.pk for registration, _values in answers}
    for registration in invited:
        Invitation.objects.create(
            campaign=campaign,
            registration=registration,
            email=registration.user.email,
            sent_at=moment,
            answered_at=moment if registration.pk in respondents else None,
        )
    for registration, values in answers:
        response = Response.objects.create(
            campaign=campaign,
            registration=registration,
            source=ResponseSource.IMPORT if origin == CampaignOrigin.IMPORT else ResponseSource.ONLINE,
            submitted_at=moment,
        )
        Answer.objects.bulk_create(
            Answer(response=response, question=questions[key], number=number) for key, number in values.items()
        )
    return campaign


@pytest.fixture
def drapps_years(catalogue):
    """Drapps sessions in 2025 and 2024, and sessions that must not count (intra, cancelled, 2026)."""
    cps = course_create(catalogue=catalogue, title="Compétences psychosociales", slug="cps")
    cps.themes.set([Theme.objects.get(slug="competences-psychosociales")])
    violence = course_create(catalogue=catalogue, title="Violences intrafamiliales", slug="vif")
    violence.themes.set([Theme.objects.get(slug="violences")])
    twice = UserFactory(first_name="Camille", last_name="Deuxfois")

    # 2025, Ariège: 3 trainees (14 + 14 + 7 h), a no-show and a cancellation; 10 seats.
    ariege = held(cps, datetime.date(2025, 3, 10), code="2025-CPS1-09-01")
    first = trainee(ariege, "14", user=twice, structure=0, sector=0, category=0)
    second = trainee(ariege, "14", structure=1, sector=1, category=1)
    third = trainee(ariege, "7", structure=None, sector=0, category=1)
    trainee(ariege, "0")
    trainee(ariege, "14", status=RegistrationStatus.CANCELLED)
    # 2025, Haute-Garonne, 29 December → 2 January: still 2025. 2 trainees (21 + 10.5 h); 12 seats.
    toulouse = held(violence, datetime.date(2025, 12, 29), code="2025-VIF-31-01", days=3, dept="31", capacity=12)
    fourth = trainee(toulouse, "21", user=twice, structure=0, sector=1, category=0)
    fifth = trainee(toulouse, "10.5", structure=0, sector=1, category=1)
    # Not Drapps, cancelled, or of another year: left out of 2025.
    trainee(held(cps, datetime.date(2025, 5, 5), code="2025-CPS1-31-01", funding=Funding.INTRA, dept="31"), "14")
    trainee(held(cps, datetime.date(2025, 6, 2), code="2025-CPS1-09-02", status=SessionStatus.CANCELLED), "14")
    trainee(held(cps, datetime.date(2026, 1, 12), code="2026-CPS1-09-01"), "14")
    # 2024, Ariège: 2 trainees of 7 h; 8 seats.
    before = held(cps, datetime.date(2024, 5, 6), code="2024-CPS1-09-01", days=1, capacity=8)
    trainee(before, "7", structure=1, sector=0, category=0)
    old = trainee(before, "7", structure=1, sector=0, category=0)

    # Surveys: imported history (no invitation) and a campaign sent by the system (2 invited, 1 answered).
    survey(ariege, HOT, [(first, {"attentes": 4}), (second, {"attentes": 3}), (third, {"attentes": 2})])
    survey(
        toulouse,
        HOT,
        [(fourth, {"attentes": 4, "objectifs": 2})],
        invited=[fourth, fifth],
        origin=CampaignOrigin.AUTOMATIC,
    )
    survey(
        ariege, COLD, [(first, {"besoins": 1, "mise_en_pratique": 1}), (second, {"besoins": 0, "mise_en_pratique": 1})]
    )
    survey(before, HOT, [(old, {"attentes": 4})])
    return {"ariege": ariege, "toulouse": toulouse}


def indicators_json(year):
    output = io.StringIO()
    call_command("indicators", "--year", str(year), "--format", "json", "--funding", "drapps", stdout=output)
    return json.loads(output.getvalue())


def workbook(tmp_path, year=2025):
    path = tmp_path / "drapps.xlsx"
    call_command("drapps_report", "--year", str(year), "--output", str(path), stdout=io.StringIO())
    frames = pd.read_excel(path, sheet_name=None, dtype={"Code": str})
    assert len(frames) == len(SHEETS)
    return dict(zip(SHEETS, frames.values(), strict=True)), path


# The data
# ------------------------------------------------------------------------------


def test_report_data_counts_drapps_sessions_of_the_year_beside_the_year_before(drapps_years):
    data = drapps_report_data(year=2025)

    summary = {row["key"]: (row["current"], row["previous"]) for row in data["summary"]}
    assert summary["sessions"] == (2, 1)
    assert summary["departments"] == (2, 1)
    assert summary["trainees"] == (5, 2)
    assert summary["distinct_trainees"] == (4, 2)
    assert summary["trainee_hours"] == (66.5, 14.0)
    assert summary["seats"] == (22, 8)
    assert summary["fill_rate"] == (5 / 22, 2 / 8)
    change = {row["key"]: row["change"] for row in data["summary"]}
    assert change["trainees"] == 3
    assert change["fill_rate"] == pytest.approx(5 / 22 - 2 / 8)


def test_every_departement_is_listed_even_without_a_session(drapps_years):
    rows = drapps_report_data(year=2025)["by_department"]

    assert len(rows) == 13
    by_code = {row["code"]: row for row in rows}
    assert by_code["09"]["current"] == {"sessions": 1, "trainees": 3, "trainee_hours": 35.0}
    assert by_code["09"]["previous"] == {"sessions": 1, "trainees": 2, "trainee_hours": 14.0}
    assert by_code["31"]["current"] == {"sessions": 1, "trainees": 2, "trainee_hours": 31.5}
    assert by_code["48"]["current"] == by_code["48"]["previous"] == {"sessions": 0, "trainees": 0, "trainee_hours": 0.0}


def test_structure_types_count_the_trainees_with_their_share(drapps_years):
    rows = drapps_report_data(year=2025)["by_structure_type"]
    structure_types = list(StructureType.objects.values_list("label", flat=True))

    figures = {row["code"]: (row["current"]["trainees"], row["previous"]["trainees"]) for row in rows}
    assert figures == {structure_types[0]: (3, 0), structure_types[1]: (1, 2), None: (1, 0)}
    assert rows[-1]["code"] is None  # "not specified" comes last
    assert rows[0]["current"]["share"] == 3 / 5
    assert rows[1]["previous"]["share"] == 1.0


def test_session_list_holds_each_drapps_session_of_the_year(drapps_years):
    sessions = drapps_report_data(year=2025)["sessions"]

    assert [session["code"] for session in sessions] == ["2025-CPS1-09-01", "2025-VIF-31-01"]
    toulouse = sessions[1]
    assert (toulouse["first_day"], toulouse["last_day"]) == (datetime.date(2025, 12, 29), datetime.date(2025, 12, 31))
    assert (toulouse["trainees"], toulouse["trainee_hours"], toulouse["planned_hours"]) == (2, 31.5, 21.0)
    assert toulouse["department"] == "Haute-Garonne"


def test_report_data_takes_a_fixed_number_of_queries(drapps_years, django_assert_max_num_queries):
    with django_assert_max_num_queries(22):
        drapps_report_data(year=2025)


# XLSX
# ------------------------------------------------------------------------------


def test_xlsx_holds_the_figures_of_the_indicators_command_with_the_drapps_filter(drapps_years, tmp_path):
    sheets, _path = workbook(tmp_path)
    current, previous = indicators_json(2025), indicators_json(2024)
    assert current["trainees"] == 5  # the intra, cancelled and 2026 sessions are left out

    summary = sheets["summary"].set_axis(["label", "current", "previous", "change"], axis=1)
    for index, (key, value) in enumerate(
        [
            ("sessions", lambda data: data["sessions"]["total"]),
            ("departments", lambda data: len(data["by_department"])),
            ("trainees", lambda data: data["trainees"]),
            ("distinct_trainees", lambda data: data["distinct_trainees"]),
            ("trainee_hours", lambda data: data["trainee_hours"]),
            ("avg_duration_days", lambda data: data["avg_duration_days"]["all"]),
            ("seats", lambda data: data["seats"]),
            ("fill_rate", lambda data: data["fill_rate"]),
        ]
    ):
        row = summary.iloc[index]
        assert row["current"] == pytest.approx(value(current)), key
        assert row["previous"] == pytest.approx(value(previous)), key

    departments = sheets["departments"].set_index("Code")
    for data, offset in ((current, 1), (previous, 4)):
        for row in data["by_department"]:
            line = departments.loc[row["code"]]
            assert list(line.iloc[offset : offset + 3]) == [row["sessions"], row["trainees"], row["trainee_hours"]]
    assert len(departments) == 13

    themes = sheets["themes"].set_index(sheets["themes"].columns[0])
    for data, offset in ((current, 0), (previous, 3)):
        for row in data["by_theme"]:
            line = themes.loc[row["label"]]
            assert list(line.iloc[offset : offset + 3]) == [row["sessions"], row["trainees"], row["trainee_hours"]]

    for sheet, key in (("sectors", "by_sector"), ("categories", "by_professional_category")):
        frame = sheets[sheet].set_index(sheets[sheet].columns[0])
        for data, offset in ((current, 0), (previous, 2)):
            for row in data[key]:
                line = frame.loc[row["label"]]
                assert line.iloc[offset] == row["trainees"], (sheet, row)
                assert line.iloc[offset + 1] == pytest.approx(row["trainees"] / data["trainees"]), (sheet, row)

    surveys = sheets["surveys"]
    for data, offset in ((current, 1), (previous, 5)):
        expected = [
            (data["hot"]["expectations_rate"], data["hot"]["n"], data["hot"]["response_rate"]),
            (data["hot"]["objectives_rate"], data["hot"]["objectives_n"], data["hot"]["response_rate"]),
            (data["cold"]["needs_met_rate"], data["cold"]["n"], data["cold"]["response_rate"]),
            (data["cold"]["practice_rate"], data["cold"]["practice_n"], data["cold"]["response_rate"]),
        ]
        for index, (rate, n, response_rate) in enumerate(expected):
            line = surveys.iloc[index]
            assert _same(line.iloc[offset], rate) and line.iloc[offset + 1] == n, (index, offset)
            assert _same(line.iloc[offset + 2], response_rate), (index, offset)
    assert current["hot"]["expectations_rate"] == 3 / 4 and current["hot"]["response_rate"] == 1 / 2


def _same(cell, value) -> bool:
    """An Excel cell read by pandas (NaN when empty) against an indicator (None when unknown)."""
    return pd.isna(cell) if value is None else cell == pytest.approx(value)


def test_xlsx_cells_are_numbers_percentages_and_dates(drapps_years, tmp_path):
    _sheets, path = workbook(tmp_path)
    book = openpyxl.load_workbook(path)
    summary, departments, sessions = book.worksheets[0], book.worksheets[1], book.worksheets[7]

    fill_rate = summary.cell(row=9, column=2)
    assert fill_rate.value == pytest.approx(5 / 22)
    assert "%" in fill_rate.number_format
    assert summary.cell(row=4, column=2).value == 5 and "%" not in summary.cell(row=4, column=2).number_format
    assert summary.cell(row=9, column=4).value == pytest.approx((5 / 22 - 2 / 8) * 100)  # a rate moves in points
    assert departments.cell(row=2, column=1).value == "09"  # a code keeps its leading zero
    assert isinstance(sessions.cell(row=2, column=5).value, datetime.datetime)
    assert sessions.cell(row=2, column=5).number_format == "DD/MM/YYYY"
    assert sessions.cell(row=3, column=10).value == 31.5
    assert book.worksheets[3].cell(row=2, column=3).value == pytest.approx(3 / 5)
    assert "%" in book.worksheets[3].cell(row=2, column=3).number_format


# PDF
# ------------------------------------------------------------------------------


def test_pdf_is_a_valid_document_with_the_key_figures(drapps_years, tmp_path):
    path = tmp_path / "drapps.pdf"

    call_command("drapps_report", "--year", "2025", "--output", str(path), stdout=io.StringIO())

    assert path.read_bytes().startswith(b"%PDF-")
    reader = PdfReader(path)
    assert len(reader.pages) >= 2
    text = " ".join(page.extract_text() for page in reader.pages)
    text = " ".join(text.replace("\u00a0", " ").replace("\u202f", " ").split())
    assert "Drapps" in text
    assert "2025" in text and "2024" in text
    assert "66,5" in text  # trainee hours
    assert "22,7 %" in text  # fill rate 5 / 22
    assert "75 %" in text  # satisfied at the end of the training (3 of 4)
    assert "2025-CPS1-09-01" in text and "2025-VIF-31-01" in text
    assert "2025-CPS1-31-01" not in text  # the intra session
    assert text.count("Ariège (09)") >= 2  # in the chart and in the table
    assert "Lozère (48)" in text  # every département, even without a session


def test_pdf_of_the_year_before_lists_its_own_sessions(drapps_years, tmp_path):
    path = tmp_path / "drapps.pdf"

    call_command("drapps_report", "--year", "2024", "--output", str(path), stdout=io.StringIO())

    text = " ".join(page.extract_text() for page in PdfReader(path).pages)
    assert "2024-CPS1-09-01" in text
    assert "2025-CPS1-09-01" not in text


# The command
# ------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["report.csv", "report", "report.docx"])
def test_command_rejects_an_output_that_is_neither_xlsx_nor_pdf(db, tmp_path, name):
    with pytest.raises(CommandError):
        call_command("drapps_report", "--year", "2025", "--output", str(tmp_path / name), stdout=io.StringIO())
    assert not (tmp_path / name).exists()


def test_command_rejects_a_bad_year_or_a_missing_folder(db, tmp_path):
    with pytest.raises(CommandError):
        call_command(
            "drapps_report", "--year", "l'an dernier", "--output", str(tmp_path / "r.pdf"), stdout=io.StringIO()
        )
    with pytest.raises(CommandError):
        call_command(
            "drapps_report", "--year", "2025", "--output", str(tmp_path / "no" / "r.xlsx"), stdout=io.StringIO()
        )


def test_command_accepts_an_upper_case_extension(drapps_years, tmp_path):
    path = tmp_path / "RAPPORT.XLSX"

    call_command("drapps_report", "--year", "2025", "--output", str(path), stdout=io.StringIO())

    assert openpyxl.load_workbook(path).worksheets[0].cell(row=2, column=2).value == 2


# Charts
# ------------------------------------------------------------------------------


def test_nice_step_is_a_round_number():
    assert [nice_step(value) for value in (0, 3, 10, 51, 130, 980)] == [1, 1, 5, 20, 50, 500]


def test_bar_chart_scales_bars_on_the_largest_value_and_writes_each_value():
    chart = horizontal_bar_chart(
        title="Stagiaires",
        rows=[("Ariège", [10, 4]), ("Aude", [40, 0])],
        series=["2025", "2024"],
        formatter=lambda value: f"{value} st.",
        width=500,
        label_width=100,
        value_width=40,
    )

    ariege, aude = chart.rows
    # Steps of 10 up to 40: the largest bar fills the plot (500 − 100 − 40 = 360 units).
    assert aude.bars[0].width == "360" and ariege.bars[0].width == "90"
    assert aude.bars[1].width == "0" and aude.bars[1].text == "0 st."
    assert [tick.text for tick in chart.ticks] == ["0 st.", "10 st.", "20 st.", "30 st.", "40 st."]
    assert [item.label for item in chart.legend] == ["2025", "2024"]
    assert "," not in chart.height and "," not in ariege.bars[0].y  # SVG coordinates keep a dot
