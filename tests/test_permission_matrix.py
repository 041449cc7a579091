"""Who reaches what: every URL pattern of the project × every role, with the exact answer expected.

Each URL name of the project (its apps' URLs and the pages of the viewsets its hooks register in
the back office) has an explicit row below: how to build its URL from one world of objects
(`tests.permissions.world_build`: learner A's registration and document, trainer A's session and
half-days, the registers of the back office) and what each role gets. Third-party URLs (Wagtail's
own admin, allauth, Wagtail's documents and pages) are covered by the explicit `RULES`, each
with rows standing for it. A URL that matches no row and no rule fails the test: add its row.

Owned objects: a learner reaches only their own registrations and documents (anybody else's is a
404), a trainer only the sessions they teach (another's is a 404, a person who is no trainer gets
403), the back office only staff with the right permission (refused: Wagtail's redirect to the
admin's home; no access to the admin at all: its sign-in page). POST-only endpoints are posted
to; a refused POST must change nothing (`world_fingerprint`).

One world, one request per (row, role), each inside a savepoint rolled back after it; every
mismatch is reported at once.
"""

from __future__ import annotations

from urllib.parse import urlencode

import pytest
from freezegun import freeze_time

from django.core import signing
from django.db import transaction

from evaluations.views_public import THANKS_SALT
from tests.permissions import (
    DENIED,
    LOGIN,
    NOW,
    REDIRECT,
    ROLES,
    Pattern,
    Row,
    Rule,
    back_office,
    expect,
    is_project_pattern,
    is_refusal,
    outcome,
    project_admin_namespaces,
    url_patterns,
    world_build,
    world_fingerprint,
)

pytestmark = pytest.mark.django_db


def pk(attribute: str, key: str = "pk"):
    """The kwargs `{key: world.<attribute>.pk}`."""
    return lambda world: {key: getattr(world, attribute).pk}


PK_VIEWS = {"edit", "delete", "copy", "history", "history_results", "usage", "inspect", "document"}


def viewset(namespace: str, attribute: str, names: tuple[str, ...], *, overrides=None, **default) -> list[Row]:
    """The rows of a `ModelViewSet`'s pages, one per URL name listed (a name added to the viewset
    and not listed here has no row, and fails the test)."""
    overrides = overrides or {}
    return [
        Row(
            f"{namespace}:{name}",
            overrides.get(name) or back_office(**default),
            kwargs=pk(attribute) if name in PK_VIEWS else (lambda world: {}),
        )
        for name in names
    ]


CRUD = ("index", "index_results", "add", "edit", "delete", "history", "history_results", "usage")
PUBLIC = expect(200)
SIGNED_IN = expect(200, anonymous=LOGIN)
LEARNER_ONLY = expect(404, anonymous=LOGIN, learner=200)
TRAINER_ONLY = expect(403, anonymous=LOGIN, trainer=200, other_trainer=404)
POST_ONLY = back_office(coordinator=405)
BOTH_STAFF = back_office(coordinator=200, referent=200)


# The site's front office
# ------------------------------------------------------------------------------

