import datetime

import pytest
from freezegun import freeze_time

from django.core import mail
from django.utils import timezone

from tests.clock import FIRST_DAY, NOW, PARIS
from tests.factories import (
    OrganisationFactory,
    SessionFactory,
    UserFactory,
    course_create,
    professional_create,
    slots_create,
)
from training.choices import CancelledBy, DocumentKind, Funding, MessageKind, RegistrationStatus, SessionStatus
from training.exceptions import TrainingError
from training.models import Document, Registration, RegistrationMessage
from training.services.registrations import (
    Participant,
    registration_approve,
    registration_cancel_by_coordination,
    registration_cancel_by_person,
    registration_create,
    registration_group_add,
    registration_offer_accept,
    registration_offers_expire,
    registration_refuse,
    registration_reminders_send,
    waitlist_move,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _frozen():
    with freeze_time(NOW):
        yield


@pytest.fixture
def course(catalogue):
    return course_create(catalogue=catalogue, title="Comprendre les violences intrafamiliales", prerequisites="")


@pytest.fixture
def session(course):
    session = SessionFactory(course=course, capacity=2)
    slots_create(session=session, first_day=FIRST_DAY, days=2)
    return session


def _register(session, **kwargs):
    return registration_create(session=session, user=professional_create(), **kwargs)


def _error_code(action, **kwargs) -> str:
    with pytest.raises(TrainingError) as error:
        action(**kwargs)
    return error.value.code


def _kinds(registration) -> list[str]:
    return list(registration.messages.order_by("created_at", "pk").values_list("kind", flat=True))


# Registration
# ------------------------------------------------------------------------------


def test_free_seat_confirms_and_sends_the_convocation(session, send):
    registration = send(_register, session, expectations="Mieux repérer")

    assert registration.status == RegistrationStatus.CONFIRMED
    assert registration.confirmed_at == NOW
    assert registration.job_title == "Infirmière scolaire"  # the profile, copied
    assert _kinds(registration) == [MessageKind.CONFIRMED]
    (message,) = mail.outbox
    assert message.to == [registration.user.email]
    assert "Convocation" in message.subject
    names = [name for name, _content, _mimetype in message.attachments]
    assert names == [
        f"convocation-{session.code}.ics",
        f"convocation-{session.code}.pdf",  # the convocation as issued: kept, with its verification code
        "programme-comprendre-les-violences-intrafamiliales.pdf",
    ]
    convocation = Document.objects.get(kind=DocumentKind.CONVOCATION, registration=registration)
    assert message.attachments[1][1] == convocation.file.read()
    assert message.alternatives[0][1] == "text/html"
    assert "lundi 14 décembre 2026" in message.body


def test_full_session_waitlists_in_arrival_order(session, send):
    send(_register, session)
    send(_register, session)
    third = send(_register, session)
    fourth = send(_register, session)

    assert third.status == fourth.status == RegistrationStatus.WAITLISTED
    assert (third.waitlist_position, fourth.waitlist_position) == (1, 2)
    assert _kinds(third) == [MessageKind.WAITLISTED]


def test_nobody_jumps_the_waiting_list(session, send):
    first = send(_register, session)
    send(_register, session)
    waiting = send(_register, session)
    session.capacity = 3  # the coordinator adds a seat: it goes to the one waiting, not to a newcomer
    session.save()
    late = send(_register, session)

    assert late.status == RegistrationStatus.WAITLISTED
    assert first.status == RegistrationStatus.CONFIRMED
    assert waiting.status == RegistrationStatus.WAITLISTED


def test_approval_session_puts_registrations_on_hold(session, send):
    session.requires_approval = True
    session.save()
    registration = send(_register, session)

    assert registration.status == RegistrationStatus.PENDING
    assert _kinds(registration) == [MessageKind.RECEIVED]


def test_approval_confirms_or_waitlists(session, send):
    session.requires_approval = True
    session.save()
    coordinator = UserFactory()
    pending = [send(_register, session) for _ in range(3)]

    results = [send(registration_approve, registration=r, by=coordinator).status for r in pending]

    assert results == [RegistrationStatus.CONFIRMED, RegistrationStatus.CONFIRMED, RegistrationStatus.WAITLISTED]
    assert _error_code(registration_approve, registration=pending[0], by=coordinator) == "not_pending"


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"status": SessionStatus.DRAFT}, "session_not_open"),
        ({"status": SessionStatus.CLOSED}, "session_not_open"),
        ({"registration_opens_at": NOW + datetime.timedelta(days=1)}, "registration_not_open_yet"),
        (
            {"registration_opens_at": NOW - datetime.timedelta(days=9), "registration_closes_at": NOW},
            "registration_closed",
        ),
    ],
)
def test_session_must_be_open_for_registration(session, change, code):
    for name, value in change.items():
        setattr(session, name, value)
    session.save()

    assert _error_code(_register, session=session) == code


