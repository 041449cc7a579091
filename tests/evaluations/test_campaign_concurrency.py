"""The survey schedule run concurrently (PostgreSQL: real transactions, real row locks) sends nothing twice."""

import datetime

import pytest
from freezegun import freeze_time

from django.core import mail
from django.db import connection

from evaluations.models import Campaign, Invitation
from evaluations.services.campaigns import invitation_remind, invitation_send, surveys_due_send
from tests.concurrency import run_concurrently

from .test_campaigns import LAST_END

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("migrated_state_restored"),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks are only meaningful on PostgreSQL"),
]


def test_schedulers_running_at_once_open_each_campaign_and_send_each_invitation_once(held_session):
    with freeze_time(LAST_END, tick=True):
        run_concurrently([surveys_due_send] * 8)

    assert Campaign.objects.count() == 2  # end of training and trainer's report
    assert Invitation.objects.count() == 4
    assert sorted(message.to[0] for message in mail.outbox) == sorted(
        Invitation.objects.values_list("email", flat=True)
    )


def test_duplicated_sending_and_reminder_tasks_send_one_email_each(held_session, settings):
    with freeze_time(LAST_END, tick=True):
        surveys_due_send()
    invitation = Invitation.objects.filter(registration__isnull=False).first()
    mail.outbox.clear()

    with freeze_time(LAST_END, tick=True):
        sent = run_concurrently([lambda: invitation_send(invitation_id=invitation.pk)] * 10)
    assert sent == [False] * 10  # already sent by the schedule

    settings.SURVEY_REMINDER_DAYS = [3]
    with freeze_time(invitation.sent_at + datetime.timedelta(days=3, seconds=1)):
        reminded = run_concurrently([lambda: invitation_remind(invitation_id=invitation.pk)] * 10)

    assert sorted(reminded) == [False] * 9 + [True]
    assert [message.to[0] for message in mail.outbox] == [invitation.email]
