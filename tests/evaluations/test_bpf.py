"""The pre-filled BPF (`evaluations.reports.bpf`, `manage.py bpf`) on small hand-made data with known answers."""

import datetime
import io
import json
from decimal import Decimal

import pytest

from django.core.management import CommandError, call_command

from cms.choices import Modality
from cms.models import OrganisationSettings
from evaluations.indicators import indicators_for_year
from evaluations.reports.bpf import MAIN_SPECIALITIES, bpf_for_year
from tests.factories import RegistrationFactory, SessionFactory, TrainerFactory, course_create, slots_create
from training.choices import FunderCategory, RegistrationStatus, SessionStatus, TraineeType, TrainerKind
from training.models import FundingLine

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 11, 22)


def held(course, first_day, *, code, days=1, modality=Modality.ON_SITE, status=SessionStatus.DONE, trainers=()):
    session = SessionFactory(course=course, code=code, modality=modality, status=status)
    slots_create(session=session, first_day=first_day, days=days)
    session.trainers.add(*trainers)
    return session


def trainee(session, hours, trainee_type="", *, status=RegistrationStatus.CONFIRMED, **fields):
    return RegistrationFactory(
        session=session, status=status, hours_recorded=Decimal(hours), trainee_type=trainee_type, **fields
    )


def invoice(session, category, amount, day):
    return FundingLine.objects.create(
        session=session, category=category, payer="Payeur", amount=Decimal(amount), invoiced_on=day
    )


def pair(trainees, hours):
    return {"trainees": trainees, "hours": hours}


@pytest.fixture
def organisation(db):
    settings = OrganisationSettings.load()
    settings.name = "Promotion Santé Occitanie"
    settings.nda_number = "76310000031"
    settings.siret = ""
    settings.address, settings.postcode, settings.city = "1 rue de Metz", "31000", "Toulouse"
    settings.save()
    return settings


