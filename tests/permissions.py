"""The permission matrix's machinery (`tests/test_permission_matrix.py`): every URL pattern of the
project, one world of objects owned by two learners and two trainers, the seven people who ask
for them, and what a response means (a page, a refusal, a redirect to which login).

The matrix itself (one row per URL name, the rules for third-party URLs) is in the test module.
"""

from __future__ import annotations

import datetime
import hashlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from types import SimpleNamespace
from urllib.parse import urlsplit

from django.apps import apps
from django.contrib import messages
from django.contrib.auth.models import Group
from django.contrib.messages import get_messages
from django.core.files.base import ContentFile
from django.db import models
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from wagtail import hooks
from wagtail.admin.viewsets.base import ViewSetGroup
from wagtail.documents import get_document_model
from wagtail.models import ReferenceIndex, Site

from tests.clock import PARIS

PROJECT_APPS = ("accounts", "cms", "training", "evaluations", "config")

# Who asks. The référent handicap is a back-office role of its own (health data, no complaints).
ROLES = ("anonymous", "learner", "other_learner", "trainer", "other_trainer", "coordinator", "referent")
STAFF_ROLES = ("coordinator", "referent")

# What a response means, besides its plain status code.
LOGIN = "login"  # 302 to the site's sign-in page (allauth)
ADMIN_LOGIN = "admin_login"  # 302 to the back office's sign-in page (no access to the admin)
DENIED = "denied"  # 302 to the back office's home with "no permission" (Wagtail's `permission_denied`)
REDIRECT = "redirect"  # any other redirect (a form's success, "already done", the next step)

# The Monday of the world's session; the clock stands on the Friday after, at 10:00 in Paris.
DAY = datetime.date(2026, 12, 14)
NOW = datetime.datetime(2026, 12, 18, 10, 0, tzinfo=PARIS)
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


# URL patterns
# ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Pattern:
    name: str | None  # with its namespaces ("registrations:inspect"), None when unnamed
    route: str  # the full route from the site's root
    namespace: str  # the outermost namespace, "" at the top level
    module: str  # the module of the view


def _view_module(callback) -> str:
    view_class = getattr(callback, "view_class", None) or getattr(callback, "cls", None)
    return (view_class or callback).__module__


def url_patterns(resolver: URLResolver | None = None, prefix: str = "", namespace: str = "") -> Iterator[Pattern]:
    """Every pattern the site routes, walked recursively through the includes."""
    for entry in (resolver or get_resolver()).url_patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}:{entry.namespace}" if namespace and entry.namespace else namespace or entry.namespace
            yield from url_patterns(entry, prefix + str(entry.pattern), inner or "")
        elif isinstance(entry, URLPattern):
            name = f"{namespace}:{entry.name}" if namespace and entry.name else entry.name
            yield Pattern(
                name=name,
                route=prefix + str(entry.pattern),
                namespace=namespace.split(":")[0],
                module=_view_module(entry.callback),
            )


def _is_project_module(module: str) -> bool:
    return module.split(".")[0] in PROJECT_APPS


def project_admin_namespaces() -> set[str]:
    """The URL namespaces of the viewsets the project's own hooks register in the back office."""
    namespaces: set[str] = set()

    def add(viewset):
        if isinstance(viewset, ViewSetGroup):
            for item in viewset.registerables:
                add(item)
        elif isinstance(viewset, list | tuple):
            for item in viewset:
                add(item)
        else:
            namespaces.add(viewset.url_namespace)

    for hook in hooks.get_hooks("register_admin_viewset"):
        if _is_project_module(hook.__module__):
            add(hook())
    return namespaces


def is_project_pattern(pattern: Pattern, admin_namespaces: set[str]) -> bool:
    """The project's own: its apps' URLs (`cms`, `training`, `evaluations`), a view of its modules
    wherever it is routed (`register_admin_urls` included), or a page of one of its viewsets."""
    return (
        pattern.namespace in {"cms", "training", "evaluations"}
        or pattern.namespace in admin_namespaces
        or _is_project_module(pattern.module)
    )


# What a response means
# ------------------------------------------------------------------------------


def outcome(response) -> int | str:
    if response.status_code in (301, 302, 303):
        path = urlsplit(response["Location"]).path
        if path == reverse("account_login"):
            return LOGIN
        if path == reverse("wagtailadmin_login"):
            return ADMIN_LOGIN
        if path == reverse("wagtailadmin_home") and any(
            message.level == messages.ERROR for message in get_messages(response.wsgi_request)
        ):
            return DENIED
        return REDIRECT
    return response.status_code


def is_refusal(expected: int | str) -> bool:
    return expected in (LOGIN, ADMIN_LOGIN, DENIED, 400, 403, 404, 405, 410)


