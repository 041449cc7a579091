"""A real Celery worker as an operating-system process, for the fault tests: started against the
test database and broker, killed (SIGKILL to its whole process group, as the kernel's OOM killer or
a lost machine would) and started again."""

from __future__ import annotations

import contextlib
import email
import email.policy
import os
import secrets
import signal
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

import redis

from django.conf import settings
from django.db import connection

from .mail import IN_FLIGHT_SUFFIX

BASE_DIR = Path(__file__).resolve().parent.parent.parent
# Short, so that the messages a killed worker held come back within the test (production: an hour).
VISIBILITY_TIMEOUT = 6


def database_url() -> str:
    """The test database the test process uses, for the worker to use the same."""
    db = connection.settings_dict
    credentials = quote(db["USER"] or "", safe="")
    if db["PASSWORD"]:
        credentials += ":" + quote(db["PASSWORD"], safe="")
    host = f"{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}"
    return f"postgres://{credentials}@{host}/{db['NAME']}"


def poll(condition, *, timeout: float, interval: float = 0.05, what: str = "condition"):
    """Call `condition` until it returns something true; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(interval)


@dataclass
class WorkerSite:
    """The directories and environment the worker processes share with the test."""

    root: Path
    env: dict = field(default_factory=dict)
    started: list[subprocess.Popen] = field(default_factory=list)

    @property
    def mail_dir(self) -> Path:
        return self.root / "mail"

    def start(self, *, concurrency: int = 2, **extra_env) -> Worker:
        number = len(self.started) + 1
        log_path = self.root / f"worker-{number}.log"
        command = [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool=prefork"]
        command += [f"--concurrency={concurrency}", "--loglevel=INFO", f"--hostname=faults{number}-{os.getpid()}@%h"]
        command += ["--without-gossip", "--without-mingle", "--without-heartbeat"]
        with log_path.open("w") as log_file:
            process = subprocess.Popen(
                command,
                cwd=BASE_DIR,
                env={**self.env, **{key: str(value) for key, value in extra_env.items()}},
                stdout=log_file,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group: main process and pool children
            )
        self.started.append(process)
        worker = Worker(process=process, log_path=log_path)
        poll(worker.ready, timeout=60, interval=0.2, what=f"worker {number} to be ready:\n{worker.log_tail()}")
        return worker

    def stop_all(self) -> None:
        """Cold shutdown (SIGQUIT: no waiting for a pool that is idle by now; the test empties the
        broker afterwards in any case)."""
        for process in self.started:
            if process.poll() is None:
                _signal_group(process, signal.SIGQUIT)
                try:
                    process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    _signal_group(process, signal.SIGKILL)
                    process.wait(timeout=10)
            _signal_group(process, signal.SIGKILL)  # no pool child left behind

    # What the workers left

    def emails(self) -> list[email.message.EmailMessage]:
        return [
            email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
            for path in sorted(self.mail_dir.glob("*.eml"))
        ]

    def emails_by_recipient_and_subject(self) -> Counter:
        return Counter((str(message["To"]), " ".join(str(message["Subject"]).split())) for message in self.emails())

    def email_count(self) -> int:
        return len(list(self.mail_dir.glob("*.eml")))

    def in_flight(self, *, younger_than: float) -> int:
        """How many worker processes are in the middle of sending an e-mail, started less than
        `younger_than` seconds ago (see `mail.FileBackend`)."""
        now, count = time.time(), 0
        for marker in self.mail_dir.glob(f"*{IN_FLIGHT_SUFFIX}"):
            try:
                started = float(marker.read_text() or 0)
            except (FileNotFoundError, ValueError):  # just finished, or being written
                continue
            count += now - started < younger_than
        return count


def _signal_group(process: subprocess.Popen, signum: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signum)


@dataclass
class Worker:
    process: subprocess.Popen
    log_path: Path

    def ready(self) -> bool:
        if self.process.poll() is not None:
            raise AssertionError(f"the worker exited with {self.process.returncode}:\n{self.log_tail()}")
        return " ready." in self.log_path.read_text(errors="replace")

    def log_tail(self, lines: int = 60) -> str:
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])

    def kill(self) -> None:
        """SIGKILL the main process and its pool children at once: nothing is acknowledged,
        rejected or put back; their database connections drop, their transactions roll back."""
        _signal_group(self.process, signal.SIGKILL)
        self.process.wait(timeout=10)
        poll(lambda: not _group_alive(self.process.pid), timeout=10, what="the pool children to die")


def _group_alive(pgid: int) -> bool:
    for status in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = status.read_text().rsplit(")", 1)[1].split()
        except (FileNotFoundError, ProcessLookupError, IndexError):
            continue
        if fields[0] != "Z" and int(fields[2]) == pgid:  # state, ppid, pgrp
            return True
    return False


class Broker:
    """The Redis broker seen from the test: its queues and the messages taken and not acknowledged."""

    def __init__(self, url: str):
        self.client = redis.Redis.from_url(url)

    def flush(self) -> None:
        self.client.flushdb()

    def unacked(self) -> int:
        return self.client.hlen("unacked")

    def queued(self) -> int:
        return sum(self.client.llen(key) for key in self.client.keys("*") if self.client.type(key) == b"list")

    def idle(self) -> bool:
        """Nothing queued, nothing taken and unfinished."""
        return self.queued() == 0 and self.unacked() == 0


def worker_site(root: Path) -> WorkerSite:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.faults.worker_settings",
        "SECRET_KEY": os.environ.get("SECRET_KEY") or secrets.token_urlsafe(50),
        "DEBUG": "0",
        "DATABASE_URL": database_url(),
        "CONN_MAX_AGE": "0",
        "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
        "CELERY_VISIBILITY_TIMEOUT": str(VISIBILITY_TIMEOUT),
        "MEDIA_ROOT": str(root / "media"),
        "PRIVATE_MEDIA_ROOT": str(root / "private"),
        "FAULTS_EMAIL_DIR": str(root / "mail"),
        "WAGTAILADMIN_BASE_URL": settings.WAGTAILADMIN_BASE_URL,
        "LOG_LEVEL": "WARNING",
    }
    (root / "mail").mkdir(parents=True, exist_ok=True)
    return WorkerSite(root=root, env=env)
