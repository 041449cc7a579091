"""A throwaway production deployment on this machine: its own PostgreSQL database, gunicorn,
a Celery worker and Celery beat as separate processes on the local Redis, production settings
(`config.settings`, `DEBUG=0`) over plain HTTP on 127.0.0.1.

The database comes from `bench.site` (created for the run, dropped after it); e-mails are
written to files (`EMAIL_URL=filemail://…`) that the journey reads like a mailbox.
"""

from __future__ import annotations

import datetime
import email
import email.policy
import os
import secrets
import socket
import subprocess
import sys
import time
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import psycopg
import redis
import requests

from bench.site import QUEUE, _database

BASE_DIR = Path(__file__).resolve().parent.parent.parent
HOST = "127.0.0.1"
PORTS = range(8111, 8120)  # tried in turn: the first free one serves
STARTUP_TIMEOUT = 60
STOP_TIMEOUT = 15
EMAIL_SEPARATOR = b"\n" + b"-" * 79 + b"\n"  # between two messages in a file of Django's file backend


@dataclass(frozen=True)
class Mail:
    to: list[str]
    subject: str
    body: str
    attachments: list[str]


@dataclass
class Process:
    name: str
    command: list[str]
    log_path: Path
    popen: subprocess.Popen | None = None

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""


@dataclass
class Deployment:
    base_url: str
    env: dict[str, str]
    tmp: Path
    database_url: str
    processes: dict[str, Process] = field(default_factory=dict)
    setup_outputs: list[str] = field(default_factory=list)
    timings: list[str] = field(default_factory=list)
    started: float = field(default_factory=time.monotonic)

    @property
    def mail_dir(self) -> Path:
        return self.tmp / "mail"

    # Processes
    # --------------------------------------------------------------------------

    def start(self, name: str, command: list[str]) -> Process:
        process = Process(name=name, command=command, log_path=self.tmp / f"{name}.log")
        log_file = process.log_path.open("a")
        process.popen = subprocess.Popen(
            command, cwd=BASE_DIR, env=self.env, stdout=log_file, stderr=subprocess.STDOUT, start_new_session=True
        )
        log_file.close()
        self.processes[name] = process
        return process

    def stop(self, name: str) -> None:
        """Terminate (SIGTERM, a warm shutdown for Celery), then kill whatever is left after a while."""
        process = self.processes[name]
        if process.popen is None or process.popen.poll() is not None:
            return
        process.popen.terminate()
        try:
            process.popen.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            process.popen.kill()
            process.popen.wait(timeout=STOP_TIMEOUT)

    def stop_all(self) -> None:
        """Terminate every process at once, then wait for each (killing what is left after a while)."""
        for process in self.processes.values():
            if process.popen is not None and process.popen.poll() is None:
                process.popen.terminate()
        for name in self.processes:
            self.stop(name)
            self.mark(f"{name} stopped")

    def alive(self, name: str) -> bool:
        popen = self.processes[name].popen
        return popen is not None and popen.poll() is None

    def mark(self, step: str) -> None:
        """Record how long the set-up took so far (shown with the logs)."""
        self.timings.append(f"{time.monotonic() - self.started:6.1f} s  {step}")

    def logs(self) -> str:
        """Every process's output, for the report of a failed test."""
        return (
            "===== set-up =====\n"
            + "\n".join(self.timings)
            + "\n"
            + "\n".join(
                f"===== {name} ({'running' if self.alive(name) else 'stopped'}) =====\n{process.log()[-20000:]}"
                for name, process in self.processes.items()
            )
        )

    def log_size(self, name: str) -> int:
        return len(self.processes[name].log())

    def wait_for_log(self, name: str, text: str, *, timeout: float = 30, after: int = 0) -> str:
        """Wait until the process's log shows `text` (past the first `after` characters); returns the log."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            log = self.processes[name].log()
            if text in log[after:]:
                return log
            if not self.alive(name):
                break
            time.sleep(0.25)
        raise AssertionError(f"{name} did not log {text!r} within {timeout} s:\n{self.processes[name].log()[-5000:]}")

    # Commands
    # --------------------------------------------------------------------------

    def manage(self, *args: str, env: dict[str, str] | None = None) -> str:
        """Run a management command against the deployment, as an operator would; its output."""
        result = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=BASE_DIR,
            env={**self.env, **(env or {})},
            capture_output=True,
            text=True,
            check=False,
            timeout=180,
        )
        if result.returncode != 0:
            raise AssertionError(f"manage.py {' '.join(args[:1])} failed:\n{result.stdout}\n{result.stderr}")
        return result.stdout

    def sql(self, query: str, *params) -> list[tuple]:
        """Rows of the deployment's database, read directly."""
        with psycopg.connect(self.database_url) as connection:
            return connection.execute(query, params).fetchall()

    # Mailbox
    # --------------------------------------------------------------------------

    def mails(self) -> list[Mail]:
        messages = []
        for path in sorted(self.mail_dir.glob("*.log"), key=lambda p: p.stat().st_mtime):
            for chunk in path.read_bytes().split(EMAIL_SEPARATOR):
                if not chunk.strip():
                    continue
                message = email.message_from_bytes(chunk.lstrip(b"\n"), policy=email.policy.default)
                body = message.get_body(preferencelist=("plain",))
                messages.append(
                    Mail(
                        to=[address.strip() for address in str(message["To"]).split(",")],
                        subject=str(message["Subject"]),
                        body=body.get_content() if body is not None else "",
                        attachments=[part.get_filename() for part in message.iter_attachments()],
                    )
                )
        return messages

    def mails_to(self, address: str) -> list[Mail]:
        return [mail for mail in self.mails() if address in mail.to]

    def wait_for_mail(self, *, to: str, containing: str, timeout: float = 30) -> Mail:
        """The first e-mail to `to` whose text contains `containing`, once it has arrived."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for mail in self.mails_to(to):
                if containing in mail.body:
                    return mail
            time.sleep(0.25)
        seen = [(mail.to, mail.subject) for mail in self.mails()]
        raise AssertionError(f"No e-mail to {to} containing {containing!r} within {timeout} s; seen: {seen}")


def _port() -> int:
    for port in PORTS:
        with socket.socket() as probe:
            try:
                probe.bind((HOST, port))
            except OSError:
                continue
            return port
    raise RuntimeError(f"No free port in {PORTS.start}–{PORTS.stop - 1}")


def _database_name() -> str:
    return f"{urlsplit(os.environ['DATABASE_URL']).path.lstrip('/')}_stack"


@contextmanager
def deployment(tmp: Path, *, operator_commands: list[tuple[tuple[str, ...], dict[str, str]]] = ()):
    """Migrate a fresh database, collect the static files, run the operator's set-up commands,
    start gunicorn (2 workers), a Celery worker and Celery beat; yield the `Deployment`; stop them
    all and drop the database. The outputs of `operator_commands` are in `setup_outputs`."""
    with _database(tmp, name=_database_name()) as database_url, ExitStack() as running:
        port = _port()
        base_url = f"http://{HOST}:{port}"
        for directory in ("mail", "media", "private", "static"):
            (tmp / directory).mkdir()
        env = {
            **{key: value for key, value in os.environ.items() if not key.startswith(("DJANGO_", "PYTEST"))},
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DEBUG": "0",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "ALLOWED_HOSTS": HOST,
            "CSRF_TRUSTED_ORIGINS": base_url,
            # Plain HTTP on the loopback: no redirect to HTTPS, cookies not restricted to it.
            "SECURE_SSL_REDIRECT": "0",
            "SESSION_COOKIE_SECURE": "0",
            "CSRF_COOKIE_SECURE": "0",
            "SECURE_HSTS_SECONDS": "0",
            "DATABASE_URL": database_url,
            "CELERY_BROKER_URL": os.environ["CELERY_BROKER_URL"],
            "CACHE_URL": os.environ.get("CACHE_URL", "locmemcache://"),
            # Three slashes then the absolute path: django-environ drops the first slash of the path.
            "EMAIL_URL": f"filemail:///{tmp / 'mail'}",
            "MEDIA_ROOT": str(tmp / "media"),
            "PRIVATE_MEDIA_ROOT": str(tmp / "private"),
            "STATIC_ROOT": str(tmp / "static"),
            "WAGTAILADMIN_BASE_URL": base_url,
            "LOG_LEVEL": "INFO",
        }
        site = Deployment(base_url=base_url, env=env, tmp=tmp, database_url=database_url)
        # The broker may be shared with the rest of the test suite: its queue starts and ends empty.
        _queue_purge(env["CELERY_BROKER_URL"])
        running.callback(_queue_purge, env["CELERY_BROKER_URL"])
        running.callback(site.stop_all)
        # The slow steps side by side: the schema, then the operator's commands; the static files.
        collectstatic = _spawn(site, ["manage.py", "collectstatic", "--noinput", "-v0"])
        site.manage("migrate", "--noinput", "-v0")
        site.mark("migrated")
        commands = [_spawn(site, ["manage.py", *args], env=extra) for args, extra in operator_commands]
        site.setup_outputs = [_finish(command, "set-up command") for command in commands]
        site.mark("operator set-up done")
        _finish(collectstatic, "collectstatic")
        site.mark("static files collected")

        site.start(
            "gunicorn", [sys.executable, "-m", "gunicorn", "config.wsgi", f"--bind={HOST}:{port}", "--workers=2"]
        )
        site.start(
            "worker",
            [sys.executable, "-m", "celery", "-A", "config", "worker", "--concurrency=2", "--loglevel=INFO"]
            + [f"--hostname=stack-{os.getpid()}@%h", "--without-gossip", "--without-mingle"],
        )
        beat_start(site, overdue=BEAT_ENTRIES)
        _wait_until_up(site)
        site.mark("gunicorn answers")
        site.wait_for_log("worker", " ready.", timeout=STARTUP_TIMEOUT)
        site.mark("worker ready")
        yield site


def _queue_purge(broker_url: str) -> None:
    """Empty Celery's default queue on a Redis broker (a list per priority step, as Kombu names them)."""
    connection = redis.Redis.from_url(broker_url)
    try:
        connection.delete(QUEUE, *(f"{QUEUE}\x06\x16{step}" for step in (3, 6, 9)))
    finally:
        connection.close()


