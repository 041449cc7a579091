"""What the surveys' back-office views share: permissions and the URLs between pages."""

from __future__ import annotations

from urllib.parse import urlencode

from django.core.exceptions import PermissionDenied
from django.urls import reverse

from wagtail.admin.views.generic.permissions import PermissionCheckedMixin

from ..models import Campaign

VIEW_CAMPAIGN = "evaluations.view_campaign"
ACT_ON_CAMPAIGN = "evaluations.add_campaign"  # launch, remind, invite one more person
VIEW_INVITATION = "evaluations.view_invitation"
VIEW_RESPONSE = "evaluations.view_response"
ADD_ACTION = "evaluations.add_improvementaction"
ADD_COMPLAINT = "evaluations.add_complaint"
CHANGE_QUESTIONNAIRE = "evaluations.change_questionnaire"


class SurveyPermissionMixin(PermissionCheckedMixin):
    """The model permission of Wagtail's policy (`permission_required`, an action on `model`), and
    every permission of `also_required`. Wagtail turns a refusal into a message and a redirect."""

    model = Campaign
    permission_required = "view"
    also_required: tuple[str, ...] = ()

    def dispatch(self, request, *args, **kwargs):
        if self.also_required and not request.user.has_perms(self.also_required):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)


def campaign_url(campaign_id: int) -> str:
    return reverse("survey_campaigns:results", args=[campaign_id])


def results_url(**params) -> str:
    query = urlencode({key: value for key, value in params.items() if value not in (None, "")})
    return reverse("survey_results:index") + (f"?{query}" if query else "")


def quality_create_urls(response_id: int) -> dict[str, str]:
    """The prefilled forms turning a response into an improvement action or a complaint."""
    query = urlencode({"response": response_id})
    return {
        "action": f"{reverse('improvement_actions:add')}?{query}",
        "complaint": f"{reverse('complaints:add')}?{query}",
    }