FRONT_ROWS = [
    Row("sitemap", PUBLIC),
    Row("healthz", PUBLIC),
    Row("cms:programme-pdf", PUBLIC, kwargs=lambda w: {"slug": w.course.slug}),
    Row("training:lheo", PUBLIC),
    # Learner A is registered already; learner B may register; no profile yet: asked for it first.
    Row(
        "training:register",
        expect(REDIRECT, anonymous=LOGIN, other_learner=200),
        kwargs=pk("session", "session_id"),
    ),
    Row("training:space", SIGNED_IN),
    Row("training:profile", SIGNED_IN),
    Row("training:personal-data", SIGNED_IN),
    Row("training:erasure", SIGNED_IN),
    Row("training:cancel", LEARNER_ONLY, kwargs=pk("registration", "registration_id")),
    Row(
        "training:cancel",
        expect(404, anonymous=LOGIN, learner=REDIRECT),
        kwargs=pk("registration", "registration_id"),
        method="post",
        data=lambda w: {"reason": ""},
    ),
    Row("training:accept-offer", expect(405, anonymous=LOGIN), kwargs=pk("offer", "registration_id")),
    Row(
        "training:accept-offer",
        expect(404, anonymous=LOGIN, learner=REDIRECT),
        kwargs=pk("offer", "registration_id"),
        method="post",
    ),
    Row("training:calendar", LEARNER_ONLY, kwargs=pk("registration", "registration_id")),
    Row("training:document", LEARNER_ONLY, kwargs=pk("document", "document_id")),
    Row("training:verification-form", PUBLIC),
    Row("training:verification", PUBLIC, kwargs=lambda w: {"code": w.document.verification_code}),
    # The trainer space
    Row("training:trainer-home", expect(403, anonymous=LOGIN, trainer=200, other_trainer=200)),
    Row("training:trainer-session", TRAINER_ONLY, kwargs=pk("session", "session_id")),
    Row("training:trainer-session-paper-pdf", TRAINER_ONLY, kwargs=pk("session", "session_id")),
    Row("training:trainer-session-signed-pdf", TRAINER_ONLY, kwargs=pk("session", "session_id")),
    Row("training:trainer-slot", TRAINER_ONLY, kwargs=pk("locked_slot", "slot_id")),
    Row(
        "training:trainer-slot",
        expect(403, anonymous=LOGIN, trainer=REDIRECT, other_trainer=404),
        kwargs=pk("open_slot", "slot_id"),
        method="post",
        data=lambda w: {"registration": w.registration.pk, "status": "absent"},
    ),
    Row("training:trainer-slot-qr", TRAINER_ONLY, kwargs=pk("open_slot", "slot_id")),
    Row(
        "training:trainer-slot-lock",
        expect(403, anonymous=LOGIN, trainer=405, other_trainer=405),
        kwargs=pk("open_slot", "slot_id"),
    ),
    Row(
        "training:trainer-slot-lock",
        expect(403, anonymous=LOGIN, trainer=REDIRECT, other_trainer=404),
        kwargs=pk("open_slot", "slot_id"),
        method="post",
        data=lambda w: {"signature": ""},
    ),
    Row(
        "training:trainer-sign",
        TRAINER_ONLY,
        kwargs=lambda w: {"slot_id": w.open_slot.pk, "registration_id": w.registration.pk},
    ),
    Row("training:trainer-slot-paper-pdf", TRAINER_ONLY, kwargs=pk("locked_slot", "slot_id")),
    # Signing on one's own phone: the link is the key; signing in needs a recent scan of the room's code.
    Row("training:sign-link", PUBLIC, kwargs=lambda w: {"token": w.sign_token}),
    Row("training:sign-self", expect(403, anonymous=LOGIN), kwargs=pk("open_slot", "slot_id")),
    Row(
        "training:scan",
        expect(REDIRECT, anonymous=200),
        kwargs=lambda w: {"slot_id": w.open_slot.pk, "code": w.qr_code},
    ),
    # Surveys: the token is the only key
    Row("evaluations:answer", PUBLIC, kwargs=lambda w: {"token": w.invitation.token}),
    Row("evaluations:thanks", expect(REDIRECT), kwargs=lambda w: {"token": w.invitation.token}),  # not answered yet
    Row("evaluations:opt_out", PUBLIC, kwargs=lambda w: {"token": w.invitation.token}),
    Row("evaluations:complaint", PUBLIC),
    Row("evaluations:complaint_thanks", expect(404)),  # without the signed reference of the complaint just sent
    Row(
        "evaluations:complaint_thanks",
        PUBLIC,
        query=lambda w: urlencode({"ref": signing.dumps(w.complaint.pk, salt=THANKS_SALT)}),
    ),
]


# The back office: Formation
# ------------------------------------------------------------------------------

SESSION_ROWS = viewset(
    "sessions",
    "session",
    ("index", "index_results", "add", "edit", "delete", "inspect", "history", "history_results", "usage", "copy"),
    overrides={"index": BOTH_STAFF, "index_results": BOTH_STAFF, "inspect": BOTH_STAFF},
)

