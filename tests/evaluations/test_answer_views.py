"""Answering a survey from the e-mail link, without an account: `/questionnaire/<token>/…`."""

import datetime
import re

import pandas  # noqa: F401  imported before any frozen clock: importing it under freezegun crashes the interpreter
import pytest
from freezegun import freeze_time

from django.core import mail
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from evaluations.choices import CampaignStatus, QuestionnaireKind
from evaluations.exceptions import SurveyError
from evaluations.models import Answer, Campaign, Invitation, Question, Response, SurveyOptOut
from evaluations.services.campaigns import campaign_open, invitation_remind, invitation_send
from tests.clock import NOW

pytestmark = pytest.mark.django_db

# Within the hot campaign's month (opened at NOW): the moment the tests answer.
LATER = NOW + datetime.timedelta(hours=2)

VALID = {
    "attentes": "4",
    "objectifs": "3",
    "animation": "3",
    "organisation": "2",
    "recommandation": "9",
    "commentaire": "Des mises en situation très utiles.",
}


@pytest.fixture(autouse=True)
def _clock():
    with freeze_time(LATER):
        yield


@pytest.fixture
def invitation(hot_campaign) -> Invitation:
    return hot_campaign.invitations.select_related("registration").order_by("pk").first()


@pytest.fixture
def anonymous(hot_questionnaire):
    hot_questionnaire.anonymous = True
    hot_questionnaire.save(update_fields=["anonymous"])
    return hot_questionnaire


def _url(invitation, name="answer") -> str:
    return reverse(f"evaluations:{name}", args=[invitation.token])


def _templates(response) -> list[str]:
    return [template.name for template in response.templates]


def _error_codes(response) -> dict[str, list[str]]:
    return {
        field: [error.code for error in errors] for field, errors in response.context["form"].errors.as_data().items()
    }


def _checked(response) -> set[tuple[str, str]]:
    """The options shown ticked on a page, as (question key, value)."""
    tags = re.findall(r"<input [^>]*>", response.content.decode())
    return {
        (re.search(r'name="([^"]+)"', tag)[1], re.search(r'value="([^"]*)"', tag)[1])
        for tag in tags
        if re.search(r"\schecked[\s>]", tag)
    }


def _answers(response_row) -> dict:
    return {
        answer.question.key: (answer.number, answer.text, answer.choices)
        for answer in response_row.answers.select_related("question")
    }


# Reaching the questionnaire
# ------------------------------------------------------------------------------


def test_an_unknown_token_is_a_plain_404(client, hot_campaign):
    for path in ("/questionnaire/pas-un-jeton/", "/questionnaire/pas-un-jeton/desinscription/"):
        assert client.get(path).status_code == 404
        assert client.post(path, VALID).status_code == 404
    assert client.get("/questionnaire/pas-un-jeton/merci/").status_code == 404
    assert not Response.objects.exists()


def test_the_questionnaire_shows_the_training_and_the_rules(client, invitation, hot_questionnaire):
    response = client.get(_url(invitation))

    assert response.status_code == 200
    assert "evaluations/answer.html" in _templates(response)
    context = response.context
    assert context["questionnaire"] == hot_questionnaire
    assert context["course"] == invitation.campaign.session.course
    assert context["days"] == {"first_day": datetime.date(2026, 11, 19), "last_day": datetime.date(2026, 11, 20)}
    assert context["editing"] is False
    html = response.content.decode()
    assert hot_questionnaire.title in html
    assert invitation.campaign.session.course.title in html
    assert hot_questionnaire.introduction in html
    # One fieldset per question answered by options, the free comment is a labelled text box.
    assert html.count('<fieldset class="question') == 5
    assert html.count("<legend") == 5
    assert '<label class="question__label" for="id_commentaire">' in html
    # The score 0–10 has its ends described, on its fieldset.
    assert 'aria-describedby="id_recommandation_ends"' in html
    assert html.count('name="recommandation"') == 11
    assert html.count('name="attentes"') == 4
    assert '<meta name="robots" content="noindex, nofollow">' in html
    assert reverse("evaluations:opt_out", args=[invitation.token]) in html


def test_a_closed_campaign_is_gone(client, invitation, hot_campaign):
    with freeze_time(hot_campaign.closes_at + datetime.timedelta(minutes=1)):
        shown = client.get(_url(invitation))
        sent = client.post(_url(invitation), VALID)

    assert shown.status_code == sent.status_code == 410
    assert "evaluations/closed.html" in _templates(shown)
    assert "evaluations/closed.html" in _templates(sent)
    assert shown.context["ended"] is True
    assert 'name="attentes"' not in shown.content.decode()
    assert not Response.objects.exists()


