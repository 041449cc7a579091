"""What a request tells about its sender, for the proof of a signature."""

from allauth.core.internal.httpkit import get_client_ip

from django.http import HttpRequest

from ..services.attendance import Client


def client_from_request(request: HttpRequest) -> Client:
    """The sender's address and browser. The address is the one allauth's rate limits use: the
    connection's, or the one X-Forwarded-For gives behind `ALLAUTH_TRUSTED_PROXY_COUNT` proxies."""
    return Client(
        ip_address=get_client_ip(request) or None,
        user_agent=request.META.get("HTTP_USER_AGENT", "")[:400],
    )
