"""The trainer space (`/formateur/`): my sessions, their trainees and needs, and the attendance
screen of a half-day, made for the phone or tablet the trainer holds in the room.

A trainer sees only the sessions they teach: another session or half-day is a 404, and a person
who is no trainer gets a 403 page. Views parse the form, call one service of
`training.services.attendance` and turn a `TrainingError` into a French message.
"""

from decimal import Decimal
from functools import wraps

import qrcode
import qrcode.image.svg

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST, require_safe

from accounts.models import Profile

from .. import pdf
from ..choices import AttendanceStatus, RegistrationStatus, SheetStatus, SignatureMethod
from ..exceptions import TrainingError
from ..models import Attendance, AttendanceSheet, Registration, Session, Slot, Trainer
from ..selectors import session_attendance_grid, slot_attendance_board, trainer_for_user, trainer_session_list
from ..services.attendance import (
    attendance_mark,
    attendance_qr_code,
    attendance_qr_seconds_left,
    attendance_sheet_lock,
    attendance_sheet_open,
    attendance_sign,
)
from ..services.audit import accessibility_needs_view_log
from .clients import client_from_request
from .signing import SIGNATURE_ERRORS

PAST_SESSIONS_SHOWN = 12


def trainer_required(view):
    """Signed in and a trainer: the view receives the `Trainer`; anybody else gets a 403 page.
    Nothing of this space is cached: it shows names and health data."""

    @login_required
    @never_cache
    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        trainer = trainer_for_user(request.user)
        if trainer is None:
            return render(request, "training/trainer/not_trainer.html", status=403)
        return view(request, trainer, *args, **kwargs)

    return wrapper


def _session_or_404(trainer: Trainer, session_id: int) -> Session:
    return get_object_or_404(trainer_session_list(trainer=trainer), pk=session_id)


def _slot_or_404(trainer: Trainer, slot_id: int) -> Slot:
    """A half-day of one of the trainer's sessions, with its session, course, venue and sheet."""
    return get_object_or_404(
        Slot.objects.select_related("session__course", "session__venue", "sheet"),
        pk=slot_id,
        session__in=trainer_session_list(trainer=trainer).values("pk"),
    )


def _sheet(slot: Slot) -> AttendanceSheet | None:
    """The half-day's sheet, if it was ever opened (a pending half-day may have none yet)."""
    return getattr(slot, "sheet", None)


def _back_to(slot: Slot, registration_id: int | None = None) -> HttpResponse:
    anchor = f"#trainee-{registration_id}" if registration_id else ""
    return redirect(reverse("training:trainer-slot", args=[slot.pk]) + anchor)


# My sessions
# ------------------------------------------------------------------------------


@trainer_required
@require_safe
def home(request: HttpRequest, trainer: Trainer) -> HttpResponse:
    """`/formateur/`: the sessions I teach, upcoming and ongoing first, then the latest ones held."""
    today = timezone.localdate()
    sessions = trainer_session_list(trainer=trainer)
    return render(
        request,
        "training/trainer/home.html",
        {
            "trainer": trainer,
            "current": sessions.filter(Q(last_day__gte=today) | Q(last_day__isnull=True)),
            "past": sessions.filter(last_day__lt=today).order_by("-last_day", "code")[:PAST_SESSIONS_SHOWN],
        },
    )


@trainer_required
@require_safe
def session_detail(request: HttpRequest, trainer: Trainer, session_id: int) -> HttpResponse:
    """`/formateur/sessions/<id>/`: the trainees with their contact and needs, the half-days and
    their sheets, the paper and signed attendance sheets."""
    session = _session_or_404(trainer, session_id)
    grid = session_attendance_grid(session=session)
    phones = dict(
        Profile.objects.filter(user_id__in=[row.registration.user_id for row in grid.rows])
        .exclude(phone="")
        .values_list("user_id", "phone")
    )
    for row in grid.rows:
        row.registration.phone = phones.get(row.registration.user_id, "")
    with_needs = [row.registration for row in grid.rows if row.registration.accessibility_needs]
    accessibility_needs_view_log(user=request.user, registrations=with_needs, where="trainer space", session=session)
    return render(
        request,
        "training/trainer/session.html",
        {
            "session": session,
            "grid": grid,
            "with_needs": with_needs,
            "any_opened": any(slot.sheet_status != SheetStatus.PENDING for slot in grid.slots),
        },
    )


