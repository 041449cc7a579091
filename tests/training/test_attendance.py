"""The attendance rules: who may sign what and when, the proof chain, the lock, hours and absences."""

import datetime
from decimal import Decimal

import pytest
from freezegun import freeze_time

from django.contrib.auth.models import Group
from django.core import mail

from accounts.roles import COORDINATION, roles_sync
from tests.clock import PARIS
from tests.factories import (
    RegistrationFactory,
    SessionFactory,
    TrainerFactory,
    UserFactory,
    course_create,
    signature_data_url,
    slots_create,
)
from training.choices import (
    AbandonmentReason,
    AttendanceStatus,
    ProofKind,
    RegistrationStatus,
    SheetStatus,
    SignatureMethod,
)
from training.exceptions import TrainingError
from training.models import Attendance, AttendanceProof, AttendanceSheet, PaperScan
from training.selectors import registration_hours_attended, session_attendance_grid
from training.services.absences import absence_alert_send, registration_abandonment_record
from training.services.attendance import (
    Client,
    PaperMark,
    attendance_chain_verify,
    attendance_correct,
    attendance_link_check,
    attendance_link_send,
    attendance_link_token,
    attendance_mark,
    attendance_paper_record,
    attendance_qr_check,
    attendance_qr_code,
    attendance_sheet_lock,
    attendance_sheet_open,
    attendance_sign,
    signature_png_clean,
)

pytestmark = pytest.mark.django_db

DAY = datetime.date(2026, 12, 14)  # a Monday; morning 9:00–12:30, afternoon 13:30–17:00
MORNING = datetime.datetime(2026, 12, 14, 9, 15, tzinfo=PARIS)
PHONE = Client(ip_address="192.0.2.10", user_agent="Mozilla/5.0 (Android 14; Mobile)")


signature = signature_data_url  # a drawn signature, as the pad posts it


@pytest.fixture
def trainer_user():
    return UserFactory(first_name="Julien", last_name="Carrère")


@pytest.fixture
def session(catalogue, trainer_user):
    session = SessionFactory(course=course_create(catalogue=catalogue))
    session.trainers.add(TrainerFactory(user=trainer_user))
    slots_create(session=session, first_day=DAY, days=2)
    return session


@pytest.fixture
def morning(session):
    return session.slots.get(date=DAY, period="am")


@pytest.fixture
def afternoon(session):
    return session.slots.get(date=DAY, period="pm")


@pytest.fixture
def trainees(session):
    return [
        RegistrationFactory(session=session, status=RegistrationStatus.CONFIRMED, user=UserFactory(last_name=name))
        for name in ("Arnaud", "Bernard", "Chevalier")
    ]


@pytest.fixture
def opened(morning, trainer_user):
    with freeze_time(MORNING - datetime.timedelta(minutes=20)):
        return attendance_sheet_open(slot=morning, user=trainer_user, client=PHONE)


def _code(call) -> str:
    with pytest.raises(TrainingError) as error:
        call()
    return error.value.code


def _sign(slot, registration, *, at=MORNING, method=SignatureMethod.QR_ACCOUNT, actor=None, image=None):
    with freeze_time(at):
        return attendance_sign(
            slot=slot,
            registration=registration,
            signature=image or signature(),
            method=method,
            actor=actor if actor is not None else registration.user,
            client=PHONE,
        )


def _lock(slot, user, *, at=MORNING + datetime.timedelta(hours=3)):
    with freeze_time(at):
        return attendance_sheet_lock(slot=slot, user=user, signature=signature(), client=PHONE)


# Opening
# ------------------------------------------------------------------------------


def test_only_a_trainer_of_the_session_opens_a_half_day(morning, catalogue):
    other_trainer = UserFactory()
    TrainerFactory(user=other_trainer)
    with freeze_time(MORNING):
        assert _code(lambda: attendance_sheet_open(slot=morning, user=other_trainer)) == "not_session_trainer"
        assert _code(lambda: attendance_sheet_open(slot=morning, user=UserFactory())) == "not_session_trainer"
    assert not AttendanceSheet.objects.filter(slot=morning, status=SheetStatus.OPEN).exists()


