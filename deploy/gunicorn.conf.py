"""gunicorn settings for production (Docker image and systemd unit alike).

`WEB_CONCURRENCY` (processes, default: one per core) and `GUNICORN_THREADS` tune it from the
environment; `GUNICORN_BIND` defaults to 0.0.0.0:8000 (the container's port). Under systemd the
socket comes from formations-web.socket and no bind is used.
"""

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count()))
# Threads: requests waiting on PostgreSQL or Redis do not hold a whole process.
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", 4))
# A PDF rendered in the request (attendance sheet, programme) takes seconds, never a minute.
timeout = 60
# On SIGTERM/SIGHUP, running requests get this long to finish.
graceful_timeout = 30
keepalive = 5
# Recycle processes now and then: memory held by a large export is given back.
max_requests = 2000
max_requests_jitter = 200
accesslog = "-"
errorlog = "-"
# nginx's address in the logs is useless: log the client's, as nginx passes it.
access_log_format = '%({x-real-ip}i)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s %(M)sms "%(a)s"'