def test_a_campaign_closed_by_the_coordination_is_gone_before_its_date(client, invitation, hot_campaign):
    hot_campaign.status = CampaignStatus.CLOSED
    hot_campaign.save(update_fields=["status"])

    response = client.get(_url(invitation))

    assert response.status_code == 410
    assert response.context["ended"] is False


# Answering and editing
# ------------------------------------------------------------------------------


def test_answering_records_one_response_then_thanks(client, invitation):
    sent = client.post(_url(invitation), VALID)

    assert sent.status_code == 302
    assert sent["Location"] == _url(invitation, "thanks")
    (recorded,) = Response.objects.all()
    assert recorded.invitation == invitation
    assert recorded.registration == invitation.registration
    assert _answers(recorded) == {
        "attentes": (4, "", []),
        "objectifs": (3, "", []),
        "animation": (3, "", []),
        "organisation": (2, "", []),
        "recommandation": (9, "", []),
        "commentaire": (None, "Des mises en situation très utiles.", []),
    }
    invitation.refresh_from_db()
    assert invitation.answered_at == LATER

    thanks = client.get(sent["Location"])
    assert thanks.status_code == 200
    assert "evaluations/thanks.html" in _templates(thanks)
    assert f'href="{_url(invitation)}"' in thanks.content.decode()  # answers can be changed until it closes


def test_the_thank_you_page_before_answering_leads_to_the_questionnaire(client, invitation):
    response = client.get(_url(invitation, "thanks"))

    assert response.status_code == 302
    assert response["Location"] == _url(invitation)


def test_answering_again_edits_the_same_response(client, invitation):
    client.post(_url(invitation), VALID)
    (first,) = Response.objects.all()

    shown = client.get(_url(invitation))
    assert shown.context["editing"] is True
    assert _checked(shown) == {
        ("attentes", "4"),
        ("objectifs", "3"),
        ("animation", "3"),
        ("organisation", "2"),
        ("recommandation", "9"),
    }
    assert "Des mises en situation très utiles.</textarea>" in shown.content.decode()

    changed = {**VALID, "attentes": "2", "commentaire": ""}
    with freeze_time(LATER + datetime.timedelta(days=1)):
        sent = client.post(_url(invitation), changed)

    assert sent.status_code == 302
    (edited,) = Response.objects.all()
    assert edited.pk == first.pk
    assert edited.submitted_at == LATER + datetime.timedelta(days=1)
    answers = _answers(edited)
    assert answers["attentes"] == (2, "", [])
    assert "commentaire" not in answers  # left empty: no answer kept
    assert Answer.objects.count() == 5
    invitation.refresh_from_db()
    assert invitation.answered_at == LATER  # the first answer's time stays


def test_an_anonymous_questionnaire_is_answered_once_and_unlinked(client, invitation, anonymous):
    first = client.post(_url(invitation), VALID)
    assert first.status_code == 302

    (recorded,) = Response.objects.all()
    assert recorded.invitation is None
    assert recorded.registration is None
    again = client.post(_url(invitation), {**VALID, "attentes": "1"})
    assert again.status_code == 409
    assert "evaluations/answered.html" in _templates(again)
    assert Response.objects.count() == 1
    assert _answers(Response.objects.get())["attentes"] == (4, "", [])

    shown = client.get(_url(invitation))
    assert shown.status_code == 200
    assert "evaluations/answered.html" in _templates(shown)
    html = shown.content.decode()
    assert 'name="attentes"' not in html
    assert VALID["commentaire"] not in html

    thanks = client.get(_url(invitation, "thanks"))
    assert f'href="{_url(invitation)}"' not in thanks.content.decode()  # nothing to change


def test_a_missing_required_answer_keeps_everything_typed(client, invitation):
    typed = {**VALID, "attentes": "", "objectifs": "3"}

    response = client.post(_url(invitation), typed)

    assert response.status_code == 200
    assert not Response.objects.exists()
    assert _error_codes(response) == {"attentes": ["answer_required"]}
    # Every value comes back as typed.
    assert _checked(response) == {
        ("objectifs", "3"),
        ("animation", "3"),
        ("organisation", "2"),
        ("recommandation", "9"),
    }
    html = response.content.decode()
    assert "Des mises en situation très utiles.</textarea>" in html
    # The summary links to the question, which says what is wrong and is marked invalid.
    assert 'id="error-summary"' in html
    assert 'href="#id_attentes_0"' in html
    assert 'aria-describedby="id_attentes_error"' in html
    assert html.count('aria-invalid="true"') == 4  # the four options of that question, nothing else
    assert 'id="id_attentes_error"' in html