def test_a_half_day_opens_only_around_its_hours(morning, trainer_user):
    with freeze_time(MORNING - datetime.timedelta(hours=2)):
        assert _code(lambda: attendance_sheet_open(slot=morning, user=trainer_user)) == "outside_half_day"
    with freeze_time(MORNING):
        sheet = attendance_sheet_open(slot=morning, user=trainer_user)
        assert attendance_sheet_open(slot=morning, user=trainer_user).pk == sheet.pk  # twice: no new record
    assert sheet.status == SheetStatus.OPEN
    assert list(sheet.proofs.values_list("kind", flat=True)) == [ProofKind.OPENED]


# Signing
# ------------------------------------------------------------------------------


def test_a_signature_keeps_its_proof(opened, morning, trainees):
    attendance = _sign(morning, trainees[0])

    assert attendance.status == AttendanceStatus.PRESENT
    proof = attendance.signature
    assert (proof.kind, proof.method, proof.sequence) == (ProofKind.SIGNATURE, SignatureMethod.QR_ACCOUNT, 2)
    assert proof.created_at == MORNING
    assert (proof.ip_address, proof.user_agent) == (PHONE.ip_address, PHONE.user_agent)
    assert bytes(proof.signature_png).startswith(b"\x89PNG")
    assert proof.previous_hash == opened.proofs.get(sequence=1).hash
    assert attendance_chain_verify(sheet=opened) == []


def test_a_trainee_cannot_sign_for_another(opened, morning, trainees):
    assert _code(lambda: _sign(morning, trainees[1], actor=trainees[0].user)) == "not_your_registration"
    # Nor hand themselves the trainer's device method.
    assert (
        _code(lambda: _sign(morning, trainees[1], method=SignatureMethod.TRAINER_DEVICE, actor=trainees[0].user))
        == "not_session_trainer"
    )
    assert not Attendance.objects.exists()


def test_the_trainer_witnesses_a_signature_on_their_device(opened, morning, trainees, trainer_user):
    attendance = _sign(morning, trainees[0], method=SignatureMethod.TRAINER_DEVICE, actor=trainer_user)
    assert attendance.signature.actor == trainer_user


def test_nobody_signs_outside_the_half_day(opened, morning, trainees):
    too_early = datetime.datetime(2026, 12, 14, 8, 29, tzinfo=PARIS)
    too_late = datetime.datetime(2026, 12, 14, 13, 1, tzinfo=PARIS)
    assert _code(lambda: _sign(morning, trainees[0], at=too_early)) == "outside_half_day"
    assert _code(lambda: _sign(morning, trainees[0], at=too_late)) == "outside_half_day"
    assert _sign(morning, trainees[0], at=datetime.datetime(2026, 12, 14, 12, 59, tzinfo=PARIS))


def test_nobody_signs_a_half_day_the_trainer_has_not_opened(morning, afternoon, trainees, opened):
    assert _code(lambda: _sign(afternoon, trainees[0], at=MORNING.replace(hour=14))) == "sheet_not_open"


def test_a_trainee_signs_once(opened, morning, trainees):
    _sign(morning, trainees[0])
    assert _code(lambda: _sign(morning, trainees[0])) == "already_signed"
    assert AttendanceProof.objects.filter(kind=ProofKind.SIGNATURE).count() == 1


def test_only_confirmed_trainees_of_the_session_sign(opened, morning, session):
    waiting = RegistrationFactory(session=session, status=RegistrationStatus.WAITLISTED)
    elsewhere = RegistrationFactory(session=SessionFactory(course=session.course), status=RegistrationStatus.CONFIRMED)
    assert _code(lambda: _sign(morning, waiting)) == "not_registered"
    assert _code(lambda: _sign(morning, elsewhere)) == "not_registered"