# The attendance of a half-day
# ------------------------------------------------------------------------------


def _qr(request: HttpRequest, sheet: AttendanceSheet) -> dict:
    """The room's QR code now: its SVG, the URL it carries, and the seconds until it changes
    (plus one, so that the next request gets the new code)."""
    now = timezone.now()
    code = attendance_qr_code(sheet=sheet, now=now)
    url = request.build_absolute_uri(reverse("training:scan", args=[sheet.slot_id, code]))
    svg = qrcode.make(url, image_factory=qrcode.image.svg.SvgPathImage).to_string(encoding="unicode")
    return {"svg": mark_safe(svg), "url": url, "refresh_in": attendance_qr_seconds_left(now=now) + 1}


@trainer_required
def slot_detail(request: HttpRequest, trainer: Trainer, slot_id: int) -> HttpResponse:
    """`/formateur/demi-journees/<id>/`: open the half-day; then the QR code, the trainees and their
    signatures, absences and lateness, and the trainer's validation; once locked, the hours."""
    slot = _slot_or_404(trainer, slot_id)
    if request.method == "POST":
        if request.POST.get("action") == "open":
            return _open(request, slot)
        return _mark(request, slot)
    sheet = _sheet(slot)
    status = sheet.status if sheet else SheetStatus.PENDING
    rows = slot_attendance_board(slot=slot)
    return render(
        request,
        "training/trainer/slot.html",
        {
            "slot": slot,
            "session": slot.session,
            "sheet": sheet,
            "status": status,
            "rows": rows,
            "signed_count": sum(row.signed for row in rows),
            "recorded_absent": [
                row.registration
                for row in rows
                if row.attendance is None or row.attendance.status == AttendanceStatus.ABSENT
            ],
            "hours_total": sum((row.attendance.hours for row in rows if row.attendance), Decimal("0")),
            "qr": _qr(request, sheet) if status == SheetStatus.OPEN else None,
        },
    )


def _open(request: HttpRequest, slot: Slot) -> HttpResponse:
    try:
        attendance_sheet_open(slot=slot, user=request.user, client=client_from_request(request))
    except TrainingError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The half-day is open: trainees can sign."))
    return _back_to(slot)


class MarkForm(forms.Form):
    """What a trainer records for a trainee: absent, excused (reason), partly present (minutes),
    present. The form only reads the values; `attendance_mark` judges them."""

    registration = forms.IntegerField()
    status = forms.CharField()
    minutes_missed = forms.IntegerField(required=False)
    reason = forms.CharField(required=False)


def _mark(request: HttpRequest, slot: Slot) -> HttpResponse:
    form = MarkForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("The form could not be read: please check the minutes or the reason."))
        return _back_to(slot)
    data = form.cleaned_data
    registration = get_object_or_404(
        Registration.objects.select_related("user"), pk=data["registration"], session_id=slot.session_id
    )
    try:
        attendance_mark(
            slot=slot,
            registration=registration,
            status=data["status"],
            minutes_missed=data["minutes_missed"] or 0,
            reason=data["reason"],
            user=request.user,
            client=client_from_request(request),
        )
    except TrainingError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _("%(name)s: %(status)s.")
            % {"name": _person(registration), "status": AttendanceStatus(data["status"]).label.lower()},
        )
    return _back_to(slot, registration.pk)


def _person(registration: Registration) -> str:
    return registration.user.get_full_name() or registration.user.email


