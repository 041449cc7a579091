"""Back-office lists exported as XLSX and CSV through their Resource, filters honoured; long lists in the background."""

import csv
import datetime
import io
from decimal import Decimal

import openpyxl
import pytest

from django.urls import reverse

from tests.clock import FIRST_DAY
from tests.factories import RegistrationFactory, SessionFactory, UserFactory, course_create, slots_create
from training.choices import BatchStatus, RegistrationStatus, SessionStatus
from training.exports import data_export_run
from training.models import DataExport
from training.resources import AttendanceResource, RegistrationResource, SessionResource

pytestmark = pytest.mark.django_db


@pytest.fixture
def sessions(catalogue):
    course = course_create(catalogue=catalogue)
    held = SessionFactory(course=course, code="2026-CPS1-12-01", status=SessionStatus.DONE)
    slots_create(session=held, first_day=FIRST_DAY, days=2)
    RegistrationFactory(session=held, status=RegistrationStatus.CONFIRMED, hours_recorded=Decimal("10.5"))
    RegistrationFactory(session=held, status=RegistrationStatus.WAITLISTED)
    planned = SessionFactory(course=course, code="2027-CPS1-31-01", status=SessionStatus.OPEN)
    return held, planned


def _column(resource_class, field: str) -> str:
    return str(resource_class.fields[field].column_name)


def _rows_xlsx(content: bytes) -> list[tuple]:
    sheet = openpyxl.load_workbook(io.BytesIO(content)).active
    return [tuple(row) for row in sheet.iter_rows(values_only=True)]


def test_the_sessions_list_exports_as_filtered_on_screen(coordinator_client, sessions):
    url = reverse("sessions:index")

    response = coordinator_client.get(url, {"status": SessionStatus.DONE, "export": "xlsx"})

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert 'filename="sessions-' in response["Content-Disposition"]
    header, *rows = _rows_xlsx(response.content)
    assert [row[header.index(_column(SessionResource, "code"))] for row in rows] == ["2026-CPS1-12-01"]
    assert rows[0][header.index(_column(SessionResource, "planned_hours"))] == 14  # a number, not a text
    assert rows[0][header.index(_column(SessionResource, "confirmed"))] == 1


def test_csv_exports_open_in_french_excel(coordinator_client, sessions):
    response = coordinator_client.get(reverse("registrations:index"), {"export": "csv"})

    content = response.content
    assert content.startswith("\ufeff".encode())
    reader = csv.reader(io.StringIO(content.decode("utf-8-sig")), delimiter=";")
    header, *rows = list(reader)
    assert len(rows) == 2
    hours = {row[header.index(_column(RegistrationResource, "hours_attended"))] for row in rows}
    assert hours == {"10,5", "0"}  # decimal commas, no trailing zeros (PostgreSQL returns 10.50)


def test_a_long_list_is_prepared_in_the_background_for_its_requester_only(
    coordinator_client, coordinator, sessions, settings, committed, client
):
    settings.EXPORT_INLINE_MAX_ROWS = 1

    with committed():
        response = coordinator_client.get(reverse("sessions:index"), {"export": "xlsx", "ordering": "code"})

    assert response.status_code == 302 and response.url == reverse("training_exports:index")
    export = DataExport.objects.get()
    assert (export.requested_by, export.status, export.row_count) == (coordinator, BatchStatus.DONE, 2)
    assert data_export_run(export_id=export.pk) is False  # a retried task writes nothing again
    page = coordinator_client.get(reverse("training_exports:index"))
    assert reverse("training_exports:download", args=[export.pk]) in page.content.decode()
    download = coordinator_client.get(reverse("training_exports:download", args=[export.pk]))
    header, *rows = _rows_xlsx(b"".join(download.streaming_content))
    assert [row[header.index(_column(SessionResource, "code"))] for row in rows] == [
        "2026-CPS1-12-01",
        "2027-CPS1-31-01",
    ]

    other = UserFactory(is_superuser=True)
    client.force_login(other)
    assert client.get(reverse("training_exports:download", args=[export.pk])).status_code == 404


def test_people_without_back_office_access_cannot_export(client, sessions):
    client.force_login(UserFactory())
    response = client.get(reverse("sessions:index"), {"export": "csv"})
    assert response.status_code == 302
    assert client.get(reverse("training_exports:index")).status_code == 302


def test_a_sessions_attendance_exports_one_row_per_trainee_and_half_day(coordinator_client, catalogue):
    from tests.factories import professional_create
    from training.models import Attendance, Slot

    course = course_create(catalogue=catalogue, title="Prévenir les conduites addictives")
    session = SessionFactory(course=course, code="2026-ADD-12-01", status=SessionStatus.DONE)
    slots = slots_create(session=session, first_day=FIRST_DAY, days=1)
    registration = RegistrationFactory(session=session, user=professional_create(), status=RegistrationStatus.CONFIRMED)
    for slot in slots:
        Attendance.objects.create(registration=registration, slot=slot, status="present", hours=slot.hours)

    response = coordinator_client.get(reverse("attendance:session_xlsx", args=[session.pk]))

    header, *rows = _rows_xlsx(response.content)
    assert len(rows) == Slot.objects.filter(session=session).count() == 2
    assert {row[header.index(_column(AttendanceResource, "hours"))] for row in rows} == {3.5}


def test_the_sessions_and_registrations_lists_filter_on_the_year_of_the_first_day(coordinator_client, sessions):
    held, planned = sessions
    slots_create(session=planned, first_day=datetime.date(2027, 1, 11), days=1)

    page = coordinator_client.get(reverse("sessions:index"), {"year": 2026}).content.decode()
    assert held.code in page and planned.code not in page
    page = coordinator_client.get(reverse("registrations:index"), {"year": 2027}).content.decode()
    assert held.code not in page


def test_a_sessions_page_shows_its_dates_and_hours_the_french_way(coordinator_client, sessions):
    held, _planned = sessions

    page = " ".join(coordinator_client.get(reverse("sessions:inspect", args=[held.pk])).content.decode().split())

    assert "14/12/2026" in page and "15/12/2026" in page
    assert "<dd> None </dd>" not in page and "<dd> False </dd>" not in page and "+00:00" not in page
    assert "<dd> — </dd>" in page  # nothing written, said so