def test_nobody_signs_after_the_lock(opened, morning, trainees, trainer_user):
    _lock(morning, trainer_user, at=MORNING + datetime.timedelta(minutes=30))
    assert _code(lambda: _sign(morning, trainees[0], at=MORNING + datetime.timedelta(minutes=40))) == "sheet_locked"


@pytest.mark.parametrize(
    ("image", "code"),
    [
        (signature(ink=False), "signature_empty"),
        ("data:image/png;base64,bm90IGFuIGltYWdl", "signature_invalid"),
        ("data:image/jpeg;base64,/9j/4AAQ", "signature_invalid"),
        ("data:image/png;base64,***", "signature_invalid"),
        (signature(width=3000, height=1000), "signature_invalid"),
    ],
)
def test_a_signature_must_be_a_drawn_png(image, code):
    assert _code(lambda: signature_png_clean(image)) == code


# Trainer's marks, lock and hours
# ------------------------------------------------------------------------------


def test_marks_follow_what_happened_in_the_room(opened, morning, trainees, trainer_user):
    signed, late, absent = trainees
    _sign(morning, signed)
    _sign(morning, late)

    def mark(registration, status, **fields):
        with freeze_time(MORNING + datetime.timedelta(hours=1)):
            return attendance_mark(slot=morning, registration=registration, status=status, user=trainer_user, **fields)

    assert _code(lambda: mark(signed, AttendanceStatus.ABSENT)) == "signed_cannot_be_absent"
    assert _code(lambda: mark(absent, AttendanceStatus.PRESENT)) == "signature_required"
    assert _code(lambda: mark(absent, AttendanceStatus.EXCUSED)) == "reason_required"
    assert _code(lambda: mark(late, AttendanceStatus.PARTIAL, minutes_missed=0)) == "minutes_invalid"
    assert _code(lambda: mark(late, AttendanceStatus.PARTIAL, minutes_missed=210)) == "minutes_invalid"
    mark(late, AttendanceStatus.PARTIAL, minutes_missed=45)
    mark(absent, AttendanceStatus.EXCUSED, reason="Arrêt maladie")

    statuses = dict(Attendance.objects.values_list("registration_id", "status"))
    assert statuses == {
        signed.pk: AttendanceStatus.PRESENT,
        late.pk: AttendanceStatus.PARTIAL,
        absent.pk: AttendanceStatus.EXCUSED,
    }
    marks = opened.proofs.filter(kind=ProofKind.MARK).order_by("sequence")
    assert [(m.registration_id, m.data["status"]) for m in marks] == [
        (late.pk, AttendanceStatus.PARTIAL),
        (absent.pk, AttendanceStatus.EXCUSED),
    ]


def test_lock_counts_hours_and_records_the_silent_absent(opened, morning, trainees, trainer_user, committed):
    signed, late, silent = trainees
    _sign(morning, signed)
    _sign(morning, late)
    with freeze_time(MORNING + datetime.timedelta(hours=1)):
        attendance_mark(
            slot=morning, registration=late, status=AttendanceStatus.PARTIAL, minutes_missed=45, user=trainer_user
        )
    with committed():
        sheet = _lock(morning, trainer_user)

    assert sheet.status == SheetStatus.LOCKED
    hours = dict(Attendance.objects.filter(slot=morning).values_list("registration_id", "hours"))
    assert hours == {signed.pk: Decimal("3.50"), late.pk: Decimal("2.75"), silent.pk: Decimal("0")}
    assert Attendance.objects.get(registration=silent, slot=morning).status == AttendanceStatus.ABSENT
    kinds = list(sheet.proofs.order_by("sequence").values_list("kind", flat=True))
    assert kinds[-2:] == [ProofKind.TRAINER_SIGNATURE, ProofKind.LOCKED]
    assert attendance_chain_verify(sheet=sheet) == []