def test_started_session_refuses_registrations(session):
    with freeze_time(datetime.datetime(2026, 12, 14, 9, 30, tzinfo=PARIS)):
        assert _error_code(_register, session=session) == "session_started"


def test_intra_session_is_reserved_to_its_client(course):
    session = SessionFactory(course=course, funding=Funding.INTRA, client_organisation=OrganisationFactory())
    slots_create(session=session, first_day=FIRST_DAY)

    assert _error_code(_register, session=session) == "session_reserved"


def test_profile_is_required(session):
    assert _error_code(registration_create, session=session, user=UserFactory()) == "profile_incomplete"


def test_a_person_cannot_hold_two_registrations_to_a_session(session):
    person = professional_create()
    registration_create(session=session, user=person)

    assert _error_code(registration_create, session=session, user=person) == "already_registered"
    assert Registration.objects.filter(user=person).count() == 1


def test_a_person_can_register_again_after_cancelling(session):
    person = professional_create()
    registration_cancel_by_person(registration=registration_create(session=session, user=person))

    again = registration_create(session=session, user=person)

    assert again.status == RegistrationStatus.CONFIRMED


def test_prerequisites_must_be_declared(catalogue):
    course = course_create(catalogue=catalogue, title="CPS niveau 2", prerequisites="Avoir suivi le niveau 1.")
    session = SessionFactory(course=course)
    slots_create(session=session, first_day=FIRST_DAY)

    assert _error_code(_register, session=session) == "prerequisites_not_confirmed"
    assert _register(session, prerequisites_declared=True).prerequisites_declared


def test_prerequisite_course_attended_here_needs_no_declaration(catalogue):
    level_1 = course_create(catalogue=catalogue, title="CPS niveau 1")
    level_2 = course_create(catalogue=catalogue, title="CPS niveau 2")
    level_2.prerequisite_courses.add(level_1)
    level_2.save_revision().publish()
    past = SessionFactory(course=level_1, status=SessionStatus.DONE)
    slots_create(session=past, first_day=datetime.date(2026, 3, 2))
    upcoming = SessionFactory(course=level_2)
    slots_create(session=upcoming, first_day=FIRST_DAY)
    person = professional_create()
    Registration.objects.create(session=past, user=person, status=RegistrationStatus.CONFIRMED)

    registration = registration_create(session=upcoming, user=person)

    assert registration.prerequisites_checked
    assert not registration.prerequisites_declared
    assert _error_code(_register, session=upcoming) == "prerequisites_not_confirmed"


def test_accessibility_needs_need_consent(session):
    assert _error_code(_register, session=session, accessibility_needs="Fauteuil roulant") == (
        "accessibility_consent_missing"
    )
    registration = _register(session, accessibility_needs="Fauteuil roulant", accessibility_consent=True)
    assert registration.accessibility_consent_at == NOW


# Cancellation and the waiting list
# ------------------------------------------------------------------------------


def test_cancellation_offers_the_seat_to_the_first_waiting(session, send):
    confirmed = send(_register, session)
    send(_register, session)
    first_waiting = send(_register, session)
    second_waiting = send(_register, session)

    send(registration_cancel_by_person, registration=confirmed, reason="Empêchement")

    first_waiting.refresh_from_db()
    second_waiting.refresh_from_db()
    assert first_waiting.status == RegistrationStatus.OFFERED
    assert first_waiting.offer_expires_at == NOW + datetime.timedelta(hours=48)
    assert second_waiting.status == RegistrationStatus.WAITLISTED
    assert _kinds(first_waiting) == [MessageKind.WAITLISTED, MessageKind.OFFERED]
    confirmed.refresh_from_db()
    assert confirmed.cancelled_by == CancelledBy.PERSON
    assert _kinds(confirmed) == [MessageKind.CONFIRMED, MessageKind.CANCELLED]


