"""A half-day's attendance in Chromium on phones: the trainer opens it, one trainee signs on the
trainer's screen, another through the room's QR code on their own phone, the trainer signs and
locks. Each page is checked with axe-core."""

import datetime
from decimal import Decimal

import pytest
from allauth.account.models import EmailAddress
from axe_playwright_python.sync_playwright import Axe

from django.utils import timezone

from tests.e2e.conftest import VIEWPORTS, screenshot
from tests.factories import RegistrationFactory, SessionFactory, TrainerFactory, UserFactory, course_create
from training.choices import AttendanceStatus, Period, RegistrationStatus, SheetStatus, SignatureMethod
from training.models import Attendance, AttendanceSheet, Slot
from training.services.attendance import attendance_chain_verify

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "Une-phrase-de-passe-solide-2026"


def _person(email: str, first_name: str, last_name: str):
    user = UserFactory(email=email, first_name=first_name, last_name=last_name, password=PASSWORD)
    EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    return user


def _half_day_now(session) -> Slot:
    """A half-day of today, started an hour ago and ending in two (within today, Paris time)."""
    now = timezone.localtime().replace(second=0, microsecond=0)
    midnight = now.replace(hour=0, minute=0)
    start = max(now - datetime.timedelta(hours=1), midnight)
    end = min(now + datetime.timedelta(hours=2), now.replace(hour=23, minute=59))
    return Slot.objects.create(
        session=session,
        date=now.date(),
        period=Period.MORNING if start.hour < 13 else Period.AFTERNOON,
        starts_at=start.time(),
        ends_at=end.time(),
        hours=Decimal("3"),
    )


@pytest.fixture
def half_day(catalogue):
    """Today's half-day of a session taught by Julien, with two confirmed trainees."""
    course = course_create(catalogue=catalogue, title="Développer les compétences psychosociales des jeunes")
    session = SessionFactory(course=course, code="2026-CPS-12-07")
    session.trainers.add(TrainerFactory(user=_person("julien.carrere@exemple.fr", "Julien", "Carrère")))
    for email, first_name, last_name, needs in (
        ("amina.benali@exemple.fr", "Amina", "Benali", ""),
        ("bruno.lacoste@exemple.fr", "Bruno", "Lacoste", "Malentendant : placer face à la salle."),
    ):
        RegistrationFactory(
            session=session,
            status=RegistrationStatus.CONFIRMED,
            user=_person(email, first_name, last_name),
            accessibility_needs=needs,
            accessibility_consent_at=timezone.now() if needs else None,
        )
    return _half_day_now(session)


@pytest.fixture
def phones(browser):
    """Two phones: the trainer's and a trainee's."""
    contexts = [browser.new_context(viewport=VIEWPORTS["phone"], locale="fr-FR") for _index in range(2)]
    pages = []
    for context in contexts:
        page = context.new_page()
        page.viewport_name = "phone"
        page.set_default_timeout(10_000)
        pages.append(page)
    yield pages
    for context in contexts:
        context.close()


def _check(page, name: str) -> None:
    """Screenshot the page, then assert axe-core finds no violation on it."""
    screenshot(page, f"attendance-{name}")
    results = Axe().run(page)
    assert results.violations_count == 0, f"{name}: {results.generate_report()}"


def _log_in(page, email: str) -> None:
    page.locator("#id_login").fill(email)
    page.locator("#id_password").fill(PASSWORD)
    page.locator("main form button[type=submit]").click()


def _draw(page, canvas) -> None:
    """A signature drawn with the mouse (pointer events, like a finger)."""
    canvas.scroll_into_view_if_needed()
    box = canvas.bounding_box()
    page.mouse.move(box["x"] + box["width"] * 0.1, box["y"] + box["height"] * 0.7)
    page.mouse.down()
    for x, y in ((0.3, 0.2), (0.45, 0.8), (0.6, 0.3), (0.75, 0.7), (0.9, 0.35)):
        page.mouse.move(box["x"] + box["width"] * x, box["y"] + box["height"] * y, steps=8)
    page.mouse.up()


