"""Erasure requests (RGPD art. 17): asked from `/espace/`, answered in the back office, the person told."""

import datetime
from decimal import Decimal

import pytest
from dateutil.relativedelta import relativedelta
from freezegun import freeze_time

from django.urls import reverse
from django.utils import timezone

from wagtail.log_actions import log
from wagtail.models import ModelLogEntry

from accounts.models import ErasureRequest, ErasureStatus, LegalHold, Profile, User
from accounts.retention import (
    PersonalDataError,
    erasure_request_create,
    erasure_request_execute,
    erasure_request_refuse,
    personal_data_purge,
)
from evaluations.models import Answer, Question, Questionnaire, Response, SurveyOptOut
from tests.clock import PARIS
from tests.factories import ProfileFactory, RegistrationFactory, SessionFactory, course_create, slots_create
from training.choices import DocumentKind, RegistrationStatus, RetentionClass, SessionStatus
from training.models import Document, Registration

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2026, 11, 22, 10, tzinfo=PARIS)
PAST_DAY = datetime.date(2025, 3, 10)


def _code(call) -> str:
    with pytest.raises(PersonalDataError) as error:
        call()
    return error.value.code


@pytest.fixture
def learner():
    return ProfileFactory(phone="0601020304").user


@pytest.fixture
def trained(catalogue, learner):
    """The learner attended a 2025 session: a registration with needs, a certificate and a survey answer."""
    session = SessionFactory(course=course_create(catalogue=catalogue), status=SessionStatus.DONE)
    slots_create(session=session, first_day=PAST_DAY, days=1)
    registration = RegistrationFactory(
        session=session,
        user=learner,
        status=RegistrationStatus.CONFIRMED,
        hours_recorded=Decimal("7"),
        expectations="Accompagner mes patients",
        accessibility_needs="Boucle magnétique",
        accessibility_consent_at=NOW - datetime.timedelta(days=700),
    )
    Document.objects.create(
        kind=DocumentKind.CERTIFICATE,
        session=session,
        registration=registration,
        issued_at=NOW - datetime.timedelta(days=600),
        file="documents/certificate.pdf",
        size=1,
        sha256="0" * 64,
        verification_code="ABCDEFGHJK",
        retention_class=RetentionClass.EVIDENCE,
        retain_until=datetime.date(2031, 3, 10),
    )
    questionnaire = Questionnaire.objects.get(slug="a_chaud")
    from evaluations.models import Campaign

    campaign = Campaign.objects.create(
        questionnaire=questionnaire,
        kind=questionnaire.kind,
        session=session,
        opened_at=NOW - datetime.timedelta(days=600),
        closes_at=NOW - datetime.timedelta(days=570),
        status="closed",
    )
    response = Response.objects.create(campaign=campaign, registration=registration, submitted_at=NOW)
    Answer.objects.create(
        response=response, question=Question.objects.get(questionnaire=questionnaire, key="attentes"), number=4
    )
    Answer.objects.create(
        response=response,
        question=Question.objects.get(questionnaire=questionnaire, key="commentaire"),
        text="Très bien, merci Julie",
    )
    SurveyOptOut.objects.create(email=learner.email)
    return registration


# Asking, from the learner space
# ------------------------------------------------------------------------------


def test_a_learner_asks_once_and_the_coordination_is_told_once(client, learner, coordinator, mailoutbox, committed):
    client.force_login(learner)
    url = reverse("training:erasure")
    assert client.get(url).status_code == 200

    with committed():
        response = client.post(url, {"confirm": "on", "message": "Je change de métier"})
    assert response.status_code == 302
    with committed():
        client.post(url, {"confirm": "on"})  # a second click

    request = ErasureRequest.objects.get()
    assert (request.person, request.status, request.message) == (learner, ErasureStatus.PENDING, "Je change de métier")
    assert request.due_on == timezone.localdate(request.requested_at) + relativedelta(months=1)
    assert [message.to for message in mailoutbox] == [[coordinator.email]]
    assert reverse("erasure_requests:edit", args=[request.pk]) in mailoutbox[0].body
    assert request.coordination_notified_at is not None


