"""Complaints (Qualiopi indicator 31): the workflow and its deadlines, the e-mails sent once, the
overdue reminders, the public form `/reclamation/` and the complaint's page in the back office."""

import datetime
import email
import email.policy
import io
import smtplib

import pytest
from freezegun import freeze_time

from django.contrib.auth.models import Group, Permission
from django.core import mail
from django.core.cache import cache
from django.core.management import call_command
from django.test import RequestFactory
from django.urls import reverse

from wagtail.models import ModelLogEntry, Page

from accounts.roles import COORDINATION, roles_sync
from cms.cache import _page_key
from cms.models import OrganisationSettings
from evaluations.exceptions import SurveyError
from evaluations.models import (
    ActionSource,
    Complaint,
    ComplaintChannel,
    ComplaintKind,
    ComplaintStatus,
    ImprovementAction,
)
from evaluations.services.complaints import (
    MESSAGE_ACKNOWLEDGEMENT,
    complaint_acknowledge,
    complaint_analyse,
    complaint_answer,
    complaint_close,
    complaint_deadlines,
    complaint_message_send,
    complaint_receive,
    complaint_reference,
    complaints_overdue_remind,
    working_days_after,
)
from evaluations.tasks import complaints_overdue_remind_task
from tests.clock import NOW, PARIS
from tests.factories import SessionFactory, UserFactory

pytestmark = pytest.mark.django_db

FRIDAY = datetime.datetime(2026, 11, 20, 16, 0, tzinfo=PARIS)


@pytest.fixture(autouse=True)
def _frozen():
    with freeze_time(NOW):
        yield


@pytest.fixture
def organisation():
    settings = OrganisationSettings.load()
    settings.email = "siege@exemple.fr"
    settings.save()
    return settings


def _receive(**fields):
    values = {"subject": "Salle trop froide", "description": "Le chauffage ne marchait pas."}
    return complaint_receive(**{**values, **fields})


def _actions(complaint) -> list[str]:
    return list(ModelLogEntry.objects.for_instance(complaint).order_by("pk").values_list("action", flat=True))


# Deadlines
# ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("received", "acknowledge_by"),
    [
        (datetime.date(2026, 11, 16), datetime.date(2026, 11, 18)),  # Monday → Wednesday
        (datetime.date(2026, 11, 20), datetime.date(2026, 11, 24)),  # Friday → Tuesday, over the weekend
        (datetime.date(2026, 11, 21), datetime.date(2026, 11, 24)),  # Saturday → Tuesday
        (datetime.date(2026, 11, 10), datetime.date(2026, 11, 13)),  # Tuesday → Friday, over 11 November
        (datetime.date(2026, 12, 24), datetime.date(2026, 12, 29)),  # Thursday → Tuesday, over Christmas
    ],
)
def test_acknowledgement_is_due_two_working_days_later(received, acknowledge_by):
    received_at = datetime.datetime.combine(received, datetime.time(15), tzinfo=PARIS)

    assert complaint_deadlines(received_at) == (acknowledge_by, received + datetime.timedelta(days=15))


def test_deadlines_follow_the_settings(settings):
    settings.COMPLAINT_ACKNOWLEDGE_DAYS = 5
    settings.COMPLAINT_ANSWER_DAYS = 30

    assert complaint_deadlines(FRIDAY) == (datetime.date(2026, 11, 27), datetime.date(2026, 12, 20))
    assert working_days_after(datetime.date(2026, 11, 20), 0) == datetime.date(2026, 11, 20)


def test_a_late_evening_complaint_counts_from_its_paris_day():
    just_before_midnight = datetime.datetime(2026, 11, 20, 23, 30, tzinfo=PARIS)  # 22:30 UTC

    assert complaint_deadlines(just_before_midnight)[0] == datetime.date(2026, 11, 24)


# The workflow
# ------------------------------------------------------------------------------