def test_an_answer_that_is_not_offered_is_an_error_on_its_question(client, invitation):
    response = client.post(_url(invitation), {**VALID, "attentes": "7", "recommandation": "11"})

    assert response.status_code == 200
    assert _error_codes(response) == {"attentes": ["answer_invalid"], "recommandation": ["answer_invalid"]}
    assert not Response.objects.exists()


def test_an_option_that_is_not_offered_is_an_error_on_its_question(client, held_session, committed):
    with freeze_time(NOW), committed():
        campaign = campaign_open(kind=QuestionnaireKind.COLD, session=held_session)
    invitation = campaign.invitations.first()
    answers = {"besoins": "oui", "mise_en_pratique": "non", "freins": ["Manque de temps", "Trop loin"]}

    response = client.post(_url(invitation), answers)

    assert _error_codes(response) == {"freins": ["answer_invalid"]}
    assert _checked(response) == {("besoins", "oui"), ("mise_en_pratique", "non"), ("freins", "Manque de temps")}

    sent = client.post(_url(invitation), {**answers, "freins": ["Manque de temps", "Autre"]})
    assert sent.status_code == 302
    assert _answers(Response.objects.get())["freins"] == (None, "", ["Manque de temps", "Autre"])


def test_a_refusal_of_the_service_comes_back_on_its_question_or_the_page(client, invitation, monkeypatch):
    def refuse_on_a_question(**kwargs):
        raise SurveyError("Refusé.", "answer_invalid", field="objectifs")

    monkeypatch.setattr("evaluations.views.response_submit", refuse_on_a_question)
    on_question = client.post(_url(invitation), VALID)
    assert on_question.status_code == 200
    assert _error_codes(on_question) == {"objectifs": ["answer_invalid"]}
    assert on_question.context["form"].errors["objectifs"] == ["Refusé."]

    def refuse_the_whole(**kwargs):
        raise SurveyError("Refusé en bloc.", "something_else")

    monkeypatch.setattr("evaluations.views.response_submit", refuse_the_whole)
    on_page = client.post(_url(invitation), VALID)
    assert on_page.context["form"].non_field_errors() == ["Refusé en bloc."]
    assert "Refusé en bloc." in on_page.content.decode()

    def closed_meanwhile(**kwargs):
        raise SurveyError("Fermé.", "survey_closed")

    monkeypatch.setattr("evaluations.views.response_submit", closed_meanwhile)
    assert client.post(_url(invitation), VALID).status_code == 410


# Pages of a personal link
# ------------------------------------------------------------------------------


def _assert_private(response) -> None:
    cache_control = {part.strip() for part in response["Cache-Control"].split(",")}
    assert {"no-store", "private"} <= cache_control
    assert response["X-Robots-Tag"] == "noindex, nofollow"
    assert response["Referrer-Policy"] == "same-origin"  # never `unsafe-url`: no other site sees the link


def test_every_page_of_the_link_is_private(client, invitation, hot_campaign):
    _assert_private(client.get(_url(invitation)))
    _assert_private(client.post(_url(invitation), {**VALID, "attentes": ""}))
    _assert_private(client.post(_url(invitation), VALID))
    _assert_private(client.get(_url(invitation, "thanks")))
    _assert_private(client.get(_url(invitation, "opt_out")))
    _assert_private(client.post(_url(invitation, "opt_out")))
    with freeze_time(hot_campaign.closes_at):
        _assert_private(client.get(_url(invitation)))


def test_the_page_is_never_served_from_the_public_cache(invitation):
    """A visitor without a session cookie is who `cms.cache` serves from the cache: not here."""
    visitor = Client()
    assert _checked(visitor.get(_url(invitation))) == set()
    Client().post(_url(invitation), VALID)

    again = visitor.get(_url(invitation))

    assert ("attentes", "4") in _checked(again)
    # The thank-you page sets no cookie: only the view's refusal to be cached keeps it fresh.
    thanks = visitor.get(_url(invitation, "thanks"))
    assert not thanks.cookies
    assert thanks.context["is_open"] is True
    Campaign.objects.filter(pk=invitation.campaign_id).update(status=CampaignStatus.CLOSED)
    assert visitor.get(_url(invitation, "thanks")).context["is_open"] is False


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_the_answer_page_makes_a_bounded_number_of_queries(client, invitation, hot_questionnaire):
    assert _queries(client, _url(invitation)) <= 10
    client.post(_url(invitation), VALID)
    answered = _queries(client, _url(invitation))  # with the answers given, to edit them
    assert answered <= 10

    # As many with three times the questions, all answered.
    for index in range(12):
        Question.objects.create(
            questionnaire=hot_questionnaire,
            key=f"q{index}",
            text=f"Question {index}",
            type="scale",
            sort_order=10 + index,
        )
    client.post(_url(invitation), {**VALID, **{f"q{index}": "3" for index in range(12)}})
    assert Answer.objects.count() == 18
    assert _queries(client, _url(invitation)) == answered