def test_the_request_needs_the_confirmation(client, learner):
    client.force_login(learner)
    response = client.post(reverse("training:erasure"), {"message": "x"})
    assert response.status_code == 200
    assert not ErasureRequest.objects.exists()


def test_a_learner_only_asks_for_themselves_and_cannot_answer_a_request(client, learner):
    other = ProfileFactory().user
    client.force_login(learner)
    client.post(reverse("training:erasure"), {"confirm": "on", "person": other.pk})
    assert list(ErasureRequest.objects.values_list("person_id", flat=True)) == [learner.pk]
    request = ErasureRequest.objects.get()
    response = client.post(reverse("erasure_requests:edit", args=[request.pk]), {"decision": "execute"})
    assert response.status_code in (302, 403)
    request.refresh_from_db()
    assert request.status == ErasureStatus.PENDING
    assert User.objects.get(pk=learner.pk).is_active


def test_staff_and_erased_people_cannot_ask(learner, coordinator):
    coordinator.is_staff = True
    coordinator.save()
    assert _code(lambda: erasure_request_create(person=coordinator)) == "erasure_staff"
    learner.erased_at = NOW
    learner.save()
    assert _code(lambda: erasure_request_create(person=learner)) == "erasure_already_done"


# Carrying it out, in the back office
# ------------------------------------------------------------------------------


def test_carrying_out_erases_what_no_law_keeps_and_tells_what_is_kept_until_when(
    coordinator_client, coordinator, learner, trained, mailoutbox, committed
):
    request = erasure_request_create(person=learner, now=NOW)
    log(instance=request, action="wagtail.create", user=coordinator)  # the back office's history names it
    address = learner.email
    with committed():
        response = coordinator_client.post(reverse("erasure_requests:edit", args=[request.pk]), {"decision": "execute"})
    assert response.status_code == 302

    request.refresh_from_db()
    assert (request.status, request.decided_by) == (ErasureStatus.DONE, coordinator)
    history = ModelLogEntry.objects.filter(object_id=str(request.pk), content_type__model="erasurerequest")
    assert history.exists() and not history.filter(label__contains=learner.last_name).exists()
    person = User.objects.get(pk=learner.pk)
    assert not person.is_active and not person.has_usable_password() and person.erased_at is not None
    assert person.email.endswith("@anonyme.invalid")
    assert person.last_name == learner.last_name  # printed on the certificate kept as evidence
    assert not Profile.objects.filter(user=person).exists()
    registration = Registration.objects.get(pk=trained.pk)
    assert (registration.accessibility_needs, registration.expectations) == ("", "")
    assert registration.accessibility_consent_at is None
    assert registration.anonymised_at is None and registration.hours_recorded == Decimal("7")  # kept
    assert Document.objects.filter(registration=registration).exists()
    response_row = Response.objects.get(campaign__session=trained.session)
    assert response_row.registration is None
    assert list(response_row.answers.exclude(number=None).values_list("number", flat=True)) == [4]
    assert not response_row.answers.exclude(text="").exists()
    assert not SurveyOptOut.objects.exists()

    told = [message for message in mailoutbox if message.to == [address]]
    assert len(told) == 1
    assert "10 mars 2031" in told[0].body and trained.session.code in told[0].body
    assert [kept[1] for kept in request.kept] == ["2031-03-10", "2031-03-10"]

    # When the evidence expires, the purge removes the name too.
    with freeze_time(datetime.datetime(2031, 6, 1, 3, tzinfo=PARIS)), committed():
        personal_data_purge()
    person.refresh_from_db()
    assert (person.first_name, person.last_name) == ("", "") and person.anonymised_at is not None


