"""The project's URLs plus `/bench/bare/`, the smallest Django response, mounted in the bench only."""

from django.http import HttpRequest, HttpResponse
from django.urls import path

from config.urls import urlpatterns as project_urlpatterns


def bare(request: HttpRequest) -> HttpResponse:
    """What a request costs through the middleware alone: the yardstick of the other pages."""
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [path("bench/bare/", bare), *project_urlpatterns]