def _spawn(site: Deployment, args: list[str], env: dict[str, str] | None = None) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, *args],
        cwd=BASE_DIR,
        env={**site.env, **(env or {})},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def _finish(process: subprocess.Popen, what: str) -> str:
    output, _stderr = process.communicate(timeout=300)
    assert process.returncode == 0, f"{what} failed ({' '.join(process.args[1:3])}):\n{output}"
    return output


# Beat
# ------------------------------------------------------------------------------

BEAT_ENTRIES = ("expire-offers", "send-reminders", "send-due-surveys", "remind-overdue-complaints")


def beat_start(site: Deployment, *, overdue: tuple[str, ...] = ()) -> Process:
    """Start Celery beat on its schedule file; the `overdue` entries are recorded as last run
    two hours ago, as when beat was down meanwhile: it sends them as soon as it starts."""
    schedule = site.tmp / "beat-schedule"
    if overdue:
        _beat_overdue(schedule, overdue)
    return site.start(
        "beat", [sys.executable, "-m", "celery", "-A", "config", "beat", f"--schedule={schedule}", "--loglevel=INFO"]
    )


def _beat_overdue(schedule: Path, names: tuple[str, ...]) -> None:
    """Record these entries of the schedule file as last run a day ago (beat reads them when it starts)."""
    from celery.beat import PersistentScheduler

    from config.celery import app  # configured from the same CELERY_* settings as the deployment's

    scheduler = PersistentScheduler(app=app, schedule_filename=str(schedule), lazy=False)
    try:
        for name in names:
            scheduler.schedule[name].last_run_at = app.now() - datetime.timedelta(hours=25)
        scheduler.sync()
    finally:
        scheduler.close()


def _wait_until_up(site: Deployment) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while time.monotonic() < deadline:
        if not site.alive("gunicorn"):
            raise RuntimeError(f"gunicorn stopped:\n{site.logs()}")
        try:
            if requests.get(f"{site.base_url}/accounts/login/", timeout=2).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.25)
    raise RuntimeError(f"gunicorn did not answer within {STARTUP_TIMEOUT} s:\n{site.logs()}")


def paris_now() -> datetime.datetime:
    from zoneinfo import ZoneInfo

    return datetime.datetime.now(ZoneInfo("Europe/Paris"))
