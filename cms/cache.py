"""Cache of the public pages, invalidated as a whole by one "public content version".

Rule: a public page (home, catalogue, course sheets, programme PDFs, the LHEO export) may be
served from the cache only as it was rendered under the current version. Every change of what
these pages show bumps the version once its transaction commits, so the next request renders
anew and no figure (seats left above all) outlives the change:

- pages published, unpublished, deleted or moved (Wagtail signals, connected in `CmsConfig`,
  so scheduled publishing counts too);
- objects saved or deleted in the back office whose models use the public-content actions
  (`public_content_actions_register`: organisation settings, themes, sessions and their
  half-days, venues…);
- every registration transition that takes or frees a seat: its service calls
  `transaction.on_commit(public_cache_bump)`.

Who gets a cached page: anonymous visitors only, recognised by the absence of a session cookie
(a signed-in person, or anyone with pending messages, always gets a fresh render and nothing
rendered for them is stored). A response is stored only when its view opted in (`public_cache`,
or the `before_serve_page` hook for Wagtail pages), it is a 200, and it sets no cookie (a page
holding a CSRF token sets one). Keys hold the version, the absolute URL with its query string
and the language, so every filter combination of the catalogue is its own entry.

What time alone changes (sessions that end at midnight, a registration window that closes) is
bounded by the entries' lifetime, `PUBLIC_CACHE_TIMEOUT`.

The cache must be shared by every web process (Redis in production, `CACHE_URL`) for a bump in
one process to reach the others.
"""

import hashlib
import uuid
from functools import wraps

from django.conf import settings
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.cache import cache
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.utils.translation import get_language_from_request

from wagtail.actions import CreateAction, DeleteAction, EditAction

PUBLIC_CACHE_TIMEOUT = 10 * 60
_VERSION_KEY = "public-content-version"


def public_cache_version() -> str:
    """The current public content version; a new one is drawn when the cache has none (first
    use, eviction), which can never revive entries stored under an earlier one."""
    version = cache.get(_VERSION_KEY)
    if version is None:
        cache.add(_VERSION_KEY, uuid.uuid4().hex, timeout=None)
        version = cache.get(_VERSION_KEY)
    return version


def public_cache_bump() -> None:
    """Retire every cached public page: the next request of each renders from the database.

    Call it once the change is committed (`transaction.on_commit(public_cache_bump)`): a page
    rendered between a bump and the commit would store the old figures under the new version.
    """
    cache.set(_VERSION_KEY, uuid.uuid4().hex, timeout=None)


def public_cache_bump_on_commit(**kwargs) -> None:
    """Signal receiver: bump the version when the current transaction commits."""
    transaction.on_commit(public_cache_bump)


def allow_public_cache(request: HttpRequest) -> None:
    """Let `PublicPageCacheMiddleware` store this request's response for anonymous visitors."""
    request.allows_public_cache = True


def public_cache(view):
    """View decorator: the view's responses are public content, cacheable for anonymous visitors."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        allow_public_cache(request)
        return view(request, *args, **kwargs)

    return wrapped


class PublicPageCacheMiddleware:
    """Serve anonymous visitors the public pages from the cache (rules in the module docstring).

    It sits before the session middleware: a hit costs two cache reads and no SQL query.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method not in ("GET", "HEAD") or _has_visitor_state(request):
            return self.get_response(request)
        # The key is fixed before rendering: a render that overlaps a bump is stored under the
        # version it started with, which nobody reads any more.
        key = _page_key(request)
        response = cache.get(key)
        if response is None:
            response = self.get_response(request)
            if _is_storable(request, response):
                cache.set(key, response, PUBLIC_CACHE_TIMEOUT)
        return response


def _has_visitor_state(request: HttpRequest) -> bool:
    return settings.SESSION_COOKIE_NAME in request.COOKIES or CookieStorage.cookie_name in request.COOKIES


def _page_key(request: HttpRequest) -> str:
    url = f"{get_language_from_request(request)} {request.build_absolute_uri()}"
    return f"public-page:{public_cache_version()}:{hashlib.sha256(url.encode()).hexdigest()}"


def _is_storable(request: HttpRequest, response: HttpResponse) -> bool:
    return (
        getattr(request, "allows_public_cache", False)
        and request.method == "GET"
        and response.status_code == 200
        and not response.streaming
        and not response.cookies
    )


class _BumpPublicCacheMixin:
    def execute(self, *args, **kwargs):
        result = super().execute(*args, **kwargs)
        transaction.on_commit(public_cache_bump)
        return result


class PublicContentCreateAction(_BumpPublicCacheMixin, CreateAction):
    """Wagtail's create action (back office), then a bump of the public content version."""


class PublicContentEditAction(_BumpPublicCacheMixin, EditAction):
    """Wagtail's edit action (back office), then a bump of the public content version."""


class PublicContentDeleteAction(_BumpPublicCacheMixin, DeleteAction):
    """Wagtail's delete action (back office), then a bump of the public content version."""


def public_content_actions_register(registry, *models) -> None:
    """For a `register_actions` hook: saving or deleting these models in the back office
    (generic create, edit, copy and delete views, settings) bumps the public content version."""
    for model in models:
        for action_class in (PublicContentCreateAction, PublicContentEditAction, PublicContentDeleteAction):
            registry.register(model, action_class)
