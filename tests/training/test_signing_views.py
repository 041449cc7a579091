"""A trainee signs on their own phone: the room's QR code, their account or a one-time e-mailed link."""

import datetime
import re

import pytest
from freezegun import freeze_time

from django.core import mail
from django.urls import reverse

from tests.factories import SessionFactory, TrainerFactory, UserFactory, course_create, slots_create
from tests.training.test_trainer_views import MORNING, blank_signature, signature, trainee
from training.choices import AttendanceStatus, ProofKind, SignatureMethod
from training.models import Attendance, AttendanceProof
from training.services.attendance import attendance_qr_code, attendance_sheet_lock, attendance_sheet_open

pytestmark = pytest.mark.django_db

DAY = MORNING.date()


@pytest.fixture
def trainer_user():
    return UserFactory(first_name="Julien", last_name="Carrère")


@pytest.fixture
def session(catalogue, trainer_user):
    session = SessionFactory(course=course_create(catalogue=catalogue))
    session.trainers.add(TrainerFactory(user=trainer_user))
    slots_create(session=session, first_day=DAY, days=1)
    return session


@pytest.fixture
def morning(session):
    return session.slots.get(date=DAY, period="am")


@pytest.fixture
def arnaud(session):
    return trainee(session, last_name="Arnaud", email="arnaud@exemple.fr")


@pytest.fixture
def bernard(session):
    return trainee(session, last_name="Bernard")


@pytest.fixture
def sheet(morning, trainer_user, arnaud, bernard):
    with freeze_time(MORNING - datetime.timedelta(minutes=20)):
        return attendance_sheet_open(slot=morning, user=trainer_user)


def _scan_url(sheet, at=MORNING) -> str:
    with freeze_time(at):
        return reverse("training:scan", args=[sheet.slot_id, attendance_qr_code(sheet=sheet)])


def _sign_self_url(slot) -> str:
    return reverse("training:sign-self", args=[slot.pk])


def _templates(response) -> list[str]:
    return [template.name for template in response.templates]


def _refusal(response) -> str:
    assert "training/signing/refused.html" in _templates(response)
    return response.context["error"].code


def _signatures():
    return AttendanceProof.objects.filter(kind=ProofKind.SIGNATURE)


# The room's QR code
# ------------------------------------------------------------------------------


def test_a_signed_in_trainee_scans_the_current_code_and_signs(client, sheet, morning, arnaud):
    client.force_login(arnaud.user)
    with freeze_time(MORNING):
        response = client.get(_scan_url(sheet))
        assert response.status_code == 302
        assert response["Location"] == _sign_self_url(morning)
        assert str(morning.pk) in client.session["attendance_scans"]

        assert client.get(_sign_self_url(morning)).status_code == 200
        response = client.post(_sign_self_url(morning), {"signature": signature()}, HTTP_USER_AGENT="Phone")
        assert response.status_code == 302
        done = client.get(_sign_self_url(morning))

    assert "training/signing/done.html" in _templates(done)
    attendance = Attendance.objects.select_related("signature").get()
    assert attendance.registration == arnaud
    assert attendance.status == AttendanceStatus.PRESENT
    assert attendance.signature.method == SignatureMethod.QR_ACCOUNT
    assert attendance.signature.actor == arnaud.user
    assert attendance.signature.user_agent == "Phone"


def test_the_previous_code_still_works_an_older_one_is_refused(client, sheet, settings):
    url = _scan_url(sheet)
    with freeze_time(MORNING + datetime.timedelta(seconds=settings.ATTENDANCE_QR_SECONDS)):
        assert client.get(url).status_code == 200
    with freeze_time(MORNING + datetime.timedelta(seconds=2 * settings.ATTENDANCE_QR_SECONDS + 1)):
        fresh = client.__class__()
        response = fresh.get(url)

    assert response.status_code == 410
    assert _refusal(response) == "qr_expired"
    assert "attendance_scans" not in fresh.session


def test_a_code_of_a_half_day_not_open_is_refused(client, sheet, morning, session, trainer_user):
    afternoon = session.slots.get(period="pm")
    with freeze_time(MORNING):
        response = client.get(reverse("training:scan", args=[afternoon.pk, "abcdefghabcdefgh"]))
    assert response.status_code == 400
    assert _refusal(response) == "sheet_not_open"

    url = _scan_url(sheet, at=MORNING + datetime.timedelta(hours=3))
    with freeze_time(MORNING + datetime.timedelta(hours=3)):
        attendance_sheet_lock(slot=morning, user=trainer_user, signature=signature())
        response = client.get(url)
    assert response.status_code == 410
    assert _refusal(response) == "sheet_locked"


def test_an_anonymous_phone_chooses_to_sign_in_or_to_get_a_link(client, sheet, morning):
    with freeze_time(MORNING):
        response = client.get(_scan_url(sheet))

    assert response.status_code == 200
    assert "training/signing/scan.html" in _templates(response)
    assert response.context["login_url"] == f"{reverse('account_login')}?next=%2Femargement%2F{morning.pk}%2Fsigner%2F"


# Signing with one's account
# ------------------------------------------------------------------------------


def test_signing_needs_a_recent_scan(client, sheet, morning, arnaud):
    client.force_login(arnaud.user)
    with freeze_time(MORNING):
        response = client.get(_sign_self_url(morning))
    assert response.status_code == 403
    assert _refusal(response) == "qr_expired"

    with freeze_time(MORNING):
        client.get(_scan_url(sheet))
    with freeze_time(MORNING + datetime.timedelta(minutes=11)):
        response = client.post(_sign_self_url(morning), {"signature": signature()})
    assert response.status_code == 403
    assert _refusal(response) == "qr_expired"
    assert not _signatures().exists()


