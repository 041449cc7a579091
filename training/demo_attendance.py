"""Demo attendance: every half-day of the held demo sessions signed, marked and locked.

Everything goes through the attendance services, at times inside each half-day (`now=`), so the
proof chains are the real ones and verify: the trainer opens the half-day a little before it
starts, trainees sign as they arrive (on the trainer's tablet or on their own phone), a few come
in late and are marked partly present, a few are absent, now and then excused with a reason, and
in some sessions one trainee stops coming after the first day (the coordination reached one of
them and recorded why; the others are still to follow up). One session was signed on paper in a
room without network: the coordination recorded it from a generated scan.

Signatures are a dozen handwritten-looking scribbles drawn once from a fixed seed; each person
keeps the same one. Past absence alerts count as sent when the half-day was locked, so the seed
e-mails nobody (the task finds them done). Half-days already locked are left as they are: a
second run records nothing.
"""

from __future__ import annotations

import io
import math
import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import cache

from PIL import Image, ImageDraw, ImageFont

from django.contrib.auth.models import Group
from django.utils import timezone, translation

from accounts.models import User
from accounts.roles import TRAINERS

from .choices import (
    AbandonmentReason,
    AttendanceStatus,
    ProofKind,
    RegistrationStatus,
    SessionStatus,
    SheetStatus,
    SignatureMethod,
)
from .models import AttendanceProof, AttendanceSheet, PaperScan, Registration, Session, Slot, Trainer
from .services.absences import registration_abandonment_record
from .services.attendance import (
    Client,
    PaperMark,
    attendance_mark,
    attendance_paper_record,
    attendance_sheet_lock,
    attendance_sheet_open,
    attendance_sign,
    slot_bounds,
)

SIGNATURE_COUNT = 12
SIGNATURE_SIZE = (300, 100)

# Per trainee and day of training; per half-day for late arrivals.
EXCUSED_RATE = 0.02
ABSENT_RATE = 0.015
LATE_RATE = 0.035
# Sessions of two days or more where one trainee stops coming after the first day.
DROPOUT_RATE = 0.3
# How trainees sign, per session: the trainer's tablet passed around, or the QR code on the wall
# (with a phone, most sign in with their account or ask for the one-time link).
PHONE_SHARES = (0.0, 0.0, 0.6, 0.85)
# The room of this département had no network: its first held session was signed on paper.
PAPER_DEPARTMENT = "48"

EXCUSE_REASONS = (
    "Arrêt maladie, certificat transmis à la coordination.",
    "Enfant malade, a prévenu le matin même.",
    "Obligation de service : remplacement d'un collègue absent.",
    "Rendez-vous médical programmé de longue date.",
    "Grève des transports, a prévenu la veille.",
    "Formation obligatoire de son employeur le même jour.",
)
LATE_REASONS = ("Train en retard.", "Bouchons à l'entrée de la ville.", "Réunion de service qui a débordé.", "")
ABANDONMENT_DETAILS = (
    "Jointe par téléphone : sa structure ne peut plus la libérer (collègue en arrêt non remplacée). "
    "Souhaite s'inscrire à une prochaine session."
)

# Documentation address ranges (RFC 5737): the room's network, phones on a mobile network, the office.
TABLET = "Mozilla/5.0 (iPad; CPU OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1"
OFFICE = Client(
    ip_address="192.0.2.10",
    user_agent="Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36",
)
PHONES = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (Linux; Android 14; SM-A546B) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Mobile Safari/537.36",
    "Mozilla/5.0 (Linux; Android 13; Pixel 7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/125.0.0.0 Mobile Safari/537.36",
    "Mozilla/5.0 (Android 14; Mobile; rv:127.0) Gecko/127.0 Firefox/127.0",
)


@dataclass(frozen=True)
class _Outcome:
    """What happened to one trainee on one half-day."""

    status: str
    minutes_missed: int = 0
    reason: str = ""


@dataclass(frozen=True)
class _Trainee:
    registration: Registration
    method: str
    client: Client
    signature: bytes


