"""The coordinator's survey back office: questionnaires and their edit rules, a campaign's page
(figures, comments, remind now, adding a person), launching a survey, the results across
campaigns, permissions and the number of queries."""

import datetime
from decimal import Decimal

import pytest
from freezegun import freeze_time

from django.contrib.auth.models import Group, Permission
from django.contrib.messages import get_messages
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from wagtail.test.utils.form_data import inline_formset, nested_form_data

from accounts.roles import COORDINATION, TRAINERS, roles_sync
from evaluations.choices import CampaignOrigin, CampaignStatus, QuestionnaireKind
from evaluations.models import Campaign, Invitation, Question, Questionnaire, SurveyOptOut
from evaluations.services.campaigns import campaign_open
from evaluations.services.responses import response_submit
from tests.clock import NOW
from tests.factories import (
    OrganisationFactory,
    RegistrationFactory,
    SessionFactory,
    UserFactory,
    course_create,
    slots_create,
)
from training.choices import Funding, RegistrationStatus, SessionStatus

pytestmark = pytest.mark.django_db

LATER = NOW + datetime.timedelta(hours=1)
NEXT_DAY = NOW + datetime.timedelta(days=1)


@pytest.fixture(autouse=True)
def _frozen():
    with freeze_time(LATER) as frozen:
        yield frozen


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