REGISTRATION_ROWS = [
    *viewset(
        "registrations",
        "registration",
        ("index", "index_results", "edit", "inspect", "history", "history_results", "usage"),
        overrides={"index": BOTH_STAFF, "index_results": BOTH_STAFF, "inspect": BOTH_STAFF},
    ),
    Row("registrations:session", back_office(), kwargs=pk("session", "session_id")),
    Row("registrations:session_actions", POST_ONLY, kwargs=pk("session", "session_id")),
    Row(
        "registrations:session_actions",
        back_office(coordinator=REDIRECT),
        kwargs=pk("session", "session_id"),
        method="post",
        data=lambda w: {"action": "cancel", "registrations": [w.registration.pk], "reason": "Erreur"},
    ),
    Row("registrations:session_waitlist_move", POST_ONLY, kwargs=pk("session", "session_id")),
    Row(
        "registrations:session_waitlist_move",
        back_office(coordinator=REDIRECT),
        kwargs=pk("session", "session_id"),
        method="post",
        data=lambda w: {"registration": w.registration.pk, "position": 1},
    ),
    Row("registrations:session_participants_preview", POST_ONLY, kwargs=pk("intra_session", "session_id")),
    Row(
        "registrations:session_participants_preview",
        back_office(coordinator=REDIRECT),
        kwargs=pk("intra_session", "session_id"),
        method="post",
    ),
    Row("registrations:session_participants_confirm", POST_ONLY, kwargs=pk("intra_session", "session_id")),
    Row(
        "registrations:session_participants_confirm",
        back_office(coordinator=REDIRECT),
        kwargs=pk("intra_session", "session_id"),
        method="post",
    ),
    Row("registrations:session_export", BOTH_STAFF, kwargs=pk("session", "session_id")),
    Row("registrations:person_data", back_office(), kwargs=pk("learner", "user_id")),
]

ATTENDANCE_ROWS = [
    Row("attendance:session", back_office(), kwargs=pk("session", "session_id")),
    Row("attendance:paper", back_office(), kwargs=pk("session", "session_id")),
    Row("attendance:session_paper_pdf", back_office(), kwargs=pk("session", "session_id")),
    Row("attendance:session_xlsx", back_office(), kwargs=pk("session", "session_id")),
    Row("attendance:session_signed_pdf", back_office(), kwargs=pk("session", "session_id")),
    Row("attendance:slot_proofs", back_office(), kwargs=pk("locked_slot", "slot_id")),
    Row("attendance:slot_paper_pdf", back_office(), kwargs=pk("locked_slot", "slot_id")),
    Row(
        "attendance:correct",
        back_office(),
        kwargs=lambda w: {"slot_id": w.locked_slot.pk, "registration_id": w.registration.pk},
    ),
    Row(
        "attendance:correct",
        back_office(coordinator=REDIRECT),
        kwargs=lambda w: {"slot_id": w.locked_slot.pk, "registration_id": w.registration.pk},
        method="post",
        data=lambda w: {"status": "excused", "reason": "Certificat médical reçu", "minutes_missed": 0},
    ),
    Row("attendance:scan_download", back_office(), kwargs=pk("scan", "scan_id")),
    Row("attendance:absences", back_office()),
    Row("attendance:abandonment", POST_ONLY, kwargs=pk("registration", "registration_id")),
    Row(
        "attendance:abandonment",
        back_office(coordinator=REDIRECT),
        kwargs=pk("registration", "registration_id"),
        method="post",
        data=lambda w: {"reason": "health"},
    ),
]

DOCUMENT_ROWS = [
    Row("documents:session", back_office(), kwargs=pk("session", "session_id")),
    Row("documents:issue", POST_ONLY, kwargs=pk("session", "session_id")),
    Row(
        "documents:issue",
        back_office(coordinator=REDIRECT),
        kwargs=pk("session", "session_id"),
        method="post",
        data=lambda w: {"kind": "convocation"},
    ),
    Row("documents:download", back_office(), kwargs=pk("document", "document_id")),
    Row("documents:reissue", back_office(), kwargs=pk("document", "document_id")),
    Row("documents:batches", back_office()),
    Row("documents:batch_last_month", POST_ONLY),
    Row("documents:batch_last_month", back_office(coordinator=REDIRECT), method="post"),
    Row("documents:batch", back_office(), kwargs=pk("batch", "batch_id")),
    Row("documents:batch_status", back_office(), kwargs=pk("batch", "batch_id")),
    Row("documents:batch_zip", back_office(), kwargs=pk("batch", "batch_id")),
]