@pytest.fixture
def year_2025(catalogue, organisation):
    """Sessions around 2025 with their trainees, trainers and invoices (see each line)."""
    other = course_create(catalogue=catalogue, title="Compétences psychosociales", slug="cps", nsf_code="330")
    rs = course_create(
        catalogue=catalogue,
        title="Premiers secours en santé mentale",
        slug="pssm",
        nsf_code="331t",  # a letter after the three digits: counted as 331
        is_certifying=True,
        certification_code="RS5678",
    )
    earlier = course_create(catalogue=catalogue, title="Cours de 2024", slug="old", nsf_code="")
    unspecified = course_create(
        catalogue=catalogue, title="Certifiant sans code", slug="cert", nsf_code="332", is_certifying=True
    )
    rncp = course_create(
        catalogue=catalogue,
        title="Titre RNCP sans code NSF",
        slug="rncp",
        nsf_code="",
        is_certifying=True,
        certification_code="RNCP12345",
    )
    internal = TrainerFactory(kind=TrainerKind.INTERNAL)
    internal_too = TrainerFactory(kind=TrainerKind.INTERNAL)
    external = TrainerFactory(kind=TrainerKind.EXTERNAL)

    # A: 2 days (14 h), two trainers; a private employee, a jobseeker, one without situation, a no-show.
    a = held(other, datetime.date(2025, 3, 10), code="2025-A", days=2, trainers=(internal, external))
    trainee(a, "14", TraineeType.PRIVATE_EMPLOYEE)
    trainee(a, "14", TraineeType.JOBSEEKER)
    trainee(a, "7", "", user__first_name="Inès", user__last_name="Sans-Situation")
    trainee(a, "0", TraineeType.PRIVATE_EMPLOYEE)  # no-show: not a trainee
    trainee(a, "14", TraineeType.PRIVATE_EMPLOYEE, status=RegistrationStatus.CANCELLED)
    invoice(a, FunderCategory.COMPANY, "1000.00", datetime.date(2025, 3, 20))
    invoice(a, FunderCategory.STATE, "500.50", datetime.date(2026, 1, 5))  # invoiced the next year
    # B: remote, on New Year's Eve; an individual and a public servant (other).
    b = held(rs, datetime.date(2025, 12, 31), code="2025-B", modality=Modality.REMOTE, trainers=(internal,))
    trainee(b, "7", TraineeType.INDIVIDUAL)
    trainee(b, "3.5", TraineeType.OTHER)
    invoice(b, FunderCategory.INDIVIDUAL, "300.00", datetime.date(2025, 12, 31))
    # C: started in 2024: not a 2025 session, but its OPCO invoice of January 2025 is 2025 income.
    c = held(earlier, datetime.date(2024, 12, 30), code="2024-C", days=3, trainers=(external,))
    trainee(c, "21", TraineeType.APPRENTICE)
    invoice(c, FunderCategory.OPCO_PLAN, "2000.00", datetime.date(2025, 1, 10))
    invoice(c, FunderCategory.OPCO_CPF, "150.00", datetime.date(2024, 12, 31))
    # D: blended, no trainer, no invoice.
    d = held(unspecified, datetime.date(2025, 6, 2), code="2025-D", modality=Modality.BLENDED)
    trainee(d, "7", TraineeType.OTHER)
    # E: an RNCP course without NSF code.
    e = held(rncp, datetime.date(2025, 9, 1), code="2025-E", trainers=(internal_too,))
    trainee(e, "7", TraineeType.PRIVATE_EMPLOYEE)
    invoice(e, FunderCategory.PUBLIC_EMPLOYER, "800.00", datetime.date(2025, 9, 15))
    # F: cancelled: no trainee, no trainer hours; its cancellation fee is income all the same.
    f = held(other, datetime.date(2025, 5, 5), code="2025-F", status=SessionStatus.CANCELLED, trainers=(external,))
    trainee(f, "7", TraineeType.PRIVATE_EMPLOYEE)
    invoice(f, FunderCategory.OTHER, "50.00", datetime.date(2025, 5, 1))
    return {"a": a, "b": b, "c": c, "d": d, "e": e, "courses": (other, rs, earlier, unspecified, rncp)}


def bpf(year=2025):
    return bpf_for_year(year=year, today=TODAY)


# Cadres
# ------------------------------------------------------------------------------


def test_identification_comes_from_the_organisation_settings(year_2025):
    identification = bpf()["identification"]

    assert identification["name"] == "Promotion Santé Occitanie"
    assert identification["nda_number"] == "76310000031"
    assert (identification["postcode"], identification["city"]) == ("31000", "Toulouse")
    assert identification["siret"] == ""


def test_income_sums_the_lines_invoiced_in_the_year_by_origin_whatever_the_session(year_2025):
    income = bpf()["income"]

    amounts = {line["category"]: line["amount"] for line in income["lines"]}
    assert amounts == {
        "company": 1000.0,
        "opco_plan": 2000.0,  # for a session of 2024, invoiced in January 2025
        "opco_cpf": 0.0,  # invoiced on 31 December 2024
        "public_employer": 800.0,
        "europe": 0.0,
        "state": 0.0,  # invoiced on 5 January 2026
        "region": 0.0,
        "france_travail": 0.0,
        "other_public": 0.0,
        "individual": 300.0,
        "training_organisation": 0.0,
        "other": 50.0,  # a cancelled session's fee
    }
    assert [line["line"] for line in income["lines"]] == [
        "1",
        "2h",
        "2e",
        "3",
        "4",
        "5",
        "6",
        "7",
        "8",
        "9",
        "10",
        "11",
    ]
    assert income["opco_total"] == 2000.0
    assert income["total"] == 4150.0
    assert bpf(2026)["income"]["total"] == 500.5
    assert bpf(2024)["income"]["total"] == 150.0