def test_a_complaint_is_received_with_its_deadlines_and_history(coordinator):
    complaint = _receive(received_at=FRIDAY, channel=ComplaintChannel.PHONE, by=coordinator)

    complaint.refresh_from_db()
    assert complaint.status == ComplaintStatus.RECEIVED
    assert (complaint.acknowledge_by, complaint.answer_by) == (datetime.date(2026, 11, 24), datetime.date(2026, 12, 5))
    assert complaint_reference(complaint) == f"REC-2026-{complaint.pk:04d}"
    entry = ModelLogEntry.objects.for_instance(complaint).get()
    assert (entry.action, entry.user) == ("wagtail.create", coordinator)


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"subject": " "}, "subject_required"),
        ({"description": ""}, "description_required"),
        ({"channel": ComplaintChannel.FORM, "email": ""}, "email_required"),
        ({"email": "pas-une-adresse"}, "email_invalid"),
    ],
)
def test_a_complaint_needs_what_answering_it_needs(fields, code):
    with pytest.raises(SurveyError) as error:
        _receive(**fields)

    assert error.value.code == code
    assert not Complaint.objects.exists()


def test_the_training_named_is_kept_and_a_session_code_links_the_session(course):
    session = SessionFactory(course=course, code="2026-CPS1-31-02")

    linked = _receive(about="2026-cps1-31-02")
    described = _receive(about="CPS à Toulouse en octobre")

    assert linked.session == session
    assert described.session is None
    assert described.description.splitlines()[0].endswith("CPS à Toulouse en octobre")
    assert described.description.endswith("Le chauffage ne marchait pas.")


def test_each_step_is_dated_and_logged(coordinator, send):
    complaint = _receive(email="camille@exemple.fr", received_at=FRIDAY)
    step = NOW + datetime.timedelta(hours=1)

    send(complaint_acknowledge, complaint=complaint, by=coordinator, now=step)
    send(complaint_answer, complaint=complaint, answer="Le lieu a réparé le chauffage.", by=coordinator, now=step)
    complaint_analyse(complaint=complaint, analysis="Pas de vérification du lieu avant la session.", by=coordinator)
    complaint_close(complaint=complaint, by=coordinator, now=step)

    complaint.refresh_from_db()
    assert complaint.status == ComplaintStatus.CLOSED
    assert complaint.acknowledged_at == complaint.answered_at == complaint.closed_at == step
    assert complaint.answer == "Le lieu a réparé le chauffage."
    assert complaint.analysis == "Pas de vérification du lieu avant la session."
    assert _actions(complaint) == [
        "wagtail.create",
        "evaluations.complaint.acknowledge",
        "evaluations.complaint.acknowledgement_sent",
        "evaluations.complaint.answer",
        "evaluations.complaint.answer_sent",
        "evaluations.complaint.analyse",
        "evaluations.complaint.close",
    ]
    assert ModelLogEntry.objects.for_instance(complaint).filter(user=coordinator).count() == 4


@pytest.mark.parametrize(
    ("steps_done", "step"),
    [
        (["acknowledge"], "acknowledge"),
        ([], "analyse"),
        (["acknowledge"], "close"),
        (["answer"], "answer"),
        (["answer"], "acknowledge"),
        (["answer", "analyse"], "analyse"),
        (["answer", "analyse", "close"], "answer"),
    ],
)
def test_a_step_is_refused_out_of_order(steps_done, step):
    complaint = _receive()
    calls = {
        "acknowledge": lambda: complaint_acknowledge(complaint=complaint),
        "answer": lambda: complaint_answer(complaint=complaint, answer="Réponse"),
        "analyse": lambda: complaint_analyse(complaint=complaint, analysis="Analyse"),
        "close": lambda: complaint_close(complaint=complaint),
    }
    for done in steps_done:
        calls[done]()
    status = Complaint.objects.get().status

    with pytest.raises(SurveyError) as error:
        calls[step]()

    assert error.value.code == "complaint_wrong_state"
    assert Complaint.objects.get().status == status