def attendance_ensure(*, today: date, coordinator: User, report) -> None:
    """Record the half-days of the sessions held before `today` whose sheet is not locked yet."""
    trainer_users = _trainer_accounts_ensure(report=report)
    sessions = list(
        Session.objects.filter(status=SessionStatus.DONE)
        .with_schedule()
        .filter(last_day__lt=today)
        .select_related("course", "department", "venue")
        .prefetch_related("trainers", "slots")
        .order_by("first_day", "code")
    )
    sheet_statuses = dict(AttendanceSheet.objects.filter(slot__session__in=sessions).values_list("slot_id", "status"))
    existing_signatures = AttendanceProof.objects.filter(
        kind=ProofKind.SIGNATURE, sheet__slot__session__in=sessions
    ).count()
    existing_scans = PaperScan.objects.filter(session__in=sessions).count()
    counts = {"sheets": [0, 0], "signatures": [0, existing_signatures], "scans": [0, existing_scans]}
    paper_session = _paper_session(sessions=sessions, today=today)
    abandonment_recorded = False
    for session in sessions:
        slots = list(session.slots.all())
        pending = [slot for slot in slots if sheet_statuses.get(slot.pk) in (None, SheetStatus.PENDING)]
        counts["sheets"][1] += len(slots) - len(pending)
        if not pending:
            continue
        rng = random.Random(f"attendance-{session.code[5:]}")
        registrations = list(
            Registration.objects.filter(session=session, status=RegistrationStatus.CONFIRMED)
            .select_related("user")
            .order_by("pk")
        )
        days = sorted({slot.date for slot in slots})
        dropout = None
        if len(days) > 1 and len(registrations) > 3 and rng.random() < DROPOUT_RATE:
            dropout = rng.choice(registrations)
        outcomes = _outcomes(rng=rng, slots=slots, registrations=registrations, dropout=dropout)
        if session == paper_session:
            _paper_record(
                session=session, slots=pending, registrations=registrations, outcomes=outcomes, user=coordinator
            )
            counts["scans"][0] += 1
        else:
            trainers = [trainer_users[trainer.pk] for trainer in session.trainers.all() if trainer.pk in trainer_users]
            if not trainers:
                continue  # nobody could have opened its half-days
            trainees = _trainees(rng=rng, session=session, registrations=registrations)
            for slot in pending:
                counts["signatures"][0] += _half_day_record(
                    slot=slot, trainer=rng.choice(trainers), trainees=trainees, outcomes=outcomes, rng=rng
                )
        counts["sheets"][0] += len(pending)
        if dropout is not None and not abandonment_recorded:
            # The coordination called the first one to drop out; the later ones are still to follow up.
            registration_abandonment_record(
                registration=dropout,
                reason=AbandonmentReason.WORK,
                details=ABANDONMENT_DETAILS,
                by=coordinator,
                now=_at(days[1] + timedelta(days=1), time(10, 40)),
            )
            abandonment_recorded = True
    for label, key in (
        ("Demi-journées émargées et verrouillées", "sheets"),
        ("Signatures de stagiaires", "signatures"),
        ("Feuilles papier numérisées", "scans"),
    ):
        created_existing = report.counts.setdefault(label, [0, 0])
        created_existing[0] += counts[key][0]
        created_existing[1] += counts[key][1]


def _trainer_accounts_ensure(*, report) -> dict[int, User]:
    """Trainers sign in to take attendance: each trainer with an e-mail address and no account gets
    one, with no password (the demo trainer account has one). Users by trainer id."""
    group = Group.objects.get(name=TRAINERS)
    users = {}
    for trainer in Trainer.objects.select_related("user").exclude(user=None, email="").order_by("pk"):
        report.record("Comptes des formateurs", created=trainer.user is None)
        if trainer.user is None:
            trainer.user = User.objects.filter(email__iexact=trainer.email).first() or User.objects.create_user(
                email=trainer.email, first_name=trainer.first_name, last_name=trainer.last_name
            )
            trainer.user.groups.add(group)
            trainer.save(update_fields=["user", "updated_at"])
        users[trainer.pk] = trainer.user
    return users


