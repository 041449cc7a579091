"""The coordinator's side of registrations in the Wagtail admin: the registrations viewset, a
session's registrations page (figures, bulk actions, waiting list, group add, export)."""

import datetime
import io

import openpyxl
import pytest
from freezegun import freeze_time

from django.contrib.auth.models import Group, Permission
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import NoReverseMatch, reverse

from accounts.roles import COORDINATION, DISABILITY_REFERENT, roles_sync
from tests.clock import FIRST_DAY, NOW
from tests.factories import (
    OrganisationFactory,
    RegistrationFactory,
    SessionFactory,
    UserFactory,
    course_create,
    slots_create,
)
from training.choices import Funding, MessageKind, RegistrationSource, RegistrationStatus
from training.models import Registration, RegistrationMessage

pytestmark = pytest.mark.django_db

NEEDS = "Fauteuil roulant : salle de plain-pied"


@pytest.fixture(autouse=True)
def _frozen():
    with freeze_time(NOW):
        yield


@pytest.fixture
def course(catalogue):
    return course_create(catalogue=catalogue, title="Comprendre les violences intrafamiliales", prerequisites="")


@pytest.fixture
def session(course):
    session = SessionFactory(course=course, capacity=10)
    slots_create(session=session, first_day=FIRST_DAY, days=2)
    return session


@pytest.fixture
def intra_session(course):
    session = SessionFactory(
        course=course, capacity=4, funding=Funding.INTRA, client_organisation=OrganisationFactory(name="CCAS de Rodez")
    )
    slots_create(session=session, first_day=FIRST_DAY)
    return session


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


def _registration(session, status, **fields):
    if status == RegistrationStatus.WAITLISTED:
        fields.setdefault("waitlisted_at", NOW)
    if status == RegistrationStatus.CONFIRMED:
        fields.setdefault("confirmed_at", NOW)
    return RegistrationFactory(session=session, status=status, **fields)


def _page_url(session):
    return reverse("registrations:session", args=[session.pk])


def _actions_url(session):
    return reverse("registrations:session_actions", args=[session.pk])