def test_an_answer_and_an_analysis_need_their_text():
    complaint = _receive()
    with pytest.raises(SurveyError) as error:
        complaint_answer(complaint=complaint, answer="  ")
    assert error.value.code == "answer_required"

    complaint_answer(complaint=complaint, answer="Réponse")
    with pytest.raises(SurveyError) as error:
        complaint_analyse(complaint=complaint, analysis="")
    assert error.value.code == "analysis_required"
    assert Complaint.objects.get().status == ComplaintStatus.ANSWERED


def test_answering_a_complaint_just_received_acknowledges_it_too(send):
    complaint = _receive(email="camille@exemple.fr")

    send(complaint_answer, complaint=complaint, answer="Nous avons changé de salle.")

    complaint.refresh_from_db()
    assert complaint.acknowledged_at == complaint.answered_at == NOW
    assert len(mail.outbox) == 1  # the answer only: it acknowledges by itself
    assert "Nous avons changé de salle." in mail.outbox[0].body


# E-mails
# ------------------------------------------------------------------------------


def test_the_acknowledgement_is_e_mailed_once_with_the_reference_and_the_deadline(send):
    complaint = _receive(email="camille@exemple.fr", complainant="Camille Martin", received_at=FRIDAY)

    send(complaint_acknowledge, complaint=complaint)

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["camille@exemple.fr"]
    assert complaint_reference(complaint) in message.subject
    assert "5 décembre 2026" in message.body  # the answer deadline, as a French date
    assert "Camille Martin" in message.body
    assert message.alternatives  # and its HTML version
    assert complaint_message_send(complaint_id=complaint.pk, kind=MESSAGE_ACKNOWLEDGEMENT) is False  # a retry
    assert len(mail.outbox) == 1


def test_the_answer_is_e_mailed_once(send):
    complaint = _receive(email="camille@exemple.fr")
    send(complaint_acknowledge, complaint=complaint)
    mail.outbox.clear()

    send(complaint_answer, complaint=complaint, answer="Le chauffage a été réparé.")

    assert [message.to for message in mail.outbox] == [["camille@exemple.fr"]]
    assert "Le chauffage a été réparé." in mail.outbox[0].body
    assert complaint_message_send(complaint_id=complaint.pk, kind="answer") is False
    assert len(mail.outbox) == 1


def test_nothing_is_e_mailed_without_an_address(send):
    complaint = _receive(email="")

    send(complaint_acknowledge, complaint=complaint)
    send(complaint_answer, complaint=complaint, answer="Réponse donnée par téléphone.")

    assert mail.outbox == []
    assert not any(action.endswith("_sent") for action in _actions(complaint))


# Overdue complaints
# ------------------------------------------------------------------------------


@pytest.fixture
def overdue(coordinator, organisation):
    """Received on Monday 9 November: acknowledgement due on the 12th (over 11 November), answer on the 24th."""
    received = datetime.datetime(2026, 11, 9, 9, 0, tzinfo=PARIS)
    owned = _receive(subject="Pas d'accusé de réception", received_at=received, owner=coordinator)
    orphan = _receive(subject="Sans responsable", received_at=received)
    complaint_acknowledge(complaint=orphan)
    answered = _receive(subject="Répondue", received_at=received)
    complaint_answer(complaint=answered, answer="Réponse")
    recent = _receive(subject="Récente", received_at=NOW)
    complaint_acknowledge(complaint=recent)  # its answer is due on 7 December
    return {"owned": owned, "orphan": orphan, "answered": answered, "recent": recent}


