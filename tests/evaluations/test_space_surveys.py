"""The learner's space lists the surveys waiting for them (and those answered, still editable)."""

import pytest

from django.urls import reverse

from evaluations.services.responses import response_submit

pytestmark = pytest.mark.django_db


def test_the_learner_space_lists_the_surveys_waiting_and_those_answered(client, hot_campaign):
    waiting, answered = hot_campaign.invitations.select_related("registration__user")[:2]
    response_submit(token=answered.token, values={"attentes": 4, "objectifs": 4})

    client.force_login(waiting.registration.user)
    page = client.get(reverse("training:space")).content.decode()
    assert reverse("evaluations:answer", args=[waiting.token]) in page
    assert answered.token not in page

    client.force_login(answered.registration.user)
    page = client.get(reverse("training:space")).content.decode()
    assert reverse("evaluations:answer", args=[answered.token]) in page