TRAINING_REGISTER_ROWS = [
    *viewset("venues", "venue", (*CRUD, "copy")),
    *viewset(
        "trainers",
        "trainer",
        (*CRUD, "copy"),
    ),
    *viewset("structures", "organisation", (*CRUD, "copy")),
    *viewset("people", "learner", ("index", "index_results", "inspect")),
    Row("training_exports:index", BOTH_STAFF),
    # Only the person who asked for an export downloads it.
    Row("training_exports:download", back_office(coordinator=200, referent=404), kwargs=pk("export", "export_id")),
]


# The back office: reference lists
# ------------------------------------------------------------------------------

REFERENCE_ROWS = [
    *viewset("themes", "theme", (*CRUD, "copy")),
    *viewset("audiences", "audience", (*CRUD, "copy")),
    # The 13 départements of Occitanie are read only, even for the coordination.
    *viewset(
        "departments",
        "department",
        (*CRUD, "copy"),
        overrides={name: back_office(coordinator=DENIED) for name in (*CRUD, "copy") if "index" not in name},
    ),
    *viewset("structuretype", "structure_type", (*CRUD, "copy")),
    *viewset("activitysector", "activity_sector", (*CRUD, "copy")),
    *viewset("professionalcategory", "professional_category", (*CRUD, "copy")),
]


# The back office: Évaluations, Qualité, Qualiopi
# ------------------------------------------------------------------------------

EVALUATION_ROWS = [
    # Whoever reads the sessions reads the year's figures (no person in them).
    Row("indicators_dashboard:index", BOTH_STAFF),
    Row("indicators_dashboard:key_figures_pdf", BOTH_STAFF, kwargs=lambda w: {"year": 2026}),
    Row("survey_campaigns:index", back_office()),
    Row("survey_campaigns:index_results", back_office()),
    Row("survey_campaigns:launch", back_office()),
    Row("survey_campaigns:results", back_office(), kwargs=pk("campaign")),
    Row("survey_campaigns:remind", POST_ONLY, kwargs=pk("campaign")),
    Row("survey_campaigns:remind", back_office(coordinator=REDIRECT), kwargs=pk("campaign"), method="post"),
    Row("survey_campaigns:answers_export", back_office(), kwargs=pk("campaign")),
    Row("survey_results:index", back_office()),
    Row("survey_results:before_after", back_office()),
    # A questionnaire is never deleted by the coordination (its answers are kept).
    *viewset("questionnaires", "questionnaire", CRUD, overrides={"delete": back_office(coordinator=DENIED)}),
    Row("questionnaires:duplicate", back_office(), kwargs=pk("questionnaire")),
    Row("survey_opt_outs:index", back_office()),
    Row("survey_opt_outs:index_results", back_office()),
    Row("history_imports:index", back_office()),
    Row("history_imports:template", back_office()),
    Row("history_imports:detail", back_office(), kwargs=lambda w: {"upload_id": w.history_import.pk}),
    Row("history_imports:problems", back_office(), kwargs=lambda w: {"upload_id": w.history_import.pk}),
    Row("history_imports:file", back_office(), kwargs=lambda w: {"upload_id": w.history_import.pk}),
]