def test_trainers_count_people_and_the_hours_of_the_held_sessions_they_taught(year_2025):
    trainers = bpf()["trainers"]

    # Internal: one on A (14 h) and B (7 h), the other on E (7 h). External: A only (C is 2024, F cancelled).
    assert trainers["internal"] == {"trainers": 2, "hours": 28.0}
    assert trainers["external"] == {"trainers": 1, "hours": 14.0}
    assert trainers["total"] == {"trainers": 3, "hours": 42.0}


def test_trainee_types_count_trainees_and_hours_with_blank_situations_apart(year_2025):
    types = bpf()["trainee_types"]

    lines = {line["type"]: (line["line"], line["trainees"], line["hours"]) for line in types["lines"]}
    assert lines == {
        "private_employee": ("a", 2, 21.0),
        "apprentice": ("b", 0, 0.0),  # the apprentice's session started in 2024
        "jobseeker": ("c", 1, 14.0),
        "individual": ("d", 1, 7.0),
        "other": ("e", 2, 10.5),
        "unknown": (None, 1, 7.0),
    }
    assert types["total"] == pair(7, 59.5)
    assert types["distance"] == pair(3, 17.5)  # B remote (2 trainees, 10.5 h) and D blended (1, 7 h)


def test_totals_are_those_of_the_yearly_indicators(year_2025):
    data = bpf()
    indicators = indicators_for_year(year=2025, today=TODAY)

    expected = pair(indicators["trainees"], indicators["trainee_hours"])
    assert expected == pair(7, 59.5)
    for cadre in ("trainee_types", "objectives", "specialities"):
        assert data[cadre]["total"] == expected, cadre
        lines = data[cadre]["lines"]
        assert sum(line["trainees"] for line in lines) == expected["trainees"], cadre
        assert sum(line["hours"] for line in lines) == expected["hours"], cadre


def test_objectives_split_certifying_courses_by_their_code(year_2025):
    objectives = {
        line["objective"]: (line["line"], line["trainees"], line["hours"]) for line in bpf()["objectives"]["lines"]
    }

    assert objectives == {
        "rncp": ("a", 1, 7.0),
        "rs": ("b", 2, 10.5),
        "certification_unspecified": (None, 1, 7.0),
        "other": ("d", 3, 35.0),
    }


def test_specialities_rank_nsf_codes_by_hours_with_courses_without_code_apart(year_2025):
    lines = [(line["nsf_code"], line["trainees"], line["hours"]) for line in bpf()["specialities"]["lines"]]

    assert lines == [
        ("330", 3, 35.0),
        ("331", 2, 10.5),  # "331t"
        ("332", 1, 7.0),
        ("others", 0, 0.0),
        ("unknown", 1, 7.0),
    ]
    assert bpf()["specialities"]["lines"][0]["label"] == "Spécialités plurivalentes sanitaires et sociales"


def test_specialities_beyond_the_main_ones_are_added_up(catalogue, organisation):
    codes = ["330", "331", "332", "333", "335", "344", "413"]
    for index, code in enumerate(codes):
        course = course_create(catalogue=catalogue, title=f"Cours {code}", slug=f"cours-{code}", nsf_code=code)
        session = held(course, datetime.date(2025, 3, 3 + index), code=f"2025-{code}")
        for _ in range(len(codes) - index):  # 330 has the most trainees and hours, 413 the fewest
            trainee(session, "7", TraineeType.OTHER)

    lines = bpf()["specialities"]["lines"]

    assert [line["nsf_code"] for line in lines] == [*codes[:MAIN_SPECIALITIES], "others", "unknown"]
    assert (lines[MAIN_SPECIALITIES]["trainees"], lines[MAIN_SPECIALITIES]["hours"]) == (2 + 1, 21.0)


# What is missing
# ------------------------------------------------------------------------------


