"""The public complaint form, `/reclamation/` (Qualiopi indicator 31), linked from every page's footer.

Anyone (a trainee, a client, a funder, a visitor) tells us about a complaint or a difficulty.
The view parses the form and calls `complaint_receive` once: the complaint is recorded with its
deadlines, acknowledged at once (the acknowledgement e-mail, with its reference, goes when the
transaction commits) and the coordination is told. The thank-you page shows the reference and
the deadlines (post/redirect/get, the complaint named by a signed, short-lived value).

Against robots: a honeypot field (a person never sees it; a robot that fills it is thanked and
nothing is recorded) and at most `COMPLAINT_FORM_RATE` messages per hour from one address
(counted in the cache). The pages are never cached (`never_cache`, no opt-in to `cms.cache`).
"""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_safe

from cms.models import OrganisationSettings
from training.views.clients import client_from_request

from .exceptions import SurveyError
from .models import Complaint, ComplaintChannel, ComplaintKind
from .services.complaints import complaint_receive, complaint_reference

THANKS_SALT = "evaluations.complaint.thanks"
THANKS_MAX_AGE = 24 * 3600
RATE_WINDOW_SECONDS = 3600


class ComplaintForm(forms.Form):
    """What a person tells us. `website` is the honeypot: hidden from people, left empty by them."""

    kind = forms.ChoiceField(
        label=_("You wish to"),
        choices=[
            (ComplaintKind.COMPLAINT, _("make a complaint")),
            (ComplaintKind.DIFFICULTY, _("tell us about a difficulty")),
        ],
        initial=ComplaintKind.COMPLAINT,
        widget=forms.RadioSelect,
    )
    name = forms.CharField(label=_("Your name"), max_length=200, widget=forms.TextInput(attrs={"autocomplete": "name"}))
    email = forms.EmailField(
        label=_("Your e-mail address"),
        max_length=254,
        help_text=_("We send the acknowledgement and our answer to this address."),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    about = forms.CharField(
        label=_("Training or session concerned"),
        required=False,
        max_length=200,
        help_text=_("Optional: its title, dates and place, or the session code written on your convocation."),
    )
    subject = forms.CharField(label=_("Subject"), max_length=200)
    message = forms.CharField(
        label=_("Your message"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_("What happened, when, and what you expect from us."),
    )
    consent = forms.BooleanField(
        label=_("I agree that my message and my contact details are recorded to handle my request"),
        error_messages={"required": _("Tick this box so that we can record and handle your message.")},
    )
    website = forms.CharField(
        label=_("Leave this field empty"),
        required=False,
        widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"}),
    )

    def __init__(self, *args, privacy_url: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["consent"].help_text = _(
            "Your data are used only to answer you and to improve our trainings, and are kept three years."
        )
        self.privacy_url = privacy_url

    def is_robot(self) -> bool:
        return bool(self.data.get("website", "").strip())

    def error_links(self) -> list[tuple[str, str, str]]:
        """The error summary: (the control's id, its label, the message), in the page's order."""
        links = []
        for bound in self:
            if bound.is_hidden or bound.name == "website":
                continue
            target = f"{bound.auto_id}_0" if bound.name == "kind" else bound.auto_id
            links.extend((target, bound.label, message) for message in bound.errors)
        return links


def _rate_key(request: HttpRequest) -> str:
    return f"complaint-form:{client_from_request(request).ip_address or 'unknown'}"


def _rate_exceeded(request: HttpRequest) -> bool:
    return (cache.get(_rate_key(request)) or 0) >= getattr(settings, "COMPLAINT_FORM_RATE", 5)


def _rate_count(request: HttpRequest) -> None:
    key = _rate_key(request)
    if not cache.add(key, 1, RATE_WINDOW_SECONDS):
        try:
            cache.incr(key)
        except ValueError:  # expired between the two calls
            cache.add(key, 1, RATE_WINDOW_SECONDS)


def _privacy_url(request: HttpRequest) -> str:
    page = OrganisationSettings.load(request_or_site=request).privacy_page
    return page.url if page is not None and page.live and page.url else ""


def _deadlines() -> dict:
    return {
        "acknowledge_days": getattr(settings, "COMPLAINT_ACKNOWLEDGE_DAYS", 2),
        "answer_days": getattr(settings, "COMPLAINT_ANSWER_DAYS", 15),
    }


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def complaint_form(request: HttpRequest) -> HttpResponse:
    """`/reclamation/`: the form; a valid message is recorded, acknowledged and leads to the thanks."""
    privacy_url = _privacy_url(request)
    context = {"privacy_url": privacy_url, **_deadlines()}
    if request.method != "POST":
        return render(
            request, "evaluations/complaint.html", {**context, "form": ComplaintForm(privacy_url=privacy_url)}
        )
    if _rate_exceeded(request):
        return render(request, "evaluations/complaint_limited.html", context, status=429)
    form = ComplaintForm(request.POST, privacy_url=privacy_url)
    if form.is_robot():
        _rate_count(request)
        return render(request, "evaluations/complaint_thanks.html", {**context, "complaint": None})
    if form.is_valid():
        data = form.cleaned_data
        try:
            complaint = complaint_receive(
                subject=data["subject"],
                description=data["message"],
                complainant=data["name"],
                email=data["email"],
                about=data["about"],
                kind=data["kind"],
                channel=ComplaintChannel.FORM,
                acknowledge=True,
                notify_coordination=True,
            )
        except SurveyError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            _rate_count(request)
            token = signing.dumps(complaint.pk, salt=THANKS_SALT)
            return redirect(f"{reverse('evaluations:complaint_thanks')}?ref={token}")
    return render(request, "evaluations/complaint.html", {**context, "form": form})


@never_cache
@require_safe
def complaint_thanks(request: HttpRequest) -> HttpResponse:
    """`/reclamation/merci/?ref=…`: the reference and the deadlines of the message just sent."""
    try:
        complaint_id = signing.loads(request.GET.get("ref", ""), salt=THANKS_SALT, max_age=THANKS_MAX_AGE)
        complaint = Complaint.objects.get(pk=complaint_id)
    except (signing.BadSignature, Complaint.DoesNotExist):
        raise Http404 from None
    response = render(
        request,
        "evaluations/complaint_thanks.html",
        {
            "complaint": complaint,
            "reference": complaint_reference(complaint),
            "masked_email": _masked(complaint.email),
            **_deadlines(),
        },
    )
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Referrer-Policy"] = "same-origin"
    return response


def _masked(email: str) -> str:
    local, _at, domain = email.partition("@")
    return f"{local[:1]}•••@{domain}" if domain else ""
