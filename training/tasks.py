"""Celery tasks of the training domain: thin, primary keys in, idempotent."""

from smtplib import SMTPException

from celery import shared_task

from .services.absences import absence_alert_send
from .services.documents import document_batch_run, document_batch_session_run
from .services.messages import registration_message_send
from .services.registrations import registration_offers_expire


@shared_task(autoretry_for=(SMTPException, ConnectionError), retry_backoff=True, max_retries=6)
def registration_message_send_task(registration_id: int, kind: str) -> bool:
    return registration_message_send(registration_id=registration_id, kind=kind)


@shared_task
def registration_offers_expire_task() -> int:
    return registration_offers_expire()


@shared_task(autoretry_for=(SMTPException, ConnectionError), retry_backoff=True, max_retries=6)
def absence_alert_send_task(sheet_id: int) -> bool:
    return absence_alert_send(sheet_id=sheet_id)


@shared_task
def document_batch_run_task(batch_id: int) -> None:
    document_batch_run(batch_id=batch_id)


@shared_task
def document_batch_session_task(batch_id: int, session_id: int) -> None:
    document_batch_session_run(batch_id=batch_id, session_id=session_id)


@shared_task
def data_export_run_task(export_id: int) -> bool:
    from .exports import data_export_run

    return data_export_run(export_id=export_id)