def world_fingerprint() -> str:
    """A digest of every row of the project's tables (Wagtail's log excepted): a refused request
    must leave it as it was."""
    digest = hashlib.sha256()
    for model in apps.get_models():
        if model._meta.app_label not in PROJECT_APPS or model._meta.proxy:
            continue
        fields = [f.attname for f in model._meta.concrete_fields if not isinstance(f, models.FileField)]
        digest.update(model._meta.label.encode())
        for row in model.objects.order_by("pk").values_list(*fields):
            digest.update(repr(row).encode())
    return digest.hexdigest()


# The world
# ------------------------------------------------------------------------------


def _file(name: str, content: bytes = PDF) -> ContentFile:
    return ContentFile(content, name=name)


def _sha(content: bytes = PDF) -> str:
    return hashlib.sha256(content).hexdigest()


@dataclass
class World:
    """The objects the rows ask for (attributes set by `world_build`) and a signed-in client per role."""

    objects: SimpleNamespace = field(default_factory=SimpleNamespace)
    clients: dict[str, Client] = field(default_factory=dict)
    users: dict[str, object] = field(default_factory=dict)

    def __getattr__(self, name):
        return getattr(self.objects, name)


def world_build(*, catalogue) -> World:
    """Two sessions (trainer A's and trainer B's), learner A registered to A's with accessibility
    needs, a locked and an open half-day, learner A's document, then one record of every register
    of the back office, and one client per role."""
    from accounts.models import (
        ActivitySector,
        ErasureRequest,
        LegalHold,
        ProfessionalCategory,
        PurgeRun,
        StructureType,
    )
    from accounts.roles import COORDINATION, DISABILITY_REFERENT, TRAINERS, roles_sync
    from cms.models import Audience, OrganisationSettings, Theme
    from evaluations.choices import QuestionnaireKind
    from evaluations.models import (
        AccessibilityAdaptation,
        Campaign,
        Complaint,
        DisabilityPartner,
        EvidencePack,
        HistoryImport,
        ImprovementAction,
        NeedsAnalysis,
        QualiopiIndicator,
        Questionnaire,
        StaffTraining,
        Subcontractor,
        SurveyOptOut,
        TrainerQualification,
        WatchEntry,
    )
    from evaluations.services.campaigns import invitation_create
    from tests.factories import (
        OrganisationFactory,
        RegistrationFactory,
        SessionFactory,
        TrainerFactory,
        UserFactory,
        course_create,
        professional_create,
        signature_png,
        slots_create,
    )
    from training.choices import BatchStatus, DocumentKind, Funding, RegistrationStatus, RetentionClass, SignatureMethod
    from training.models import DataExport, Document, DocumentBatch, PaperScan
    from training.services.attendance import (
        attendance_link_token,
        attendance_qr_code,
        attendance_sheet_lock,
        attendance_sheet_open,
        attendance_sign,
    )
    from training.services.documents import verification_code_new

    roles_sync()
    OrganisationSettings.load(request_or_site=Site.objects.get(is_default_site=True))  # else made by a first page
    world = World()
    o = world.objects
    groups = {name: Group.objects.get(name=name) for name in (COORDINATION, DISABILITY_REFERENT, TRAINERS)}

    # People
    o.learner = professional_create(user__first_name="Alice", user__last_name="Apprenante")
    o.other_learner = professional_create(user__first_name="Bruno", user__last_name="Autre")
    o.trainer_user = UserFactory(first_name="Théo", last_name="Formateur")
    o.other_trainer_user = UserFactory(first_name="Inès", last_name="Formatrice")
    o.coordinator = UserFactory(first_name="Claire", last_name="Coordinatrice")
    o.referent = UserFactory(first_name="Rémi", last_name="Référent")
    o.trainer_user.groups.add(groups[TRAINERS])
    o.other_trainer_user.groups.add(groups[TRAINERS])
    o.coordinator.groups.add(groups[COORDINATION])
    o.referent.groups.add(groups[DISABILITY_REFERENT])
    o.trainer = TrainerFactory(user=o.trainer_user, email=o.trainer_user.email)
    o.other_trainer = TrainerFactory(user=o.other_trainer_user, email=o.other_trainer_user.email)

    # Trainer A's session, with learner A; trainer B's, where learner A was offered a seat
    o.course = course_create(catalogue=catalogue, title="Développer les compétences psychosociales")
    o.session = SessionFactory(course=o.course, code="2026-CPS-12-01")
    o.session.trainers.add(o.trainer)
    slots_create(session=o.session, first_day=DAY, days=2)
    o.other_session = SessionFactory(course=o.course, code="2026-CPS-31-02")
    o.other_session.trainers.add(o.other_trainer)
    slots_create(session=o.other_session, first_day=DAY, days=1)
    o.registration = RegistrationFactory(
        session=o.session,
        user=o.learner,
        status=RegistrationStatus.CONFIRMED,
        confirmed_at=NOW - datetime.timedelta(days=30),
        accessibility_needs="Malentendante : merci de parler face à moi.",
        accessibility_consent_at=NOW - datetime.timedelta(days=30),
    )
    o.other_registration = RegistrationFactory(
        session=o.other_session, user=o.other_learner, status=RegistrationStatus.CONFIRMED
    )
    o.intra_session = SessionFactory(
        course=o.course, code="2026-CPS-INTRA-01", funding=Funding.INTRA, client_organisation=OrganisationFactory()
    )
    o.offer = RegistrationFactory(session=o.other_session, user=o.learner, status=RegistrationStatus.OFFERED)

    # Monday morning signed and locked; Monday afternoon open
    slots = list(o.session.slots.order_by("date", "starts_at"))
    o.locked_slot, o.open_slot = slots[0], slots[1]
    monday = datetime.datetime.combine(DAY, datetime.time(8, 45), tzinfo=PARIS)
    attendance_sheet_open(slot=o.locked_slot, user=o.trainer_user, now=monday)
    attendance_sign(
        slot=o.locked_slot,
        registration=o.registration,
        signature=signature_png(seed=1),
        method=SignatureMethod.TRAINER_DEVICE,
        actor=o.trainer_user,
        now=monday + datetime.timedelta(minutes=10),
    )
    attendance_sheet_lock(
        slot=o.locked_slot, user=o.trainer_user, signature=signature_png(seed=2), now=monday.replace(hour=12, minute=25)
    )
    o.open_sheet = attendance_sheet_open(slot=o.open_slot, user=o.trainer_user, now=monday.replace(hour=13, minute=15))
    o.qr_code = attendance_qr_code(sheet=o.open_sheet, now=NOW)
    o.sign_token = attendance_link_token(sheet=o.open_sheet, registration=o.registration)
    o.scan = PaperScan.objects.create(
        session=o.session,
        file=_file("feuille.pdf"),
        original_name="feuille.pdf",
        content_type="application/pdf",
        size=len(PDF),
        sha256=_sha(),
        uploaded_at=NOW,
        uploaded_by=o.coordinator,
    )

    # Documents
    o.document = Document.objects.create(
        kind=DocumentKind.CONVOCATION,
        session=o.session,
        registration=o.registration,
        issued_at=NOW,
        file=_file("convocation.pdf"),
        size=len(PDF),
        sha256=_sha(),
        verification_code=verification_code_new(),
        retention_class=RetentionClass.INFORMATION,
        retain_until=DAY + datetime.timedelta(days=3 * 365),
    )
    o.batch = DocumentBatch.objects.create(
        label="2026-CPS-12-01", requested_by=o.coordinator, status=BatchStatus.DONE, archive=_file("lot.zip", b"PK")
    )
    o.export = DataExport.objects.create(
        requested_by=o.coordinator,
        resource="training.resources.SessionResource",
        title="Sessions",
        format="csv",
        status=BatchStatus.DONE,
        file=_file("sessions.csv", b"code\n"),
    )
    o.referent_export = DataExport.objects.create(
        requested_by=o.referent,
        resource="training.resources.SessionResource",
        title="Sessions",
        format="csv",
        status=BatchStatus.DONE,
        file=_file("sessions-referent.csv", b"code\n"),
    )

    # Surveys
    o.questionnaire = Questionnaire.objects.get(slug="a_chaud")
    o.campaign = Campaign.objects.create(
        questionnaire=o.questionnaire,
        kind=QuestionnaireKind.HOT,
        session=o.session,
        opened_at=NOW - datetime.timedelta(days=1),
        closes_at=NOW + datetime.timedelta(days=20),
    )
    o.invitation = invitation_create(campaign=o.campaign, email=o.learner.email, registration=o.registration)
    o.opt_out = SurveyOptOut.objects.create(email="ne-plus-ecrire@exemple.fr")
    o.history_import = HistoryImport.objects.create(
        file=_file("classeur.xlsx", b"PK"),
        original_name="classeur.xlsx",
        size=2,
        sha256=_sha(b"PK"),
        uploaded_by=o.coordinator,
        status="checked",
        report={},
    )

    # Quality registers
    o.complaint = Complaint.objects.create(
        received_at=NOW, subject="Salle trop froide", description="Il faisait 15 °C.", session=o.session
    )
    o.action = ImprovementAction.objects.create(
        title="Vérifier le chauffage", source="complaint", complaint=o.complaint
    )
    o.watch = WatchEntry.objects.create(kind="legal", observed_on=DAY, source="Décret", title="Réforme")
    o.qualification = TrainerQualification.objects.create(
        trainer=o.trainer, title="Formateur CPS", document=_file("diplome.pdf")
    )
    o.staff_training = StaffTraining.objects.create(person="Claire", title="RGPD", started_on=DAY)
    o.partner = DisabilityPartner.objects.create(name="Cap emploi 31", kind="other")
    o.adaptation = AccessibilityAdaptation.objects.create(
        registration=o.registration,
        session=o.session,
        need=o.registration.accessibility_needs,
        adaptation="Boucle magnétique",
        decided_on=DAY,
    )
    o.subcontractor = Subcontractor.objects.create(name="Formations Sud", contract=_file("contrat.pdf"))
    o.organisation = OrganisationFactory()
    o.needs_analysis = NeedsAnalysis.objects.create(
        session=o.session, carried_out_on=DAY, context="Demande du collège", document=_file("analyse.pdf")
    )
    o.indicator = QualiopiIndicator.objects.get(number=1)
    o.evidence_pack = EvidencePack.objects.create(
        date_from=DAY.replace(month=1, day=1),
        date_to=DAY,
        requested_by=o.coordinator,
        status="done",
        file=_file("dossier.zip", b"PK"),
    )

    # Reference lists, and a file of Wagtail's documents
    o.theme = Theme.objects.first() or Theme.objects.create(name="Santé mentale", slug="sante-mentale")
    o.audience = Audience.objects.first() or Audience.objects.create(name="Enseignants", slug="enseignants")
    o.venue = o.session.venue
    o.department = o.session.department
    o.structure_type = StructureType.objects.order_by("position").first()
    o.activity_sector = ActivitySector.objects.order_by("position").first()
    o.professional_category = ProfessionalCategory.objects.order_by("position").first()
    o.public_file = get_document_model().objects.create(title="Règlement intérieur", file=_file("a.pdf"))
    # Personal data: learner A asks for erasure, learner B's records are under a legal hold, a purge ran.
    o.erasure_request = ErasureRequest.objects.create(
        person=o.learner, requested_at=NOW, due_on=DAY + datetime.timedelta(days=30), message="Merci."
    )
    o.legal_hold = LegalHold.objects.create(
        person=o.other_learner, reason="Contrôle du financeur", set_by=o.coordinator
    )
    o.purge_run = PurgeRun.objects.create(ran_at=NOW, counts={"accounts": 1}, held={})
    # Wagtail's reference index as production keeps it (updated after commit, which a test never
    # reaches): the back office knows which records protect a session from deletion.
    for registration in o.session.registrations.all():
        ReferenceIndex.create_or_update_for_object(registration)

    # One client per role
    people = {
        "learner": o.learner,
        "other_learner": o.other_learner,
        "trainer": o.trainer_user,
        "other_trainer": o.other_trainer_user,
        "coordinator": o.coordinator,
        "referent": o.referent,
    }
    world.clients["anonymous"] = Client()
    for role, user in people.items():
        client = Client()
        client.force_login(user)
        world.clients[role] = client
        world.users[role] = user
    return world


