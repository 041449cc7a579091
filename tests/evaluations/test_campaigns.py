"""Who gets which survey and when, reminders, and nothing ever sent twice."""

import datetime
from decimal import Decimal

import pytest
from freezegun import freeze_time

from django.core import mail

from evaluations.choices import CampaignOrigin, CampaignStatus, QuestionnaireKind
from evaluations.exceptions import SurveyError
from evaluations.models import Campaign, Invitation, Questionnaire
from evaluations.services.campaigns import (
    campaign_open,
    campaign_remind_now,
    invitation_create,
    invitation_remind,
    invitation_send,
    reminders_due_send,
    survey_opt_out,
    surveys_due_send,
)
from evaluations.services.responses import response_submit
from tests.clock import PARIS
from tests.factories import OrganisationFactory, RegistrationFactory, SessionFactory, slots_create
from training.choices import Funding, RegistrationStatus, SessionStatus

from .conftest import HELD_FIRST_DAY

# The held session's last half-day ends on Friday 20 November 2026 at 17:00.
LAST_END = datetime.datetime(2026, 11, 20, 17, 0, tzinfo=PARIS)


def _run(committed, now):
    with freeze_time(now), committed():
        return surveys_due_send()


def _kinds(session):
    return sorted(session.campaigns.values_list("kind", flat=True))


def test_nothing_is_sent_before_the_last_half_day_ends(held_session, committed):
    assert _run(committed, LAST_END - datetime.timedelta(minutes=1)) == 0
    assert not Campaign.objects.exists()
    assert mail.outbox == []


def test_at_the_end_the_trainees_who_attended_get_the_survey_and_the_trainers_their_report(held_session, committed):
    created = _run(committed, LAST_END)

    assert created == 4  # three trainees with hours, one trainer
    assert _kinds(held_session) == [QuestionnaireKind.HOT, QuestionnaireKind.TRAINER]
    hot = held_session.campaigns.get(kind=QuestionnaireKind.HOT)
    invited = set(hot.invitations.values_list("registration__hours_recorded", flat=True))
    assert invited == {Decimal("14"), Decimal("7")}  # neither the no-show (0 h) nor the cancelled registration
    assert hot.invitations.count() == 3
    assert hot.origin == CampaignOrigin.AUTOMATIC
    assert hot.questionnaire.slug == "a_chaud"
    trainer = held_session.campaigns.get(kind=QuestionnaireKind.TRAINER).invitations.get()
    assert trainer.email == "formatrice@exemple.fr" and trainer.trainer is not None
    assert sorted(message.to[0] for message in mail.outbox) == sorted(
        Invitation.objects.values_list("email", flat=True)
    )
    assert all(invitation.sent_at is not None for invitation in Invitation.objects.all())
    assert all("/questionnaire/" in message.body and "/desinscription/" in message.body for message in mail.outbox)
    assert all(message.extra_headers["List-Unsubscribe"].startswith("<http") for message in mail.outbox)


def test_running_the_schedule_again_sends_nothing_twice(held_session, committed):
    _run(committed, LAST_END)
    sent = len(mail.outbox)

    assert _run(committed, LAST_END + datetime.timedelta(hours=1)) == 0
    assert _run(committed, LAST_END + datetime.timedelta(days=1)) == 0

    assert len(mail.outbox) == sent
    assert Campaign.objects.count() == 2


def test_a_trainee_or_trainer_who_changed_address_since_is_not_asked_again(held_session, committed):
    _run(committed, LAST_END)
    sent = len(mail.outbox)
    invited = held_session.registrations.filter(survey_invitations__isnull=False).first()
    invited.user.email = "nouvelle-adresse@exemple.fr"
    invited.user.save()
    trainer = held_session.trainers.get()
    trainer.email = "formatrice.nouvelle@exemple.fr"
    trainer.save()

    assert _run(committed, LAST_END + datetime.timedelta(hours=1)) == 0
    assert len(mail.outbox) == sent
    assert Invitation.objects.filter(registration=invited).count() == 1
    assert Invitation.objects.filter(trainer=trainer).count() == 1


