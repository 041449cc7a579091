"""A throwaway deployment for the bench: its own database, demo data and gunicorn on 127.0.0.1.

The database is a SQLite file in a temporary directory, or, when `DATABASE_URL` names a
PostgreSQL server, a database created on that server for the run and dropped after it. The
developer's `db.sqlite3`, media and static directories are never touched.
"""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import psycopg
import redis

BASE_DIR = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
# Fixed server configuration, so figures compare from one run to the next: two processes
# (one per core of a small production machine), four threads each, keep-alive connections.
GUNICORN_WORKERS = 2
GUNICORN_THREADS = 4
SERVER_DESCRIPTION = f"gunicorn, {GUNICORN_WORKERS} gthread workers x {GUNICORN_THREADS} threads"
STARTUP_TIMEOUT = 60
QUEUE = "celery"  # Celery's default queue
QUEUE_DRAIN_TIMEOUT = 300
QUEUE_SETTLE_SECONDS = 3  # the tasks taken last are still running when the queue is empty


@dataclass(frozen=True)
class BenchSite:
    """A running bench server: its address and the environment its management commands need."""

    base_url: str
    port: int
    env: dict[str, str]
    database: str
    cache: str

    @property
    def tasks(self) -> str:
        return "celery worker" if self.env["CELERY_BROKER_URL"] else "eager (in the web process)"

    def manage(self, *args: str) -> str:
        """Run a management command against the bench database; returns its output."""
        result = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=BASE_DIR,
            env=self.env,
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0:
            raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
        return result.stdout


@contextmanager
def bench_site(log: Callable[[str], None]):
    """Set up the database, demo data and static files, start gunicorn, yield the `BenchSite`,
    then stop the server and throw everything away."""
    with tempfile.TemporaryDirectory(prefix="formations-bench-") as tmp, _database(Path(tmp)) as database_url:
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "bench.settings",
            "DEBUG": "0",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "DATABASE_URL": database_url,
            "MEDIA_ROOT": str(Path(tmp) / "media"),
            "STATIC_ROOT": str(Path(tmp) / "static"),
            "PRIVATE_MEDIA_ROOT": str(Path(tmp) / "private"),  # issued documents, scans, ZIPs
            # With a broker in the environment (as in CI and production) a Celery worker runs the
            # tasks; without one they run in the web process, as in the embedded mode.
            "CELERY_BROKER_URL": os.environ.get("CELERY_BROKER_URL", ""),
            "LOG_LEVEL": "WARNING",
        }
        port = _free_port()
        site = BenchSite(
            base_url=f"http://{HOST}:{port}",
            port=port,
            env=env,
            database=urlsplit(database_url).scheme,
            cache=urlsplit(env.get("CACHE_URL", "locmemcache://")).scheme,
        )
        log(f"Database ({site.database}): migrate and seed_demo…")
        site.manage("migrate", "--noinput")
        site.manage("seed_demo")
        site.manage("collectstatic", "--noinput")
        log(f"Starting {SERVER_DESCRIPTION} on {site.base_url}…")
        with _gunicorn(site, Path(tmp) / "gunicorn.log"), _celery_worker(site, Path(tmp) / "celery.log", log):
            yield site


@contextmanager
def _database(tmp: Path, name: str | None = None):
    """A database URL for this run only: PostgreSQL when `DATABASE_URL` names one, else SQLite.
    On PostgreSQL the database is `name` (by default one per bench process), dropped first if a
    previous run left it behind, and dropped after the run."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        yield f"sqlite:///{tmp / 'bench.sqlite3'}"
        return
    name = name or f"formations_bench_{os.getpid()}"
    admin_url = urlsplit(url)._replace(path="/postgres").geturl()
    with psycopg.connect(admin_url, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')
    try:
        yield urlsplit(url)._replace(path=f"/{name}").geturl()
    finally:
        with psycopg.connect(admin_url, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


@contextmanager
def _gunicorn(site: BenchSite, log_path: Path):
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "config.wsgi",
        f"--bind={HOST}:{site.port}",
        f"--workers={GUNICORN_WORKERS}",
        "--worker-class=gthread",
        f"--threads={GUNICORN_THREADS}",
        "--log-level=warning",
    ]
    with log_path.open("w") as log_file:
        server = subprocess.Popen(command, cwd=BASE_DIR, env=site.env, stdout=log_file, stderr=subprocess.STDOUT)
        try:
            _wait_until_up(site, server, log_path)
            yield
        finally:
            server.terminate()
            server.wait(timeout=30)


@contextmanager
def _celery_worker(site: BenchSite, log_path: Path, log: Callable[[str], None]):
    """A Celery worker (two threads) when the bench has a broker; nothing otherwise. The tasks the
    demo queued (its e-mails) are done before the scenarios start, so they do not slow them down."""
    if not site.env["CELERY_BROKER_URL"]:
        yield
        return
    command = [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool=threads", "--concurrency=2"]
    command += ["--loglevel=WARNING", f"--hostname=bench-{os.getpid()}@%h", "--without-gossip", "--without-mingle"]
    with log_path.open("w") as log_file:
        worker = subprocess.Popen(command, cwd=BASE_DIR, env=site.env, stdout=log_file, stderr=subprocess.STDOUT)
        try:
            _queue_drain(site, log)
            yield
        finally:
            worker.terminate()
            worker.wait(timeout=30)


def _queue_drain(site: BenchSite, log: Callable[[str], None]) -> None:
    """Wait until the worker has taken every queued task (a Redis broker's default queue is a list),
    then for the last ones to finish."""
    broker_url = site.env["CELERY_BROKER_URL"]
    if not broker_url.startswith(("redis://", "rediss://")):
        return
    queue = redis.Redis.from_url(broker_url)
    log(f"Celery worker: {queue.llen(QUEUE)} queued task(s) from the demo to send first…")
    deadline = time.monotonic() + QUEUE_DRAIN_TIMEOUT
    while queue.llen(QUEUE) and time.monotonic() < deadline:
        time.sleep(0.5)
    time.sleep(QUEUE_SETTLE_SECONDS)
    queue.close()


def _wait_until_up(site: BenchSite, server: subprocess.Popen, log_path: Path) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"gunicorn stopped:\n{log_path.read_text()}")
        try:
            with urllib.request.urlopen(f"{site.base_url}/bench/bare/", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"gunicorn did not answer within {STARTUP_TIMEOUT} s:\n{log_path.read_text()}")
