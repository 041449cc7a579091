"""Celery tasks of the surveys: thin, primary keys in, idempotent (see `services.campaigns`)."""

from smtplib import SMTPException

from celery import shared_task

from training.services.registrations import registration_reminders_send

from .services.campaigns import invitation_remind, invitation_send, reminders_due_send, surveys_due_send
from .services.complaints import complaint_message_send, complaints_overdue_remind


@shared_task
def surveys_due_send_task() -> int:
    return surveys_due_send()


@shared_task
def reminders_send_task() -> dict:
    """The morning reminders: trainees before their session, then people who have not answered a survey."""
    return {"registrations": registration_reminders_send(), "surveys": reminders_due_send()}


@shared_task(autoretry_for=(SMTPException, ConnectionError), retry_backoff=True, max_retries=6)
def invitation_send_task(invitation_id: int) -> bool:
    return invitation_send(invitation_id=invitation_id)


@shared_task(autoretry_for=(SMTPException, ConnectionError), retry_backoff=True, max_retries=6)
def invitation_remind_task(invitation_id: int, manual: bool = False) -> bool:
    return invitation_remind(invitation_id=invitation_id, manual=manual)


@shared_task
def history_import_run_task(upload_id: int) -> bool:
    from .services.history_imports import history_import_run

    return history_import_run(upload_id=upload_id)


# Complaints (Qualiopi indicator 31)
# ------------------------------------------------------------------------------


@shared_task(autoretry_for=(SMTPException, ConnectionError), retry_backoff=True, max_retries=6)
def complaint_message_send_task(complaint_id: int, kind: str) -> bool:
    return complaint_message_send(complaint_id=complaint_id, kind=kind)


@shared_task
def complaints_overdue_remind_task() -> int:
    """The morning reminder of the complaints past their deadline (once a day per complaint)."""
    return complaints_overdue_remind()


@shared_task
def evidence_pack_build_task(pack_id: int) -> str:
    """Build a Qualiopi evidence pack (`evidence.evidence_pack_build`): nothing twice for a pack already built."""
    from .evidence import evidence_pack_build

    return evidence_pack_build(pack_id=pack_id).status