def test_a_retried_sending_task_sends_one_email(hot_campaign):
    invitation = hot_campaign.invitations.first()
    sent = len(mail.outbox)

    assert invitation_send(invitation_id=invitation.pk) is False
    assert len(mail.outbox) == sent


def test_a_trainee_whose_hours_are_recorded_later_is_invited_at_the_next_run(held_session, committed):
    _run(committed, LAST_END)
    late = held_session.registrations.get(hours_recorded=0)
    late.hours_recorded = Decimal("3.5")
    late.save()

    assert _run(committed, LAST_END + datetime.timedelta(hours=1)) == 1
    assert held_session.campaigns.get(kind=QuestionnaireKind.HOT).invitations.filter(registration=late).exists()


def test_the_client_structure_is_asked_for_an_intra_session(course, committed):
    client = OrganisationFactory(contact_email="direction@structure.fr", contact_name="Mme Durand")
    session = SessionFactory(
        course=course, funding=Funding.INTRA, client_organisation=client, status=SessionStatus.DONE
    )
    slots_create(session=session, first_day=HELD_FIRST_DAY, days=2)

    _run(committed, LAST_END)

    invitation = session.campaigns.get(kind=QuestionnaireKind.CLIENT).invitations.get()
    assert (invitation.email, invitation.name) == ("direction@structure.fr", "Mme Durand")


def test_sessions_that_ended_before_the_catch_up_window_get_no_survey(course, committed, settings):
    settings.SURVEY_CATCH_UP_DAYS = 14
    session = SessionFactory(course=course, status=SessionStatus.DONE)
    slots_create(session=session, first_day=datetime.date(2026, 11, 2), days=1)
    RegistrationFactory(session=session, status=RegistrationStatus.CONFIRMED, hours_recorded=Decimal("7"))

    _run(committed, datetime.datetime(2026, 11, 17, 9, tzinfo=PARIS))  # 15 days later

    assert not session.campaigns.exists()


def test_cancelled_and_draft_sessions_get_no_survey(course, committed):
    for status in (SessionStatus.CANCELLED, SessionStatus.DRAFT):
        session = SessionFactory(course=course, status=status)
        slots_create(session=session, first_day=HELD_FIRST_DAY, days=2)
        RegistrationFactory(session=session, status=RegistrationStatus.CONFIRMED, hours_recorded=Decimal("7"))
        with pytest.raises(SurveyError) as refused:
            campaign_open(kind=QuestionnaireKind.HOT, session=session)
        assert refused.value.code == "session_not_held"

    _run(committed, LAST_END)

    assert not Campaign.objects.exists()


def test_a_kind_with_no_questionnaire_in_use_is_not_sent(held_session, committed):
    Questionnaire.objects.filter(kind=QuestionnaireKind.TRAINER).update(is_active=False)

    _run(committed, LAST_END)

    assert _kinds(held_session) == [QuestionnaireKind.HOT]
    with pytest.raises(SurveyError) as refused:
        campaign_open(kind=QuestionnaireKind.TRAINER, session=held_session)
    assert refused.value.code == "no_questionnaire"


def test_the_six_month_survey_leaves_six_months_after_the_last_day(held_session, committed):
    _run(committed, LAST_END)
    hot_invitations = set(
        held_session.campaigns.get(kind=QuestionnaireKind.HOT).invitations.values_list("email", flat=True)
    )

    _run(committed, datetime.datetime(2027, 5, 19, 9, tzinfo=PARIS))
    assert not held_session.campaigns.filter(kind=QuestionnaireKind.COLD).exists()

    _run(committed, datetime.datetime(2027, 5, 20, 9, tzinfo=PARIS))
    cold = held_session.campaigns.get(kind=QuestionnaireKind.COLD)
    assert cold.questionnaire.slug == "a_froid_6_mois"
    assert set(cold.invitations.values_list("email", flat=True)) == hot_invitations