def test_overdue_complaints_are_reminded_to_their_owner_or_the_organisation_once_a_day(overdue, coordinator):
    remind_at = NOW  # Sunday 22 November: the acknowledgement of "owned" was due on the 12th

    assert complaints_overdue_remind(now=remind_at) == 1
    assert [message.to for message in mail.outbox] == [[coordinator.email]]
    assert complaint_reference(overdue["owned"]) in mail.outbox[0].body
    assert complaints_overdue_remind(now=remind_at + datetime.timedelta(hours=8)) == 0  # same day

    # On the 25th the answers are late too: "orphan", acknowledged, has no owner.
    mail.outbox.clear()
    later = datetime.datetime(2026, 11, 25, 8, 0, tzinfo=PARIS)
    assert complaints_overdue_remind(now=later) == 2
    assert sorted(message.to[0] for message in mail.outbox) == sorted([coordinator.email, "siege@exemple.fr"])
    assert "Sans responsable" in next(m.body for m in mail.outbox if m.to == ["siege@exemple.fr"])
    for name in ("owned", "orphan"):
        overdue[name].refresh_from_db()
        assert overdue[name].owner_reminded_at == later
    assert set(Complaint.objects.filter(owner_reminded_at__isnull=False).values_list("subject", flat=True)) == {
        "Pas d'accusé de réception",
        "Sans responsable",
    }
    assert _actions(overdue["owned"]).count("evaluations.complaint.owner_reminded") == 2


def test_a_reminder_run_stopped_half_way_by_the_server_sends_nothing_twice_when_run_again(
    overdue, coordinator, settings, tmp_path
):
    """The server refuses each e-mail the first time: every run stops at one, and the runs after it
    send to each person once (those reminded before the failure stay reminded)."""
    settings.EMAIL_BACKEND = "tests.faults.mail.FailingOnceBackend"
    settings.EMAIL_FILE_PATH = str(tmp_path)
    later = datetime.datetime(2026, 11, 25, 8, 0, tzinfo=PARIS)  # two people to remind

    reminded = []
    for _run in range(3):  # the task delivered again after each failure
        try:
            reminded.append(complaints_overdue_remind(now=later))
        except smtplib.SMTPException:
            reminded.append("refused")

    assert reminded == ["refused", "refused", 1]
    recipients = sorted(
        email.message_from_bytes(path.read_bytes(), policy=email.policy.default)["To"]
        for path in tmp_path.glob("*.eml")
    )
    assert recipients == sorted([coordinator.email, "siege@exemple.fr"])
    assert Complaint.objects.filter(owner_reminded_at=later).count() == 2
    assert complaints_overdue_remind(now=later) == 0


def test_the_reminder_runs_from_the_task_and_the_morning_command(overdue):
    assert complaints_overdue_remind_task.delay().get() == 1

    with freeze_time(datetime.datetime(2026, 11, 23, 8, 0, tzinfo=PARIS)):
        output = io.StringIO()
        call_command("send_reminders", stdout=output)

    assert "1 réclamation(s) en retard" in output.getvalue()
    assert len(mail.outbox) == 2


# The public form
# ------------------------------------------------------------------------------

URL = "/reclamation/"


def _form(**fields):
    return {
        "kind": ComplaintKind.COMPLAINT,
        "name": "Camille Martin",
        "email": "camille@exemple.fr",
        "about": "CPS niveau 1, Toulouse, octobre",
        "subject": "Convocation reçue trop tard",
        "message": "J'ai reçu la convocation la veille de la formation.",
        "consent": "on",
        "website": "",
        **fields,
    }


@pytest.fixture
def coordination_member(db):
    roles_sync()
    user = UserFactory(email="coordination@exemple.fr")
    user.groups.add(Group.objects.get(name=COORDINATION))
    return user


def test_the_form_is_linked_from_every_page_and_accessible(client, home_page):
    page = client.get(URL)

    assert page.status_code == 200
    html = page.content.decode()
    assert f'href="{URL}"' in html  # the footer's link
    assert 'for="id_email"' in html and 'autocomplete="email"' in html
    assert "<legend>" in html  # the kind of message is a group of radios
    assert 'aria-describedby="id_email_helptext"' in html


