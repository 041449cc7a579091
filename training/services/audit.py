"""The audit log of sensitive data, in Wagtail's log (each object's history and the site history
report of the back office, Rapports › Historique du site, filtered by action).

- Who was shown whose accessibility needs (health data): one entry per person or adaptation
  shown, written where they are displayed or exported: the trainer's session page, the
  registration, the session's registrations and a person's data export in the back office, and
  the register of adaptations (list, form, export). The référent RGPD answers "who read this?".
- Every change to attendance made by the coordination after the trainer's lock, and every paper
  sheet recorded, with who, why and the values before and after (`training.services.attendance`
  also keeps them in the proof chain).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from wagtail.log_actions import log
from wagtail.models import ModelLogEntry

from ..models import Registration

ACCESSIBILITY_NEEDS_VIEWED = "training.accessibility_needs.view"
ATTENDANCE_CORRECTED = "training.attendance.correct"
ATTENDANCE_PAPER_RECORDED = "training.attendance.paper_record"


def health_data_view_log(*, user, instances: Iterable, where: str, label: Callable[[object], str] = str) -> int:
    """Record that `user` was shown the health data of these objects (`where`: the page); how many."""
    instances = list(instances)
    if not instances:
        return 0
    content_types = ContentType.objects.get_for_models(*{type(instance) for instance in instances})
    now = timezone.now()
    ModelLogEntry.objects.bulk_create(
        ModelLogEntry(
            content_type=content_types[type(instance)],
            object_id=str(instance.pk),
            label=label(instance)[:255],
            action=ACCESSIBILITY_NEEDS_VIEWED,
            data={"where": where},
            timestamp=now,
            user=user,
        )
        for instance in instances
    )
    return len(instances)


def accessibility_needs_view_log(*, user, registrations, where: str, session=None) -> int:
    """Record that `user` was shown the needs of these registrations (those that have some); how many.

    `session`, when all registrations belong to it, names them without a query each."""
    return health_data_view_log(
        user=user,
        instances=[registration for registration in registrations if registration.accessibility_needs],
        where=where,
        label=lambda registration: f"{registration.user} — {(session or registration.session).code}",
    )


def attendance_correction_log(*, registration: Registration, slot, user, before: dict, after: dict, reason: str):
    """A locked half-day's attendance changed by the coordination: in the registration's history."""
    log(
        registration,
        ATTENDANCE_CORRECTED,
        user=user,
        data={"slot_id": slot.pk, "slot": str(slot), "before": before, "after": after, "reason": reason},
    )


def attendance_paper_record_log(*, scan, slots, recorded: dict[int, list[dict]], user):
    """Half-days recorded and locked from a scanned paper sheet: in the session's history, with what was read."""
    log(
        scan.session,
        ATTENDANCE_PAPER_RECORDED,
        user=user,
        data={
            "scan_id": scan.pk,
            "scan_sha256": scan.sha256,
            "slots": [{"slot_id": slot.pk, "slot": str(slot), "marks": recorded.get(slot.pk, [])} for slot in slots],
        },
    )