def test_a_half_day_is_locked_once_started_and_by_its_trainer(opened, morning, trainer_user):
    assert _code(lambda: _lock(morning, trainer_user, at=MORNING - datetime.timedelta(minutes=16))) == (
        "half_day_not_started"
    )
    assert _code(lambda: _lock(morning, UserFactory())) == "not_session_trainer"
    with freeze_time(MORNING):
        assert (
            _code(lambda: attendance_sheet_lock(slot=morning, user=trainer_user, signature=signature(ink=False)))
            == "signature_empty"
        )
    _lock(morning, trainer_user)
    assert _code(lambda: _lock(morning, trainer_user)) == "sheet_locked"


def test_after_the_lock_the_trainer_changes_nothing(opened, morning, trainees, trainer_user):
    _lock(morning, trainer_user)
    with freeze_time(MORNING + datetime.timedelta(hours=3, minutes=5)):
        code = _code(
            lambda: attendance_mark(
                slot=morning, registration=trainees[0], status=AttendanceStatus.EXCUSED, reason="x", user=trainer_user
            )
        )
    assert code == "sheet_locked"


def test_hours_attended_come_from_locked_half_days_only(session, morning, afternoon, trainees, trainer_user):
    """Partial attendance: present in the morning, gone in the afternoon, late the next morning."""
    person = trainees[0]
    with freeze_time(MORNING):
        attendance_sheet_open(slot=morning, user=trainer_user)
    _sign(morning, person)
    _lock(morning, trainer_user)
    afternoon_time = datetime.datetime(2026, 12, 14, 13, 40, tzinfo=PARIS)
    with freeze_time(afternoon_time):
        attendance_sheet_open(slot=afternoon, user=trainer_user)
    _lock(afternoon, trainer_user, at=afternoon_time + datetime.timedelta(hours=3))

    next_morning = session.slots.get(date=DAY + datetime.timedelta(days=1), period="am")
    tuesday = MORNING + datetime.timedelta(days=1)
    with freeze_time(tuesday):
        attendance_sheet_open(slot=next_morning, user=trainer_user)
    _sign(next_morning, person, at=tuesday + datetime.timedelta(minutes=50))
    with freeze_time(tuesday + datetime.timedelta(hours=1)):
        attendance_mark(
            slot=next_morning,
            registration=person,
            status=AttendanceStatus.PARTIAL,
            minutes_missed=60,
            user=trainer_user,
        )
    # Not locked yet: Tuesday morning does not count.
    assert registration_hours_attended(registration_ids=[person.pk]) == {person.pk: Decimal("3.50")}
    _lock(next_morning, trainer_user, at=tuesday + datetime.timedelta(hours=3))
    assert registration_hours_attended(registration_ids=[person.pk]) == {person.pk: Decimal("6.00")}

    grid = session_attendance_grid(session=session)
    row = next(row for row in grid.rows if row.registration == person)
    assert row.hours_attended == Decimal("6.00")
    assert grid.planned_hours == Decimal("14.0")


# The proof chain
# ------------------------------------------------------------------------------


@pytest.fixture
def chained(opened, morning, trainees, trainer_user):
    for registration in trainees:
        _sign(morning, registration)
    _lock(morning, trainer_user)
    opened.refresh_from_db()
    assert attendance_chain_verify(sheet=opened) == []
    return opened


def test_the_chain_detects_an_altered_record(chained):
    proof = chained.proofs.get(sequence=3)
    AttendanceProof.objects.filter(pk=proof.pk).update(created_at=proof.created_at - datetime.timedelta(hours=2))
    assert attendance_chain_verify(sheet=chained) == [3]


def test_the_chain_detects_a_swapped_signature_image(chained):
    other = bytes(chained.proofs.get(sequence=2).signature_png)
    AttendanceProof.objects.filter(sheet=chained, sequence=3).update(signature_png=other + b"\x00")
    assert attendance_chain_verify(sheet=chained) == [3]