def test_missing_lists_what_to_fix_with_counts_and_where(year_2025):
    missing = {item["code"]: item for item in bpf()["missing"]}

    assert set(missing) == {
        "organisation_siret",
        "trainee_type",
        "course_nsf_code",
        "course_certification_code",
        "session_funding_line",
        "session_trainers",
    }
    assert missing["trainee_type"]["count"] == 1
    assert missing["trainee_type"]["items"] == ["2025-A — Inès Sans-Situation"]
    # Only the courses of the 2025 sessions: the 2024 course without code is not asked for.
    assert missing["course_nsf_code"]["items"] == ["Titre RNCP sans code NSF"]
    assert missing["course_certification_code"]["items"] == ["Certifiant sans code"]
    assert missing["session_funding_line"]["items"] == ["2025-D"]
    assert missing["session_trainers"]["items"] == ["2025-D"]
    assert all(item["message"] and item["where"] for item in missing.values())


def test_missing_is_empty_once_everything_is_filled_in(year_2025, organisation):
    organisation.siret = "77568879700034"
    organisation.save()
    registration = year_2025["a"].registrations.get(trainee_type="", status=RegistrationStatus.CONFIRMED)
    registration.trainee_type = TraineeType.OTHER
    registration.save()
    _other, _rs, _earlier, unspecified, rncp = year_2025["courses"]
    unspecified.certification_code = "RS1234"
    unspecified.save()
    rncp.nsf_code = "331"
    rncp.save()
    invoice(year_2025["d"], FunderCategory.COMPANY, "10.00", datetime.date(2025, 7, 1))
    year_2025["d"].trainers.add(TrainerFactory())

    data = bpf()

    assert data["missing"] == []
    assert next(line for line in data["trainee_types"]["lines"] if line["type"] == "unknown")["trainees"] == 0


def test_missing_organisation_identity(db):
    settings = OrganisationSettings.load()
    settings.nda_number = settings.siret = settings.address = ""
    settings.save()

    codes = [item["code"] for item in bpf()["missing"]]

    assert codes == ["organisation_siret", "organisation_nda", "organisation_address"]


def test_a_year_without_activity_is_all_zeros(organisation):
    data = bpf(2030)

    assert data["trainee_types"]["total"] == pair(0, 0.0)
    assert data["income"]["total"] == 0.0
    assert data["trainers"]["total"] == {"trainers": 0, "hours": 0.0}
    assert [line["nsf_code"] for line in data["specialities"]["lines"]] == ["others", "unknown"]
    assert [item["code"] for item in data["missing"]] == ["organisation_siret"]


def test_a_fixed_number_of_queries_whatever_the_data(year_2025, django_assert_max_num_queries):
    with django_assert_max_num_queries(8):
        bpf()


# The command
# ------------------------------------------------------------------------------


def test_command_json_prints_the_same_data(year_2025):
    output = io.StringIO()

    call_command("bpf", "--year", "2025", "--format", "json", stdout=output)

    printed = json.loads(output.getvalue())
    expected = bpf_for_year(year=2025)
    assert printed == json.loads(json.dumps(expected))
    assert printed["income"]["total"] == 4150.0
    assert printed["trainee_types"]["total"] == pair(7, 59.5)


def test_command_table_shows_every_cadre_and_the_missing_list_in_french_numbers(year_2025):
    output = io.StringIO()

    call_command("bpf", "--year", "2025", stdout=output)

    text = output.getvalue().replace("\u00a0", " ").replace("\u202f", " ")
    for cadre in ("A-B.", "C.", "E.", "F-1.", "F-3.", "F-4."):
        assert f"\n{cadre} " in text, cadre
    assert "4 150,00 €" in text
    assert "2 000,00 €" in text
    assert "59,5" in text
    assert "2025-A — Inès Sans-Situation" in text
    assert "2025-D" in text


def test_command_rejects_a_bad_year(db):
    with pytest.raises(CommandError):
        call_command("bpf", "--year", "deux mille", stdout=io.StringIO())
