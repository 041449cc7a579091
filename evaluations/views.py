"""Answering a survey from the e-mail link, without an account (`/questionnaire/<token>/…`).

The token of the link is the only key: an unknown one is a plain 404 that tells nothing. The
views parse the form and call one service of `services.responses` or `services.campaigns`; the
rules (open or closed, anonymous answered once, what a valid answer is) live there.

These pages hold a personal link: they are never stored by a cache (`never_cache`, and they do
not opt in to `cms.cache`'s public page cache), never indexed, and never send the link as the
referrer to another site.
"""

from __future__ import annotations

from functools import wraps

from django.core.exceptions import ValidationError
from django.db.models import Max, Min
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_http_methods, require_safe

from config.ratelimit import limit_token_lookups
from training.models import Slot

from .exceptions import SurveyError
from .forms import SurveyAnswerForm
from .models import Invitation
from .services.campaigns import is_opted_out, survey_opt_out
from .services.responses import invitation_for_token, invitation_is_open, response_submit, response_values

# `no-referrer` would be the strictest, but with it browsers send `Origin: null` on the page's
# own form posts, which Django's CSRF check rightly refuses. `same-origin` gives the link to no
# other site, and lets the answer form be sent.
REFERRER_POLICY = "same-origin"


def _private(view):
    """A page of a personal link: not cached anywhere, not indexed, its URL given to no other site."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        response["X-Robots-Tag"] = "noindex, nofollow"
        response["Referrer-Policy"] = REFERRER_POLICY
        return response

    return never_cache(wrapped)


def _invitation_or_404(token: str) -> Invitation:
    try:
        return invitation_for_token(token)
    except SurveyError:
        raise Http404 from None


def _context(invitation: Invitation, **extra) -> dict:
    """What every survey page shows: the questionnaire and the training it is about."""
    campaign = invitation.campaign
    session = campaign.session
    days = None
    if session is not None:
        days = Slot.objects.filter(session=session).aggregate(first_day=Min("date"), last_day=Max("date"))
        if days["first_day"] is None:
            days = None
    return {
        "invitation": invitation,
        "campaign": campaign,
        "questionnaire": campaign.questionnaire,
        "session": session,
        "course": session.course if session is not None else None,
        "days": days,
        "token": invitation.token,
        "is_open": invitation_is_open(invitation),
        **extra,
    }


def _closed(request: HttpRequest, invitation: Invitation) -> HttpResponse:
    """The survey no longer takes answers (closed by the coordination, or past its date): gone."""
    ended = invitation.campaign.closes_at <= timezone.now()
    return render(request, "evaluations/closed.html", _context(invitation, ended=ended), status=410)


def _answered(request: HttpRequest, invitation: Invitation, *, status: int = 200) -> HttpResponse:
    """An anonymous questionnaire answered through this link: said so, nothing shown, nothing editable."""
    return render(request, "evaluations/answered.html", _context(invitation), status=status)


@limit_token_lookups
@_private
@require_http_methods(["GET", "HEAD", "POST"])
def answer(request: HttpRequest, token: str) -> HttpResponse:
    """`/questionnaire/<token>/`: the questionnaire, empty or filled with the answers already sent.

    A valid submission goes to `response_submit` (which checks everything again under the
    invitation's lock), then to the thank-you page; an invalid one comes back with every value as
    typed, an error summary and each error next to its question.
    """
    invitation = _invitation_or_404(token)
    questionnaire = invitation.campaign.questionnaire
    if not invitation_is_open(invitation):
        return _closed(request, invitation)
    if questionnaire.anonymous and invitation.answered_at is not None:
        return _answered(request, invitation, status=409 if request.method == "POST" else 200)

    questions = list(questionnaire.questions.all())
    if request.method == "POST":
        form = SurveyAnswerForm(request.POST, questions=questions)
        if form.is_valid():
            try:
                response_submit(token=invitation.token, values=form.values())
            except SurveyError as error:
                if error.code == "link_invalid":
                    raise Http404 from None
                if error.code == "survey_closed":
                    return _closed(request, invitation)
                if error.code == "already_answered":
                    return _answered(request, invitation, status=409)
                field = error.field if error.field in form.fields else None
                form.add_error(field, ValidationError(error.message, code=error.code))
            else:
                return redirect("evaluations:thanks", token=invitation.token)
    else:
        form = SurveyAnswerForm(questions=questions, initial=response_values(invitation))
    return render(
        request,
        "evaluations/answer.html",
        _context(invitation, form=form, editing=invitation.answered_at is not None),
    )


@limit_token_lookups
@_private
@require_safe
def thanks(request: HttpRequest, token: str) -> HttpResponse:
    """`/questionnaire/<token>/merci/`: where a sent questionnaire leads (post/redirect/get)."""
    invitation = _invitation_or_404(token)
    if invitation.answered_at is None:
        return redirect("evaluations:answer", token=invitation.token)
    return render(request, "evaluations/thanks.html", _context(invitation))


def _is_one_click(request: HttpRequest) -> bool:
    """An RFC 8058 one-click unsubscription: the mail client posts exactly this, without cookies."""
    return request.method == "POST" and request.POST.get("List-Unsubscribe") == "One-Click"


@csrf_exempt  # only the one-click POST skips the check: every other request goes through `_opt_out_page`
@limit_token_lookups
@_private
@require_http_methods(["GET", "HEAD", "POST"])
def opt_out(request: HttpRequest, token: str) -> HttpResponse:
    """`/questionnaire/<token>/desinscription/`: stop receiving questionnaires at this address.

    A GET only asks for confirmation (mail scanners follow links); the form's POST, or a mail
    client's one-click POST (`List-Unsubscribe=One-Click`, RFC 8058), records the opt-out. Works
    whether the survey is open or not.
    """
    invitation = _invitation_or_404(token)
    if _is_one_click(request):
        survey_opt_out(email=invitation.email)
        return render(request, "evaluations/opt_out_done.html", _context(invitation))
    return _opt_out_page(request, invitation)


@csrf_protect
def _opt_out_page(request: HttpRequest, invitation: Invitation) -> HttpResponse:
    if request.method == "POST":
        survey_opt_out(email=invitation.email)
        return render(request, "evaluations/opt_out_done.html", _context(invitation))
    return render(
        request,
        "evaluations/opt_out.html",
        _context(invitation, already=is_opted_out(invitation.email), masked_email=_masked(invitation.email)),
    )


def _masked(email: str) -> str:
    """The address, recognisable by its owner, not readable over a shoulder: c•••@exemple.fr."""
    local, _at, domain = email.partition("@")
    return f"{local[:1]}•••@{domain}" if domain else "•••"
