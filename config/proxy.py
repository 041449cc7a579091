"""The client's address behind nginx, for the proofs that record it (attendance signatures).

gunicorn sets `REMOTE_ADDR` to its peer: nginx, or nothing on a unix socket. With
`PROXY_CLIENT_ADDRESS_HEADER` set (`X-Real-IP`, which deploy/nginx/formations.conf sets to the
address nginx sees, replacing any value the client sent), `REMOTE_ADDR` becomes that header's
value. Set it only where gunicorn is reachable through nginx alone (a unix socket, 127.0.0.1 or a
private network): otherwise anyone could choose the address recorded.
"""

import contextlib
import ipaddress

from django.conf import settings


class ClientAddressFromProxy:
    """WSGI middleware around Django's application (`config/wsgi.py`)."""

    def __init__(self, application):
        self.application = application

    def __call__(self, environ, start_response):
        header = settings.PROXY_CLIENT_ADDRESS_HEADER
        if header:
            value = environ.get("HTTP_" + header.upper().replace("-", "_"), "").strip()
            with contextlib.suppress(ValueError):  # absent or not an address: the peer's is kept
                environ["REMOTE_ADDR"] = str(ipaddress.ip_address(value))
        return self.application(environ, start_response)