def test_the_chain_detects_a_removed_record(chained):
    proof = chained.proofs.get(sequence=3)
    Attendance.objects.filter(signature=proof).update(signature=None)
    proof.delete()
    assert attendance_chain_verify(sheet=chained) == [4]


def test_the_chain_detects_a_rewritten_record_even_with_its_hash_recomputed(chained):
    """Rehashing one altered record still breaks the link to the next one."""
    from training.services.attendance import proof_hash

    proof = chained.proofs.get(sequence=2)
    proof.data = {"trainee": "Quelqu'un d'autre"}
    proof.hash = proof_hash(proof)
    proof.save()
    assert attendance_chain_verify(sheet=chained) == [3]


# Corrections after the lock
# ------------------------------------------------------------------------------


def test_the_coordination_corrects_a_locked_half_day_with_a_reason(chained, morning, trainees):
    coordinator = UserFactory()
    person = trainees[2]
    later = MORNING + datetime.timedelta(days=2)

    def correct(reason):
        with freeze_time(later):
            return attendance_correct(
                slot=morning,
                registration=person,
                status=AttendanceStatus.PARTIAL,
                minutes_missed=90,
                reason=reason,
                user=coordinator,
            )

    assert _code(lambda: correct("  ")) == "reason_required"
    attendance = correct("Départ anticipé signalé par le formateur le lendemain")
    assert (attendance.status, attendance.hours) == (AttendanceStatus.PARTIAL, Decimal("2.00"))
    assert attendance.signature is not None  # the signature stays
    record = chained.proofs.get(kind=ProofKind.CORRECTION)
    assert record.actor == coordinator
    assert record.data["before"] == {"status": AttendanceStatus.PRESENT, "minutes_missed": 0, "hours": "3.50"}
    assert record.data["after"]["hours"] == "2.00"
    chained.refresh_from_db()
    assert attendance_chain_verify(sheet=chained) == []


def test_an_open_half_day_is_not_corrected_by_the_coordination(opened, morning, trainees):
    code = _code(
        lambda: attendance_correct(
            slot=morning, registration=trainees[0], status=AttendanceStatus.ABSENT, reason="x", user=UserFactory()
        )
    )
    assert code == "sheet_not_locked"


# Signing from one's phone: the QR code and the one-time link
# ------------------------------------------------------------------------------


def test_the_qr_code_changes_and_an_old_one_expires(opened, settings):
    settings.ATTENDANCE_QR_SECONDS = 120
    start = datetime.datetime(2026, 12, 14, 9, 0, 0, tzinfo=PARIS)
    code = attendance_qr_code(sheet=opened, now=start)
    assert attendance_qr_code(sheet=opened, now=start + datetime.timedelta(seconds=119)) == code
    assert attendance_qr_code(sheet=opened, now=start + datetime.timedelta(seconds=120)) != code
    attendance_qr_check(sheet=opened, code=code, now=start + datetime.timedelta(seconds=200))  # the previous one
    assert _code(lambda: attendance_qr_check(sheet=opened, code=code, now=start + datetime.timedelta(minutes=4))) == (
        "qr_expired"
    )
    assert _code(lambda: attendance_qr_check(sheet=opened, code="aaaaaaaaaaaaaaaa", now=start)) == "qr_expired"


def test_the_qr_code_of_a_closed_sheet_is_refused(morning, trainer_user, opened):
    code = attendance_qr_code(sheet=opened)
    _lock(morning, trainer_user)
    opened.refresh_from_db()
    assert _code(lambda: attendance_qr_check(sheet=opened, code=code)) == "sheet_locked"


def test_the_one_time_link_goes_to_a_registered_address_only(opened, trainees):
    with freeze_time(MORNING):
        assert attendance_link_send(sheet=opened, email=trainees[0].user.email.upper())
        assert not attendance_link_send(sheet=opened, email="inconnu@exemple.fr")
        assert not attendance_link_send(sheet=opened, email=trainees[0].user.email)  # again within a minute
    (message,) = mail.outbox
    assert message.to == [trainees[0].user.email]
    with freeze_time(MORNING + datetime.timedelta(seconds=61)):
        assert attendance_link_send(sheet=opened, email=trainees[0].user.email)
    assert len(mail.outbox) == 2