QUALITY_ROWS = [
    *viewset("complaints", "complaint", CRUD, overrides={"delete": back_office(coordinator=DENIED)}),
    *[
        Row(f"complaints:{step}", back_office(coordinator=405), kwargs=pk("complaint"))
        for step in ("acknowledge", "answer", "analyse", "close")
    ],
    Row("complaints:acknowledge", back_office(coordinator=REDIRECT), kwargs=pk("complaint"), method="post"),
    *viewset("improvement_actions", "action", CRUD),
    *viewset("watch_entries", "watch", CRUD),
    *viewset(
        "trainer_qualifications",
        "qualification",
        (*CRUD, "document"),
        overrides=dict.fromkeys(("index", "index_results", "document"), BOTH_STAFF),
    ),
    *viewset("staff_trainings", "staff_training", CRUD),
    *viewset(
        "disability_partners",
        "partner",
        CRUD,
        overrides={name: BOTH_STAFF for name in CRUD if name != "delete"},
    ),
    *viewset(
        "accessibility_adaptations",
        "adaptation",
        CRUD,
        overrides={name: BOTH_STAFF for name in CRUD if name != "delete"},
    ),
    *viewset("subcontractors", "subcontractor", (*CRUD, "document")),
    *viewset("needs_analyses", "needs_analysis", (*CRUD, "document")),
    # Deleting, posted: refused deletions change nothing.
    Row("complaints:delete", back_office(coordinator=DENIED), kwargs=pk("complaint"), method="post"),
    Row(
        "accessibility_adaptations:delete",
        back_office(coordinator=REDIRECT),
        kwargs=pk("adaptation"),
        method="post",
    ),
    Row("questionnaires:delete", back_office(coordinator=DENIED), kwargs=pk("questionnaire"), method="post"),
    # A session with registrations is evidence: Wagtail refuses to delete what they protect.
    Row("sessions:delete", back_office(coordinator=DENIED), kwargs=pk("session"), method="post"),
    Row("registrations:edit", back_office(coordinator=REDIRECT), kwargs=pk("registration"), method="post"),
    Row("qualiopi_self_assessment:index", back_office()),
    Row("evidence_packs:index", back_office()),
    Row("evidence_packs:status", back_office(), kwargs=lambda w: {"pack_id": w.evidence_pack.pk}),
    Row("evidence_packs:download", back_office(), kwargs=lambda w: {"pack_id": w.evidence_pack.pk}),
    *viewset("qualiopi_indicators", "indicator", ("index", "index_results", "edit", "history", "history_results")),
]


# Third-party URLs: the rules and the rows that stand for them
# ------------------------------------------------------------------------------

WAGTAIL_ADMIN_ROWS = (
    Row("wagtailadmin_home", BOTH_STAFF),
    Row("wagtailadmin_explore_root", back_office()),
    Row("wagtailadmin_pages:edit", back_office(), kwargs=lambda w: {"page_id": w.course.pk}),
    # The coordination reads user accounts (`accounts.view_user`, for the People list): Wagtail lists them.
    Row("wagtailusers_users:index", back_office(coordinator=200)),
    Row("wagtailusers_users:edit", back_office(coordinator=DENIED), kwargs=lambda w: [w.learner.pk]),
    Row("wagtailadmin_reports:site_history", BOTH_STAFF),
    # The back office's sign-in is allauth's page (its rate limits), whoever asks.
    Row("wagtailadmin_login", expect(LOGIN)),
)
ALLAUTH_ROWS = (
    Row("account_login", expect(REDIRECT, anonymous=200)),
    Row("account_email", expect(200, anonymous=LOGIN)),
)
WAGTAIL_DOCUMENT_ROWS = (Row("wagtaildocs_serve", PUBLIC, kwargs=lambda w: [w.public_file.pk, "a.pdf"]),)
WAGTAIL_PAGE_ROWS = (Row("wagtail_serve", PUBLIC, kwargs=lambda w: [""]),)


def _route_starts(prefix: str):
    return lambda pattern: pattern.route.startswith(prefix)


RULES = (
    Rule("Wagtail's own admin (pages, images, users, reports…)", _route_starts("admin/"), WAGTAIL_ADMIN_ROWS),
    Rule("allauth's sign-in, sign-up and e-mail pages", _route_starts("accounts/"), ALLAUTH_ROWS),
    Rule("Wagtail's documents", _route_starts("documents/"), WAGTAIL_DOCUMENT_ROWS),
    Rule(
        "Wagtail's page serving (every CMS page, its password form)",
        lambda p: p.name == "wagtail_serve" or p.route.startswith("_util/"),
        WAGTAIL_PAGE_ROWS,
    ),
)

# Personal data: the coordination answers erasure requests (never creates nor deletes one), sets
# and lifts legal holds, and reads the purge runs, which nobody writes but the purge.
PERSONAL_DATA_ROWS = [
    *viewset(
        "erasure_requests",
        "erasure_request",
        (*CRUD, "inspect"),
        overrides=dict.fromkeys(("add", "delete"), back_office(coordinator=DENIED)),
    ),
    *viewset("legal_holds", "legal_hold", CRUD),
    *viewset(
        "purge_runs",
        "purge_run",
        (*CRUD, "inspect"),
        overrides=dict.fromkeys(
            ("add", "edit", "delete", "history", "history_results", "usage"), back_office(coordinator=DENIED)
        ),
    ),
    Row("purge_runs:delete", back_office(coordinator=DENIED), kwargs=pk("purge_run"), method="post"),
    Row("erasure_requests:delete", back_office(coordinator=DENIED), kwargs=pk("erasure_request"), method="post"),
]

