"""Who was shown whose accessibility needs (health data): one entry per person shown, in Wagtail's log.

The entries appear in each registration's history and in the site history report of the back
office (Rapports), so the référent RGPD can answer "who read this?". They are written where the
needs are displayed: the registration's page and the session's registrations in the back office,
and the trainer's session page.
"""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from wagtail.models import ModelLogEntry

from ..models import Registration

ACCESSIBILITY_NEEDS_VIEWED = "training.accessibility_needs.view"


def accessibility_needs_view_log(*, user, registrations, where: str, session=None) -> int:
    """Record that `user` was shown the needs of these registrations (those that have some); how many.

    `session`, when all registrations belong to it, names them without a query each."""
    shown = [registration for registration in registrations if registration.accessibility_needs]
    if not shown:
        return 0
    content_type = ContentType.objects.get_for_model(Registration)
    now = timezone.now()
    ModelLogEntry.objects.bulk_create(
        ModelLogEntry(
            content_type=content_type,
            object_id=str(registration.pk),
            label=f"{registration.user} — {(session or registration.session).code}",
            action=ACCESSIBILITY_NEEDS_VIEWED,
            data={"where": where},
            timestamp=now,
            user=user,
        )
        for registration in shown
    )
    return len(shown)