def _messages(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def _invitations(campaign):
    return list(campaign.invitations.select_related("registration__user").order_by("pk"))


def _answer(invitation, **values):
    return response_submit(token=invitation.token, values=values, now=LATER)


def _page(campaign) -> str:
    return reverse("survey_campaigns:results", args=[campaign.pk])


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


# Questionnaires and their edit rules
# ------------------------------------------------------------------------------


def _edit_data(questionnaire, rows=None, **fields) -> dict:
    """The edit form as the browser posts it: the questionnaire's fields and each question's."""
    initial = questionnaire.questions.count()
    if rows is None:
        rows = _question_rows(questionnaire)
    data = {
        "title": questionnaire.title,
        "slug": questionnaire.slug,
        "kind": questionnaire.kind,
        "introduction": questionnaire.introduction,
        **({"is_active": "on"} if questionnaire.is_active else {}),
        **({"anonymous": "on"} if questionnaire.anonymous else {}),
        **fields,
        "questions": inline_formset(rows, initial=initial),
    }
    return nested_form_data({key: value for key, value in data.items() if value is not None})


def _edit(client, questionnaire, rows=None, **fields):
    return client.post(
        reverse("questionnaires:edit", args=[questionnaire.pk]), _edit_data(questionnaire, rows, **fields)
    )


def _question_rows(questionnaire) -> list[dict]:
    return [
        {
            "id": question.pk,
            "key": question.key,
            "text": question.text,
            "help_text": question.help_text,
            "type": question.type,
            "options": question.options,
            "indicator": question.indicator,
            **({"required": "on"} if question.required else {}),
        }
        for question in questionnaire.questions.order_by("sort_order")
    ]


def _form_errors(response) -> dict:
    form = response.context["form"]
    errors = {key: [error.code for error in value.as_data()] for key, value in form.errors.items()}
    for index, child in enumerate(form.formsets["questions"].forms):
        for key, value in child.errors.items():
            errors[f"questions-{index}-{key}"] = list(value)
    return errors


def test_questionnaire_list_shows_kind_use_and_counts_in_constant_queries(coordinator_client, hot_campaign):
    first, second, _third = _invitations(hot_campaign)
    _answer(first, attentes=4, objectifs=4)
    url = reverse("questionnaires:index")
    coordinator_client.get(url)
    with_one = _queries(coordinator_client, url)
    _answer(second, attentes=3, objectifs=3)
    assert _queries(coordinator_client, url) == with_one

    response = coordinator_client.get(url)
    hot = next(row for row in response.context["object_list"] if row.slug == "a_chaud")
    assert (hot.question_count, hot.campaign_count, hot.response_count) == (6, 1, 2)


def test_a_questionnaire_without_answers_is_edited_freely(coordinator_client, hot_questionnaire):
    rows = _question_rows(hot_questionnaire)
    rows[0]["key"] = "attentes_globales"
    rows[1]["DELETE"] = "on"
    rows.append({"key": "rythme", "text": "Le rythme vous a-t-il convenu ?", "type": "yes_no"})

    response = _edit(coordinator_client, hot_questionnaire, rows)

    assert response.status_code == 302, _form_errors(response)
    keys = list(hot_questionnaire.questions.order_by("sort_order").values_list("key", flat=True))
    assert keys == ["attentes_globales", "animation", "organisation", "recommandation", "commentaire", "rythme"]


def test_an_answered_question_cannot_be_deleted_nor_change_key_or_type(coordinator_client, hot_campaign):
    questionnaire = hot_campaign.questionnaire
    _answer(_invitations(hot_campaign)[0], attentes=4, objectifs=3)

    rows = _question_rows(questionnaire)
    rows[0]["key"] = "satisfaction"  # attentes: answered
    rows[1]["type"] = "yes_no"  # objectifs: answered
    rows[1]["indicator"] = ""
    response = _edit(coordinator_client, questionnaire, rows)
    assert response.status_code == 200
    assert set(_form_errors(response)) >= {"questions-0-key", "questions-1-type"}

    rows = _question_rows(questionnaire)
    rows[0]["DELETE"] = "on"
    response = _edit(coordinator_client, questionnaire, rows)
    assert response.status_code == 200
    assert "__all__" in _form_errors(response)
    assert Question.objects.filter(questionnaire=questionnaire, key="attentes").exists()

    # What is still allowed: a question nobody answered goes, a new one comes, a text is reworded.
    rows = _question_rows(questionnaire)
    rows[0]["text"] = "Cette formation a-t-elle répondu à vos attentes ?"
    rows[2]["DELETE"] = "on"  # animation: optional, not answered
    rows.append({"key": "rythme", "text": "Le rythme vous a-t-il convenu ?", "type": "scale", "required": "on"})
    response = _edit(coordinator_client, questionnaire, rows)
    assert response.status_code == 302, _form_errors(response)
    assert list(questionnaire.questions.order_by("sort_order").values_list("key", flat=True)) == [
        "attentes",
        "objectifs",
        "organisation",
        "recommandation",
        "commentaire",
        "rythme",
    ]


def test_a_questionnaire_with_responses_stays_named_or_anonymous_and_keeps_its_kind(coordinator_client, hot_campaign):
    questionnaire = hot_campaign.questionnaire
    _answer(_invitations(hot_campaign)[0], attentes=4, objectifs=3)

    response = _edit(coordinator_client, questionnaire, anonymous="on", kind=QuestionnaireKind.COLD, is_active=None)

    assert response.status_code == 200
    assert {"anonymous", "kind"} <= set(_form_errors(response))
    questionnaire.refresh_from_db()
    assert (questionnaire.anonymous, questionnaire.kind) == (False, QuestionnaireKind.HOT)


def test_options_are_required_for_a_choice_and_forbidden_otherwise(coordinator_client, hot_questionnaire):
    rows = _question_rows(hot_questionnaire)
    rows.append({"key": "format", "text": "Quel format préférez-vous ?", "type": "single", "options": "Présentiel"})
    rows.append({"key": "duree", "text": "La durée ?", "type": "scale", "options": "Courte\nLongue"})
    response = _edit(coordinator_client, hot_questionnaire, rows)

    assert response.status_code == 200
    errors = _form_errors(response)
    assert {"questions-6-options", "questions-7-options"} <= set(errors)

    rows[-2]["options"] = "Présentiel\nDistanciel"
    rows[-1]["options"] = ""
    assert _edit(coordinator_client, hot_questionnaire, rows).status_code == 302
    assert Question.objects.get(questionnaire=hot_questionnaire, key="format").option_list == [
        "Présentiel",
        "Distanciel",
    ]


def test_keys_are_unique_slugs_and_indicators_fit_their_question(coordinator_client, hot_questionnaire):
    rows = _question_rows(hot_questionnaire)
    rows.append({"key": "attentes", "text": "Encore ?", "type": "scale"})
    rows.append({"key": "mise en pratique", "text": "Pratique ?", "type": "yes_no"})
    rows.append({"key": "libre", "text": "Un mot ?", "type": "text", "indicator": "expectations"})
    rows.append({"key": "objectifs_bis", "text": "Objectifs ?", "type": "scale", "indicator": "objectives"})
    response = _edit(coordinator_client, hot_questionnaire, rows)

    assert response.status_code == 200
    assert {
        "questions-6-__all__",  # the key of another question
        "questions-7-key",  # not a slug
        "questions-8-indicator",  # a free text cannot be rated
        "questions-9-indicator",  # objectives are already fed by "objectifs"
    } <= set(_form_errors(response))
    assert hot_questionnaire.questions.count() == 6


def test_only_one_questionnaire_per_kind_is_in_use(coordinator_client, hot_questionnaire):
    copy = Questionnaire.objects.create(title="Nouvelle version", slug="a_chaud_v2", kind=QuestionnaireKind.HOT)
    Question.objects.create(
        questionnaire=copy, key="attentes", text="Attentes ?", type="scale", indicator="expectations"
    )

    response = _edit(coordinator_client, copy, is_active="on")

    assert response.status_code == 200
    assert "is_active" in _form_errors(response)
    copy.refresh_from_db()
    assert not copy.is_active

    Questionnaire.objects.filter(pk=hot_questionnaire.pk).update(is_active=False)
    assert _edit(coordinator_client, copy, is_active="on").status_code == 302
    copy.refresh_from_db()
    assert copy.is_active


def test_a_new_questionnaire_needs_a_question(coordinator_client):
    data = nested_form_data(
        {
            "title": "Enquête flash",
            "slug": "flash",
            "kind": QuestionnaireKind.CLIENT,
            "introduction": "",
            "questions": inline_formset([]),
        }
    )
    response = coordinator_client.post(reverse("questionnaires:add"), data)
    assert response.status_code == 200
    assert not Questionnaire.objects.filter(slug="flash").exists()


def test_duplicate_copies_the_questions_not_in_use(coordinator_client, hot_campaign):
    questionnaire = hot_campaign.questionnaire
    url = reverse("questionnaires:duplicate", args=[questionnaire.pk])
    assert coordinator_client.get(url).status_code == 200

    response = coordinator_client.post(url)

    copy = Questionnaire.objects.exclude(pk=questionnaire.pk).get(kind=QuestionnaireKind.HOT)
    assert response["Location"] == reverse("questionnaires:edit", args=[copy.pk])
    assert (copy.slug, copy.is_active, copy.campaigns.count()) == ("a_chaud-copie", False, 0)
    assert list(copy.questions.order_by("sort_order").values_list("key", "type", "indicator", "required")) == list(
        questionnaire.questions.order_by("sort_order").values_list("key", "type", "indicator", "required")
    )
    coordinator_client.post(url)
    assert Questionnaire.objects.filter(slug="a_chaud-copie-2", is_active=False).exists()


def test_a_questionnaire_that_was_sent_is_never_deleted(client, coordinator, hot_campaign):
    admin = UserFactory(is_superuser=True)
    client.force_login(admin)
    url = reverse("questionnaires:delete", args=[hot_campaign.questionnaire_id])

    response = client.post(url)

    assert response.status_code == 302
    assert Questionnaire.objects.filter(pk=hot_campaign.questionnaire_id).exists()
    unsent = Questionnaire.objects.create(title="Brouillon", slug="brouillon", kind=QuestionnaireKind.CLIENT)
    client.post(reverse("questionnaires:delete", args=[unsent.pk]))
    assert not Questionnaire.objects.filter(pk=unsent.pk).exists()

    client.force_login(coordinator)  # the coordination never deletes a questionnaire
    unsent = Questionnaire.objects.create(title="Brouillon", slug="brouillon", kind=QuestionnaireKind.CLIENT)
    response = client.post(reverse("questionnaires:delete", args=[unsent.pk]))
    assert (response.status_code, response["Location"]) == (302, reverse("wagtailadmin_home"))
    assert Questionnaire.objects.filter(pk=unsent.pk).exists()


# A campaign's page
# ------------------------------------------------------------------------------


def test_campaign_page_shows_the_figures_of_the_answers(coordinator_client, hot_campaign):
    first, second, third = _invitations(hot_campaign)
    _answer(first, attentes=4, objectifs=3, recommandation=9, commentaire="Très concret, merci.")
    _answer(second, attentes=1, objectifs=2, commentaire="Trop théorique")

    response = coordinator_client.get(_page(hot_campaign))

    assert response.status_code == 200
    results = response.context["results"]
    assert (results.invited, results.answered, results.rate) == (3, 2, 2 / 3)
    attentes = next(result for result in results.questions if result.question.key == "attentes")
    assert [bar.count for bar in attentes.bars] == [1, 0, 0, 1]
    content = response.content.decode()
    assert "66,7\u00a0%" in content  # the response rate
    assert "50\u00a0%" in content  # satisfied on attentes
    assert "Trop théorique" in content and "Très concret, merci." in content
    assert second.registration.user.get_full_name() in content  # a named questionnaire names its respondents
    assert [invitation.pk for invitation in response.context["non_respondents"]] == [third.pk]
    assert third.email in content
    assert f"{reverse('improvement_actions:add')}?response={second.response.pk}" in content
    assert f"{reverse('complaints:add')}?response={second.response.pk}" in content


def test_an_anonymous_campaign_page_never_shows_who_wrote_what(coordinator_client, held_session, hot_questionnaire):
    Questionnaire.objects.filter(pk=hot_questionnaire.pk).update(anonymous=True)
    campaign = campaign_open(kind=QuestionnaireKind.HOT, session=held_session, now=NOW)
    first, second, _third = _invitations(campaign)
    for invitation, last_name in ((first, "Rousseau"), (second, "Fabre")):
        invitation.registration.user.last_name = last_name
        invitation.registration.user.save()
    _answer(first, attentes=1, objectifs=1, commentaire="Formatrice absente le second jour")
    _answer(second, attentes=4, objectifs=4)

    content = coordinator_client.get(_page(campaign)).content.decode()

    assert "Formatrice absente le second jour" in content
    for invitation in (first, second):
        assert invitation.registration.user.last_name not in content
        assert invitation.email not in content


def test_campaign_page_costs_the_same_queries_for_few_or_many_answers(coordinator_client, catalogue):
    session = SessionFactory(course=course_create(catalogue=catalogue), status=SessionStatus.DONE)
    slots_create(session=session, first_day=datetime.date(2026, 11, 16), days=1)
    for _ in range(12):
        RegistrationFactory(session=session, status=RegistrationStatus.CONFIRMED, hours_recorded=Decimal("7"))
    campaign = campaign_open(kind=QuestionnaireKind.HOT, session=session, now=NOW)
    invitations = _invitations(campaign)
    _answer(invitations[0], attentes=2, objectifs=3, commentaire="Un")
    url = _page(campaign)
    coordinator_client.get(url)
    with_one = _queries(coordinator_client, url)
    for index, invitation in enumerate(invitations[1:9]):
        _answer(invitation, attentes=1 + index % 4, objectifs=2, recommandation=index, commentaire=f"Avis {index}")

    assert _queries(coordinator_client, url) == with_one


# Remind now
# ------------------------------------------------------------------------------


def _remind(client, campaign, **data):
    return client.post(reverse("survey_campaigns:remind", args=[campaign.pk]), data)


def test_remind_now_reaches_only_non_respondents_and_a_double_click_sends_nothing_twice(
    _frozen, coordinator_client, hot_campaign, committed
):
    first, second, third = _invitations(hot_campaign)
    _answer(first, attentes=4, objectifs=4)
    _frozen.move_to(NEXT_DAY)  # invited yesterday: a reminder may leave
    mail.outbox.clear()

    with committed():
        response = _remind(coordinator_client, hot_campaign, scope="all")

    assert response.status_code == 302
    assert response["Location"].startswith(_page(hot_campaign))
    assert sorted(message.to[0] for message in mail.outbox) == sorted([second.email, third.email])
    assert any("2" in message for message in _messages(response))
    assert [Invitation.objects.get(pk=i.pk).reminders_sent for i in (first, second, third)] == [0, 1, 1]

    mail.outbox.clear()
    with committed():
        _remind(coordinator_client, hot_campaign, scope="all")  # the second click
    assert mail.outbox == []
    assert [Invitation.objects.get(pk=i.pk).reminders_sent for i in (second, third)] == [1, 1]


def test_remind_now_can_reach_only_the_people_ticked(_frozen, coordinator_client, hot_campaign, committed):
    _first, second, third = _invitations(hot_campaign)
    _frozen.move_to(NEXT_DAY)
    mail.outbox.clear()

    with committed():
        response = _remind(coordinator_client, hot_campaign, scope="selected")  # nobody ticked
    assert mail.outbox == [] and response.status_code == 302

    with committed():
        _remind(coordinator_client, hot_campaign, scope="selected", invitations=[third.pk])
    assert [message.to for message in mail.outbox] == [[third.email]]
    assert Invitation.objects.get(pk=second.pk).reminders_sent == 0


def test_a_closed_campaign_is_not_reminded(_frozen, coordinator_client, hot_campaign, committed):
    Campaign.objects.filter(pk=hot_campaign.pk).update(status=CampaignStatus.CLOSED)
    _frozen.move_to(NEXT_DAY)
    mail.outbox.clear()
    with committed():
        response = _remind(coordinator_client, hot_campaign, scope="all")
    assert response.status_code == 302
    assert mail.outbox == []


def test_remind_now_is_a_post(coordinator_client, hot_campaign):
    assert coordinator_client.get(reverse("survey_campaigns:remind", args=[hot_campaign.pk])).status_code == 405


# Adding a person, launching a survey
# ------------------------------------------------------------------------------


def test_add_a_person_invites_one_more_address_once(coordinator_client, hot_campaign, committed):
    mail.outbox.clear()
    with committed():
        response = coordinator_client.post(_page(hot_campaign), {"email": "referente@exemple.fr", "name": "Référente"})
    assert response.status_code == 302
    invitation = hot_campaign.invitations.get(email="referente@exemple.fr")
    assert invitation.sent_at is not None
    assert [message.to for message in mail.outbox] == [["referente@exemple.fr"]]

    response = coordinator_client.post(_page(hot_campaign), {"email": "REFERENTE@exemple.fr"})
    assert response.status_code == 200
    assert "email" in response.context["add_form"].errors
    assert hot_campaign.invitations.filter(email__iexact="referente@exemple.fr").count() == 1

    SurveyOptOut.objects.create(email="plus-jamais@exemple.fr")
    response = coordinator_client.post(_page(hot_campaign), {"email": "plus-jamais@exemple.fr"})
    assert "email" in response.context["add_form"].errors
    assert not hot_campaign.invitations.filter(email="plus-jamais@exemple.fr").exists()


def test_launch_now_opens_a_session_s_survey_by_hand(coordinator_client, coordinator, held_session, committed):
    url = reverse("survey_campaigns:launch")
    assert coordinator_client.get(url + f"?session={held_session.pk}&kind=cold").status_code == 200
    mail.outbox.clear()

    with committed():
        response = coordinator_client.post(url, {"kind": QuestionnaireKind.COLD, "session": held_session.pk})

    campaign = Campaign.objects.get(session=held_session, kind=QuestionnaireKind.COLD)
    assert response["Location"] == _page(campaign)
    assert (campaign.origin, campaign.created_by) == (CampaignOrigin.MANUAL, coordinator)
    assert len(mail.outbox) == 3  # the three trainees who attended

    mail.outbox.clear()
    with committed():
        coordinator_client.post(url, {"kind": QuestionnaireKind.COLD, "session": held_session.pk})
    assert Campaign.objects.filter(session=held_session, kind=QuestionnaireKind.COLD).count() == 1
    assert mail.outbox == []


def test_launch_now_turns_each_refusal_into_a_form_error(coordinator_client, held_session, catalogue):
    url = reverse("survey_campaigns:launch")

    def errors(**data):
        response = coordinator_client.post(url, data)
        assert response.status_code == 200
        return set(response.context["form"].errors)

    assert errors(kind=QuestionnaireKind.CLIENT, session=held_session.pk) == {"kind"}  # not an intra session
    Questionnaire.objects.filter(kind=QuestionnaireKind.POSITIONING).update(is_active=False)
    assert errors(kind=QuestionnaireKind.POSITIONING, session=held_session.pk) == {"kind"}  # none in use
    assert errors(kind=QuestionnaireKind.HOT) == {"session"}
    assert errors(kind=QuestionnaireKind.FUNDER) == {"year"}
    cancelled = SessionFactory(course=held_session.course, status=SessionStatus.CANCELLED)
    assert errors(kind=QuestionnaireKind.HOT, session=cancelled.pk) == {"session"}
    assert not Campaign.objects.exists()


def test_the_funders_survey_is_launched_for_a_year_then_sent_to_the_addresses_added(coordinator_client, committed):
    response = coordinator_client.post(
        reverse("survey_campaigns:launch"), {"kind": QuestionnaireKind.FUNDER, "year": 2026}
    )
    campaign = Campaign.objects.get(kind=QuestionnaireKind.FUNDER, year=2026)
    assert response["Location"] == _page(campaign)
    assert campaign.invitations.count() == 0

    mail.outbox.clear()
    with committed():
        coordinator_client.post(_page(campaign), {"email": "ars@exemple.fr", "name": "ARS Occitanie"})
    assert [message.to for message in mail.outbox] == [["ars@exemple.fr"]]


def test_an_intra_session_s_client_survey_goes_to_its_contact(coordinator_client, held_session, committed):
    client_structure = OrganisationFactory(name="CCAS de Rodez", contact_email="direction@ccas-rodez.fr")
    held_session.funding, held_session.client_organisation = Funding.INTRA, client_structure
    held_session.save()
    with committed():
        coordinator_client.post(
            reverse("survey_campaigns:launch"), {"kind": QuestionnaireKind.CLIENT, "session": held_session.pk}
        )
    assert list(Invitation.objects.filter(campaign__kind=QuestionnaireKind.CLIENT).values_list("email", flat=True)) == [
        "direction@ccas-rodez.fr"
    ]


# Listings and results across campaigns
# ------------------------------------------------------------------------------


def test_campaign_list_filters_and_costs_constant_queries(coordinator_client, hot_campaign, held_session):
    cold = campaign_open(kind=QuestionnaireKind.COLD, session=held_session, now=NOW)
    Campaign.objects.filter(pk=cold.pk).update(status=CampaignStatus.CLOSED)
    _answer(_invitations(hot_campaign)[0], attentes=4, objectifs=4)
    url = reverse("survey_campaigns:index")

    def listed(query=""):
        response = coordinator_client.get(url + query)
        assert response.status_code == 200
        return {campaign.pk for campaign in response.context["object_list"]}

    assert listed() == {hot_campaign.pk, cold.pk}
    assert listed("?kind=hot") == {hot_campaign.pk}
    assert listed("?status=closed") == {cold.pk}
    assert listed("?year=2026") == {hot_campaign.pk, cold.pk}
    assert listed("?year=2025") == set()
    assert listed(f"?department={held_session.department_id}&funding=drapps") == {hot_campaign.pk, cold.pk}
    assert listed("?funding=intra") == set()
    assert listed(f"?course={held_session.course_id}") == {hot_campaign.pk, cold.pk}
    assert listed("?q=CPS1-12") == {hot_campaign.pk, cold.pk}
    assert listed("?q=introuvable") == set()
    row = next(c for c in coordinator_client.get(url).context["object_list"] if c.pk == hot_campaign.pk)
    assert (row.invited, row.answered) == (3, 1)

    with_two = _queries(coordinator_client, url)
    for code in ("A", "B", "C"):
        session = SessionFactory(course=held_session.course, code=f"2026-{code}", status=SessionStatus.DONE)
        slots_create(session=session, first_day=datetime.date(2026, 11, 2), days=1)
        RegistrationFactory(session=session, status=RegistrationStatus.CONFIRMED, hours_recorded=Decimal("7"))
        campaign_open(kind=QuestionnaireKind.HOT, session=session, now=NOW)
    assert _queries(coordinator_client, url) == with_two


def test_results_pages_show_the_figures_and_cost_constant_queries(coordinator_client, hot_campaign, held_session):
    first, second, third = _invitations(hot_campaign)
    _answer(first, attentes=4, objectifs=4, commentaire="Super")
    url = reverse("survey_results:index") + f"?questionnaire={hot_campaign.questionnaire_id}&year=2026"
    coordinator_client.get(url)
    with_one = _queries(coordinator_client, url)
    _answer(second, attentes=1, objectifs=2, commentaire="Bof")
    _answer(third, attentes=3, objectifs=3)
    assert _queries(coordinator_client, url) == with_one

    response = coordinator_client.get(url)
    results = response.context["results"]
    assert (results.responses, results.invited) == (3, 3)
    assert [(row.satisfied, row.n) for row in results.groups["session"]] == [(2, 3)]
    content = response.content.decode()
    assert "66,7\u00a0%" in content and "Bof" in content

    cold = campaign_open(kind=QuestionnaireKind.COLD, session=held_session, now=NOW)
    cold_first = next(i for i in _invitations(cold) if i.registration_id == second.registration_id)
    _answer(cold_first, besoins="non", mise_en_pratique="non")
    before_after_url = reverse("survey_results:before_after") + "?year=2026"
    response = coordinator_client.get(before_after_url)
    comparison = response.context["comparison"]
    assert (comparison.dissatisfied, comparison.dissatisfied_no_practice) == (1, 1)
    assert second.registration.user.get_full_name() in response.content.decode()


def test_results_filter_refuses_a_year_and_dates_together(coordinator_client, hot_questionnaire):
    response = coordinator_client.get(
        reverse("survey_results:index"),
        {"questionnaire": hot_questionnaire.pk, "year": 2026, "date_from": "2026-01-01"},
    )
    assert response.status_code == 200
    assert response.context["results"] is None
    assert response.context["form"].errors["__all__"].as_data()[0].code == "year_and_dates"


# Permissions
# ------------------------------------------------------------------------------


def _survey_urls(campaign) -> list[str]:
    return [
        reverse("survey_campaigns:index"),
        _page(campaign),
        reverse("survey_campaigns:launch"),
        reverse("survey_results:index"),
        reverse("survey_results:before_after"),
        reverse("questionnaires:index"),
        reverse("questionnaires:edit", args=[campaign.questionnaire_id]),
        reverse("questionnaires:duplicate", args=[campaign.questionnaire_id]),
        reverse("improvement_actions:index"),
        reverse("complaints:index"),
        reverse("survey_opt_outs:index"),
    ]


def test_the_coordination_opens_every_survey_page(coordinator_client, hot_campaign):
    for url in _survey_urls(hot_campaign):
        assert coordinator_client.get(url).status_code == 200, url


def test_survey_pages_need_their_permissions(client, hot_campaign, committed):
    roles_sync()
    reception = UserFactory()
    group = Group.objects.create(name="Accueil")
    group.permissions.add(Permission.objects.get(codename="access_admin"))
    reception.groups.add(group)
    client.force_login(reception)

    # Wagtail answers a permission denied in the back office by a redirect to its home page.
    for url in _survey_urls(hot_campaign):
        response = client.get(url)
        assert (response.status_code, response["Location"]) == (302, reverse("wagtailadmin_home")), url
    with freeze_time(NEXT_DAY), committed():
        response = _remind(client, hot_campaign, scope="all")
        assert response["Location"] == reverse("wagtailadmin_home")
        response = client.post(_page(hot_campaign), {"email": "intrus@exemple.fr"})
        assert response["Location"] == reverse("wagtailadmin_home")
        response = client.post(reverse("survey_campaigns:launch"), {"kind": "funder", "year": 2026})
    assert not Invitation.objects.filter(email="intrus@exemple.fr").exists()
    assert not Invitation.objects.filter(reminders_sent__gt=0).exists()
    assert not Campaign.objects.filter(kind="funder").exists()

    # Reading campaigns without the right to read responses is not enough for a campaign's page.
    group.permissions.add(Permission.objects.get(codename="view_campaign"))
    assert client.get(reverse("survey_campaigns:index")).status_code == 200
    assert client.get(_page(hot_campaign))["Location"] == reverse("wagtailadmin_home")


@pytest.mark.parametrize("who", ["anonymous", "learner", "trainer"])
def test_people_outside_the_back_office_never_see_the_surveys(client, hot_campaign, who):
    roles_sync()
    if who != "anonymous":
        user = UserFactory()
        if who == "trainer":
            user.groups.add(Group.objects.get(name=TRAINERS))
        client.force_login(user)
    for url in _survey_urls(hot_campaign):
        response = client.get(url)
        assert response.status_code == 302, url
        assert reverse("wagtailadmin_login") in response["Location"]