def test_a_complaint_still_being_handled_keeps_who_to_answer_until_it_is_closed(learner, coordinator):
    from evaluations.models import Complaint

    def complaint(status, day):
        return Complaint.objects.create(
            received_at=datetime.datetime(2026, 11, day, 9, tzinfo=PARIS),
            complainant=learner.get_full_name(),
            email=learner.email,
            subject="Salle trop froide",
            description="La salle était froide.",
            status=status,
        )

    closed, open_ = complaint("closed", 2), complaint("received", 20)
    request = erasure_request_execute(request=erasure_request_create(person=learner, now=NOW), by=coordinator, now=NOW)

    closed.refresh_from_db()
    open_.refresh_from_db()
    assert (closed.complainant, closed.email) == ("", "")
    assert open_.email == learner.email and open_.complainant
    [(what, until)] = request.kept  # kept with no date: until the complaint is closed
    assert "20/11/2026" in what and until is None


def test_a_person_without_records_kept_loses_their_name_at_once(learner, coordinator):
    request = erasure_request_create(person=learner, now=NOW)
    erasure_request_execute(request=request, by=coordinator, now=NOW)
    person = User.objects.get(pk=learner.pk)
    assert (person.first_name, person.last_name) == ("", "") and person.anonymised_at is not None
    assert request.kept == []


def test_a_person_registered_to_a_session_not_over_is_not_erased(catalogue, learner, coordinator):
    session = SessionFactory(course=course_create(catalogue=catalogue))
    slots_create(session=session, first_day=datetime.date(2026, 12, 14), days=1)
    RegistrationFactory(session=session, user=learner, status=RegistrationStatus.CONFIRMED)
    request = erasure_request_create(person=learner, now=NOW)

    with freeze_time(NOW):
        assert _code(lambda: erasure_request_execute(request=request, by=coordinator)) == "erasure_ongoing_session"

    request.refresh_from_db()
    assert request.status == ErasureStatus.PENDING
    assert User.objects.get(pk=learner.pk).is_active and Profile.objects.filter(user=learner).exists()


def test_a_session_under_a_legal_hold_keeps_its_trainees_records_from_erasure(trained, learner, coordinator):
    registration = Registration.objects.get(user=learner)
    registration.session.legal_hold, registration.session.legal_hold_reason = True, "Contrôle de l'ARS"
    registration.session.save()
    request = erasure_request_create(person=learner, now=NOW)

    with freeze_time(NOW):
        assert _code(lambda: erasure_request_execute(request=request, by=coordinator)) == "erasure_legal_hold"

    registration.refresh_from_db()
    assert (registration.accessibility_needs, registration.expectations) == (
        "Boucle magnétique",
        "Accompagner mes patients",
    )
    assert ErasureRequest.objects.get(pk=request.pk).status == ErasureStatus.PENDING


def test_the_back_office_shows_why_it_cannot_carry_it_out(coordinator_client, learner):
    LegalHold.objects.create(person=learner, reason="Litige")
    request = erasure_request_create(person=learner, now=NOW)
    response = coordinator_client.post(reverse("erasure_requests:edit", args=[request.pk]), {"decision": "execute"})
    assert response.status_code == 200
    request.refresh_from_db()
    assert request.status == ErasureStatus.PENDING
    assert _code(lambda: erasure_request_execute(request=request, by=learner)) == "erasure_legal_hold"


def test_refusing_needs_a_reason_and_tells_the_person(learner, coordinator, mailoutbox, committed):
    request = erasure_request_create(person=learner, now=NOW)
    assert _code(lambda: erasure_request_refuse(request=request, by=coordinator, reason=" ")) == "reason_required"
    with committed():
        erasure_request_refuse(request=request, by=coordinator, reason="Contrôle de l'ARS en cours")

    request.refresh_from_db()
    assert (request.status, request.reason) == (ErasureStatus.REFUSED, "Contrôle de l'ARS en cours")
    assert [message.to for message in mailoutbox] == [[learner.email]]
    assert "Contrôle de l'ARS en cours" in mailoutbox[0].body
    assert User.objects.get(pk=learner.pk).is_active
    assert _code(lambda: erasure_request_execute(request=request, by=coordinator)) == "erasure_already_decided"
