import datetime
from decimal import Decimal

import pytest

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from tests.factories import (
    OrganisationFactory,
    RegistrationFactory,
    SessionFactory,
    UserFactory,
    course_create,
    slots_create,
)
from training.choices import Funding, Period, RegistrationStatus
from training.models import Registration, Session, Slot

pytestmark = pytest.mark.django_db


@pytest.fixture
def course(catalogue):
    return course_create(catalogue=catalogue)


def test_session_code_is_unique(course):
    SessionFactory(course=course, code="2026-CPS1-12-01")

    with pytest.raises(IntegrityError), transaction.atomic():
        SessionFactory(course=course, code="2026-CPS1-12-01")


def test_capacity_cannot_be_negative(course):
    with pytest.raises(IntegrityError), transaction.atomic():
        SessionFactory(course=course, capacity=-1)


def test_intra_session_needs_a_client_structure(course):
    with pytest.raises(IntegrityError), transaction.atomic():
        SessionFactory(course=course, funding=Funding.INTRA, client_organisation=None)

    session = SessionFactory(course=course, funding=Funding.INTRA, client_organisation=OrganisationFactory())
    assert session.pk


def test_constraint_violations_are_reported_in_forms_not_as_errors(course):
    session = SessionFactory.build(course=course, funding=Funding.INTRA, client_organisation=None)

    with pytest.raises(ValidationError) as excinfo:
        session.full_clean()

    assert excinfo.value.error_dict["__all__"][0].code == "intra_without_client"


def test_slot_must_end_after_it_starts(course):
    session = SessionFactory(course=course)

    with pytest.raises(IntegrityError), transaction.atomic():
        Slot.objects.create(
            session=session,
            date=datetime.date(2026, 3, 2),
            period=Period.MORNING,
            starts_at=datetime.time(12),
            ends_at=datetime.time(9),
            hours=Decimal("3"),
        )


def test_one_slot_per_half_day(course):
    session = SessionFactory(course=course)
    slots_create(session=session, first_day=datetime.date(2026, 3, 2))

    with pytest.raises(IntegrityError), transaction.atomic():
        Slot.objects.create(
            session=session,
            date=datetime.date(2026, 3, 2),
            period=Period.MORNING,
            starts_at=datetime.time(9),
            ends_at=datetime.time(12),
            hours=Decimal("3"),
        )


def test_schedule_is_derived_from_slots(course):
    session = SessionFactory(course=course)
    slots_create(session=session, first_day=datetime.date(2026, 3, 5), days=3)  # Thursday: Thu, Fri, Mon

    annotated = Session.objects.with_schedule().get(pk=session.pk)

    assert annotated.first_day == datetime.date(2026, 3, 5)
    assert annotated.last_day == datetime.date(2026, 3, 9)
    assert annotated.planned_hours == Decimal("21")


def test_seats_left_counts_confirmed_and_offered_only(course):
    session = SessionFactory(course=course, capacity=3)
    for status in (
        RegistrationStatus.CONFIRMED,
        RegistrationStatus.OFFERED,
        RegistrationStatus.WAITLISTED,
        RegistrationStatus.CANCELLED,
        RegistrationStatus.PENDING,
    ):
        RegistrationFactory(session=session, status=status)

    annotated = Session.objects.with_seats().get(pk=session.pk)

    assert (annotated.seats_taken, annotated.seats_left) == (2, 1)


def test_seats_left_never_goes_below_zero(course):
    session = SessionFactory(course=course, capacity=1)
    RegistrationFactory.create_batch(2, session=session, status=RegistrationStatus.CONFIRMED)

    assert Session.objects.with_seats().get(pk=session.pk).seats_left == 0


def test_a_person_holds_one_active_registration_per_session(course):
    session = SessionFactory(course=course)
    person = UserFactory()
    RegistrationFactory(session=session, user=person, status=RegistrationStatus.CANCELLED)
    RegistrationFactory(session=session, user=person, status=RegistrationStatus.CONFIRMED)

    with pytest.raises(IntegrityError), transaction.atomic():
        RegistrationFactory(session=session, user=person, status=RegistrationStatus.WAITLISTED)

    assert Registration.objects.filter(session=session, user=person).count() == 2


def test_a_document_has_one_current_version_per_trainee_and_per_session(catalogue):
    import datetime as dt

    from django.db import IntegrityError, transaction
    from django.utils import timezone

    from tests.factories import RegistrationFactory, SessionFactory, course_create
    from training.choices import DocumentKind, RetentionClass
    from training.models import Document

    session = SessionFactory(course=course_create(catalogue=catalogue))
    registration = RegistrationFactory(session=session, status="confirmed")

    def document(code, registration=None, version=1):
        return Document.objects.create(
            kind=DocumentKind.CERTIFICATE if registration else DocumentKind.AGREEMENT,
            session=session,
            registration=registration,
            version=version,
            issued_at=timezone.now(),
            file="documents/x.pdf",
            size=1,
            sha256="0" * 64,
            verification_code=code,
            retention_class=RetentionClass.EVIDENCE,
            retain_until=dt.date(2032, 1, 1),
        )

    document("AAAAAAAAA1", registration)
    document("AAAAAAAAA2")
    for code, owner in (("AAAAAAAAA3", registration), ("AAAAAAAAA4", None)):
        with pytest.raises(IntegrityError), transaction.atomic():
            document(code, owner, version=2)  # a second current version
        with pytest.raises(IntegrityError), transaction.atomic():
            document(code, owner).superseded_at = None  # the same version twice
