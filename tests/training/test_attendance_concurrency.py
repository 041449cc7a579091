"""Signing under real concurrent transactions (PostgreSQL: one connection per thread, real row locks).

The sheet's row lock keeps one chain writer at a time: simultaneous signatures all land, in one
unbroken chain numbered without gaps, and a trainee who signs twice at once is recorded once.
"""

import datetime
import threading

import pytest

from django.db import connection, connections

from tests.clock import PARIS
from tests.factories import (
    SessionFactory,
    TrainerFactory,
    UserFactory,
    course_create,
    professional_create,
    signature_data_url,
    slots_create,
)
from training.choices import AttendanceStatus, ProofKind, RegistrationStatus, SignatureMethod
from training.exceptions import TrainingError
from training.models import Attendance, AttendanceProof, AttendanceSheet, Registration
from training.services.attendance import attendance_chain_verify, attendance_sheet_open, attendance_sign

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("migrated_state_restored"),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks are only meaningful on PostgreSQL"),
]

TRAINEES = 20
DAY = datetime.date(2026, 12, 14)  # a Monday; the morning runs 9:00–12:30
OPENED = datetime.datetime(2026, 12, 14, 8, 50, tzinfo=PARIS)
SIGNED = datetime.datetime(2026, 12, 14, 9, 2, tzinfo=PARIS)


def _signature(number: int) -> str:
    return signature_data_url(seed=number)  # a little different for each person


def _run_together(actions: list) -> list:
    """Run each action in its own thread (so its own connection and transaction), all released by one
    barrier; each result is what the action returned, or the exception it raised."""
    barrier = threading.Barrier(len(actions))
    results: list = [None] * len(actions)

    def work(index: int, action) -> None:
        try:
            barrier.wait(timeout=60)
            results[index] = action()
        except Exception as error:  # noqa: BLE001 (every outcome is checked by the test)
            results[index] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work, args=(index, action)) for index, action in enumerate(actions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


@pytest.fixture
def slot(catalogue):
    """The morning of a session with 20 confirmed trainees, opened by its trainer."""
    session = SessionFactory(course=course_create(catalogue=catalogue), capacity=TRAINEES)
    trainer = TrainerFactory(user=UserFactory())
    session.trainers.add(trainer)
    morning = slots_create(session=session, first_day=DAY)[0]
    for _ in range(TRAINEES):
        Registration.objects.create(session=session, user=professional_create(), status=RegistrationStatus.CONFIRMED)
    attendance_sheet_open(slot=morning, user=trainer.user, now=OPENED)
    return morning


def _sign(slot, registration, number: int):
    return lambda: attendance_sign(
        slot=slot,
        registration=registration,
        signature=_signature(number),
        method=SignatureMethod.QR_LINK,
        now=SIGNED,
    )


def test_20_trainees_signing_at_the_same_instant_all_land_in_one_unbroken_chain(slot):
    registrations = list(Registration.objects.filter(session=slot.session_id).select_related("user"))

    results = _run_together([_sign(slot, r, n) for n, r in enumerate(registrations)])

    assert [r for r in results if isinstance(r, BaseException)] == []
    assert all(isinstance(r, Attendance) for r in results)
    signatures = AttendanceProof.objects.filter(sheet__slot=slot, kind=ProofKind.SIGNATURE)
    assert sorted(signatures.values_list("registration_id", flat=True)) == sorted(r.pk for r in registrations)
    sheet = AttendanceSheet.objects.get(slot=slot)
    sequences = list(
        AttendanceProof.objects.filter(sheet=sheet).order_by("sequence").values_list("sequence", flat=True)
    )
    assert sequences == list(range(1, TRAINEES + 2))  # the opening, then one record per signature
    assert sheet.proof_count == TRAINEES + 1
    assert attendance_chain_verify(sheet=sheet) == []
    attendances = Attendance.objects.filter(slot=slot)
    assert attendances.filter(status=AttendanceStatus.PRESENT, signature__isnull=False).count() == TRAINEES


def test_a_trainee_signing_five_times_at_once_is_recorded_once(slot):
    registration = Registration.objects.filter(session=slot.session_id).select_related("user").first()

    results = _run_together([_sign(slot, registration, n) for n in range(5)])

    signed = [r for r in results if isinstance(r, Attendance)]
    refused = [r for r in results if isinstance(r, TrainingError)]
    assert len(signed) == 1
    assert len(refused) == 4
    assert {error.code for error in refused} == {"already_signed"}
    assert AttendanceProof.objects.filter(sheet__slot=slot, kind=ProofKind.SIGNATURE).count() == 1
    assert Attendance.objects.filter(slot=slot, registration=registration).count() == 1
    sheet = AttendanceSheet.objects.get(slot=slot)
    assert sheet.proof_count == 2
    assert attendance_chain_verify(sheet=sheet) == []