def test_moved_waiting_list_sets_the_promotion_order(session, send):
    confirmed = send(_register, session)
    send(_register, session)
    first, second, third = (send(_register, session) for _ in range(3))

    waitlist_move(registration=third, position=1, by=UserFactory())
    send(registration_cancel_by_person, registration=confirmed)

    statuses = {r.pk: r.status for r in Registration.objects.filter(pk__in=[first.pk, second.pk, third.pk])}
    assert statuses == {
        third.pk: RegistrationStatus.OFFERED,
        first.pk: RegistrationStatus.WAITLISTED,
        second.pk: RegistrationStatus.WAITLISTED,
    }
    assert _error_code(waitlist_move, registration=first, position=9, by=None) == "invalid_position"


def test_cancellation_deadline_binds_the_person_not_the_coordination(session, send):
    registration = send(_register, session)  # first day 14/12: online cancellation until 11/12 00:00

    with freeze_time(datetime.datetime(2026, 12, 11, 0, 0, tzinfo=PARIS)):
        assert _error_code(registration_cancel_by_person, registration=registration) == "cancellation_deadline_passed"
        coordinator = UserFactory()
        assert _error_code(
            registration_cancel_by_coordination, registration=registration, by=coordinator, reason=" "
        ) == ("reason_required")
        cancelled = registration_cancel_by_coordination(registration=registration, by=coordinator, reason="Malade")

    assert cancelled.status == RegistrationStatus.CANCELLED
    assert cancelled.cancelled_by == CancelledBy.COORDINATION


def test_person_may_cancel_until_the_day_before_the_deadline(session):
    registration = _register(session)
    with freeze_time(datetime.datetime(2026, 12, 10, 23, 59, tzinfo=PARIS)):
        assert registration_cancel_by_person(registration=registration).status == RegistrationStatus.CANCELLED
    assert _error_code(registration_cancel_by_person, registration=registration) == "not_cancellable"


def test_offer_accepted_in_time_confirms(session, send):
    confirmed = send(_register, session)
    send(_register, session)
    waiting = send(_register, session)
    send(registration_cancel_by_person, registration=confirmed)

    with freeze_time(NOW + datetime.timedelta(hours=47)):
        accepted = send(registration_offer_accept, registration=waiting)

    assert accepted.status == RegistrationStatus.CONFIRMED
    assert _kinds(accepted) == [MessageKind.WAITLISTED, MessageKind.OFFERED, MessageKind.CONFIRMED]
    assert _error_code(registration_offer_accept, registration=accepted) == "not_offered"


def test_unanswered_offer_expires_and_passes_to_the_next(session, send):
    confirmed = send(_register, session)
    send(_register, session)
    first, second = send(_register, session), send(_register, session)
    send(registration_cancel_by_person, registration=confirmed)

    later = NOW + datetime.timedelta(hours=48)
    with freeze_time(later):
        assert _error_code(registration_offer_accept, registration=first) == "offer_expired"
        assert send(registration_offers_expire) == 1
        assert send(registration_offers_expire) == 0

    first.refresh_from_db()
    second.refresh_from_db()
    assert first.status == RegistrationStatus.CANCELLED
    assert first.cancelled_by == CancelledBy.SYSTEM
    assert MessageKind.OFFER_EXPIRED in _kinds(first)
    assert second.status == RegistrationStatus.OFFERED
    assert second.offer_expires_at == later + datetime.timedelta(hours=48)


def test_offer_never_lasts_past_the_start(session, send):
    confirmed = send(_register, session)
    send(_register, session)
    waiting = send(_register, session)

    with freeze_time(datetime.datetime(2026, 12, 13, 18, 0, tzinfo=PARIS)):
        send(registration_cancel_by_coordination, registration=confirmed, by=UserFactory(), reason="Malade")

    waiting.refresh_from_db()
    assert waiting.offer_expires_at == datetime.datetime(2026, 12, 14, 9, 0, tzinfo=PARIS)


