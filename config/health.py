"""`/healthz`: is this web process able to serve? For load balancers, compose and monitoring.

It answers 200 "ok" once the database answers `SELECT 1` and the cache stores and returns a
value (Redis in production: the public pages and the rate limits live there), 503 otherwise,
naming the failing service only. No authentication, nothing personal, never cached.
"""

import logging
import uuid

from django.core.cache import cache
from django.db import connection, transaction
from django.http import HttpRequest, HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

logger = logging.getLogger(__name__)

_CACHE_PREFIX = "healthz:"


def _database_ok() -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        return cursor.fetchone() == (1,)


def _cache_ok() -> bool:
    # A key of its own per check: simultaneous checks (several probes, several processes) never read each other's.
    token = uuid.uuid4().hex
    key = _CACHE_PREFIX + token
    cache.set(key, token, timeout=30)
    try:
        return cache.get(key) == token
    finally:
        cache.delete(key)


@never_cache
@require_safe
@transaction.non_atomic_requests
def healthz(request: HttpRequest) -> HttpResponse:
    failing = []
    for name, check in (("database", _database_ok), ("cache", _cache_ok)):
        try:
            healthy = check()
        except Exception:
            logger.exception("Health check: the %s does not answer", name)
            healthy = False
        if not healthy:
            failing.append(name)
    if failing:
        return HttpResponse(f"unavailable: {', '.join(failing)}\n", status=503, content_type="text/plain")
    return HttpResponse("ok\n", content_type="text/plain")