def test_the_one_time_link_signs_once_and_expires(opened, morning, trainees, settings):
    with freeze_time(MORNING):
        token = attendance_link_token(sheet=opened, registration=trainees[0])
    with freeze_time(MORNING + datetime.timedelta(minutes=settings.ATTENDANCE_LINK_MINUTES + 1)):
        assert _code(lambda: attendance_link_check(token=token)) == "link_expired"
    assert _code(lambda: attendance_link_check(token=token[:-2] + "xx")) == "link_invalid"
    with freeze_time(MORNING + datetime.timedelta(minutes=5)):
        sheet, registration = attendance_link_check(token=token)
    assert (sheet, registration) == (opened, trainees[0])
    _sign(morning, registration, method=SignatureMethod.QR_LINK, at=MORNING + datetime.timedelta(minutes=5))
    assert _code(lambda: _sign(morning, registration, method=SignatureMethod.QR_LINK)) == "already_signed"


# Absences and drop-out (indicator 12)
# ------------------------------------------------------------------------------


def test_absences_alert_the_coordination_once(opened, morning, trainees, trainer_user, committed):
    roles_sync()
    coordinator = UserFactory(email="coordination@exemple.fr")
    coordinator.groups.add(Group.objects.get(name=COORDINATION))
    _sign(morning, trainees[0])
    mail.outbox.clear()
    with committed():
        _lock(morning, trainer_user)

    (alert,) = mail.outbox
    assert alert.to == ["coordination@exemple.fr"]
    assert trainees[1].user.email in alert.body and trainees[2].user.email in alert.body
    assert trainees[0].user.email not in alert.body
    assert absence_alert_send(sheet_id=opened.pk) is False  # a retried task sends nothing more
    assert len(mail.outbox) == 1


def test_the_reason_of_a_drop_out_is_recorded(trainees):
    person = trainees[0]
    coordinator = UserFactory()
    assert _code(lambda: registration_abandonment_record(registration=person, reason="bored", by=coordinator)) == (
        "reason_invalid"
    )
    assert _code(
        lambda: registration_abandonment_record(registration=person, reason=AbandonmentReason.OTHER, by=coordinator)
    ) == ("details_required")
    registration_abandonment_record(
        registration=person, reason=AbandonmentReason.WORK, details="Service en sous-effectif", by=coordinator
    )
    person.refresh_from_db()
    assert person.abandonment_reason == AbandonmentReason.WORK
    assert person.abandoned_at is not None


# Paper
# ------------------------------------------------------------------------------

SCAN = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def test_a_paper_sheet_records_and_locks_its_half_days(session, morning, afternoon, trainees):
    coordinator = UserFactory()
    marks = {
        slot.pk: [PaperMark(registration_id=r.pk, status=AttendanceStatus.PRESENT) for r in trainees[:2]]
        + [PaperMark(registration_id=trainees[2].pk, status=AttendanceStatus.ABSENT)]
        for slot in (morning, afternoon)
    }
    with freeze_time(MORNING + datetime.timedelta(days=3)):
        scan = attendance_paper_record(
            session=session,
            slots=[morning, afternoon],
            marks=marks,
            scan_name="feuille-14-decembre.pdf",
            scan_content=SCAN,
            user=coordinator,
        )

    assert PaperScan.objects.get() == scan
    assert scan.content_type == "application/pdf" and len(scan.sha256) == 64
    for slot in (morning, afternoon):
        sheet = AttendanceSheet.objects.get(slot=slot)
        assert (sheet.status, sheet.paper_scan) == (SheetStatus.LOCKED, scan)
        assert attendance_chain_verify(sheet=sheet) == []
        assert sheet.proofs.filter(kind=ProofKind.PAPER, method=SignatureMethod.PAPER).count() == 3
    hours = registration_hours_attended(registration_ids=[r.pk for r in trainees])
    assert hours == {trainees[0].pk: Decimal("7.00"), trainees[1].pk: Decimal("7.00"), trainees[2].pk: Decimal("0")}


