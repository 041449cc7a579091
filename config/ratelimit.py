"""Guessing a secret carried by a URL (a certificate's verification code, a survey link, a signing
link, the room's QR code): failed look-ups are counted per client address and, past
`TOKEN_LOOKUP_FAILURES` in `TOKEN_LOOKUP_WINDOW_SECONDS`, every look-up from that address is
answered "429 Too Many Requests" until the window has passed, even with a right secret.
A successful look-up costs nothing.

The counting is allauth's (a sliding window in Django's cache, shared through Redis in
production), and so is the client address: the connection's, or the one X-Forwarded-For gives
when `ALLAUTH_TRUSTED_PROXY_COUNT` says how many proxies stand in front (IPv6 by /64).
"""

import math
import time
from functools import wraps
from http import HTTPStatus

from allauth.core.internal import ratelimit

from django.conf import settings
from django.core.cache import cache
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache

APP = "config"
ACTION = "token_lookup"
_MISSED = "_token_lookup_missed"


def _config() -> dict[str, str]:
    return {ACTION: f"{settings.TOKEN_LOOKUP_FAILURES}/{settings.TOKEN_LOOKUP_WINDOW_SECONDS}s/ip"}


def _rate_and_key(request: HttpRequest) -> tuple[ratelimit.Rate, str]:
    (rate,) = ratelimit.get_rates(app=APP, action=ACTION, config=_config())
    return rate, ratelimit.get_cache_key(request, app=APP, action=ACTION, rate=rate)


def token_lookup_blocked(request: HttpRequest) -> bool:
    """Whether this client has used up its failed look-ups: a read of the cache, without allauth's
    lock, so that many successful look-ups at once (a room signing) never wait on each other."""
    rate, key = _rate_and_key(request)
    allowed, _history = ratelimit.apply_rate(list(cache.get(key) or []), time.time(), rate, dry_run=True)
    return not allowed


def token_lookup_failed(request: HttpRequest) -> None:
    """Count one failed look-up for this client."""
    ratelimit.consume(request, app=APP, action=ACTION, config=_config(), limit_get=True)


def token_lookup_retry_after(request: HttpRequest) -> int:
    """Seconds until this client's oldest counted failure leaves the window."""
    rate, key = _rate_and_key(request)
    history = cache.get(key) or []
    if not history:
        return 1
    return max(1, math.ceil(history[-1] + rate.duration - time.time()))


def mark_missed(response: HttpResponse) -> HttpResponse:
    """Flag a refusal that is not a 404 (an unknown QR code, for instance) as a failed look-up."""
    setattr(response, _MISSED, True)
    return response


def too_many_attempts(request: HttpRequest, *, retry_after: int) -> HttpResponse:
    """The French 429 page, with `Retry-After`."""
    response = render(
        request, "429.html", {"retry_minutes": math.ceil(retry_after / 60)}, status=HTTPStatus.TOO_MANY_REQUESTS
    )
    response["Retry-After"] = str(retry_after)
    return response


def limit_token_lookups(view):
    """For a view that looks a secret up: refuse a blocked client; count a 404 (raised or returned)
    or a response passed through `mark_missed` as a failure."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if token_lookup_blocked(request):
            return too_many_attempts(request, retry_after=token_lookup_retry_after(request))
        try:
            response = view(request, *args, **kwargs)
        except Http404:
            token_lookup_failed(request)
            raise
        if response.status_code == HTTPStatus.NOT_FOUND or getattr(response, _MISSED, False):
            token_lookup_failed(request)
        return response

    return never_cache(wrapped)