def test_the_positioning_questionnaire_goes_to_those_confirmed_fifteen_days_before(course, committed):
    session = SessionFactory(course=course, status=SessionStatus.OPEN)
    slots_create(session=session, first_day=datetime.date(2026, 12, 14), days=1)
    confirmed = RegistrationFactory(session=session, status=RegistrationStatus.CONFIRMED)
    RegistrationFactory(session=session, status=RegistrationStatus.WAITLISTED)

    _run(committed, datetime.datetime(2026, 11, 28, 9, tzinfo=PARIS))
    assert not session.campaigns.exists()

    _run(committed, datetime.datetime(2026, 11, 29, 9, tzinfo=PARIS))
    campaign = session.campaigns.get(kind=QuestionnaireKind.POSITIONING)
    assert list(campaign.invitations.values_list("registration", flat=True)) == [confirmed.pk]
    # Answers are taken until the first half-day starts.
    assert campaign.closes_at == datetime.datetime(2026, 12, 14, 9, tzinfo=PARIS)

    late = RegistrationFactory(session=session, status=RegistrationStatus.CONFIRMED)
    _run(committed, datetime.datetime(2026, 12, 1, 9, tzinfo=PARIS))
    assert campaign.invitations.filter(registration=late).exists()


def test_an_opted_out_address_is_neither_invited_nor_reminded(held_session, committed):
    person = held_session.registrations.filter(hours_recorded=7).get().user
    survey_opt_out(email=person.email.upper())
    survey_opt_out(email=person.email)  # idempotent

    _run(committed, LAST_END)

    hot = held_session.campaigns.get(kind=QuestionnaireKind.HOT)
    assert not hot.invitations.filter(email=person.email).exists()
    assert person.email not in [message.to[0] for message in mail.outbox]


def test_nobody_whose_data_was_erased_or_anonymised_is_asked(held_session, committed):
    erased, anonymised, kept = (r.user for r in held_session.registrations.filter(hours_recorded__gt=0))
    type(erased).objects.filter(pk=erased.pk).update(erased_at=LAST_END, email="personne-1@anonyme.invalid")
    type(anonymised).objects.filter(pk=anonymised.pk).update(anonymised_at=LAST_END)

    _run(committed, LAST_END)

    hot = held_session.campaigns.get(kind=QuestionnaireKind.HOT)
    assert list(hot.invitations.values_list("registration__user", flat=True)) == [kept.pk]
    assert _run(committed, LAST_END + datetime.timedelta(hours=1)) == 0  # nor at the next run


def test_campaigns_close_after_their_open_period(hot_campaign, committed, settings):
    _run(committed, hot_campaign.closes_at - datetime.timedelta(minutes=1))
    hot_campaign.refresh_from_db()
    assert hot_campaign.status == CampaignStatus.OPEN

    _run(committed, hot_campaign.closes_at)
    hot_campaign.refresh_from_db()
    assert hot_campaign.status == CampaignStatus.CLOSED


# Reminders
# ------------------------------------------------------------------------------


def _remind(committed, now):
    with freeze_time(now), committed():
        return reminders_due_send()


def test_reminders_follow_the_configured_delays_and_stop_after_the_last(hot_campaign, committed, settings):
    settings.SURVEY_REMINDER_DAYS = [3, 10]
    sent_at = hot_campaign.opened_at
    mail.outbox.clear()

    assert _remind(committed, sent_at + datetime.timedelta(days=2, hours=23)) == 0
    assert _remind(committed, sent_at + datetime.timedelta(days=3)) == 3
    assert len(mail.outbox) == 3
    assert set(hot_campaign.invitations.values_list("reminders_sent", flat=True)) == {1}
    assert _remind(committed, sent_at + datetime.timedelta(days=4)) == 0
    assert _remind(committed, sent_at + datetime.timedelta(days=10)) == 3
    assert _remind(committed, sent_at + datetime.timedelta(days=20)) == 0
    assert len(mail.outbox) == 6
    assert set(hot_campaign.invitations.values_list("reminders_sent", flat=True)) == {2}