def test_a_half_day_is_signed_on_the_trainer_screen_and_by_qr_then_locked(live_server, phones, half_day):
    trainer_phone, trainee_phone = phones
    slot, session = half_day, half_day.session
    amina, bruno = session.registrations.order_by("user__last_name")
    slot_path = f"/formateur/demi-journees/{slot.pk}/"

    # The trainer signs in and finds the session and today's half-day.
    trainer_phone.goto(f"{live_server.url}/accounts/login/?next=/formateur/")
    _log_in(trainer_phone, "julien.carrere@exemple.fr")
    trainer_phone.wait_for_url(f"{live_server.url}/formateur/")
    _check(trainer_phone, "01-trainer-home")
    trainer_phone.locator(f'main a[href="/formateur/sessions/{session.pk}/"]').click()
    trainer_phone.wait_for_url(f"**/formateur/sessions/{session.pk}/")
    assert "Malentendant" in trainer_phone.locator(".confidential").inner_text()
    _check(trainer_phone, "02-session")
    trainer_phone.locator(f'main a[href="{slot_path}"]').click()
    trainer_phone.wait_for_url(f"**{slot_path}")
    _check(trainer_phone, "03-half-day-pending")

    # It opens the attendance: the QR code appears with the list of trainees.
    trainer_phone.locator("form.open-form button[type=submit]").click()
    trainer_phone.wait_for_selector("[data-qr-image] svg")
    assert trainer_phone.locator(".badge--needs").count() == 1
    _check(trainer_phone, "04-half-day-open")

    # Amina signs on the trainer's phone.
    trainer_phone.locator(f'a[href="{slot_path}signer/{amina.pk}/"]').click()
    trainer_phone.wait_for_url(f"**{slot_path}signer/{amina.pk}/")
    submit = trainer_phone.locator("[data-signature-submit]")
    assert submit.is_disabled()
    _check(trainer_phone, "05-sign-on-trainer-phone")
    _draw(trainer_phone, trainer_phone.locator("canvas"))
    assert submit.is_enabled()
    submit.click()
    trainer_phone.wait_for_url(f"**{slot_path}#trainee-{amina.pk}")
    assert trainer_phone.locator(".message--success").is_visible()

    # Bruno scans the room's code with his phone, signs in and signs.
    qr_url = trainer_phone.locator("[data-qr-link]").get_attribute("href")
    assert qr_url.startswith(f"{live_server.url}/emargement/{slot.pk}/")
    trainee_phone.goto(qr_url)
    _check(trainee_phone, "06-scan-choices")
    trainee_phone.locator('main a[href^="/accounts/login/"]').click()
    trainee_phone.wait_for_url("**/accounts/login/**")
    _log_in(trainee_phone, "bruno.lacoste@exemple.fr")
    trainee_phone.wait_for_url(f"**/emargement/{slot.pk}/signer/")
    assert "Bruno Lacoste" in trainee_phone.locator("h1").inner_text()
    _check(trainee_phone, "07-sign-on-own-phone")
    _draw(trainee_phone, trainee_phone.locator("canvas"))
    trainee_phone.locator("[data-signature-submit]").click()
    trainee_phone.wait_for_selector(".sign-page__done")
    _check(trainee_phone, "08-signed")

    # The trainer sees both signatures, signs and locks the half-day.
    trainer_phone.goto(live_server.url + slot_path)
    assert trainer_phone.locator(".attendance-row--signed").count() == 2
    assert trainer_phone.locator(".lock-panel li").count() == 0  # nobody will be recorded absent
    trainer_phone.locator(f"#trainee-{amina.pk} summary").click()  # the lateness form, left unsent
    assert trainer_phone.locator(f"#minutes-{amina.pk}").is_visible()
    _check(trainer_phone, "09-half-day-signed")
    lock = trainer_phone.locator(".lock-panel [data-signature-submit]")
    _draw(trainer_phone, trainer_phone.locator(".lock-panel canvas"))
    lock.click()
    trainer_phone.wait_for_selector(".summary-table")
    _check(trainer_phone, "10-half-day-locked")

    sheet = AttendanceSheet.objects.get(slot=slot)
    assert sheet.status == SheetStatus.LOCKED
    assert attendance_chain_verify(sheet=sheet) == []
    attendances = (
        Attendance.objects.filter(slot=slot).select_related("signature").order_by("registration__user__last_name")
    )
    assert [(a.registration, a.status, a.signature.method) for a in attendances] == [
        (amina, AttendanceStatus.PRESENT, SignatureMethod.TRAINER_DEVICE),
        (bruno, AttendanceStatus.PRESENT, SignatureMethod.QR_ACCOUNT),
    ]
    assert [a.hours for a in attendances] == [Decimal("3"), Decimal("3")]
