"""Behind nginx, `REMOTE_ADDR` is the client's address from `PROXY_CLIENT_ADDRESS_HEADER`, if set."""

from config.proxy import ClientAddressFromProxy


def _remote_addr(**environ) -> str:
    seen = {}

    def application(environ, start_response):
        seen.update(environ)
        return []

    ClientAddressFromProxy(application)({"REMOTE_ADDR": "127.0.0.1", **environ}, lambda *args: None)
    return seen["REMOTE_ADDR"]


def test_the_header_nginx_sets_gives_the_client_address(settings):
    settings.PROXY_CLIENT_ADDRESS_HEADER = "X-Real-IP"

    assert _remote_addr(HTTP_X_REAL_IP="203.0.113.7") == "203.0.113.7"
    assert _remote_addr(HTTP_X_REAL_IP="2001:db8::1") == "2001:db8::1"
    assert _remote_addr(HTTP_X_REAL_IP="<script>") == "127.0.0.1"  # not an address: the peer's is kept
    assert _remote_addr() == "127.0.0.1"


def test_without_the_setting_a_client_cannot_choose_its_address(settings):
    settings.PROXY_CLIENT_ADDRESS_HEADER = ""

    assert _remote_addr(HTTP_X_REAL_IP="203.0.113.7") == "127.0.0.1"


def test_the_wsgi_application_goes_through_it():
    from config.wsgi import application

    assert isinstance(application, ClientAddressFromProxy)
