"""The professional's pages: registration form, learner space, cancellation, offers, calendar."""

import datetime
import html

import pytest
from freezegun import freeze_time
from icalendar import Calendar

from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from accounts.models import ActivitySector, ProfessionalCategory, Profile, StructureType
from tests.clock import FIRST_DAY, NOW, PARIS
from tests.factories import (
    OrganisationFactory,
    RegistrationFactory,
    SessionFactory,
    UserFactory,
    course_create,
    department,
    professional_create,
    slots_create,
)
from training.choices import CancelledBy, Funding, MessageKind, RegistrationStatus, SessionStatus
from training.exceptions import TrainingError
from training.models import Registration, RegistrationMessage
from training.services.registrations import (
    registration_cancel_by_person,
    registration_create,
)

pytestmark = pytest.mark.django_db

TITLE = "Comprendre les violences intrafamiliales"


@pytest.fixture(autouse=True)
def _frozen():
    with freeze_time(NOW):
        yield


@pytest.fixture
def course(catalogue):
    return course_create(catalogue=catalogue, title=TITLE)


@pytest.fixture
def session(course):
    session = SessionFactory(course=course, code="2026-VIF-12-01", capacity=2)
    slots_create(session=session, first_day=FIRST_DAY, days=2)
    return session


@pytest.fixture
def person():
    return professional_create()


@pytest.fixture
def signed_in(client, person):
    client.force_login(person)
    return client


def _fr(text) -> str:
    """A message or a choice label as a French visitor reads it."""
    with translation.override("fr"):
        return str(gettext(text) if isinstance(text, str) else text)


def _text(response) -> str:
    return html.unescape(response.content.decode())


def _messages(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def _register_url(session) -> str:
    return reverse("training:register", args=[session.pk])


def _fill(session, count: int | None = None) -> list[Registration]:
    """Confirmed registrations of other people, filling the session unless told how many."""
    return [
        registration_create(session=session, user=professional_create())
        for _index in range(session.capacity if count is None else count)
    ]


# Who may see what
# ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "method"),
    [
        ("space", "get"),
        ("profile", "get"),
        ("register", "get"),
        ("register", "post"),
        ("cancel", "post"),
        ("accept-offer", "post"),
        ("calendar", "get"),
    ],
)
def test_anonymous_visitor_is_sent_to_the_login_page(client, session, name, method):
    registration = RegistrationFactory(session=session, status=RegistrationStatus.OFFERED)
    args = {"space": [], "profile": [], "register": [session.pk]}.get(name, [registration.pk])
    url = reverse(f"training:{name}", args=args)

    response = getattr(client, method)(url)

    assert response.status_code == 302
    assert response["Location"] == f"{reverse('account_login')}?next={url}"
    registration.refresh_from_db()
    assert registration.status == RegistrationStatus.OFFERED
    assert Registration.objects.count() == 1