@trainer_required
@require_safe
def slot_qr(request: HttpRequest, trainer: Trainer, slot_id: int) -> JsonResponse:
    """The current QR code and the number of signatures, as JSON for the screen's refresh
    (`static/js/qr.js`); 409 once the half-day is no longer open, so that the screen reloads."""
    slot = _slot_or_404(trainer, slot_id)
    sheet = _sheet(slot)
    if sheet is None or sheet.status != SheetStatus.OPEN:
        return JsonResponse({"status": sheet.status if sheet else SheetStatus.PENDING}, status=409)
    signed = Attendance.objects.filter(slot=slot, signature__isnull=False).count()
    return JsonResponse({**_qr(request, sheet), "signed": signed})


@trainer_required
@require_POST
def slot_lock(request: HttpRequest, trainer: Trainer, slot_id: int) -> HttpResponse:
    """The trainer signs the half-day and locks it: the unsigned trainees are recorded absent."""
    slot = _slot_or_404(trainer, slot_id)
    try:
        attendance_sheet_lock(
            slot=slot,
            user=request.user,
            signature=request.POST.get("signature", ""),
            client=client_from_request(request),
        )
    except TrainingError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The half-day is validated and locked."))
    return _back_to(slot)


@trainer_required
def sign(request: HttpRequest, trainer: Trainer, slot_id: int, registration_id: int) -> HttpResponse:
    """`/formateur/demi-journees/<id>/signer/<registration>/`: the trainee signs on the trainer's device."""
    slot = _slot_or_404(trainer, slot_id)
    registration = get_object_or_404(
        Registration.objects.select_related("user"),
        pk=registration_id,
        session_id=slot.session_id,
        status=RegistrationStatus.CONFIRMED,
    )
    error = None
    if request.method != "POST":
        # Say at once what signing would refuse, rather than after the trainee has drawn.
        sheet = AttendanceSheet.objects.filter(slot=slot).first()
        if sheet is None or sheet.status != SheetStatus.OPEN:
            messages.error(request, _("The attendance of this half-day is not open."))
            return _back_to(slot, registration.pk)
        if Attendance.objects.filter(slot=slot, registration=registration, signature__isnull=False).exists():
            messages.info(request, _("%(name)s has already signed.") % {"name": _person(registration)})
            return _back_to(slot, registration.pk)
    if request.method == "POST":
        try:
            attendance_sign(
                slot=slot,
                registration=registration,
                signature=request.POST.get("signature", ""),
                method=SignatureMethod.TRAINER_DEVICE,
                actor=request.user,
                client=client_from_request(request),
            )
        except TrainingError as refused:
            if refused.code not in SIGNATURE_ERRORS:
                messages.error(request, refused.message)
                return _back_to(slot, registration.pk)
            error = refused
        else:
            messages.success(request, _("The signature of %(name)s is recorded.") % {"name": _person(registration)})
            return _back_to(slot, registration.pk)
    return render(
        request,
        "training/trainer/sign.html",
        {"slot": slot, "session": slot.session, "registration": registration, "error": error},
        status=400 if error else 200,
    )


# Paper and signed sheets (PDF)
# ------------------------------------------------------------------------------


def _pdf(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(False, filename)
    return response


@trainer_required
@require_safe
def session_paper_pdf(request: HttpRequest, trainer: Trainer, session_id: int) -> HttpResponse:
    """The paper attendance sheet of every half-day of the session, to print without network."""
    session = _session_or_404(trainer, session_id)
    return _pdf(pdf.attendance_paper_pdf(session=session), f"feuille-emargement-{session.code}.pdf")


@trainer_required
@require_safe
def slot_paper_pdf(request: HttpRequest, trainer: Trainer, slot_id: int) -> HttpResponse:
    """The paper attendance sheet of one half-day."""
    slot = _slot_or_404(trainer, slot_id)
    content = pdf.attendance_paper_pdf(session=slot.session, slots=[slot])
    return _pdf(content, f"feuille-emargement-{slot.session.code}-{slot.date:%Y-%m-%d}-{slot.period}.pdf")


@trainer_required
@require_safe
def session_signed_pdf(request: HttpRequest, trainer: Trainer, session_id: int) -> HttpResponse:
    """The attendance sheet of the session with the signatures collected."""
    session = _session_or_404(trainer, session_id)
    return _pdf(pdf.attendance_signed_pdf(session=session), f"emargement-signe-{session.code}.pdf")
