"""Data the fault tests share: sessions held and over, ready for their documents and surveys."""

import datetime

from django.utils import timezone

from cms.models import OrganisationSettings
from tests.factories import RegistrationFactory, SessionFactory, UserFactory, slots_create
from training.choices import AttendanceStatus, RegistrationStatus, SessionStatus, SheetStatus
from training.models import Attendance, AttendanceSheet


def signatory_set() -> None:
    """Documents are signed by the organisation's legal representative."""
    organisation = OrganisationSettings.load()
    organisation.legal_representative_name = "Dominique Roux"
    organisation.save()


def held_session(*, course, trainees: int, code: str):
    """A session over last week, its two half-days locked with everyone present."""
    session = SessionFactory(course=course, code=code, capacity=trainees, status=SessionStatus.DONE)
    slots = slots_create(session=session, first_day=timezone.localdate() - datetime.timedelta(days=7))
    registrations = [
        RegistrationFactory(
            session=session,
            status=RegistrationStatus.CONFIRMED,
            user=UserFactory(email=f"{code.lower()}-{index}@exemple.fr", last_name=f"Stagiaire{index:02d}"),
        )
        for index in range(trainees)
    ]
    now = timezone.now()
    for slot in slots:
        AttendanceSheet.objects.create(slot=slot, status=SheetStatus.LOCKED, locked_at=now)
    Attendance.objects.bulk_create(
        Attendance(registration=registration, slot=slot, status=AttendanceStatus.PRESENT, hours=slot.hours)
        for registration in registrations
        for slot in slots
    )
    return session, registrations
