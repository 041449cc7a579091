"""What a request tells about its sender, for the proof of a signature."""

from django.http import HttpRequest

from ..services.attendance import Client


def client_from_request(request: HttpRequest) -> Client:
    """The sender's address and browser. Behind the production proxy, `REMOTE_ADDR` is the
    client's address as nginx passes it (see `deploy/`)."""
    return Client(
        ip_address=request.META.get("REMOTE_ADDR") or None,
        user_agent=request.META.get("HTTP_USER_AGENT", "")[:400],
    )
