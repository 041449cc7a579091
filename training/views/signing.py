"""A trainee signs a half-day on their own phone (`/emargement/…`).

The phone opens the URL of the QR code shown in the room (`scan`); the scan is remembered in the
session for `SCAN_VALID_FOR`. A signed-in trainee then signs with their account (`sign_self`);
anybody else signs in first, or asks for a one-time link by e-mail (`sign_link`). Views parse the
form, call one service of `training.services.attendance` and show a refusal as a French page.
"""

import datetime
from urllib.parse import urlencode

from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache

from config.ratelimit import limit_token_lookups, mark_missed

from ..choices import RegistrationStatus, SignatureMethod
from ..exceptions import TrainingError
from ..models import Attendance, AttendanceSheet, Registration, Slot
from ..services.attendance import (
    attendance_link_check,
    attendance_link_send,
    attendance_qr_check,
    attendance_qr_was_shown,
    attendance_sign,
)
from .clients import client_from_request

# How long after scanning the room's QR code a phone may still sign.
SCAN_VALID_FOR = datetime.timedelta(minutes=10)
_SCANS = "attendance_scans"  # session key: {slot id: time of the last valid scan (POSIX seconds)}

# Refusals that ask to draw the signature again, on the same page.
SIGNATURE_ERRORS = ("signature_invalid", "signature_empty")

# The HTTP status of each refusal page: gone for what cannot come back, forbidden for the wrong person.
_STATUS = {
    "qr_expired": 410,
    "link_expired": 410,
    "sheet_locked": 410,
    "not_registered": 403,
    "not_your_registration": 403,
}


def _refused(request: HttpRequest, error: TrainingError, *, status: int | None = None) -> HttpResponse:
    return render(
        request, "training/signing/refused.html", {"error": error}, status=status or _STATUS.get(error.code, 400)
    )


def _scan_remember(request: HttpRequest, slot: Slot) -> None:
    request.session[_SCANS] = {**request.session.get(_SCANS, {}), str(slot.pk): timezone.now().timestamp()}


def _scan_is_recent(request: HttpRequest, slot: Slot) -> bool:
    scanned_at = request.session.get(_SCANS, {}).get(str(slot.pk))
    return scanned_at is not None and timezone.now().timestamp() - scanned_at < SCAN_VALID_FOR.total_seconds()


def _scan_again() -> TrainingError:
    return TrainingError(_("Please scan the QR code shown in the room again to sign."), "qr_expired")


def _signed(slot: Slot, registration: Registration) -> Attendance | None:
    return (
        Attendance.objects.filter(slot=slot, registration=registration, signature__isnull=False)
        .select_related("signature")
        .defer("signature__signature_png")
        .first()
    )


def _done(request: HttpRequest, slot: Slot, attendance: Attendance) -> HttpResponse:
    """The page that tells the trainee their attendance is recorded, and at what time."""
    return render(request, "training/signing/done.html", {"slot": slot, "attendance": attendance})


def _sign(request: HttpRequest, *, slot: Slot, registration: Registration, method: str, actor) -> HttpResponse:
    """The signing pad; a signature taken leads back here, to the page that says it is recorded."""
    error = None
    if request.method == "POST":
        try:
            attendance_sign(
                slot=slot,
                registration=registration,
                signature=request.POST.get("signature", ""),
                method=method,
                actor=actor,
                client=client_from_request(request),
            )
        except TrainingError as refused:
            if refused.code in SIGNATURE_ERRORS:
                error = refused
            elif refused.code != "already_signed":  # signed meanwhile: the next page says so
                return _refused(request, refused)
        if error is None:
            return redirect(request.path)
    return render(
        request,
        "training/signing/sign.html",
        {"slot": slot, "person": registration.user, "error": error, "by_link": method == SignatureMethod.QR_LINK},
        status=400 if error else 200,
    )


class LinkRequestForm(forms.Form):
    email = forms.EmailField(
        label=gettext_lazy("Your e-mail address"),
        help_text=gettext_lazy("The one you registered with."),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )


@limit_token_lookups
@never_cache
def scan(request: HttpRequest, slot_id: int, code: str) -> HttpResponse:
    """`/emargement/<slot>/<code>/`: what a phone opens from the room's QR code.

    A valid code is remembered; a signed-in person goes on to sign, anybody else chooses between
    signing in and receiving a one-time link (the same answer whether the address is known or not).
    """
    slot = get_object_or_404(Slot.objects.select_related("session__course", "sheet"), pk=slot_id)
    sheet = getattr(slot, "sheet", None) or AttendanceSheet(slot=slot)  # never opened: refused as not open
    sign_url = reverse("training:sign-self", args=[slot.pk])
    form = LinkRequestForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        if not _scan_is_recent(request, slot):
            return _refused(request, _scan_again(), status=403)
        if form.is_valid():
            attendance_link_send(sheet=sheet, email=form.cleaned_data["email"])
            return render(
                request, "training/signing/link_sent.html", {"slot": slot, "minutes": settings.ATTENDANCE_LINK_MINUTES}
            )
    else:
        try:
            attendance_qr_check(sheet=sheet, code=code)
        except TrainingError as error:
            refused = _refused(request, error)
            # A trainee behind the room's shared address scanning an old code is no guesser.
            guessed = error.code == "qr_expired" and not attendance_qr_was_shown(sheet=sheet, code=code)
            return mark_missed(refused) if guessed else refused
        _scan_remember(request, slot)
        if request.user.is_authenticated:
            return redirect(sign_url)
    return render(
        request,
        "training/signing/scan.html",
        {"slot": slot, "form": form, "login_url": f"{reverse('account_login')}?{urlencode({'next': sign_url})}"},
    )


@login_required
@never_cache
def sign_self(request: HttpRequest, slot_id: int) -> HttpResponse:
    """`/emargement/<slot>/signer/`: a signed-in trainee signs for themselves, after a recent scan."""
    slot = get_object_or_404(Slot.objects.select_related("session__course"), pk=slot_id)
    registration = (
        Registration.objects.filter(session_id=slot.session_id, user=request.user, status=RegistrationStatus.CONFIRMED)
        .select_related("user")
        .first()
    )
    if registration is None:
        return _refused(request, TrainingError(_("You are not a confirmed trainee of this session."), "not_registered"))
    attendance = _signed(slot, registration)
    if attendance is not None:
        return _done(request, slot, attendance)
    if not _scan_is_recent(request, slot):
        return _refused(request, _scan_again(), status=403)
    return _sign(request, slot=slot, registration=registration, method=SignatureMethod.QR_ACCOUNT, actor=request.user)


@limit_token_lookups
@never_cache
def sign_link(request: HttpRequest, token: str) -> HttpResponse:
    """`/emargement/lien/<token>/`: sign with the one-time link received by e-mail."""
    try:
        sheet, registration = attendance_link_check(token=token)
    except TrainingError as error:
        refused = _refused(request, error)
        return mark_missed(refused) if error.code == "link_invalid" else refused
    attendance = _signed(sheet.slot, registration)
    if attendance is not None:
        return _done(request, sheet.slot, attendance)
    return _sign(request, slot=sheet.slot, registration=registration, method=SignatureMethod.QR_LINK, actor=None)
