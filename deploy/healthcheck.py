"""Container health check: GET /healthz on this container's gunicorn; exit 0 when it answers "ok".

Stdlib only, started by Docker every 30 s. The Host header is the first of ALLOWED_HOSTS, so
Django's host validation accepts it; /healthz is exempt from the HTTPS redirect.
"""

import os
import sys
import urllib.request

host = os.environ.get("ALLOWED_HOSTS", "localhost").split(",")[0].strip().lstrip(".")
if host in ("", "*"):
    host = "localhost"
port = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000").rsplit(":", 1)[-1]
request = urllib.request.Request(f"http://127.0.0.1:{port}/healthz", headers={"Host": host})
try:
    with urllib.request.urlopen(request, timeout=4) as response:
        healthy = response.status == 200 and response.read().strip() == b"ok"
except OSError as error:
    sys.stderr.write(f"unhealthy: {error}\n")
    sys.exit(1)
sys.exit(0 if healthy else 1)
