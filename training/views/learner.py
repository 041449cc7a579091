"""The professional's side: register to a session, and the learner space (`/espace/`).

Views parse the form, call one service and turn a `TrainingError` into a French message.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header, url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST, require_safe

from accounts.forms import ErasureRequestForm, ProfileForm
from accounts.models import ErasureRequest, ErasureStatus, Profile
from accounts.personal_data import personal_data_filename, personal_data_workbook
from accounts.retention import PersonalDataError, erasure_request_create
from accounts.services import profile_save
from cms.models import OrganisationSettings

from ..choices import ACTIVE_STATUSES, Funding, RegistrationStatus, SessionStatus
from ..exceptions import TrainingError
from ..forms import CancellationForm, RegistrationForm
from ..ics import session_calendar
from ..models import Registration, Session
from ..selectors import (
    PUBLIC_STATUSES,
    document_list_for_person,
    registration_list_for_person,
    session_for_registration,
)
from ..services.registrations import (
    course_has_prerequisites,
    registration_cancel_by_person,
    registration_cancellation_deadline,
    registration_create,
    registration_offer_accept,
)

_STATUS_MESSAGES = {
    RegistrationStatus.CONFIRMED: gettext_lazy(
        "Your registration is confirmed. Your convocation has been sent by e-mail."
    ),
    RegistrationStatus.PENDING: gettext_lazy(
        "Your registration is recorded. The coordination will examine it and answer you by e-mail."
    ),
    RegistrationStatus.WAITLISTED: gettext_lazy(
        "The session is full: you are on the waiting list. A freed seat will be offered to you by e-mail."
    ),
}


def _public_session_or_404(session_id: int) -> Session:
    """The session if the public may register to it; its course comes with it, nothing else."""
    session = get_object_or_404(Session.objects.select_related("course"), pk=session_id)
    if session.status not in PUBLIC_STATUSES or session.funding == Funding.INTRA or not session.course.live:
        raise Http404
    return session


@login_required
def register(request: HttpRequest, session_id: int) -> HttpResponse:
    """`/inscription/<id>/`: the registration form of a public session.

    A submitted form goes straight to `registration_create`, which checks everything under the
    session's lock; the page with the schedule and the seats is built only when it is shown.
    """
    session = _public_session_or_404(session_id)
    form = RegistrationForm(
        request.POST if request.method == "POST" else None,
        needs_prerequisites=course_has_prerequisites(course=session.course),
        paid=session.funding != Funding.DRAPPS,
    )
    if request.method == "POST":
        if form.is_valid():
            try:
                registration = registration_create(session=session, user=request.user, **form.cleaned_data)
            except TrainingError as error:
                if error.code in _REDIRECTED_ERRORS:
                    return _register_redirect(request, error.code)
                form.add_error(None, error.message)
            else:
                messages.success(request, _STATUS_MESSAGES[registration.status])
                return redirect("training:space")
    elif not Profile.objects.filter(user=request.user).exists():
        return _register_redirect(request, "profile_incomplete")
    elif Registration.objects.filter(session=session, user=request.user, status__in=ACTIVE_STATUSES).exists():
        return _register_redirect(request, "already_registered")
    session = session_for_registration(session_id=session.pk)
    return render(
        request,
        "training/register.html",
        {
            "session": session,
            "course": session.course,
            "form": form,
            "is_full": session.seats_left <= 0,
            "is_open": _window_open(session),
            "organisation": OrganisationSettings.load(request_or_site=request),
            "cancellation_deadline": registration_cancellation_deadline(session=session),
        },
    )


# A person without a profile fills it first; a person already registered finds it in their space.
_REDIRECTED_ERRORS = ("profile_incomplete", "already_registered")


def _register_redirect(request: HttpRequest, code: str) -> HttpResponse:
    if code == "profile_incomplete":
        messages.info(request, _("Before registering, please tell us about your work once; it will be reused."))
        return redirect(f"{reverse('training:profile')}?next={request.path}")
    messages.info(request, _("You are already registered to this session."))
    return redirect("training:space")


def _window_open(session) -> bool:
    """Whether the form is worth showing; `registration_create` still decides on submit."""
    now = timezone.now()
    return (
        session.status == SessionStatus.OPEN
        and (session.registration_opens_at is None or session.registration_opens_at <= now)
        and (session.registration_closes_at is None or now < session.registration_closes_at)
    )


@login_required
@require_safe
def space(request: HttpRequest) -> HttpResponse:
    """`/espace/`: my registrations with their status and actions, my documents, my surveys."""
    registrations = registration_list_for_person(user=request.user)
    today = timezone.localdate()
    upcoming = [r for r in registrations if r.session.last_day is None or r.session.last_day >= today]
    past = [r for r in registrations if r not in upcoming]
    return render(
        request,
        "training/space.html",
        {
            "upcoming": upcoming,
            "past": past,
            "has_profile": Profile.objects.filter(user=request.user).exists(),
            "documents": document_list_for_person(user=request.user),
            "now": timezone.now(),
        },
    )


@login_required
def erasure(request: HttpRequest) -> HttpResponse:
    """`/espace/supprimer-mes-donnees/`: ask, after a confirmation, that my data be erased (art. 17)."""
    pending = ErasureRequest.objects.filter(person=request.user, status=ErasureStatus.PENDING).first()
    form = ErasureRequestForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            erasure_request_create(person=request.user, message=form.cleaned_data["message"])
        except PersonalDataError as error:
            messages.error(request, error.message)
        else:
            messages.success(
                request, _("Your request is recorded. We answer within a month, by e-mail, at the latest.")
            )
        return redirect("training:space")
    return render(request, "training/erasure.html", {"form": form, "pending": pending})


@login_required
@require_safe
def personal_data(request: HttpRequest) -> HttpResponse:
    """`/espace/mes-donnees.xlsx`: everything we hold about me, in one workbook (right of access)."""
    response = HttpResponse(
        personal_data_workbook(user=request.user),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=personal_data_filename())
    response["Cache-Control"] = "private, no-store"
    return response


def _safe_next(request: HttpRequest) -> str | None:
    target = request.POST.get("next") or request.GET.get("next")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return None


@login_required
def profile(request: HttpRequest) -> HttpResponse:
    """`/espace/profil/`: the professional profile, asked once and reused by every registration."""
    instance = Profile.objects.filter(user=request.user).first()
    form = ProfileForm(request.POST if request.method == "POST" else None, instance=instance, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        profile_save(user=request.user, first_name=data.pop("first_name"), last_name=data.pop("last_name"), fields=data)
        messages.success(request, _("Your profile is saved."))
        return redirect(_safe_next(request) or "training:space")
    return render(request, "training/profile.html", {"form": form, "next": _safe_next(request) or ""})


def _own_registration(request: HttpRequest, registration_id: int) -> Registration:
    return get_object_or_404(
        Registration.objects.select_related("session__course", "session__venue"), pk=registration_id, user=request.user
    )


@login_required
def cancel(request: HttpRequest, registration_id: int) -> HttpResponse:
    """`/espace/inscriptions/<id>/annuler/`: confirm, then withdraw (also declines an offered seat)."""
    registration = _own_registration(request, registration_id)
    form = CancellationForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            registration_cancel_by_person(registration=registration, reason=form.cleaned_data["reason"])
        except TrainingError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("Your registration is cancelled. A confirmation has been sent by e-mail."))
        return redirect("training:space")
    return render(
        request,
        "training/cancel.html",
        {
            "registration": registration,
            "form": form,
            "deadline": registration_cancellation_deadline(session=registration.session),
        },
    )


@login_required
@require_POST
def accept_offer(request: HttpRequest, registration_id: int) -> HttpResponse:
    """Take the seat offered from the waiting list."""
    registration = _own_registration(request, registration_id)
    try:
        registration_offer_accept(registration=registration)
    except TrainingError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _STATUS_MESSAGES[RegistrationStatus.CONFIRMED])
    return redirect("training:space")


@login_required
@require_safe
def calendar(request: HttpRequest, registration_id: int) -> HttpResponse:
    """The half-days of a confirmed registration as an `.ics` file."""
    registration = _own_registration(request, registration_id)
    if registration.status != RegistrationStatus.CONFIRMED:
        raise Http404
    organisation = OrganisationSettings.load(request_or_site=request)
    content = session_calendar(session=registration.session, registration=registration, organiser=organisation.name)
    response = HttpResponse(content, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="convocation-{registration.session.code}.ics"'
    return response
