"""Settings of the real worker processes the fault tests start: production's, with e-mails written
to files (`tests.faults.mail`) that the test counts."""

import os

from config.settings import *  # noqa: F403

EMAIL_BACKEND = os.environ.get("FAULTS_EMAIL_BACKEND", "tests.faults.mail.FileBackend")
EMAIL_FILE_PATH = os.environ["FAULTS_EMAIL_DIR"]