def test_a_message_is_recorded_acknowledged_and_the_coordination_told(client, committed, coordination_member):
    with committed():
        response = client.post(URL, _form())

    complaint = Complaint.objects.get()
    assert response.status_code == 302
    assert (complaint.channel, complaint.kind, complaint.status) == (
        ComplaintChannel.FORM,
        ComplaintKind.COMPLAINT,
        ComplaintStatus.ACKNOWLEDGED,
    )
    assert (complaint.complainant, complaint.email, complaint.acknowledged_at) == (
        "Camille Martin",
        "camille@exemple.fr",
        NOW,
    )
    assert "CPS niveau 1, Toulouse, octobre" in complaint.description
    assert sorted(message.to[0] for message in mail.outbox) == ["camille@exemple.fr", "coordination@exemple.fr"]
    staff_mail = next(message for message in mail.outbox if message.to == ["coordination@exemple.fr"])
    assert reverse("complaints:edit", args=[complaint.pk]) in staff_mail.body

    thanks = client.get(response["Location"])
    assert thanks.status_code == 200
    html = thanks.content.decode()
    assert complaint_reference(complaint) in html
    assert "7 décembre 2026" in html  # the answer deadline (received on 22 November)
    assert "camille@exemple.fr" not in html  # the address is masked
    assert client.get(reverse("evaluations:complaint_thanks") + "?ref=forged").status_code == 404


def test_a_difficulty_can_be_reported_too(client, committed):
    with committed():
        client.post(URL, _form(kind=ComplaintKind.DIFFICULTY))

    assert Complaint.objects.get().kind == ComplaintKind.DIFFICULTY


@pytest.mark.parametrize(
    ("missing", "code"),
    [("consent", "required"), ("email", "required"), ("message", "required"), ("subject", "required")],
)
def test_an_incomplete_message_is_sent_back_with_an_error_summary(client, missing, code):
    response = client.post(URL, _form(**{missing: ""}))

    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors[missing].as_data()[0].code == code
    html = response.content.decode()
    assert 'id="error-summary"' in html and f'href="#id_{missing}"' in html
    assert 'aria-invalid="true"' in html
    assert "la convocation la veille de la formation" in html or missing == "message"  # nothing typed is lost
    assert not Complaint.objects.exists()
    assert mail.outbox == []


def test_an_invalid_address_is_refused(client):
    response = client.post(URL, _form(email="camille"))

    assert response.context["form"].errors["email"].as_data()[0].code == "invalid"
    assert not Complaint.objects.exists()


def test_a_robot_filling_the_honeypot_is_thanked_and_nothing_is_recorded(client, committed, coordination_member):
    with committed():
        response = client.post(URL, _form(website="https://spam.example"))

    assert response.status_code == 200
    assert "complaint" in response.context and response.context["complaint"] is None
    assert not Complaint.objects.exists()
    assert mail.outbox == []


def test_at_most_five_messages_an_hour_from_one_address(client, committed, settings):
    with committed():
        for number in range(5):
            assert client.post(URL, _form(subject=f"Message {number}")).status_code == 302
        refused = client.post(URL, _form(subject="Message 6"))
        other = client.post(URL, _form(subject="Depuis une autre adresse"), REMOTE_ADDR="203.0.113.9")

    assert refused.status_code == 429
    assert other.status_code == 302
    assert Complaint.objects.count() == 6
    assert not Complaint.objects.filter(subject="Message 6").exists()
    with freeze_time(NOW + datetime.timedelta(hours=1, minutes=1)):
        cache.delete("complaint-form:127.0.0.1")  # locmem's expiry follows the real clock: the hour has passed
        assert client.get(URL).status_code == 200


def test_the_form_is_never_cached(client, home_page):
    response = client.get(URL)

    assert "no-cache" in response["Cache-Control"] and "no-store" in response["Cache-Control"]
    request = RequestFactory().get(URL)
    assert cache.get(_page_key(request)) is None  # the public page cache did not keep it


