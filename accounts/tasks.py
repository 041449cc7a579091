"""Celery tasks of the accounts app: thin, idempotent."""

from celery import shared_task

from .retention import personal_data_purge


@shared_task
def personal_data_purge_task() -> dict[str, int]:
    """The nightly purge (Celery beat): what expired is anonymised or deleted, counts returned."""
    return personal_data_purge().counts