ROWS = [
    *FRONT_ROWS,
    *SESSION_ROWS,
    *REGISTRATION_ROWS,
    *ATTENDANCE_ROWS,
    *DOCUMENT_ROWS,
    *TRAINING_REGISTER_ROWS,
    *REFERENCE_ROWS,
    *EVALUATION_ROWS,
    *QUALITY_ROWS,
    *PERSONAL_DATA_ROWS,
    *(row for rule in RULES for row in rule.representatives),
]


# The tests
# ------------------------------------------------------------------------------


def uncovered_patterns(patterns: list[Pattern], rows: list[Row]) -> list[str]:
    """The patterns with neither a row nor a rule, as "add a row" messages."""
    named = {row.name for row in rows}
    admin_namespaces = project_admin_namespaces()
    problems = []
    for pattern in patterns:
        if pattern.name in named:
            continue
        if is_project_pattern(pattern, admin_namespaces):
            problems.append(f"{pattern.name or '(unnamed)'} /{pattern.route}: a project URL, add a row")
        elif not any(rule.matches(pattern) for rule in RULES):
            problems.append(f"{pattern.name or '(unnamed)'} /{pattern.route}: add a row or a rule")
    return problems


def test_every_url_pattern_has_a_row_or_a_rule():
    patterns = list(url_patterns())
    names = {pattern.name for pattern in patterns}
    stale = sorted({row.name for row in ROWS} - names)

    assert uncovered_patterns(patterns, ROWS) == []
    assert stale == [], "rows for URL names that no longer exist"


def test_a_new_project_url_without_a_row_fails_the_check():
    new = Pattern(name="training:new-page", route="espace/nouveau/", namespace="training", module="training.views")
    admin = Pattern(name="sessions:export_all", route="admin/sessions/all/", namespace="sessions", module="wagtail")
    third_party = Pattern(name="wagtailadmin_new", route="admin/new/", namespace="", module="wagtail.admin.views")

    problems = uncovered_patterns([new, admin, third_party], ROWS)

    assert problems == [
        "training:new-page /espace/nouveau/: a project URL, add a row",
        "sessions:export_all /admin/sessions/all/: a project URL, add a row",
    ]


@pytest.fixture
def world(catalogue, monkeypatch):
    """The world at the Friday after the sessions' Monday; PDFs are not rendered (not what is tested)."""
    from cms import pdf

    monkeypatch.setattr(pdf, "html_to_pdf", lambda html, **kwargs: b"%PDF-1.7 stub")
    with freeze_time(NOW):
        yield world_build(catalogue=catalogue)


def _request(world, row: Row, role: str):
    client = world.clients[role]
    url = row.url(world)
    if row.method == "post":
        return client.post(url, row.data(world))
    return client.get(url)


def test_every_role_gets_exactly_what_it_may_on_every_url(world):
    mismatches = []
    untouched = world_fingerprint()  # every request is rolled back: the world is this before each
    for row in ROWS:
        for role in ROLES:
            expected = row.expect[role]
            check_effect = row.method == "post" and is_refusal(expected)
            with transaction.atomic():
                try:
                    response = _request(world, row, role)
                    got = outcome(response)
                    if response.streaming:  # read to the end: the test client then closes the file
                        b"".join(response.streaming_content)
                except Exception as error:  # noqa: BLE001 (every failure is reported with the others)
                    got = f"{type(error).__name__}: {error}"
                if got != expected:
                    mismatches.append(f"{row.method.upper()} {row.name} as {role}: expected {expected}, got {got}")
                elif check_effect and world_fingerprint() != untouched:
                    mismatches.append(f"POST {row.name} as {role}: refused ({got}) but it changed data")
                transaction.set_rollback(True)

    if mismatches:
        pytest.fail(f"{len(mismatches)} mismatches:\n" + "\n".join(mismatches), pytrace=False)