def test_reminders_stop_once_the_person_has_answered(hot_campaign, committed):
    answered = hot_campaign.invitations.first()
    with freeze_time(hot_campaign.opened_at + datetime.timedelta(days=1)):
        response_submit(token=answered.token, values={"attentes": 4, "objectifs": 4})
    mail.outbox.clear()

    assert _remind(committed, hot_campaign.opened_at + datetime.timedelta(days=3)) == 2
    assert answered.email not in [message.to[0] for message in mail.outbox]
    # A reminder task already queued for the person finds them answered and sends nothing.
    with freeze_time(hot_campaign.opened_at + datetime.timedelta(days=3)):
        assert invitation_remind(invitation_id=answered.pk) is False
    assert len(mail.outbox) == 2


def test_no_reminder_once_the_survey_is_closed(hot_campaign, committed):
    with freeze_time(hot_campaign.closes_at), committed():
        surveys_due_send()
    mail.outbox.clear()

    assert _remind(committed, hot_campaign.closes_at + datetime.timedelta(days=1)) == 0
    with freeze_time(hot_campaign.closes_at + datetime.timedelta(days=1)), pytest.raises(SurveyError) as refused:
        campaign_remind_now(campaign=Campaign.objects.get(pk=hot_campaign.pk))
    assert refused.value.code == "survey_closed"
    assert mail.outbox == []


def test_remind_now_reaches_non_respondents_once_even_on_a_double_click(hot_campaign, committed):
    answered = hot_campaign.invitations.first()
    with freeze_time(hot_campaign.opened_at + datetime.timedelta(days=1)):
        response_submit(token=answered.token, values={"attentes": 3, "objectifs": 3})
    mail.outbox.clear()

    with freeze_time(hot_campaign.opened_at + datetime.timedelta(days=1, hours=1)), committed():
        assert campaign_remind_now(campaign=hot_campaign) == 2
    with freeze_time(hot_campaign.opened_at + datetime.timedelta(days=1, hours=1, seconds=5)), committed():
        campaign_remind_now(campaign=hot_campaign)

    assert sorted(message.to[0] for message in mail.outbox) == sorted(
        hot_campaign.invitations.exclude(pk=answered.pk).values_list("email", flat=True)
    )


def test_remind_now_right_after_the_invitation_waits(hot_campaign, committed):
    mail.outbox.clear()
    with freeze_time(hot_campaign.opened_at + datetime.timedelta(hours=1)), committed():
        campaign_remind_now(campaign=hot_campaign)

    assert mail.outbox == []


# Manual campaigns and extra addressees
# ------------------------------------------------------------------------------


def test_opening_a_campaign_twice_returns_the_same_one(held_session, committed):
    with committed():
        first = campaign_open(kind=QuestionnaireKind.HOT, session=held_session, origin=CampaignOrigin.MANUAL)
        second = campaign_open(kind=QuestionnaireKind.HOT, session=held_session)

    assert first == second
    assert first.invitations.count() == 3
    assert len(mail.outbox) == 3


def test_the_funder_survey_is_yearly_and_goes_to_the_addresses_added(db, committed):
    with committed():
        campaign = campaign_open(kind=QuestionnaireKind.FUNDER, year=2026, origin=CampaignOrigin.MANUAL)
        assert campaign.invitations.count() == 0
        invitation_create(campaign=campaign, email="referent@ars.sante.fr", name="ARS Occitanie")
        assert invitation_create(campaign=campaign, email="REFERENT@ars.sante.fr") is None

    assert [message.to for message in mail.outbox] == [["referent@ars.sante.fr"]]
    assert campaign_open(kind=QuestionnaireKind.FUNDER, year=2026) == campaign


def test_the_client_survey_is_only_for_intra_sessions(held_session):
    with pytest.raises(SurveyError) as refused:
        campaign_open(kind=QuestionnaireKind.CLIENT, session=held_session)
    assert refused.value.code == "not_intra"


def test_sessions_imported_from_the_history_get_no_survey(held_session, committed):
    held_session.imported_at = LAST_END
    held_session.save()

    _run(committed, LAST_END)

    assert not Campaign.objects.exists()
    assert mail.outbox == []
