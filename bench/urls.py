"""The project's URLs plus `/bench/bare/`, the smallest Django response, mounted in the bench only."""

from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.urls import path

from config.urls import urlpatterns as project_urlpatterns


@transaction.non_atomic_requests
def bare(request: HttpRequest) -> HttpResponse:
    """The yardstick of the other pages: the middleware alone, no template and no database (the
    project's per-request transaction would open a connection for nothing)."""
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [path("bench/bare/", bare), *project_urlpatterns]