# Opting out
# ------------------------------------------------------------------------------


def test_opt_out_asks_first_then_stops_the_reminders(client, hot_campaign, invitation):
    other = hot_campaign.invitations.exclude(pk=invitation.pk).first()

    shown = client.get(_url(invitation, "opt_out"))
    assert shown.status_code == 200
    assert "evaluations/opt_out.html" in _templates(shown)
    assert not SurveyOptOut.objects.exists()  # a GET (a mail scanner following the link) changes nothing

    done = client.post(_url(invitation, "opt_out"))
    assert done.status_code == 200
    assert "evaluations/opt_out_done.html" in _templates(done)
    assert SurveyOptOut.objects.filter(email__iexact=invitation.email).count() == 1
    assert client.get(_url(invitation, "opt_out")).context["already"] is True

    mail.outbox.clear()
    with freeze_time(LATER + datetime.timedelta(days=1)):
        assert invitation_remind(invitation_id=invitation.pk, manual=True) is False
        assert invitation_remind(invitation_id=other.pk, manual=True) is True  # the others still are reminded
    assert [message.to for message in mail.outbox] == [[other.email]]


def test_an_opted_out_address_gets_no_invitation(client, invitation):
    Invitation.objects.filter(pk=invitation.pk).update(sent_at=None)
    client.post(_url(invitation, "opt_out"))
    mail.outbox.clear()

    assert invitation_send(invitation_id=invitation.pk) is False
    assert mail.outbox == []


def test_opt_out_by_the_form_needs_the_csrf_token(invitation):
    browser = Client(enforce_csrf_checks=True)

    refused = browser.post(_url(invitation, "opt_out"))
    assert refused.status_code == 403
    assert not SurveyOptOut.objects.exists()

    shown = browser.get(_url(invitation, "opt_out"))
    token = shown.context["csrf_token"]
    assert browser.post(_url(invitation, "opt_out"), {"csrfmiddlewaretoken": token}).status_code == 200
    assert SurveyOptOut.objects.filter(email__iexact=invitation.email).exists()


def test_one_click_opt_out_from_the_mail_client(invitation, hot_campaign):
    """RFC 8058: the mail client posts `List-Unsubscribe=One-Click`, without cookies or token; it
    works after the survey closed too."""
    mail_client = Client(enforce_csrf_checks=True)

    with freeze_time(hot_campaign.closes_at + datetime.timedelta(days=40)):
        response = mail_client.post(_url(invitation, "opt_out"), {"List-Unsubscribe": "One-Click"})

    assert response.status_code == 200
    assert SurveyOptOut.objects.filter(email__iexact=invitation.email).exists()
    assert (
        Client(enforce_csrf_checks=True)
        .post("/questionnaire/inconnu/desinscription/", {"List-Unsubscribe": "One-Click"})
        .status_code
        == 404
    )


def test_opt_out_works_after_the_survey_closed(client, invitation, hot_campaign):
    with freeze_time(hot_campaign.closes_at + datetime.timedelta(days=1)):
        assert client.get(_url(invitation, "opt_out")).status_code == 200
        assert client.post(_url(invitation, "opt_out")).status_code == 200
    assert SurveyOptOut.objects.filter(email__iexact=invitation.email).exists()


def test_the_invitation_email_offers_one_click_opt_out(invitation):
    (message,) = [message for message in mail.outbox if message.to == [invitation.email]]

    opt_out_url = f"http://testserver{_url(invitation, 'opt_out')}"
    assert message.extra_headers["List-Unsubscribe"] == f"<{opt_out_url}>"
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert f"http://testserver{_url(invitation)}" in message.body
    assert opt_out_url in message.body
    assert not [line for line in message.body.splitlines() if line.startswith(" ")]  # plain text, not indented


def test_a_cut_link_lands_on_the_sites_own_not_found_page(client, db):
    response = client.get("/questionnaire/lien-coupe/")

    assert response.status_code == 404
    assert "404.html" in [template.name for template in response.templates]
    assert 'href="/formations/"' in response.content.decode()
