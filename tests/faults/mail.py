"""E-mail backends of the fault tests, run by the real worker processes (`worker_settings`).

Each writes every message it sends to its own file (`<uuid>.eml`) under `EMAIL_FILE_PATH`, as
Django's file backend does but with no file shared between processes, so that the test counts
exactly what left. Both only make real sending slower or fail like a real SMTP server can.
"""

import os
import smtplib
import time
import uuid
from pathlib import Path

from django.conf import settings
from django.core.mail.backends.base import BaseEmailBackend

# In flight: a file `<pid>.sending` holds the time a message started "talking to the server".
IN_FLIGHT_SUFFIX = ".sending"


class FileBackend(BaseEmailBackend):
    """One file per message; `FAULTS_EMAIL_DELAY` seconds spent before it is accepted, like a slow
    SMTP server (the time a message is in flight, marked by a `<pid>.sending` file)."""

    def send_messages(self, email_messages):
        directory = Path(settings.EMAIL_FILE_PATH)
        directory.mkdir(parents=True, exist_ok=True)
        delay = float(os.environ.get("FAULTS_EMAIL_DELAY", "0"))
        sent = 0
        for message in email_messages:
            if delay:
                marker = directory / f"{os.getpid()}{IN_FLIGHT_SUFFIX}"
                marker.write_text(repr(time.time()))
                time.sleep(delay)
                self.accept(message)
                marker.unlink()
            else:
                self.accept(message)
            sent += 1
        return sent

    def accept(self, message) -> None:
        directory = Path(settings.EMAIL_FILE_PATH)
        partial = directory / f".{uuid.uuid4().hex}.part"
        partial.write_bytes(message.message().as_bytes())
        partial.rename(partial.with_name(partial.name[1:].removesuffix(".part") + ".eml"))  # whole or absent


class FailingOnceBackend(FileBackend):
    """The server refuses each message the first time it is offered (a temporary SMTP failure),
    then accepts it: the task's retry must send it, once."""

    def accept(self, message) -> None:
        refused = Path(settings.EMAIL_FILE_PATH) / "refused"
        refused.mkdir(parents=True, exist_ok=True)
        key = refused / uuid.uuid5(uuid.NAMESPACE_URL, f"{message.to}|{message.subject}").hex
        try:
            key.touch(exist_ok=False)
        except FileExistsError:
            super().accept(message)
            return
        raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed (refused once by the test server)")