def test_a_paper_sheet_is_all_or_nothing(session, morning, afternoon, trainees, opened, trainer_user, settings):
    _lock(morning, trainer_user)
    coordinator = UserFactory()

    def record(slots, marks, content=SCAN):
        with freeze_time(MORNING + datetime.timedelta(days=3)):
            return attendance_paper_record(
                session=session, slots=slots, marks=marks, scan_name="scan.pdf", scan_content=content, user=coordinator
            )

    everyone = [PaperMark(registration_id=r.pk, status=AttendanceStatus.PRESENT) for r in trainees]
    assert _code(lambda: record([afternoon, morning], {afternoon.pk: everyone, morning.pk: everyone})) == (
        "sheet_locked"
    )
    assert _code(lambda: record([afternoon], {afternoon.pk: everyone[:2]})) == "marks_incomplete"
    assert _code(lambda: record([afternoon], {afternoon.pk: everyone}, content=b"GIF89a...")) == "scan_invalid"
    assert _code(lambda: record([], {})) == "no_half_day"
    assert not PaperScan.objects.exists()
    assert not any(path.is_file() for path in settings.PRIVATE_MEDIA_ROOT.rglob("*"))  # no scan left behind
    assert not Attendance.objects.filter(slot=afternoon).exists()
    assert not AttendanceSheet.objects.filter(slot=afternoon, status=SheetStatus.LOCKED).exists()


def test_the_learner_space_shows_the_hours_validated(client, opened, morning, trainees, trainer_user):
    person = trainees[0]
    _sign(morning, person)
    client.force_login(person.user)
    with freeze_time(MORNING + datetime.timedelta(hours=1)):
        (shown,) = client.get("/espace/").context["upcoming"]
    assert shown.hours_attended is None  # nothing validated yet

    _lock(morning, trainer_user)
    with freeze_time(MORNING + datetime.timedelta(hours=4)):
        response = client.get("/espace/")
    (shown,) = response.context["upcoming"]
    assert shown.hours_attended == Decimal("3.50")
    assert "3,5 h" in response.content.decode()


def test_an_ipv6_address_in_any_spelling_keeps_the_chain_intact(opened, morning, trainees):
    with freeze_time(MORNING):
        attendance_sign(
            slot=morning,
            registration=trainees[0],
            signature=signature(),
            method=SignatureMethod.QR_ACCOUNT,
            actor=trainees[0].user,
            client=Client(ip_address="2001:0DB8::0001", user_agent="Firefox"),
        )
    assert AttendanceProof.objects.get(kind=ProofKind.SIGNATURE).ip_address == "2001:db8::1"
    assert attendance_chain_verify(sheet=opened) == []


def test_a_paper_sheet_never_records_a_half_day_to_come(session, morning, trainees):
    marks = {morning.pk: [PaperMark(registration_id=r.pk, status=AttendanceStatus.PRESENT) for r in trainees]}
    with freeze_time(MORNING - datetime.timedelta(days=7)):
        code = _code(
            lambda: attendance_paper_record(
                session=session, slots=[morning], marks=marks, scan_name="s.pdf", scan_content=SCAN, user=UserFactory()
            )
        )
    assert code == "half_day_not_started"
    assert not Attendance.objects.exists()


def test_a_half_day_over_is_not_opened_any_more(morning, trainer_user):
    with freeze_time(datetime.datetime(2026, 12, 14, 13, 31, tzinfo=PARIS)):
        assert _code(lambda: attendance_sheet_open(slot=morning, user=trainer_user)) == "half_day_over"