def _paper_session(*, sessions: list[Session], today: date) -> Session | None:
    """The first session held in the room without network, a week or more ago (its scan came by post)."""
    for session in sessions:
        if session.department.code != PAPER_DEPARTMENT or session.last_day > today - timedelta(days=7):
            continue
        if any(trainer.user_id for trainer in session.trainers.all()):
            return session
    return None


def _outcomes(
    *, rng: random.Random, slots: list[Slot], registrations: list[Registration], dropout: Registration | None
) -> dict[tuple[int, int], _Outcome]:
    """Each trainee's outcome per half-day, by (registration id, slot id)."""
    days = sorted({slot.date for slot in slots})
    outcomes = {}
    for registration in registrations:
        for day in days:
            day_slots = [slot for slot in slots if slot.date == day]
            draw = rng.random()
            if registration == dropout and day != days[0]:
                day_outcomes = [_Outcome(AttendanceStatus.ABSENT)] * len(day_slots)
            elif draw < EXCUSED_RATE:
                day_outcomes = [_Outcome(AttendanceStatus.EXCUSED, reason=rng.choice(EXCUSE_REASONS))] * len(day_slots)
            elif draw < EXCUSED_RATE + ABSENT_RATE:
                day_outcomes = [_Outcome(AttendanceStatus.ABSENT)] * len(day_slots)
            else:
                day_outcomes = [
                    _Outcome(AttendanceStatus.PARTIAL, 5 * rng.randint(6, 12), rng.choice(LATE_REASONS))
                    if rng.random() < LATE_RATE
                    else _Outcome(AttendanceStatus.PRESENT)
                    for _slot in day_slots
                ]
            for slot, outcome in zip(day_slots, day_outcomes, strict=True):
                outcomes[(registration.pk, slot.pk)] = outcome
    return outcomes


def _trainees(*, rng: random.Random, session: Session, registrations: list[Registration]) -> list[_Trainee]:
    """How each trainee signs in this session, from where, and their signature."""
    phone_share = rng.choice(PHONE_SHARES)
    room = f"203.0.113.{session.pk % 250 + 1}"
    trainees = []
    for registration in registrations:
        if rng.random() < phone_share:
            method = SignatureMethod.QR_ACCOUNT if rng.random() < 0.4 else SignatureMethod.QR_LINK
            client = Client(ip_address=f"198.51.100.{rng.randint(1, 254)}", user_agent=rng.choice(PHONES))
        else:
            method, client = SignatureMethod.TRAINER_DEVICE, Client(ip_address=room, user_agent=TABLET)
        signature = signature_images()[registration.user_id % SIGNATURE_COUNT]
        trainees.append(_Trainee(registration=registration, method=method, client=client, signature=signature))
    return trainees


def _half_day_record(
    *,
    slot: Slot,
    trainer: User,
    trainees: list[_Trainee],
    outcomes: dict[tuple[int, int], _Outcome],
    rng: random.Random,
) -> int:
    """Open, sign, mark and lock one half-day in the order it happened; the number of signatures."""
    start, end = slot_bounds(slot)
    tablet = Client(ip_address=f"203.0.113.{slot.session_id % 250 + 1}", user_agent=TABLET)
    opened_at = start - timedelta(minutes=rng.randint(10, 20), seconds=rng.randint(0, 59))
    attendance_sheet_open(slot=slot, user=trainer, client=tablet, now=opened_at)
    events = []  # (when, order, action)
    for order, trainee in enumerate(trainees):
        outcome = outcomes[(trainee.registration.pk, slot.pk)]
        if outcome.status == AttendanceStatus.PRESENT:
            signed_at = opened_at + timedelta(seconds=rng.randint(60, 25 * 60))
            events.append((signed_at, order, _sign(slot, trainee, trainer)))
        elif outcome.status == AttendanceStatus.PARTIAL:
            signed_at = start + timedelta(minutes=outcome.minutes_missed, seconds=rng.randint(30, 240))
            events.append((signed_at, order, _sign(slot, trainee, trainer)))
            marked_at = signed_at + timedelta(minutes=rng.randint(2, 20))
            events.append((marked_at, order, _mark(slot, trainee, trainer, outcome)))
        elif outcome.status == AttendanceStatus.EXCUSED or rng.random() < 0.5:
            # Excused absences are marked with their reason; half the others when the trainer calls the roll.
            marked_at = start + timedelta(minutes=rng.randint(10, 40), seconds=rng.randint(0, 59))
            events.append((marked_at, order, _mark(slot, trainee, trainer, outcome)))
    events.sort(key=lambda event: event[:2])
    for when, _order, action in events:
        action(when)
    locked_at = end - timedelta(minutes=rng.randint(2, 15), seconds=rng.randint(0, 59))
    signature = signature_images()[trainer.pk % SIGNATURE_COUNT]
    attendance_sheet_lock(slot=slot, user=trainer, signature=signature, client=tablet, now=locked_at)
    if any(outcomes[(t.registration.pk, slot.pk)].status == AttendanceStatus.ABSENT for t in trainees):
        _absence_alert_sent(slots=[slot], when=locked_at)
    return sum(
        1
        for t in trainees
        if outcomes[(t.registration.pk, slot.pk)].status in (AttendanceStatus.PRESENT, AttendanceStatus.PARTIAL)
    )