# Rows
# ------------------------------------------------------------------------------

Expected = int | str
KwargsBuilder = Callable[[World], dict]


@dataclass(frozen=True)
class Row:
    """One URL name, how to build its URL from the world, and what each role gets."""

    name: str
    expect: dict[str, Expected]
    kwargs: KwargsBuilder = lambda world: {}  # or a list: the positional arguments
    method: str = "get"
    data: Callable[[World], dict] = lambda world: {}
    query: Callable[[World], str] = lambda world: ""

    def url(self, world: World) -> str:
        arguments = self.kwargs(world)
        if isinstance(arguments, dict):
            url = reverse(self.name, kwargs=arguments)
        else:
            url = reverse(self.name, args=arguments)
        query = self.query(world)
        return f"{url}?{query}" if query else url


def expect(default: Expected, **by_role: Expected) -> dict[str, Expected]:
    """`default` for every role but those named."""
    unknown = set(by_role) - set(ROLES)
    if unknown:
        raise ValueError(f"unknown roles: {sorted(unknown)}")
    return {role: by_role.get(role, default) for role in ROLES}


def back_office(coordinator: Expected = 200, referent: Expected = DENIED) -> dict[str, Expected]:
    """A back-office page: whoever may not enter the admin is sent to its sign-in page."""
    return expect(ADMIN_LOGIN, coordinator=coordinator, referent=referent)


@dataclass(frozen=True)
class Rule:
    """Third-party URLs covered together: which patterns, and the rows that stand for them."""

    label: str
    matches: Callable[[Pattern], bool]
    representatives: tuple[Row, ...]