def test_signing_in_is_asked_first(client, morning):
    response = client.get(_sign_self_url(morning))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_a_person_not_registered_cannot_sign(client, sheet, morning):
    client.force_login(UserFactory())
    with freeze_time(MORNING):
        client.get(_scan_url(sheet))
        response = client.post(_sign_self_url(morning), {"signature": signature()})

    assert response.status_code == 403
    assert _refusal(response) == "not_registered"
    assert not _signatures().exists()


def test_a_trainee_signs_only_for_themselves(client, sheet, morning, arnaud, bernard):
    client.force_login(bernard.user)
    with freeze_time(MORNING):
        client.get(_scan_url(sheet))
        client.post(_sign_self_url(morning), {"signature": signature(), "registration": arnaud.pk})
        trainer_page = client.post(
            reverse("training:trainer-sign", args=[morning.pk, arnaud.pk]), {"signature": signature()}
        )

    assert trainer_page.status_code == 403
    assert [proof.registration for proof in _signatures()] == [bernard]


def test_a_trainee_signs_once(client, sheet, morning, arnaud):
    client.force_login(arnaud.user)
    with freeze_time(MORNING):
        client.get(_scan_url(sheet))
        client.post(_sign_self_url(morning), {"signature": signature()})
        again = client.post(_sign_self_url(morning), {"signature": signature()})

    assert again.status_code == 200
    assert "training/signing/done.html" in _templates(again)
    assert _signatures().count() == 1


def test_an_empty_drawing_is_asked_again(client, sheet, morning, arnaud):
    client.force_login(arnaud.user)
    with freeze_time(MORNING):
        client.get(_scan_url(sheet))
        response = client.post(_sign_self_url(morning), {"signature": blank_signature()})

    assert response.status_code == 400
    assert response.context["error"].code == "signature_empty"
    assert not _signatures().exists()


def test_nobody_signs_after_the_lock(client, sheet, morning, arnaud, trainer_user):
    client.force_login(arnaud.user)
    later = MORNING + datetime.timedelta(hours=3)
    with freeze_time(later):
        client.get(_scan_url(sheet, at=later))
        attendance_sheet_lock(slot=morning, user=trainer_user, signature=signature())
        response = client.post(_sign_self_url(morning), {"signature": signature()})

    assert response.status_code == 410
    assert _refusal(response) == "sheet_locked"
    assert not _signatures().exists()


def test_nobody_signs_outside_the_half_day(client, sheet, morning, arnaud):
    """The morning ends at 12:30; signatures are taken until 13:00."""
    client.force_login(arnaud.user)
    scanned = datetime.datetime.combine(DAY, datetime.time(12, 58), tzinfo=MORNING.tzinfo)
    with freeze_time(scanned):
        client.get(_scan_url(sheet, at=scanned))
    with freeze_time(scanned + datetime.timedelta(minutes=4)):
        response = client.post(_sign_self_url(morning), {"signature": signature()})

    assert response.status_code == 400
    assert _refusal(response) == "outside_half_day"
    assert not _signatures().exists()


# Signing with a one-time link
# ------------------------------------------------------------------------------


def _ask_link(client, sheet, email: str):
    with freeze_time(MORNING):
        url = _scan_url(sheet)
        client.get(url)
        return client.post(url, {"email": email})


def test_the_link_goes_to_a_registered_address_only_with_the_same_answer(client, sheet, arnaud):
    registered = _ask_link(client, sheet, "ARNAUD@exemple.fr")
    assert [message.to for message in mail.outbox] == [["arnaud@exemple.fr"]]

    mail.outbox.clear()
    unknown = _ask_link(client.__class__(), sheet, "inconnu@exemple.fr")
    assert mail.outbox == []

    assert registered.status_code == unknown.status_code == 200
    assert registered.content == unknown.content


def test_the_link_is_asked_after_a_scan_only(client, sheet):
    url = _scan_url(sheet)
    with freeze_time(MORNING):
        response = client.post(url, {"email": "arnaud@exemple.fr"})

    assert response.status_code == 403
    assert _refusal(response) == "qr_expired"
    assert mail.outbox == []


def test_the_one_time_link_signs_once(client, sheet, morning, arnaud):
    _ask_link(client, sheet, arnaud.user.email)
    link = re.search(r"https?://\S+", mail.outbox[0].body).group(0)
    path = link.removeprefix("http://testserver")
    phone = client.__class__()

    with freeze_time(MORNING + datetime.timedelta(minutes=2)):
        page = phone.get(path)
        assert page.status_code == 200
        assert page.context["person"] == arnaud.user
        assert phone.post(path, {"signature": signature()}).status_code == 302
        again = phone.post(path, {"signature": signature()})

    assert "training/signing/done.html" in _templates(again)
    (proof,) = _signatures()
    assert (proof.registration, proof.method, proof.actor) == (arnaud, SignatureMethod.QR_LINK, None)


def test_an_expired_or_altered_link_is_refused(client, sheet, arnaud, settings):
    _ask_link(client, sheet, arnaud.user.email)
    path = re.search(r"https?://\S+", mail.outbox[0].body).group(0).removeprefix("http://testserver")

    with freeze_time(MORNING + datetime.timedelta(minutes=settings.ATTENDANCE_LINK_MINUTES + 1)):
        expired = client.post(path, {"signature": signature()})
        altered = client.get(path.replace("/lien/", "/lien/x"))

    assert expired.status_code == 410
    assert _refusal(expired) == "link_expired"
    assert altered.status_code == 400
    assert _refusal(altered) == "link_invalid"
    assert not _signatures().exists()
