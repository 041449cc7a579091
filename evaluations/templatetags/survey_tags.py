"""The surveys waiting for a person, for their space (`{% load survey_tags %}{% my_surveys user %}`)."""

from django import template
from django.utils import timezone

from ..choices import CampaignStatus
from ..models import Invitation

register = template.Library()


@register.inclusion_tag("evaluations/space_surveys.html")
def my_surveys(user):
    """Open surveys sent to the person: to answer, or answered and still editable (one query)."""
    invitations = list(
        Invitation.objects.filter(
            registration__user=user,
            sent_at__isnull=False,
            campaign__status=CampaignStatus.OPEN,
            campaign__closes_at__gt=timezone.now(),
        )
        .select_related("campaign__questionnaire", "campaign__session__course")
        .order_by("campaign__closes_at")
    )
    return {
        "waiting": [i for i in invitations if i.answered_at is None],
        "answered": [i for i in invitations if i.answered_at is not None and not i.campaign.questionnaire.anonymous],
    }