def test_refusal_needs_a_reason_and_a_pending_or_waiting_registration(session, send):
    session.requires_approval = True
    session.save()
    coordinator = UserFactory()
    registration = send(_register, session)

    assert _error_code(registration_refuse, registration=registration, by=coordinator, reason="") == "reason_required"
    refused = send(registration_refuse, registration=registration, by=coordinator, reason="Public non concerné")

    assert refused.status == RegistrationStatus.REFUSED
    assert _kinds(refused) == [MessageKind.RECEIVED, MessageKind.REFUSED]
    assert _error_code(registration_refuse, registration=refused, by=coordinator, reason="x") == "not_refusable"


# Group registration
# ------------------------------------------------------------------------------


def _intra_session(course, capacity=3):
    session = SessionFactory(
        course=course, funding=Funding.INTRA, client_organisation=OrganisationFactory(), capacity=capacity
    )
    slots_create(session=session, first_day=FIRST_DAY)
    return session


def test_group_registration_confirms_everyone(course, send):
    session = _intra_session(course)
    people = [Participant("Léa", "Durand", "Lea.Durand@Exemple.fr"), Participant("Marc", "Petit", "marc@exemple.fr")]

    registrations = send(registration_group_add, session=session, participants=people, by=UserFactory())

    assert [r.status for r in registrations] == [RegistrationStatus.CONFIRMED] * 2
    assert registrations[0].user.email == "lea.durand@exemple.fr"
    assert not registrations[0].user.has_usable_password()
    assert registrations[0].structure_name == session.client_organisation.name
    assert len(mail.outbox) == 2


def test_group_registration_is_all_or_nothing(course):
    session = _intra_session(course, capacity=2)
    people = [Participant("A", "A", f"p{n}@exemple.fr") for n in range(3)]

    assert _error_code(registration_group_add, session=session, participants=people, by=None) == "capacity_exceeded"
    assert (
        _error_code(registration_group_add, session=session, participants=[people[0], people[0]], by=None)
        == "duplicate_in_list"
    )
    registration_group_add(session=session, participants=people[:1], by=None)
    assert _error_code(registration_group_add, session=session, participants=people[:2], by=None) == (
        "already_registered"
    )
    assert Registration.objects.filter(session=session).count() == 1


# E-mails
# ------------------------------------------------------------------------------


def test_each_message_is_sent_once_even_when_the_task_is_retried(session, send):
    from training.tasks import registration_message_send_task

    registration = send(_register, session)
    assert len(mail.outbox) == 1

    assert registration_message_send_task.apply(args=(registration.pk, MessageKind.CONFIRMED)).get() is False
    assert len(mail.outbox) == 1
    assert RegistrationMessage.objects.filter(registration=registration).count() == 1
    assert RegistrationMessage.objects.get(registration=registration).sent_at == timezone.now()


def test_a_stale_message_is_not_sent(session, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        registration = _register(session)
        registration_cancel_by_person(registration=registration)
    for callback in callbacks:
        callback()

    assert _kinds(registration) == [MessageKind.CANCELLED]
    assert len(mail.outbox) == 1


def test_reminders_go_seven_days_and_one_day_before_once(session, send):
    registration = send(_register, session)
    mail.outbox.clear()

    assert send(registration_reminders_send, today=FIRST_DAY - datetime.timedelta(days=8)) == 0
    assert send(registration_reminders_send, today=FIRST_DAY - datetime.timedelta(days=7)) == 1
    assert send(registration_reminders_send, today=FIRST_DAY - datetime.timedelta(days=7)) == 0
    assert send(registration_reminders_send, today=FIRST_DAY - datetime.timedelta(days=1)) == 1

    assert _kinds(registration) == [MessageKind.CONFIRMED, MessageKind.REMINDER_7, MessageKind.REMINDER_1]
    assert len(mail.outbox) == 2


def test_group_registration_never_jumps_a_waiting_list(session, send):
    send(_register, session)
    send(_register, session)
    send(_register, session)  # waiting
    session.capacity = 4
    session.save()
    people = [Participant("A", "A", "a@exemple.fr")]

    assert _error_code(registration_group_add, session=session, participants=people, by=None) == ("waiting_list_first")