def _sign(slot: Slot, trainee: _Trainee, trainer: User):
    actor = {
        SignatureMethod.TRAINER_DEVICE: trainer,
        SignatureMethod.QR_ACCOUNT: trainee.registration.user,
        SignatureMethod.QR_LINK: None,
    }[trainee.method]
    return lambda when: attendance_sign(
        slot=slot,
        registration=trainee.registration,
        signature=trainee.signature,
        method=trainee.method,
        actor=actor,
        client=trainee.client,
        now=when,
    )


def _mark(slot: Slot, trainee: _Trainee, trainer: User, outcome: _Outcome):
    tablet = Client(ip_address=f"203.0.113.{slot.session_id % 250 + 1}", user_agent=TABLET)
    return lambda when: attendance_mark(
        slot=slot,
        registration=trainee.registration,
        status=outcome.status,
        user=trainer,
        minutes_missed=outcome.minutes_missed,
        reason=outcome.reason,
        client=tablet,
        now=when,
    )


def _absence_alert_sent(*, slots: list[Slot], when: datetime) -> None:
    """The demo's past alerts count as sent at the time: the queued task then sends nothing."""
    AttendanceSheet.objects.filter(slot__in=slots, absence_alert_sent_at__isnull=True).update(
        absence_alert_sent_at=when
    )


def _paper_record(
    *,
    session: Session,
    slots: list[Slot],
    registrations: list[Registration],
    outcomes: dict[tuple[int, int], _Outcome],
    user: User,
) -> None:
    """The coordination records the signed paper sheet, received by post three days after the session."""
    marks = {
        slot.pk: [
            PaperMark(
                registration_id=registration.pk,
                status=outcomes[(registration.pk, slot.pk)].status,
                minutes_missed=outcomes[(registration.pk, slot.pk)].minutes_missed,
                reason=outcomes[(registration.pk, slot.pk)].reason,
            )
            for registration in registrations
        ]
        for slot in slots
    }
    trainer = next(trainer for trainer in session.trainers.all() if trainer.user_id)
    with translation.override("fr"):
        scan = paper_scan_pdf(
            session=session, slots=slots, registrations=registrations, outcomes=outcomes, trainer=trainer
        )
    recorded_at = _at(slots[-1].date + timedelta(days=3), time(10, 15))
    attendance_paper_record(
        session=session,
        slots=slots,
        marks=marks,
        scan_name=f"emargement-{session.code}.pdf",
        scan_content=scan,
        user=user,
        client=OFFICE,
        now=recorded_at,
    )
    absent = [
        slot
        for slot in slots
        if any(outcomes[(r.pk, slot.pk)].status == AttendanceStatus.ABSENT for r in registrations)
    ]
    _absence_alert_sent(slots=absent, when=recorded_at)


def _at(day: date, moment: time) -> datetime:
    return timezone.make_aware(datetime.combine(day, moment))


# Images ------------------------------------------------------------------------------------


@cache
def signature_images() -> tuple[bytes, ...]:
    """A dozen distinct handwritten-looking signatures: dark ink on a transparent 300×100 PNG."""
    rng = random.Random("demo-signatures")
    return tuple(_scribble(rng) for _ in range(SIGNATURE_COUNT))


