import datetime
import io

import pytest
from freezegun import freeze_time

from django.apps import apps
from django.core.management import call_command

from accounts.models import Department
from cms.models import CoursePage
from training.choices import Funding, SessionStatus
from training.models import Session

pytestmark = pytest.mark.django_db


def _row_counts() -> dict[str, int]:
    return {model._meta.label: model.objects.count() for model in apps.get_models()}


@pytest.fixture
def seeded():
    with freeze_time("2026-11-22 09:00"):
        call_command("seed_demo", stdout=io.StringIO())


def test_seed_demo_twice_leaves_the_same_row_counts(seeded):
    before = _row_counts()

    with freeze_time("2027-01-15 09:00"):  # even run on another day
        call_command("seed_demo", stdout=io.StringIO())

    assert _row_counts() == before


def test_demo_catalogue_has_the_real_courses_with_complete_sheets(seeded):
    courses = CoursePage.objects.live()

    titles = set(courses.values_list("title", flat=True))
    assert "Comprendre les violences intrafamiliales" in titles
    assert "Santé environnementale et perturbateurs endocriniens" in titles
    assert all(course.indicator_1_gaps() == [] for course in courses.specific())
    level_1 = CoursePage.objects.get(slug="cps-niveau-1")
    assert (level_1.duration_days, level_1.duration_hours) == (3, 21)
    level_2 = list(courses.filter(level="level_2"))
    assert len(level_2) == 2
    assert all(list(course.prerequisite_courses.all()) == [level_1] for course in level_2)


def test_demo_year_covers_every_departement_with_drapps_and_intra_sessions(seeded):
    sessions = Session.objects.with_schedule()

    assert set(sessions.values_list("department__code", flat=True)) == set(
        Department.objects.values_list("code", flat=True)
    )
    assert sessions.filter(funding=Funding.DRAPPS).count() >= 40
    assert sessions.filter(funding=Funding.INTRA).count() >= 15
    assert sessions.filter(status=SessionStatus.DONE, last_day__lt=datetime.date(2026, 11, 22)).exists()
    assert sessions.filter(status=SessionStatus.OPEN, first_day__gt=datetime.date(2026, 11, 22)).exists()
    for session in sessions.filter(course__slug="cps-niveau-1"):
        assert session.planned_hours == 21


def test_demo_accounts_can_sign_in(seeded, client):
    assert (
        client.post(
            "/accounts/login/", {"login": "coordination@demo.formations.test", "password": "demo-formations-2026"}
        ).status_code
        == 302
    )
    assert client.get("/admin/").status_code == 200