def _messages(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def _statuses(*registrations) -> list[str]:
    return [Registration.objects.get(pk=registration.pk).status for registration in registrations]


def _xlsx(rows, name="participants.xlsx") -> SimpleUploadedFile:
    workbook = openpyxl.Workbook()
    for row in rows:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return SimpleUploadedFile(name, buffer.getvalue())


# Access
# ------------------------------------------------------------------------------


def test_registrations_need_the_permission_to_change_them(client, session):
    roles_sync()
    registration = _registration(session, RegistrationStatus.PENDING)
    back_office_only = UserFactory()
    group = Group.objects.create(name="Accueil")
    group.permissions.add(Permission.objects.get(codename="access_admin"))
    back_office_only.groups.add(group)
    client.force_login(back_office_only)

    # Wagtail answers a permission denied in the back office by a redirect to its home page.
    for response in (
        client.get(_page_url(session)),
        client.get(reverse("registrations:index")),
        client.get(reverse("registrations:session_export", args=[session.pk])),
        client.post(_actions_url(session), {"action": "approve", "registrations": [registration.pk]}),
    ):
        assert (response.status_code, response["Location"]) == (302, reverse("wagtailadmin_home"))
    assert _statuses(registration) == [RegistrationStatus.PENDING]

    client.force_login(UserFactory())  # no back-office access at all
    assert reverse("wagtailadmin_login") in client.get(_page_url(session))["Location"]


def test_actions_are_post_only(coordinator_client, session):
    assert coordinator_client.get(_actions_url(session)).status_code == 405
    assert coordinator_client.get(reverse("registrations:session_waitlist_move", args=[session.pk])).status_code == 405


def test_registrations_are_never_created_copied_or_deleted_by_hand(client, session):
    registration = _registration(session, RegistrationStatus.CONFIRMED)
    client.force_login(UserFactory(is_superuser=True))

    for name, args in (("add", []), ("delete", [registration.pk]), ("copy", [registration.pk])):
        with pytest.raises(NoReverseMatch):
            reverse(f"registrations:{name}", args=args)
    response = client.get(reverse("registrations:index"))
    assert response.status_code == 200
    assert "/admin/registrations/new/" not in response.content.decode()
    assert client.get("/admin/registrations/new/").status_code == 404


def test_the_edit_form_never_changes_a_status(coordinator_client, session):
    registration = _registration(session, RegistrationStatus.CONFIRMED)

    response = coordinator_client.post(
        reverse("registrations:edit", args=[registration.pk]),
        {"status": RegistrationStatus.CANCELLED, "waitlist_position": "3", "funding_note": "OPCO Santé, bon 42"},
    )

    assert response.status_code == 302
    registration.refresh_from_db()
    assert registration.status == RegistrationStatus.CONFIRMED
    assert registration.waitlist_position is None
    assert registration.funding_note == "OPCO Santé, bon 42"


# The session's registrations page
# ------------------------------------------------------------------------------


def test_page_shows_the_fill_figures_and_the_waiting_list_in_promotion_order(coordinator_client, session):
    for _ in range(4):
        _registration(session, RegistrationStatus.CONFIRMED)
    _registration(session, RegistrationStatus.OFFERED)
    _registration(session, RegistrationStatus.PENDING)
    _registration(session, RegistrationStatus.PENDING)
    second = _registration(session, RegistrationStatus.WAITLISTED, waitlist_position=2)
    first = _registration(session, RegistrationStatus.WAITLISTED, waitlist_position=1)
    third = _registration(session, RegistrationStatus.WAITLISTED, waitlist_position=3)
    _registration(session, RegistrationStatus.CANCELLED)

    response = coordinator_client.get(_page_url(session))

    assert response.status_code == 200
    board = response.context["board"]
    assert (board.confirmed, board.seats_held, board.pending, board.waitlisted) == (4, 5, 2, 3)
    assert board.fill_rate == 0.4
    assert response.context["fill_rate"] == "40\u00a0%"
    waiting = board.group(RegistrationStatus.WAITLISTED).registrations
    assert [registration.pk for registration in waiting] == [first.pk, second.pk, third.pk]
    assert [registration.waitlist_rank for registration in waiting] == [1, 2, 3]
    content = response.content.decode()
    assert "40\u00a0%" in content
    assert reverse("registrations:session_export", args=[session.pk]) in content


def _queries_for_page(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_page_costs_the_same_queries_for_5_or_40_registrations(coordinator_client, session):
    session.capacity = 50
    session.save()
    statuses = [RegistrationStatus.CONFIRMED, RegistrationStatus.PENDING, RegistrationStatus.WAITLISTED]

    def add(indexes):
        for index in indexes:
            status = statuses[index % 3]
            position = index if status == RegistrationStatus.WAITLISTED else None
            _registration(session, status, waitlist_position=position, organisation=OrganisationFactory())

    add(range(5))
    coordinator_client.get(_page_url(session))  # warm the per-process caches (content types, site)
    with_5 = _queries_for_page(coordinator_client, _page_url(session))
    add(range(5, 40))
    with_40 = _queries_for_page(coordinator_client, _page_url(session))

    assert with_5 == with_40


def test_session_list_shows_fill_rate_and_waiting_list_in_constant_queries(coordinator_client, course):
    def add_sessions(count):
        for _ in range(count):
            session = SessionFactory(course=course, capacity=10)
            for _ in range(3):
                _registration(session, RegistrationStatus.CONFIRMED)
            _registration(session, RegistrationStatus.WAITLISTED, waitlist_position=1)

    add_sessions(2)
    url = reverse("sessions:index")
    coordinator_client.get(url)
    with_2 = _queries_for_page(coordinator_client, url)
    add_sessions(10)
    with_12 = _queries_for_page(coordinator_client, url)

    assert with_2 == with_12
    response = coordinator_client.get(url)
    assert {(s.confirmed_count, s.waitlist_count) for s in response.context["object_list"]} == {(3, 1)}
    content = response.content.decode()
    assert "3 / 10 (30\u00a0%)" in content
    assert "3 / 10 (30\u00a0%) ·" not in content  # no seat held by an offer


def test_registration_list_costs_constant_queries(coordinator_client, session):
    for _ in range(3):
        _registration(session, RegistrationStatus.CONFIRMED)
    url = reverse("registrations:index")
    coordinator_client.get(url)
    with_3 = _queries_for_page(coordinator_client, url)
    for _ in range(15):
        _registration(session, RegistrationStatus.PENDING)
    with_18 = _queries_for_page(coordinator_client, url)

    assert with_3 == with_18


def test_registration_list_filters_and_searches(coordinator_client, session, course):
    other = SessionFactory(course=course, code="2026-AUTRE-01")
    pending = _registration(session, RegistrationStatus.PENDING, user=UserFactory(last_name="Lacombe"))
    _registration(session, RegistrationStatus.CONFIRMED)
    _registration(other, RegistrationStatus.PENDING)
    url = reverse("registrations:index")

    by_status = coordinator_client.get(url, {"status": RegistrationStatus.PENDING, "q": "Lacombe"})
    by_code = coordinator_client.get(url, {"q": "2026-AUTRE"})

    assert [r.pk for r in by_status.context["object_list"]] == [pending.pk]
    assert {r.session_id for r in by_code.context["object_list"]} == {other.pk}


# Bulk actions
# ------------------------------------------------------------------------------


def test_bulk_approve_confirms_while_seats_are_free_then_waitlists(coordinator_client, coordinator, session):
    session.capacity = 1
    session.requires_approval = True
    session.save()
    first = _registration(session, RegistrationStatus.PENDING)
    second = _registration(session, RegistrationStatus.PENDING)

    response = coordinator_client.post(
        _actions_url(session), {"action": "approve", "registrations": [second.pk, first.pk]}
    )

    assert response.status_code == 302
    assert response["Location"] == _page_url(session)
    assert _statuses(first, second) == [RegistrationStatus.CONFIRMED, RegistrationStatus.WAITLISTED]
    assert Registration.objects.get(pk=first.pk).decided_by == coordinator
    assert len(_messages(response)) == 2  # one line per resulting status, naming the people


def test_bulk_refusal_needs_a_reason_and_changes_nothing_without_one(coordinator_client, session):
    pending = _registration(session, RegistrationStatus.PENDING)
    waiting = _registration(session, RegistrationStatus.WAITLISTED, waitlist_position=1)
    selected = {"action": "refuse", "registrations": [pending.pk, waiting.pk]}

    response = coordinator_client.post(_actions_url(session), {**selected, "reason": "  "})

    assert _statuses(pending, waiting) == [RegistrationStatus.PENDING, RegistrationStatus.WAITLISTED]
    (message,) = _messages(response)
    assert str(pending.user) in message and str(waiting.user) in message

    coordinator_client.post(_actions_url(session), {**selected, "reason": "Public non concerné par la formation"})

    assert _statuses(pending, waiting) == [RegistrationStatus.REFUSED, RegistrationStatus.REFUSED]
    assert Registration.objects.get(pk=pending.pk).refusal_reason == "Public non concerné par la formation"


def test_bulk_cancel_frees_the_seat_for_the_waiting_list(coordinator_client, session):
    session.capacity = 1
    session.save()
    confirmed = _registration(session, RegistrationStatus.CONFIRMED)
    waiting = _registration(session, RegistrationStatus.WAITLISTED, waitlist_position=1)

    without_reason = coordinator_client.post(
        _actions_url(session), {"action": "cancel", "registrations": [confirmed.pk]}
    )
    assert _statuses(confirmed) == [RegistrationStatus.CONFIRMED]
    assert len(_messages(without_reason)) == 1

    coordinator_client.post(
        _actions_url(session), {"action": "cancel", "registrations": [confirmed.pk], "reason": "Arrêt maladie"}
    )

    assert _statuses(confirmed, waiting) == [RegistrationStatus.CANCELLED, RegistrationStatus.OFFERED]
    assert Registration.objects.get(pk=confirmed.pk).cancellation_reason == "Arrêt maladie"


def test_bulk_action_reports_each_refused_change(coordinator_client, session):
    confirmed = _registration(session, RegistrationStatus.CONFIRMED)
    pending = _registration(session, RegistrationStatus.PENDING)

    response = coordinator_client.post(
        _actions_url(session), {"action": "approve", "registrations": [confirmed.pk, pending.pk]}
    )

    assert _statuses(confirmed, pending) == [RegistrationStatus.CONFIRMED, RegistrationStatus.CONFIRMED]
    success, error = _messages(response)
    assert str(pending.user) in success
    assert str(confirmed.user) in error and str(pending.user) not in error


def test_bulk_action_only_reaches_the_session_s_registrations(coordinator_client, session, course):
    elsewhere = _registration(SessionFactory(course=course), RegistrationStatus.PENDING)

    response = coordinator_client.post(_actions_url(session), {"action": "approve", "registrations": [elsewhere.pk]})

    assert _statuses(elsewhere) == [RegistrationStatus.PENDING]
    assert len(_messages(response)) == 1


# Waiting list
# ------------------------------------------------------------------------------


def test_waitlist_move_sets_the_promotion_order(coordinator_client, session):
    first, second, third = (
        _registration(session, RegistrationStatus.WAITLISTED, waitlist_position=position) for position in (1, 2, 3)
    )
    url = reverse("registrations:session_waitlist_move", args=[session.pk])

    response = coordinator_client.post(url, {"registration": third.pk, "position": 1})

    assert response.status_code == 302
    positions = dict(Registration.objects.filter(session=session).values_list("pk", "waitlist_position"))
    assert [positions[first.pk], positions[second.pk], positions[third.pk]] == [2, 3, 1]
    coordinator_client.get(response["Location"])  # the page shows (and uses up) the message

    out_of_range = coordinator_client.post(url, {"registration": third.pk, "position": 9})
    assert Registration.objects.get(pk=third.pk).waitlist_position == 1
    assert len(_messages(out_of_range)) == 1


# Group registration (intra)
# ------------------------------------------------------------------------------


def _preview(client, session, **data):
    return client.post(reverse("registrations:session_participants_preview", args=[session.pk]), data)


def _confirm(client, session, preview):
    rows = preview.context["confirm_form"].initial["rows"]
    return client.post(reverse("registrations:session_participants_confirm", args=[session.pk]), {"rows": rows})


def test_group_add_from_typed_lines_previews_then_registers_everyone(coordinator_client, intra_session):
    lines = "Camille;Martin;camille.martin@ccas-rodez.fr;Travailleuse sociale\n\nLéo;Bernard;LEO.BERNARD@ccas-rodez.fr"

    preview = _preview(coordinator_client, intra_session, participants=lines)

    assert preview.status_code == 200
    participant_list = preview.context["participant_list"]
    assert participant_list.is_valid
    assert [(line.number, line.last_name) for line in participant_list.lines] == [(1, "Martin"), (3, "Bernard")]
    assert not Registration.objects.filter(session=intra_session).exists()

    response = _confirm(coordinator_client, intra_session, preview)

    assert response.status_code == 302
    registrations = Registration.objects.filter(session=intra_session).select_related("user", "organisation")
    assert {(r.user.email, r.status, r.source) for r in registrations} == {
        ("camille.martin@ccas-rodez.fr", RegistrationStatus.CONFIRMED, RegistrationSource.COORDINATION),
        ("leo.bernard@ccas-rodez.fr", RegistrationStatus.CONFIRMED, RegistrationSource.COORDINATION),
    }
    assert {r.organisation.name for r in registrations} == {"CCAS de Rodez"}


def test_group_add_from_a_spreadsheet(coordinator_client, intra_session):
    upload = _xlsx(
        [
            ["Prénom", "Nom", "E-mail", "Fonction"],
            ["Inès", "Garcia", "ines.garcia@ccas-rodez.fr", "Conseillère ESF"],
            ["Hugo", "Roux", "hugo.roux@ccas-rodez.fr", None],
        ]
    )

    preview = _preview(coordinator_client, intra_session, file=upload)

    participant_list = preview.context["participant_list"]
    assert participant_list.is_valid
    assert [(line.number, line.first_name, line.job_title) for line in participant_list.lines] == [
        (2, "Inès", "Conseillère ESF"),
        (3, "Hugo", ""),
    ]
    assert not Registration.objects.filter(session=intra_session).exists()

    _confirm(coordinator_client, intra_session, preview)

    assert set(Registration.objects.filter(session=intra_session).values_list("user__last_name", "job_title")) == {
        ("Garcia", "Conseillère ESF"),
        ("Roux", ""),
    }


def test_an_invalid_row_blocks_the_confirmation_and_nothing_is_written(coordinator_client, intra_session):
    upload = _xlsx(
        [
            ["prénom", "nom", "email", "fonction"],
            ["Inès", "Garcia", "ines.garcia@ccas-rodez.fr", "Conseillère ESF"],
            ["Hugo", "", "hugo.roux@ccas-rodez", "Animateur"],
        ]
    )

    preview = _preview(coordinator_client, intra_session, file=upload)

    participant_list = preview.context["participant_list"]
    assert not participant_list.is_valid
    valid, invalid = participant_list.lines
    assert valid.errors == ()
    assert len(invalid.errors) == 2  # the missing name, the invalid address
    content = preview.content.decode()
    assert reverse("registrations:session_participants_confirm", args=[intra_session.pk]) not in content

    forced = _confirm(coordinator_client, intra_session, preview)  # the rows posted anyway

    assert forced.status_code == 200
    assert forced.context["error"]
    assert not Registration.objects.filter(session=intra_session).exists()


def test_a_csv_file_saved_by_excel_is_read(coordinator_client, intra_session):
    content = "Prénom;Nom;Courriel;Poste\r\nAgnès;Lefèvre;agnes.lefevre@ccas-rodez.fr;Éducatrice\r\n"
    upload = SimpleUploadedFile("liste.csv", content.encode("cp1252"))

    preview = _preview(coordinator_client, intra_session, file=upload)

    participant_list = preview.context["participant_list"]
    assert participant_list.is_valid
    (line,) = participant_list.lines
    assert line.values == ["Agnès", "Lefèvre", "agnes.lefevre@ccas-rodez.fr", "Éducatrice"]


def test_a_file_without_the_expected_columns_is_refused(coordinator_client, intra_session):
    upload = SimpleUploadedFile("liste.csv", b"Nom complet;Adresse\nHugo Roux;Rodez\n")

    preview = _preview(coordinator_client, intra_session, file=upload)

    participant_list = preview.context["participant_list"]
    assert participant_list.lines == []
    assert len(participant_list.errors) == 1
    assert "prénom" in participant_list.errors[0]


def test_group_larger_than_the_seats_left_registers_nobody(coordinator_client, intra_session):
    lines = "\n".join(f"Personne;Numéro{index};personne{index}@ccas-rodez.fr;Agent" for index in range(5))
    preview = _preview(coordinator_client, intra_session, participants=lines)
    assert preview.context["participant_list"].is_valid

    response = _confirm(coordinator_client, intra_session, preview)

    assert response.status_code == 200
    assert response.context["error"]  # the service's "capacity_exceeded", rows kept on the page
    assert not Registration.objects.filter(session=intra_session).exists()


def test_group_add_is_offered_for_intra_sessions_only(coordinator_client, session, intra_session):
    assert coordinator_client.get(_page_url(intra_session)).context["group_form"] is not None
    assert coordinator_client.get(_page_url(session)).context["group_form"] is None
    response = _preview(coordinator_client, session, participants="Léo;Bernard;leo@exemple.fr")
    assert (response.status_code, response["Location"]) == (302, reverse("wagtailadmin_home"))


# Export
# ------------------------------------------------------------------------------


def test_export_is_a_spreadsheet_of_the_session_s_registrations(coordinator_client, session, course):
    confirmed = _registration(
        session,
        RegistrationStatus.CONFIRMED,
        user=UserFactory(first_name="Inès", last_name="Garcia"),
        structure_name="CCAS de Rodez",
        job_title="Conseillère ESF",
    )
    _registration(session, RegistrationStatus.WAITLISTED, waitlist_position=1)
    _registration(SessionFactory(course=course), RegistrationStatus.CONFIRMED)  # another session

    response = coordinator_client.get(reverse("registrations:session_export", args=[session.pk]))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert f"inscriptions-{session.code}.xlsx" in response["Content-Disposition"]
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    header, *rows = list(sheet.values)
    assert len(header) == 13
    assert len(rows) == 2
    first = dict(zip(header, rows[0], strict=True))
    assert list(first.values())[:3] == ["Garcia", "Inès", confirmed.user.email]
    assert "CCAS de Rodez" in first.values() and "Conseillère ESF" in first.values()
    assert datetime.datetime(2026, 11, 22, 10, 0) in first.values()  # registered on, Paris time


# Inspect view and accessibility needs (health data)
# ------------------------------------------------------------------------------


def test_inspect_view_shows_the_transitions_and_the_messages_sent(coordinator_client, session):
    registration = _registration(session, RegistrationStatus.CONFIRMED)
    RegistrationMessage.objects.create(
        registration=registration,
        kind=MessageKind.CONFIRMED,
        recipient=registration.user.email,
        subject="Convocation : Comprendre les violences intrafamiliales",
        attachments=["convocation.ics", "programme.pdf"],
        sent_at=NOW,
    )

    response = coordinator_client.get(reverse("registrations:inspect", args=[registration.pk]))

    content = response.content.decode()
    assert "Convocation : Comprendre les violences intrafamiliales" in content
    assert "convocation.ics, programme.pdf" in content
    assert "22 novembre 2026 10:00" in content  # confirmed at, Paris time
    assert "22/11/2026 10:00" in content  # sent at


def test_accessibility_needs_are_shown_only_with_the_permission(client, coordinator, session):
    registration = _registration(
        session, RegistrationStatus.CONFIRMED, accessibility_needs=NEEDS, accessibility_consent_at=NOW
    )
    without_permission = UserFactory()
    group = Group.objects.create(name="Accueil")
    group.permissions.add(
        *Permission.objects.filter(
            codename__in=["access_admin", "view_registration", "change_registration", "view_session"]
        )
    )
    without_permission.groups.add(group)
    inspect_url = reverse("registrations:inspect", args=[registration.pk])

    client.force_login(without_permission)
    for url in (inspect_url, _page_url(session), reverse("registrations:edit", args=[registration.pk])):
        response = client.get(url)
        assert response.status_code == 200
        assert NEEDS not in response.content.decode()

    client.force_login(coordinator)
    assert NEEDS in client.get(inspect_url).content.decode()
    assert NEEDS in client.get(_page_url(session)).content.decode()


def test_disability_referent_reads_the_needs_and_changes_nothing(client, session):
    registration = _registration(
        session, RegistrationStatus.CONFIRMED, accessibility_needs=NEEDS, accessibility_consent_at=NOW
    )
    referent = UserFactory()
    referent.groups.add(Group.objects.get(name=DISABILITY_REFERENT))
    client.force_login(referent)

    assert NEEDS in client.get(reverse("registrations:inspect", args=[registration.pk])).content.decode()
    assert client.get(reverse("registrations:edit", args=[registration.pk])).status_code == 302  # refused
    assert not referent.has_perm("training.change_registration")
