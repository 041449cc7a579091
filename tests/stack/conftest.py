"""The production topology (gunicorn + Celery worker + Celery beat on PostgreSQL and Redis), started
once for the module. It needs what CI provides: a PostgreSQL `DATABASE_URL` and a broker."""

import json
import os
import tempfile
from pathlib import Path

import pytest

from .deployment import deployment
from .operator_setup import OPERATOR_COMMANDS

NEEDS = pytest.mark.skipif(
    not os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://"))
    or not os.environ.get("CELERY_BROKER_URL"),
    reason="needs PostgreSQL (DATABASE_URL) and a broker (CELERY_BROKER_URL), as CI sets",
)


@pytest.fixture(scope="module")
def stack():
    """The deployment, with what the operator set up (`site.ids`: the session, its half-day, the course)."""
    with (
        tempfile.TemporaryDirectory(prefix="formations-stack-") as tmp,
        deployment(Path(tmp), operator_commands=OPERATOR_COMMANDS) as site,
    ):
        site.ids = json.loads(site.setup_outputs[0].strip().splitlines()[-1])
        yield site


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """A failed step of the journey shows what every process logged."""
    report = yield
    site = item.funcargs.get("stack") if hasattr(item, "funcargs") else None
    if report.failed and site is not None:
        report.sections.append(("stack processes", site.logs()))
    return report
