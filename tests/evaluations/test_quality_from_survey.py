"""Turning a survey answer into a quality record: an improvement action (indicator 32) or a
complaint (indicator 31), from the services and from the back office's prefilled forms."""

import datetime

import pytest
from freezegun import freeze_time

from django.contrib.auth.models import Group, Permission
from django.urls import reverse

from accounts.roles import COORDINATION, roles_sync
from evaluations.choices import QuestionnaireKind
from evaluations.exceptions import SurveyError
from evaluations.models import (
    ActionSource,
    ActionStatus,
    Complaint,
    ComplaintStatus,
    ImprovementAction,
    Questionnaire,
)
from evaluations.results import response_for_quality
from evaluations.services.campaigns import campaign_open
from evaluations.services.quality import (
    complaint_create_from_response,
    complaint_initial,
    improvement_action_create_from_response,
    improvement_action_initial,
)
from evaluations.services.responses import response_submit
from tests.clock import NOW
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

LATER = NOW + datetime.timedelta(hours=1)


@pytest.fixture(autouse=True)
def _frozen():
    with freeze_time(LATER):
        yield


@pytest.fixture
def coordinator():
    roles_sync()
    user = UserFactory(first_name="Claire", last_name="Coordinatrice")
    user.groups.add(Group.objects.get(name=COORDINATION))
    return user


@pytest.fixture
def coordinator_client(client, coordinator):
    client.force_login(coordinator)
    return client


@pytest.fixture
def unhappy(hot_campaign):
    """A named response with low answers and a comment."""
    invitation = hot_campaign.invitations.select_related("registration__user").order_by("pk").first()
    response_submit(
        token=invitation.token,
        values={
            "attentes": 1,
            "objectifs": 2,
            "recommandation": 3,
            "commentaire": "Salle glaciale, pauses trop courtes.",
        },
        now=LATER,
    )
    return response_for_quality(response_id=invitation.response.pk)


@pytest.fixture
def anonymous_unhappy(held_session, hot_questionnaire):
    Questionnaire.objects.filter(pk=hot_questionnaire.pk).update(anonymous=True)
    campaign = campaign_open(kind=QuestionnaireKind.HOT, session=held_session, now=NOW)
    invitation = campaign.invitations.order_by("pk").first()
    response = response_submit(
        token=invitation.token, values={"attentes": 1, "objectifs": 1, "commentaire": "Propos déplacés."}, now=LATER
    )
    return response_for_quality(response_id=response.pk)


# Services
# ------------------------------------------------------------------------------


def test_an_improvement_action_from_a_response_is_linked_to_it_and_its_session(unhappy, coordinator):
    action = improvement_action_create_from_response(
        response=unhappy, title="Revoir le chauffage de la salle", by=coordinator
    )

    action.refresh_from_db()
    assert (action.source, action.source_response, action.session) == (
        ActionSource.SURVEY,
        unhappy,
        unhappy.campaign.session,
    )
    assert (action.status, action.owner) == (ActionStatus.PLANNED, coordinator)


def test_an_improvement_action_needs_a_title(unhappy):
    with pytest.raises(SurveyError) as error:
        improvement_action_create_from_response(response=unhappy, title="  ")
    assert error.value.code == "title_required"
    assert not ImprovementAction.objects.exists()


def test_a_complaint_from_a_response_is_received_when_the_answer_was_given(unhappy, coordinator):
    user = unhappy.registration.user
    complaint = complaint_create_from_response(
        response=unhappy,
        subject="Conditions d'accueil",
        description="Salle glaciale, pauses trop courtes.",
        complainant=user.get_full_name(),
        email=user.email,
        by=coordinator,
    )

    complaint.refresh_from_db()
    assert complaint.received_at == unhappy.submitted_at
    assert (complaint.source_response, complaint.session) == (unhappy, unhappy.campaign.session)
    assert (complaint.status, complaint.owner, complaint.email) == (ComplaintStatus.RECEIVED, coordinator, user.email)


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"subject": "", "description": "Texte"}, "subject_required"),
        ({"subject": "Accueil", "description": " "}, "description_required"),
    ],
)
def test_a_complaint_needs_a_subject_and_a_description(unhappy, fields, code):
    with pytest.raises(SurveyError) as error:
        complaint_create_from_response(response=unhappy, **fields)
    assert error.value.code == code
    assert not Complaint.objects.exists()


def test_a_complaint_from_an_anonymous_answer_names_nobody(anonymous_unhappy):
    assert (
        complaint_initial(response=anonymous_unhappy)["complainant"],
        complaint_initial(response=anonymous_unhappy)["email"],
    ) == ("", "")

    with pytest.raises(SurveyError) as error:
        complaint_create_from_response(
            response=anonymous_unhappy, subject="Propos", description="Propos déplacés.", email="quelqu.un@exemple.fr"
        )
    assert error.value.code == "anonymous_response"

    complaint = complaint_create_from_response(
        response=anonymous_unhappy, subject="Propos", description="Propos déplacés."
    )
    assert (complaint.complainant, complaint.email, complaint.session) == ("", "", anonymous_unhappy.campaign.session)


def test_the_forms_start_from_the_answer(unhappy):
    action = improvement_action_initial(response=unhappy)
    assert "2026-CPS1-12-01" in action["title"]
    assert "Salle glaciale, pauses trop courtes." in action["description"]
    assert "La formation a-t-elle répondu à vos attentes ? 1" in action["description"]  # the low answers quoted
    assert "Les objectifs annoncés ont-ils été atteints ? 2" in action["description"]

    complaint = complaint_initial(response=unhappy)
    user = unhappy.registration.user
    assert (complaint["complainant"], complaint["email"]) == (user.get_full_name(), user.email)
    assert complaint["received_at"] == unhappy.submitted_at
    assert complaint["description"] == "Salle glaciale, pauses trop courtes."