def test_the_privacy_page_is_linked_when_there_is_one(client, home_page):
    privacy = home_page.add_child(instance=Page(title="Données personnelles", slug="donnees-personnelles"))
    settings = OrganisationSettings.load()
    settings.privacy_page = privacy
    settings.save()

    assert 'href="/donnees-personnelles/"' in client.get(URL).content.decode()


# The back office
# ------------------------------------------------------------------------------


def _edit(complaint) -> str:
    return reverse("complaints:edit", args=[complaint.pk])


def test_the_complaint_page_shows_the_next_steps_and_records_them(coordinator_client, coordinator, committed):
    complaint = _receive(email="camille@exemple.fr", received_at=FRIDAY)

    page = coordinator_client.get(_edit(complaint)).content.decode()
    assert reverse("complaints:acknowledge", args=[complaint.pk]) in page
    assert reverse("complaints:answer", args=[complaint.pk]) in page
    assert reverse("complaints:close", args=[complaint.pk]) not in page

    with committed():
        response = coordinator_client.post(reverse("complaints:acknowledge", args=[complaint.pk]))
        assert response["Location"] == _edit(complaint)
        coordinator_client.post(reverse("complaints:answer", args=[complaint.pk]), {"answer": ""})  # refused
        assert Complaint.objects.get().status == ComplaintStatus.ACKNOWLEDGED
        coordinator_client.post(reverse("complaints:answer", args=[complaint.pk]), {"answer": "Salle changée."})
        coordinator_client.post(reverse("complaints:analyse", args=[complaint.pk]), {"analysis": "Lieu non vérifié."})
        coordinator_client.post(reverse("complaints:close", args=[complaint.pk]))

    complaint.refresh_from_db()
    assert (complaint.status, complaint.answer, complaint.analysis) == (
        ComplaintStatus.CLOSED,
        "Salle changée.",
        "Lieu non vérifié.",
    )
    assert len(mail.outbox) == 2  # the acknowledgement and the answer
    assert ModelLogEntry.objects.for_instance(complaint).filter(user=coordinator).count() == 4
    history = coordinator_client.get(reverse("complaints:history", args=[complaint.pk]))
    assert history.status_code == 200
    assert len(history.context["object_list"]) == 7  # created, four steps, two e-mails


def test_the_complaint_form_does_not_change_the_status(coordinator_client, coordinator):
    complaint = _receive(received_at=FRIDAY)

    response = coordinator_client.post(
        _edit(complaint),
        {
            "kind": ComplaintKind.INCIDENT,
            "channel": ComplaintChannel.PHONE,
            "complainant": "Camille",
            "email": "",
            "subject": "Malaise d'une stagiaire",
            "description": "Appel des secours.",
            "owner": coordinator.pk,
            "status": ComplaintStatus.CLOSED,  # not a field of the form
        },
    )

    assert response.status_code == 302
    complaint.refresh_from_db()
    assert (complaint.kind, complaint.status, complaint.owner) == (
        ComplaintKind.INCIDENT,
        ComplaintStatus.RECEIVED,
        coordinator,
    )
    assert "wagtail.edit" in _actions(complaint)


def test_a_complaint_recorded_in_the_back_office_gets_its_deadlines(coordinator_client, coordinator):
    response = coordinator_client.post(
        reverse("complaints:add"),
        {
            "received_at": "20/11/2026 16:00",
            "kind": ComplaintKind.COMPLAINT,
            "channel": ComplaintChannel.LETTER,
            "complainant": "Mission locale",
            "email": "",
            "subject": "Facture erronée",
            "description": "Le montant ne correspond pas au devis.",
            "owner": coordinator.pk,
        },
    )

    assert response.status_code == 302
    complaint = Complaint.objects.get()
    assert (complaint.status, complaint.acknowledge_by, complaint.answer_by) == (
        ComplaintStatus.RECEIVED,
        datetime.date(2026, 11, 24),
        datetime.date(2026, 12, 5),
    )
    assert _actions(complaint) == ["wagtail.create"]