def test_without_profile_registration_goes_through_the_profile_and_back(client, session):
    user = UserFactory(first_name="", last_name="")
    client.force_login(user)
    register_url = _register_url(session)

    response = client.get(register_url)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('training:profile')}?next={register_url}"

    response = client.get(response["Location"])
    assert response.status_code == 200
    assert f'name="next" value="{register_url}"' in response.content.decode()

    response = client.post(
        reverse("training:profile"),
        {
            "next": register_url,
            "first_name": " Camille ",
            "last_name": "Durand",
            "job_title": "Éducatrice spécialisée",
            "structure_name": "Foyer de l'enfance",
            "structure_type": StructureType.objects.filter(is_active=True).first().pk,
            "activity_sector": ActivitySector.objects.filter(is_active=True).first().pk,
            "professional_category": ProfessionalCategory.objects.filter(is_active=True).first().pk,
            "department": department("12").pk,
            "phone": "",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == register_url
    profile = Profile.objects.get(user=user)
    assert profile.job_title == "Éducatrice spécialisée"
    user.refresh_from_db()
    assert (user.first_name, user.last_name) == ("Camille", "Durand")

    assert client.get(register_url).status_code == 200


def test_profile_ignores_a_next_address_on_another_site(signed_in, person):
    profile = person.profile
    response = signed_in.post(
        reverse("training:profile"),
        {
            "next": "https://exemple.com/piege/",
            "first_name": "Camille",
            "last_name": "Martin",
            "job_title": profile.job_title,
            "structure_name": profile.structure_name,
            "structure_type": profile.structure_type_id,
            "activity_sector": profile.activity_sector_id,
            "professional_category": profile.professional_category_id,
            "department": profile.department_id,
        },
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("training:space")


def test_a_person_cannot_see_or_touch_another_persons_registration(signed_in, session):
    other = registration_create(session=session, user=professional_create())
    offered = RegistrationFactory(session=session, status=RegistrationStatus.OFFERED)
    urls = {
        "cancel": reverse("training:cancel", args=[other.pk]),
        "calendar": reverse("training:calendar", args=[other.pk]),
        "accept": reverse("training:accept-offer", args=[offered.pk]),
    }

    assert signed_in.get(urls["cancel"]).status_code == 404
    assert signed_in.post(urls["cancel"], {"reason": "Je ne peux plus"}).status_code == 404
    assert signed_in.get(urls["calendar"]).status_code == 404
    assert signed_in.post(urls["accept"]).status_code == 404

    other.refresh_from_db()
    offered.refresh_from_db()
    assert other.status == RegistrationStatus.CONFIRMED
    assert offered.status == RegistrationStatus.OFFERED
    space = signed_in.get(reverse("training:space")).content.decode()
    assert TITLE not in space
    assert all(url not in space for url in urls.values())


# Registering
# ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("situation", "status", "kind"),
    [
        ("free", RegistrationStatus.CONFIRMED, MessageKind.CONFIRMED),
        ("full", RegistrationStatus.WAITLISTED, MessageKind.WAITLISTED),
        ("approval", RegistrationStatus.PENDING, MessageKind.RECEIVED),
    ],
)
def test_registration_shows_its_status_in_the_space(
    signed_in, person, session, send, situation, status, kind, committed
):
    if situation == "full":
        send(_fill, session)
    if situation == "approval":
        session.requires_approval = True
        session.save()
    mail.outbox.clear()

    assert signed_in.get(_register_url(session)).status_code == 200
    with committed():
        response = signed_in.post(_register_url(session), {"expectations": "Mieux repérer les situations"})

    assert response.status_code == 302
    assert response["Location"] == reverse("training:space")
    registration = Registration.objects.get(user=person)
    assert registration.status == status
    assert registration.expectations == "Mieux repérer les situations"
    assert [message.to for message in mail.outbox] == [[person.email]]
    assert RegistrationMessage.objects.get(registration=registration).kind == kind

    space = signed_in.get(response["Location"])
    text = _text(space)
    assert f'class="status status--{status}"' in text
    assert _fr(status.label) in text
    assert TITLE in text
    if status == RegistrationStatus.WAITLISTED:
        assert _fr("Your place on the waiting list: %(rank)s.") % {"rank": 1} in text
    assert reverse("training:cancel", args=[registration.pk]) in text


def test_a_person_already_registered_is_sent_to_the_space(signed_in, person, session):
    registration_create(session=session, user=person)

    response = signed_in.get(_register_url(session))

    assert response.status_code == 302
    assert response["Location"] == reverse("training:space")
    assert Registration.objects.filter(user=person).count() == 1


def _prerequisites(session):
    session.course.prerequisites = "Avoir suivi le niveau 1."
    session.course.save()
    return {}


def _needs_without_consent(session):
    return {"accessibility_needs": "Je me déplace en fauteuil roulant."}


def _closed(session):
    session.status = SessionStatus.CLOSED
    session.save()
    return {}


def _deadline_passed(session):
    session.registration_closes_at = NOW - datetime.timedelta(hours=1)
    session.save()
    return {}


@pytest.mark.parametrize(
    ("setup", "code"),
    [
        (_prerequisites, "prerequisites_not_confirmed"),
        (_needs_without_consent, "accessibility_consent_missing"),
        (_closed, "session_not_open"),
        (_deadline_passed, "registration_closed"),
    ],
)
def test_a_refused_registration_shows_the_rule_as_a_form_error(signed_in, person, session, setup, code):
    data = setup(session)
    with translation.override("fr"), pytest.raises(TrainingError) as error:
        registration_create(session=session, user=person, **data)
    assert error.value.code == code

    response = signed_in.post(_register_url(session), data)

    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == [error.value.message]
    assert error.value.message in _text(response)
    if code != "session_not_open":  # a closed session shows no form, only the message
        assert 'role="alert"' in response.content.decode()
    assert not Registration.objects.exists()
    assert mail.outbox == []


def test_declared_prerequisites_and_consented_needs_are_recorded(signed_in, person, session):
    _prerequisites(session)

    response = signed_in.post(
        _register_url(session),
        {
            "prerequisites_declared": "on",
            "accessibility_needs": "Je me déplace en fauteuil roulant.",
            "accessibility_consent": "on",
        },
    )

    assert response.status_code == 302
    registration = Registration.objects.get(user=person)
    assert registration.prerequisites_declared
    assert registration.accessibility_needs == "Je me déplace en fauteuil roulant."
    assert registration.accessibility_consent_at == NOW


def _intra(session):
    session.funding = Funding.INTRA
    session.client_organisation = OrganisationFactory()
    session.save()


def _draft(session):
    session.status = SessionStatus.DRAFT
    session.save()


def _cancelled(session):
    session.status = SessionStatus.CANCELLED
    session.save()


def _unpublished(session):
    session.course.unpublish()


@pytest.mark.parametrize("hide", [_intra, _draft, _cancelled, _unpublished])
def test_sessions_not_offered_to_the_public_have_no_registration_page(signed_in, session, hide):
    hide(session)

    assert signed_in.get(_register_url(session)).status_code == 404
    assert signed_in.post(_register_url(session), {}).status_code == 404
    assert signed_in.get(reverse("training:register", args=[session.pk + 1000])).status_code == 404
    assert not Registration.objects.exists()


# Cancelling and taking an offered seat
# ------------------------------------------------------------------------------


def test_cancelling_frees_the_seat_for_the_first_waiting(signed_in, person, session, send, committed):
    mine = send(registration_create, session=session, user=person)
    send(_fill, session, 1)
    waiting = send(registration_create, session=session, user=professional_create())
    mail.outbox.clear()
    cancel_url = reverse("training:cancel", args=[mine.pk])

    page = signed_in.get(cancel_url)
    assert page.status_code == 200
    assert 'name="reason"' in page.content.decode()
    with committed():
        response = signed_in.post(cancel_url, {"reason": "Un imprévu de service"}, follow=True)

    assert response.redirect_chain == [(reverse("training:space"), 302)]
    mine.refresh_from_db()
    waiting.refresh_from_db()
    assert mine.status == RegistrationStatus.CANCELLED
    assert mine.cancelled_by == CancelledBy.PERSON
    assert mine.cancellation_reason == "Un imprévu de service"
    assert waiting.status == RegistrationStatus.OFFERED
    assert sorted((message.to[0], message.subject) for message in mail.outbox) == sorted(
        [
            (person.email, RegistrationMessage.objects.get(registration=mine, kind=MessageKind.CANCELLED).subject),
            (
                waiting.user.email,
                RegistrationMessage.objects.get(registration=waiting, kind=MessageKind.OFFERED).subject,
            ),
        ]
    )
    text = _text(response)
    assert 'class="status status--cancelled"' in text
    assert "Un imprévu de service" in text
    assert cancel_url not in text


def test_cancelling_after_the_deadline_is_refused_with_a_message(signed_in, person, session, send):
    mine = send(registration_create, session=session, user=person)

    with freeze_time(datetime.datetime(2026, 12, 12, 9, 0, tzinfo=PARIS)):
        signed_in.force_login(person)  # the first session cookie has expired meanwhile
        response = signed_in.post(reverse("training:cancel", args=[mine.pk]), {"reason": ""}, follow=True)
        expected = _fr("The online cancellation deadline has passed: please contact us.")

    assert _messages(response) == [expected]
    mine.refresh_from_db()
    assert mine.status == RegistrationStatus.CONFIRMED


@pytest.fixture
def offered(session, person, send):
    """`person` waited on a full session; a confirmed person has just cancelled."""
    first, _second = send(_fill, session)
    mine = send(registration_create, session=session, user=person)
    send(registration_cancel_by_person, registration=first)
    mine.refresh_from_db()
    assert mine.status == RegistrationStatus.OFFERED
    mail.outbox.clear()
    return mine


def test_accepting_the_offered_seat_confirms_and_sends_the_convocation(signed_in, person, offered, send, committed):
    accept_url = reverse("training:accept-offer", args=[offered.pk])
    space = _text(signed_in.get(reverse("training:space")))
    assert f'action="{accept_url}"' in space
    assert 'class="status status--offered"' in space
    assert signed_in.get(accept_url).status_code == 405

    with committed():
        response = signed_in.post(accept_url, follow=True)

    offered.refresh_from_db()
    assert offered.status == RegistrationStatus.CONFIRMED
    assert _messages(response) == [_fr("Your registration is confirmed. Your convocation has been sent by e-mail.")]
    assert [message.to for message in mail.outbox] == [[person.email]]
    assert RegistrationMessage.objects.filter(registration=offered, kind=MessageKind.CONFIRMED).exists()
    text = _text(response)
    assert 'class="status status--confirmed"' in text
    assert reverse("training:calendar", args=[offered.pk]) in text


def test_an_expired_offer_cannot_be_accepted(signed_in, offered):
    with freeze_time(offered.offer_expires_at + datetime.timedelta(minutes=1)):
        response = signed_in.post(reverse("training:accept-offer", args=[offered.pk]), follow=True)
        expected = _fr("This offer has expired.")

    assert _messages(response) == [expected]
    offered.refresh_from_db()
    assert offered.status == RegistrationStatus.OFFERED


def test_declining_the_offered_seat_passes_it_on(signed_in, offered, session, send, committed):
    next_in_line = RegistrationFactory(
        session=session, status=RegistrationStatus.WAITLISTED, waitlist_position=99, user=professional_create()
    )

    with committed():
        signed_in.post(reverse("training:cancel", args=[offered.pk]), {"reason": ""})

    offered.refresh_from_db()
    next_in_line.refresh_from_db()
    assert offered.status == RegistrationStatus.CANCELLED
    assert next_in_line.status == RegistrationStatus.OFFERED


# Calendar files
# ------------------------------------------------------------------------------


def _assert_half_days_calendar(content: bytes, session) -> None:
    """One event per half-day, at the right Paris times, with the Europe/Paris time zone."""
    calendar = Calendar.from_ical(content)
    assert [zone["TZID"] for zone in calendar.walk("VTIMEZONE")] == ["Europe/Paris"]
    events = sorted(calendar.walk("VEVENT"), key=lambda event: event.decoded("DTSTART"))
    expected = [
        (datetime.datetime.combine(slot.date, slot.starts_at), datetime.datetime.combine(slot.date, slot.ends_at))
        for slot in session.slots.order_by("date", "starts_at")
    ]
    assert len(expected) == 4
    assert [
        (event.decoded("DTSTART").replace(tzinfo=None), event.decoded("DTEND").replace(tzinfo=None)) for event in events
    ] == expected
    for event in events:
        for name in ("DTSTART", "DTEND"):
            assert event[name].params["TZID"] == "Europe/Paris"
            assert event.decoded(name).utcoffset() == datetime.timedelta(hours=1)  # December: CET
        assert str(event["SUMMARY"]).startswith(TITLE)
        assert str(event["LOCATION"]) == session.venue.full_address
    assert len({str(event["UID"]) for event in events}) == 4
    assert events[0].decoded("DTSTART") == datetime.datetime(2026, 12, 14, 9, 0, tzinfo=PARIS)
    assert events[-1].decoded("DTEND") == datetime.datetime(2026, 12, 15, 17, 0, tzinfo=PARIS)


def test_calendar_file_has_one_event_per_half_day_in_paris_time(signed_in, person, session):
    registration = registration_create(session=session, user=person)

    response = signed_in.get(reverse("training:calendar", args=[registration.pk]))

    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="convocation-2026-VIF-12-01.ics"'
    _assert_half_days_calendar(response.content, session)


def test_calendar_is_only_for_a_confirmed_seat(signed_in, person, session):
    _fill(session)
    registration = registration_create(session=session, user=person)
    assert registration.status == RegistrationStatus.WAITLISTED

    assert signed_in.get(reverse("training:calendar", args=[registration.pk])).status_code == 404


def test_convocation_email_carries_the_same_calendar(signed_in, person, session, send, committed):
    with committed():
        signed_in.post(_register_url(session), {})

    (convocation,) = mail.outbox
    calendars = [attachment for attachment in convocation.attachments if attachment[0].endswith(".ics")]
    assert len(calendars) == 1
    name, content, mimetype = calendars[0]
    assert name == "convocation-2026-VIF-12-01.ics"
    assert mimetype.startswith("text/calendar")
    _assert_half_days_calendar(content.encode() if isinstance(content, str) else content, session)


# Query counts
# ------------------------------------------------------------------------------


def _registrations_of_every_kind(person, catalogue, count: int, start: int = 0) -> None:
    statuses = [
        RegistrationStatus.CONFIRMED,
        RegistrationStatus.WAITLISTED,
        RegistrationStatus.OFFERED,
        RegistrationStatus.PENDING,
        RegistrationStatus.CANCELLED,
    ]
    for index in range(start, start + count):
        course = course_create(catalogue=catalogue, title=f"Formation {index}")
        session = SessionFactory(course=course, capacity=1)
        slots_create(session=session, first_day=FIRST_DAY + datetime.timedelta(days=7 * (index % 3 - 1)), days=1)
        status = statuses[index % len(statuses)]
        if status == RegistrationStatus.WAITLISTED:
            RegistrationFactory(session=session, status=RegistrationStatus.WAITLISTED, waitlist_position=1)
        registration = RegistrationFactory(
            session=session, user=person, status=status, waitlist_position=2 if status == "waitlisted" else None
        )
        RegistrationMessage.objects.create(
            registration=registration, kind=MessageKind.RECEIVED, recipient=person.email, subject="Reçu", sent_at=NOW
        )


def _space_queries(client) -> tuple[str, int]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("training:space"))
    assert response.status_code == 200
    return _text(response), len(queries)


def test_space_runs_the_same_queries_whatever_the_number_of_registrations(signed_in, person, catalogue):
    _registrations_of_every_kind(person, catalogue, 1, start=1)  # a waitlisted one: its rank is computed
    _space_queries(signed_in)  # warm the site root paths cache
    text, one = _space_queries(signed_in)
    assert "Formation 1" in text

    _registrations_of_every_kind(person, catalogue, 9, start=2)
    text, ten = _space_queries(signed_in)

    assert all(f"Formation {index}" in text for index in range(1, 11))
    assert ten == one
    assert ten <= 19  # the menu asks once whether the person is a trainer; one more for the surveys waiting


# The course page
# ------------------------------------------------------------------------------


def _course_page(client, session) -> str:
    response = client.get(session.course.url)
    assert response.status_code == 200
    return _text(response)


def _card(text: str, session) -> str:
    return text.split(f'id="session-{session.pk}-title"')[1].split("</article>")[0]


def test_course_page_offers_registration_then_the_waiting_list(client, session, send):
    card = _card(_course_page(client, session), session)
    assert f'href="{_register_url(session)}"' in card
    assert "2 / 2" in card
    assert "button--secondary" not in card

    send(_fill, session, 1)
    card = _card(_course_page(client, session), session)
    assert "1 / 2" in card

    send(_fill, session, 1)
    card = _card(_course_page(client, session), session)
    assert f'href="{_register_url(session)}"' in card
    assert "button--secondary" in card
    assert _fr("Full — waiting list") in card
    assert _fr("Join the waiting list") in card
    assert " / 2" not in card


def test_anonymous_visitors_see_a_seat_taken_through_the_registration_page(
    client, session, django_capture_on_commit_callbacks
):
    assert "2 / 2" in _card(_course_page(client, session), session)
    with CaptureQueriesContext(connection) as cached:
        assert "2 / 2" in _card(_course_page(client, session), session)
    assert len(cached) == 0  # served from the public cache

    person = professional_create()
    learner = client.__class__()
    learner.force_login(person)
    with django_capture_on_commit_callbacks(execute=True):
        assert learner.post(_register_url(session), {}).status_code == 302

    assert "1 / 2" in _card(_course_page(client, session), session)


def test_course_page_shows_a_signed_in_person_their_own_registration(client, signed_in, person, session, send):
    send(registration_create, session=session, user=person)

    card = _card(_course_page(signed_in, session), session)

    assert f'href="{_register_url(session)}"' not in card
    assert _fr("Confirmed").lower() in card
    assert 'href="/espace/"' in card
    anonymous = client.__class__()
    assert f'href="{_register_url(session)}"' in _card(_course_page(anonymous, session), session)