# The back office's buttons
# ------------------------------------------------------------------------------


def test_the_action_button_opens_a_prefilled_form_that_records_a_linked_action(
    coordinator_client, coordinator, unhappy
):
    url = reverse("improvement_actions:add") + f"?response={unhappy.pk}"
    page = coordinator_client.get(url)
    assert page.status_code == 200
    form = page.context["form"]
    assert form.initial["title"] == improvement_action_initial(response=unhappy)["title"]
    assert form.initial["owner"] == coordinator.pk
    assert set(form.fields) == {"title", "description", "status", "owner", "due_on"}
    assert "Salle glaciale, pauses trop courtes." in page.content.decode()  # the answer, above the form

    response = coordinator_client.post(
        url,
        {
            "title": "Revoir le chauffage",
            "description": "Voir avec le lieu.",
            "status": ActionStatus.PLANNED,
            "owner": coordinator.pk,
            "due_on": "15/12/2026",
        },
    )

    assert response.status_code == 302
    action = ImprovementAction.objects.get()
    assert (action.source, action.source_response_id, action.session_id) == (
        ActionSource.SURVEY,
        unhappy.pk,
        unhappy.campaign.session_id,
    )
    assert action.due_on == datetime.date(2026, 12, 15)
    campaign_page = coordinator_client.get(reverse("survey_campaigns:results", args=[unhappy.campaign_id]))
    assert reverse("improvement_actions:edit", args=[action.pk]) in campaign_page.content.decode()


def test_the_complaint_button_records_a_complaint_received_when_answered(coordinator_client, coordinator, unhappy):
    url = reverse("complaints:add") + f"?response={unhappy.pk}"
    initial = coordinator_client.get(url).context["form"].initial
    assert initial["description"] == "Salle glaciale, pauses trop courtes."

    response = coordinator_client.post(
        url,
        {
            "received_at": "22/11/2026 11:00",
            "complainant": initial["complainant"],
            "email": initial["email"],
            "subject": "Conditions d'accueil",
            "description": initial["description"],
            "status": ComplaintStatus.RECEIVED,
            "owner": coordinator.pk,
        },
    )

    assert response.status_code == 302
    complaint = Complaint.objects.get()
    assert (complaint.source_response_id, complaint.session_id) == (unhappy.pk, unhappy.campaign.session_id)
    assert complaint.email == unhappy.registration.user.email


def test_the_complaint_form_of_an_anonymous_answer_asks_for_no_name(coordinator_client, coordinator, anonymous_unhappy):
    url = reverse("complaints:add") + f"?response={anonymous_unhappy.pk}"
    assert not {"complainant", "email"} & set(coordinator_client.get(url).context["form"].fields)

    coordinator_client.post(
        url,
        {
            "received_at": "22/11/2026 00:00",
            "complainant": "Quelqu'un",  # not a field of this form: ignored
            "subject": "Propos déplacés",
            "description": "Propos déplacés.",
            "status": ComplaintStatus.RECEIVED,
            "owner": coordinator.pk,
        },
    )

    complaint = Complaint.objects.get()
    assert (complaint.complainant, complaint.source_response_id) == ("", anonymous_unhappy.pk)


def test_a_form_from_a_response_needs_the_right_to_read_responses(client, unhappy):
    roles_sync()
    quality = UserFactory()
    group = Group.objects.create(name="Qualité")
    group.permissions.add(
        *Permission.objects.filter(codename__in=["access_admin", "add_improvementaction", "view_improvementaction"])
    )
    quality.groups.add(group)
    client.force_login(quality)

    assert client.get(reverse("improvement_actions:add")).status_code == 200  # a plain action
    response = client.get(reverse("improvement_actions:add") + f"?response={unhappy.pk}")
    assert (response.status_code, response["Location"]) == (302, reverse("wagtailadmin_home"))


def test_an_unknown_response_is_not_found(coordinator_client):
    assert coordinator_client.get(reverse("complaints:add") + "?response=999999").status_code == 404
    assert coordinator_client.get(reverse("complaints:add") + "?response=abc").status_code == 404


def test_actions_and_complaints_are_listed_by_status(coordinator_client, unhappy):
    done = improvement_action_create_from_response(response=unhappy, title="Chauffage réparé", status=ActionStatus.DONE)
    planned = improvement_action_create_from_response(response=unhappy, title="Allonger les pauses")
    complaint = complaint_create_from_response(response=unhappy, subject="Accueil", description="Froid")

    listed = coordinator_client.get(reverse("improvement_actions:index") + "?status=done").context["object_list"]
    assert [action.pk for action in listed] == [done.pk]
    listed = coordinator_client.get(reverse("improvement_actions:index")).context["object_list"]
    assert {action.pk for action in listed} == {done.pk, planned.pk}
    listed = coordinator_client.get(reverse("complaints:index") + "?status=received").context["object_list"]
    assert [item.pk for item in listed] == [complaint.pk]
    assert coordinator_client.get(reverse("complaints:index") + "?status=closed").context["object_list"].count() == 0
    edit = coordinator_client.get(reverse("complaints:edit", args=[complaint.pk]))
    assert edit.status_code == 200