def test_the_list_shows_and_filters_the_late_complaints(coordinator_client, course, django_assert_max_num_queries):
    late = _receive(subject="Chauffage", received_at=datetime.datetime(2026, 11, 2, 9, 0, tzinfo=PARIS))
    on_time = _receive(subject="À l'heure", received_at=NOW)
    for number in range(5):
        _receive(subject=f"Autre {number}", received_at=NOW, session=SessionFactory(course=course))

    with django_assert_max_num_queries(30):
        page = coordinator_client.get(reverse("complaints:index"))
    assert page.status_code == 200
    assert page.content.decode().count("w-status--primary") == 1  # the late one is flagged, in words
    listed = coordinator_client.get(reverse("complaints:index"), {"overdue": "true"}).context["object_list"]
    assert [item.pk for item in listed] == [late.pk]
    listed = coordinator_client.get(reverse("complaints:index"), {"overdue": "false"}).context["object_list"]
    assert on_time.pk in {item.pk for item in listed} and late.pk not in {item.pk for item in listed}
    export = coordinator_client.get(reverse("complaints:index"), {"export": "csv"}).content.decode("utf-8-sig")
    assert complaint_reference(late) in export and "Chauffage" in export


def test_an_improvement_action_is_created_from_a_complaint(coordinator_client, coordinator, course):
    session = SessionFactory(course=course)
    complaint = _receive(session=session)
    complaint_answer(complaint=complaint, answer="Réponse")
    complaint_analyse(complaint=complaint, analysis="Le lieu n'est pas vérifié avant la session.")
    url = reverse("improvement_actions:add") + f"?complaint={complaint.pk}"

    assert f'href="{url}"' in coordinator_client.get(_edit(complaint)).content.decode().replace("&amp;", "&")
    initial = coordinator_client.get(url).context["form"].initial
    assert (initial["source"], initial["complaint"], initial["session"]) == (
        ActionSource.COMPLAINT,
        complaint.pk,
        session.pk,
    )
    assert initial["description"] == "Le lieu n'est pas vérifié avant la session."

    response = coordinator_client.post(
        url,
        {
            "title": initial["title"],
            "description": initial["description"],
            "source": ActionSource.COMPLAINT,
            "session": session.pk,
            "complaint": complaint.pk,
            "status": "planned",
            "owner": coordinator.pk,
            "due_on": "15/12/2026",
        },
    )

    assert response.status_code == 302
    action = ImprovementAction.objects.get()
    assert (action.complaint, action.source, action.session) == (complaint, ActionSource.COMPLAINT, session)
    assert action.title in coordinator_client.get(_edit(complaint)).content.decode()


def test_the_workflow_needs_the_right_to_change_complaints(client, committed):
    roles_sync()
    reader = UserFactory()
    group = Group.objects.create(name="Lecture qualité")
    group.permissions.add(*Permission.objects.filter(codename__in=["access_admin", "view_complaint"]))
    reader.groups.add(group)
    client.force_login(reader)
    complaint = _receive(email="camille@exemple.fr")

    with committed():
        response = client.post(reverse("complaints:acknowledge", args=[complaint.pk]))

    assert response.status_code == 302 and response["Location"] == reverse("wagtailadmin_home")
    assert Complaint.objects.get().status == ComplaintStatus.RECEIVED
    assert mail.outbox == []


def test_the_coordination_cannot_delete_a_complaint(coordinator_client, coordinator):
    complaint = _receive()

    response = coordinator_client.post(reverse("complaints:delete", args=[complaint.pk]))

    assert response["Location"] == reverse("wagtailadmin_home")
    assert Complaint.objects.filter(pk=complaint.pk).exists()
    assert not coordinator.has_perm("evaluations.delete_complaint")