def _scribble(rng: random.Random) -> bytes:
    """A capital loop, a few cursive letters (arches, ascenders, descenders), a flourish underneath."""
    width, height = SIGNATURE_SIZE
    ink = rng.choice([(22, 32, 84), (18, 18, 24), (30, 50, 120), (35, 35, 45)])
    cap_height, cap_width = rng.uniform(34, 48), rng.uniform(14, 26)
    points = []
    for step in range(31):
        t = step / 30 * 2 * math.pi
        rise = (0.5 - 0.5 * math.cos(t / 2 + math.pi)) ** 1.3 * (1 if step < 16 else 0.9)
        points.append((cap_width * 0.5 * (1 - math.cos(t)) + 4 * math.sin(t / 2), -cap_height * rise))
    x, baseline = points[-1][0] + rng.uniform(1, 5), 0.0
    for _letter in range(rng.randint(4, 8)):
        kind, letter_width = rng.random(), rng.uniform(8, 16)
        if kind < 0.6:
            letter_height, loop, depth = rng.uniform(9, 17), rng.uniform(1, 5), 0.0
        elif kind < 0.85:
            letter_height, loop, depth = rng.uniform(24, 34), rng.uniform(3, 6), 0.0
        else:
            letter_height, loop, depth = rng.uniform(9, 14), rng.uniform(2, 4), rng.uniform(12, 20)
        for step in range(1, 21):
            t = step / 20 * 2 * math.pi
            y = baseline - letter_height * (1 - math.cos(t)) / 2
            if depth and step > 10:
                y += depth * math.sin((step - 10) / 10 * math.pi)
            points.append((x + letter_width * t / (2 * math.pi) - loop * math.sin(t), y))
        x += letter_width
        baseline += rng.uniform(-2.0, 1.5)
    end_x, end_y = points[-1]
    back, drop = rng.uniform(0.4, 0.9) * end_x, rng.uniform(8, 16)
    for step in range(1, 25):
        t = step / 24
        points.append((end_x + 8 * math.sin(t * math.pi) - back * t, end_y + drop * math.sin(t * math.pi / 2)))
    slant = rng.uniform(0.15, 0.45)
    points = [(px - slant * py, py) for px, py in points]
    # Fit into the box, drawn three times larger then reduced (smooth edges).
    supersample = 3
    min_x, max_x = min(p[0] for p in points), max(p[0] for p in points)
    min_y, max_y = min(p[1] for p in points), max(p[1] for p in points)
    scale = min(rng.uniform(1.1, 1.6), (width - 30) / (max_x - min_x), (height - 14) / (max_y - min_y))
    offset_x = (width - (max_x - min_x) * scale) / 2 - min_x * scale + rng.uniform(-10, 10)
    offset_y = (height - (max_y - min_y) * scale) / 2 - min_y * scale
    points = [((px * scale + offset_x) * supersample, (py * scale + offset_y) * supersample) for px, py in points]
    image = Image.new("RGBA", (width * supersample, height * supersample), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    pen = rng.uniform(1.8, 2.6)
    for index in range(1, len(points)):
        radius = pen * (0.8 + 0.3 * math.sin(index / 6)) * supersample / 2  # the pressure varies
        draw.line([points[index - 1], points[index]], fill=(*ink, 255), width=round(2 * radius))
        px, py = points[index]
        draw.ellipse([px - radius, py - radius, px + radius, py + radius], fill=(*ink, 255))
    image = image.resize((width, height), Image.Resampling.LANCZOS)
    buffer = io.BytesIO()
    image.quantize(colors=16, method=Image.Quantize.FASTOCTREE).save(buffer, "PNG", optimize=True)
    return buffer.getvalue()


def paper_scan_pdf(
    *,
    session: Session,
    slots: list[Slot],
    registrations: list[Registration],
    outcomes: dict[tuple[int, int], _Outcome],
    trainer: Trainer,
) -> bytes:
    """A scanned paper attendance sheet: one A4 page per day, a row per trainee, a column per half-day."""
    pages = []
    rng = random.Random(f"scan-{session.code[5:]}")
    signatures = signature_images()
    for day in sorted({slot.date for slot in slots}):
        day_slots = [slot for slot in slots if slot.date == day]
        page = Image.new("L", (827, 1169), 250)  # A4 at 100 dpi
        draw = ImageDraw.Draw(page)
        draw.text((50, 40), "FEUILLE D'ÉMARGEMENT", font=_font(22), fill=20)
        draw.text((50, 75), session.course.title[:90], font=_font(13), fill=30)
        draw.text(
            (50, 97), f"Session {session.code} — {session.venue.name}, {session.venue.city}", font=_font(13), fill=30
        )
        draw.text((50, 119), f"Journée du {day:%d/%m/%Y}", font=_font(13), fill=30)
        columns = [50, 330, 555, 780]
        top, row = 170, min(44, (1169 - 170 - 190) // (len(registrations) + 1))
        draw.text((58, top + 12), "Stagiaire", font=_font(13), fill=20)
        for index, slot in enumerate(day_slots):
            label = f"{slot.get_period_display()} {slot.starts_at:%H:%M}–{slot.ends_at:%H:%M}"
            draw.text((columns[index + 1] + 8, top + 12), label, font=_font(13), fill=20)
        for number, registration in enumerate(registrations, start=1):
            y = top + number * row
            name = f"{registration.user.last_name.upper()} {registration.user.first_name}"
            draw.text((58, y + row // 2 - 8), name, font=_font(13), fill=30)
            for index, slot in enumerate(day_slots):
                outcome = outcomes[(registration.pk, slot.pk)]
                left = columns[index + 1]
                if outcome.status in (AttendanceStatus.PRESENT, AttendanceStatus.PARTIAL):
                    _signature_paste(
                        page, signatures[registration.user_id % SIGNATURE_COUNT], (left + 20, y + 2), row - 4, rng
                    )
                    if outcome.status == AttendanceStatus.PARTIAL:
                        draw.text((left + 150, y + 4), f"+{outcome.minutes_missed} min", font=_font(11), fill=60)
                else:
                    text = "Excusé·e" if outcome.status == AttendanceStatus.EXCUSED else "Absent·e"
                    draw.text((left + 60, y + row // 2 - 8), text, font=_font(13), fill=60)
        bottom = top + (len(registrations) + 1) * row
        for y in range(top, bottom + 1, row):
            draw.line([(columns[0], y), (columns[-1], y)], fill=90, width=1)
        for x in columns:
            draw.line([(x, top), (x, bottom)], fill=90, width=1)
        draw.text(
            (50, bottom + 30), f"Formateur·rice : {trainer.first_name} {trainer.last_name}", font=_font(13), fill=30
        )
        for index, _slot in enumerate(day_slots):
            _signature_paste(
                page, signatures[trainer.user_id % SIGNATURE_COUNT], (columns[index + 1] + 20, bottom + 55), 60, rng
            )
        pages.append(page.rotate(rng.uniform(-0.6, 0.6), resample=Image.Resampling.BICUBIC, fillcolor=250))
    buffer = io.BytesIO()
    pages[0].save(buffer, "PDF", resolution=100.0, save_all=True, append_images=pages[1:])
    return buffer.getvalue()


@cache
def _font(size: int) -> ImageFont.FreeTypeFont:
    """DejaVu Sans where fontconfig installed it (it has the accents); Pillow's own font otherwise."""
    try:
        return ImageFont.truetype("DejaVuSans.ttf", size)
    except OSError:
        return ImageFont.load_default(size=size)


def _signature_paste(page: Image.Image, png: bytes, at: tuple[int, int], height: int, rng: random.Random) -> None:
    signature = Image.open(io.BytesIO(png)).convert("RGBA")
    signature = signature.resize((height * 3, height), Image.Resampling.LANCZOS).rotate(rng.uniform(-4, 4), expand=True)
    ink = signature.convert("L").point(lambda value: min(255, value + 20))
    page.paste(ink, (at[0] + rng.randint(-8, 8), at[1]), mask=signature.getchannel("A"))
