"""Idempotent demo data: the site tree, the catalogue, a year of sessions over the 13 départements.

`demo_seed()` is what `manage.py seed_demo` runs. Every piece is looked up by a natural key
(page slug, venue name and city, trainer or account e-mail, structure name and postcode,
session code) and only created when missing; nothing that exists is changed, so a second run
— even on another day — creates no row and publishes no revision. Reference lists
(départements, themes, audiences, structure types) come from migrations and are only read.
"""

import random
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from functools import cache
from itertools import cycle
from zoneinfo import ZoneInfo

from allauth.account.models import EmailAddress
from dateutil.easter import easter

from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.core.management.base import CommandError

from wagtail.models import Page, Site

from accounts.models import Department, StructureType, User
from accounts.roles import COORDINATION, TRAINERS, roles_sync
from cms.choices import Modality
from cms.models import (
    Audience,
    CatalogueIndexPage,
    ContentPage,
    CourseObjective,
    CoursePage,
    HomePage,
    OrganisationSettings,
    Theme,
)

from . import demo_content as content
from .choices import DocumentKind, Funding, Period, RegistrationStatus, SessionStatus, TrainerKind
from .demo_attendance import attendance_ensure
from .demo_funding import demo_funding_ensure
from .demo_registrations import LEARNER_EMAIL, registrations_ensure
from .exceptions import TrainingError
from .models import Organisation, Registration, Session, Slot, Trainer, Venue
from .services.documents import document_issue
from .services.sessions import session_record_course_revision

DEMO_PASSWORD = "demo-formations-2026"
SITE_NAME = "Promotion Santé Occitanie"
PARIS = ZoneInfo("Europe/Paris")
RANDOM_SEED = 2025

HALF_DAYS = (
    (Period.MORNING, time(9, 0), time(12, 30), Decimal("3.5")),
    (Period.AFTERNOON, time(13, 30), time(17, 0), Decimal("3.5")),
)

ORGANISATION_SETTINGS = {
    "name": "Promotion Santé Occitanie",
    # Placeholder: the real activity declaration number (NDA) is not known (the seeds only show an
    # OCR-garbled one). It must be replaced with the number given by the prefecture before any use.
    "nda_number": "76 31 0000 031",
    "nda_region": "Occitanie",
    "address": "Siège régional",
    "postcode": "31000",
    "city": "Toulouse",
    "phone": "05 61 77 86 86",
    "email": "siege@promotion-sante-occitanie.org",
    "website": "https://www.promotion-sante-occitanie.org",
    "disability_referent_name": "Référent handicap formation",
    "disability_referent_email": "handicap@promotion-sante-occitanie.org",
    "privacy_contact_email": "rgpd@promotion-sante-occitanie.org",
    # A fictional signatory for the demo: the real legal representative is set in Settings › Organisme.
    "legal_representative_name": "Dominique Roux",
    "legal_representative_title": "Directeur",
}

# Demo accounts: (e-mail, first name, last name, staff group or None, superuser, role shown in the summary).
# fmt: off
ACCOUNTS = [
    ("coordination@demo.formations.test", "Claire", "Delmas", COORDINATION, False, "coordinatrice"),
    ("formateur@demo.formations.test", "Julien", "Carrère", TRAINERS, False, "formateur"),
    ("stagiaire@demo.formations.test", "Léa", "Martin", None, False, "stagiaire"),
    ("admin@demo.formations.test", "Alex", "Admin", None, True, "administrateur (superutilisateur)"),
]
# fmt: on

_STEP_FREE = "Accès de plain-pied, salle au rez-de-chaussée, sanitaires adaptés."
_LIFT = "Salle à l'étage desservie par un ascenseur ; sanitaires adaptés au même niveau."

# One or two venues per département, in the prefecture towns (generic demo names and addresses).
# (département, name, address, postcode, city, step-free, accessible toilets, hearing loop,
#  accessibility details, how to get there)
# fmt: off
VENUES = [
    ("09", "Maison des associations", "Rue du Palais", "09000", "Foix", True, True, False, _STEP_FREE, "À 10 minutes à pied de la gare ; parking gratuit à proximité."),
    ("11", "Maison des associations", "Boulevard Jean-Jaurès", "11000", "Carcassonne", True, True, True, _STEP_FREE + " Boucle magnétique dans la grande salle.", "Bus depuis la gare SNCF ; parking payant en face."),
    ("12", "Salle de formation Promotion Santé Occitanie", "Avenue de Paris", "12000", "Rodez", True, True, False, _LIFT, "Parking gratuit devant le bâtiment ; arrêt de bus à 100 m."),
    ("30", "Maison de la vie associative", "Rue de la République", "30000", "Nîmes", True, True, True, _STEP_FREE + " Boucle magnétique sur demande.", "Tramway et bus à 200 m ; gare à 15 minutes à pied."),
    ("31", "Salle de formation Promotion Santé Occitanie", "Rue de Metz", "31000", "Toulouse", True, True, True, _LIFT + " Boucle magnétique.", "Métro à 5 minutes à pied ; pas de parking sur place."),
    ("31", "Maison des associations", "Place Guy-Hersant", "31400", "Toulouse", True, True, False, _STEP_FREE, "Métro ligne B puis 5 minutes à pied ; parking public."),
    ("32", "Salle de formation Promotion Santé Occitanie", "Rue Gambetta", "32000", "Auch", False, False, False, "Salle accessible par quelques marches ; une salle de plain-pied peut être réservée sur demande auprès du référent handicap.", "Centre-ville, parking de la mairie à 300 m."),
    ("34", "Salle de formation Promotion Santé Occitanie", "Rue de la Loge", "34000", "Montpellier", True, True, True, _LIFT + " Boucle magnétique.", "Tramway lignes 1 et 2 à proximité ; gare Saint-Roch à 10 minutes à pied."),
    ("34", "Maison des associations", "Rue Saint-Louis", "34000", "Montpellier", True, True, False, _STEP_FREE, "Tramway à 300 m ; parkings publics payants."),
    ("46", "Espace associatif", "Quai Cavaignac", "46000", "Cahors", True, True, False, _STEP_FREE, "À 15 minutes à pied de la gare ; parking gratuit sur les quais."),
    ("48", "Maison des associations", "Rue de l'Ange", "48000", "Mende", False, True, False, "Entrée par trois marches (rampe amovible sur demande) ; sanitaires adaptés.", "Parking gratuit à 200 m ; navette depuis la gare."),
    ("65", "Salle de formation Promotion Santé Occitanie", "Rue Larrey", "65000", "Tarbes", True, True, False, _STEP_FREE, "Bus urbain à 100 m ; parking gratuit."),
    ("66", "Maison des associations", "Rue Bailly", "66000", "Perpignan", True, True, True, _STEP_FREE + " Boucle magnétique.", "Bus à proximité ; gare à 15 minutes à pied."),
    ("81", "Maison des associations", "Place de l'Amitié", "81000", "Albi", True, True, False, _LIFT, "Parking gratuit ; bus depuis la gare."),
    ("82", "Salle de formation Promotion Santé Occitanie", "Rue Léon-Cladel", "82000", "Montauban", True, True, False, _STEP_FREE, "Centre-ville ; parking des Allées à 5 minutes à pied."),
]
# fmt: on

# Invented trainers: (e-mail, first name, last name, kind, employer, bio, course shorts they teach).
# The first one is the person behind the demo trainer account.
# fmt: off
TRAINERS_DATA = [
    ("formateur@demo.formations.test", "Julien", "Carrère", TrainerKind.INTERNAL, "", "Chargé de projets en promotion de la santé, formé au parcours national CPS.", ("CPS1", "CPS2S", "CPS2A", "CPSFA", "EPS")),
    ("nadia.benali@demo.formations.test", "Nadia", "Benali", TrainerKind.INTERNAL, "", "Chargée de projets, référente thématique compétences psychosociales et numérique.", ("CPS1", "CPS2A", "CPSFA", "ECR")),
    ("sophie.vidal@demo.formations.test", "Sophie", "Vidal", TrainerKind.INTERNAL, "", "Chargée d'ingénierie de projets, méthodologie et évaluation.", ("CPS1", "CPS2S", "EPS", "ISS")),
    ("mathieu.roques@demo.formations.test", "Mathieu", "Roques", TrainerKind.INTERNAL, "", "Chargé de projets santé environnement et inégalités sociales de santé.", ("SEPE", "ISS", "EPS", "ECR")),
    ("helene.fabre@demo.formations.test", "Hélène", "Fabre", TrainerKind.EXTERNAL, "Psychologue, exercice libéral", "Psychologue clinicienne, formatrice accréditée PSSM France.", ("PSSM", "VIF")),
    ("karim.aitouali@demo.formations.test", "Karim", "Aït-Ouali", TrainerKind.EXTERNAL, "Centre hospitalier (infirmier en psychiatrie)", "Infirmier en psychiatrie, formateur accrédité PSSM France.", ("PSSM",)),
    ("isabelle.lacombe@demo.formations.test", "Isabelle", "Lacombe", TrainerKind.EXTERNAL, "Association d'aide aux victimes", "Juriste, accompagne des victimes de violences depuis quinze ans.", ("VIF",)),
    ("elodie.marty@demo.formations.test", "Élodie", "Marty", TrainerKind.EXTERNAL, "Conseillère en environnement intérieur, indépendante", "Conseillère médicale en environnement intérieur.", ("SEPE",)),
]
# fmt: on

# Invented client structures of intra sessions: (name, structure type label, département, postcode, city, contact).
# fmt: off
ORGANISATIONS = [
    ("Mission locale Cœur de Gascogne", "Association (hors établissement)", "32", "32000", "Auch", "Responsable de secteur"),
    ("Communauté de communes des Causses et Vallées", "État, collectivité territoriale", "48", "48100", "Marvejols", "Chargée de mission santé"),
    ("EHPAD Les Tilleuls", "Structure médico-sociale", "12", "12000", "Rodez", "Cadre de santé"),
    ("Circonscription de Montauban-Est", "Éducation nationale", "82", "82000", "Montauban", "Inspectrice de l'Éducation nationale"),
    ("Centre social Les Arcades", "Association (hors établissement)", "66", "66000", "Perpignan", "Directeur"),
    ("Maison de santé pluriprofessionnelle du Lauragais", "MSP, CPTS, maison de santé", "11", "11400", "Castelnaudary", "Coordinatrice"),
]
# fmt: on

# The year of sessions: (course short, funding, number of sessions). 45 Drapps, 18 intra, 3 inter,
# in the proportions of the 2025 activity report (66 trainings, 45 Drapps, 21 intra).
SESSION_MIX = [
    ("CPS1", Funding.DRAPPS, 12),
    ("CPS2S", Funding.DRAPPS, 3),
    ("CPS2A", Funding.DRAPPS, 4),
    ("VIF", Funding.DRAPPS, 5),
    ("SEPE", Funding.DRAPPS, 4),
    ("EPS", Funding.DRAPPS, 6),
    ("ECR", Funding.DRAPPS, 6),
    ("ISS", Funding.DRAPPS, 5),
    ("CPS1", Funding.INTRA, 4),
    ("CPS2A", Funding.INTRA, 3),
    ("CPSFA", Funding.INTRA, 5),
    ("VIF", Funding.INTRA, 2),
    ("SEPE", Funding.INTRA, 2),
    ("PSSM", Funding.INTRA, 2),
    ("PSSM", Funding.INTER, 2),
    ("CPS1", Funding.INTER, 1),
]
DEPARTMENT_CODES = ("09", "11", "12", "30", "31", "32", "34", "46", "48", "65", "66", "81", "82")
# Drapps sessions go three to each département, plus one more in the most populated ones.
EXTRA_DRAPPS_DEPARTMENTS = ["31", "34", "30", "66", "81", "12"]
INTER_DEPARTMENTS = ["31", "34"]
# Demo prices: the seeds give no amount. Drapps sessions are free for trainees; intra is quoted per group.
INTER_PRICE_PER_DAY = Decimal("200.00")
# The window of the demo year, in weeks around the current one (about 9 months back, 5 ahead).
FIRST_WEEK, LAST_WEEK = -39, 21
DRAFT_COUNT = 2  # the last sessions of the plan are still being prepared
CANCELLED_FROM_END = 8  # a future session cancelled for lack of registrations
# The demo trainer teaches a session running on the day of the seed, so that attendance can be
# taken at once (sign in as the trainer, /formateur/): Drapps, CPS level 1, in Toulouse.
DAY_SESSION_TRAINER = "formateur@demo.formations.test"
DAY_SESSION_COURSE, DAY_SESSION_DEPARTMENT, DAY_SESSION_CAPACITY = "CPS1", "31", 14


@dataclass
class SeedReport:
    """What a run created and what it found already there, per kind of object."""

    counts: dict[str, list[int]] = field(default_factory=dict)
    accounts: list[tuple[str, str]] = field(default_factory=list)

    def record(self, label: str, *, created: bool) -> None:
        created_existing = self.counts.setdefault(label, [0, 0])
        created_existing[0 if created else 1] += 1


@dataclass(frozen=True)
class PlannedSession:
    """One session of the demo year. `key` is its code without the year, stable across runs."""

    key: str
    course_short: str
    funding: str
    department_code: str
    client_name: str | None
    days: tuple[date, ...]
    capacity: int
    venue_index: int
    trainer_emails: tuple[str, ...]
    status: str


def demo_seed(*, today: date) -> SeedReport:
    """Create whatever part of the demo is missing; run it inside one transaction."""
    report = SeedReport()
    groups = roles_sync()
    accounts = accounts_ensure(groups=groups, report=report)
    home = site_ensure(report=report)
    organisation_settings_ensure(report=report)
    courses = courses_ensure(home=home, report=report)
    venues = venues_ensure(report=report)
    trainers = trainers_ensure(accounts=accounts, report=report)
    organisations = organisations_ensure(report=report)
    plan = session_plan(today=today)
    sessions_ensure(
        plan=plan, courses=courses, venues=venues, trainers=trainers, organisations=organisations, report=report
    )
    day_session = plan[-1]  # the demo trainer's session running today
    registrations_ensure(today=today, report=report, learner_session_key=day_session.key)
    attendance_ensure(today=today, coordinator=accounts["coordination@demo.formations.test"], report=report)
    demo_funding_ensure(plan_keys=[planned.key for planned in plan], today=today, report=report)
    learner_documents_ensure(coordinator=accounts["coordination@demo.formations.test"], report=report)
    return report


def learner_documents_ensure(*, coordinator: User, report: SeedReport) -> None:
    """The demo learner's certificate and attestation for the sessions they attended (issued once)."""
    registrations = Registration.objects.filter(
        user__email=LEARNER_EMAIL, status=RegistrationStatus.CONFIRMED, session__status=SessionStatus.DONE
    ).select_related("session")
    for registration in registrations:
        for kind in (DocumentKind.CERTIFICATE, DocumentKind.ATTESTATION):
            try:
                _document, created = document_issue(
                    kind=kind, session=registration.session, registration=registration, by=coordinator
                )
            except TrainingError:  # the learner attended no hour of it
                continue
            report.record("Documents de la stagiaire de démonstration", created=created)


# Accounts ------------------------------------------------------------------------------------


def accounts_ensure(*, groups: dict[str, Group], report: SeedReport) -> dict[str, User]:
    """Demo accounts by e-mail, with a verified primary address; the password is set at creation only."""
    accounts = {}
    for email, first_name, last_name, group_name, superuser, role in ACCOUNTS:
        user = _account_ensure(
            email=email, first_name=first_name, last_name=last_name, superuser=superuser, report=report
        )
        if group_name:
            user.groups.add(groups[group_name])
        EmailAddress.objects.get_or_create(user=user, email=user.email, defaults={"verified": True, "primary": True})
        accounts[email] = user
        report.accounts.append((email, role))
    return accounts


def _account_ensure(*, email: str, first_name: str, last_name: str, superuser: bool, report: SeedReport) -> User:
    user = User.objects.filter(email__iexact=email).first()
    report.record("Comptes de démonstration", created=user is None)
    if user is not None:
        return user
    if superuser:
        return User.objects.create_superuser(
            email=email, password=DEMO_PASSWORD, first_name=first_name, last_name=last_name
        )
    return User.objects.create_user(
        email=email, password=DEMO_PASSWORD, first_name=first_name, last_name=last_name, is_staff=False
    )


# Site tree and settings ---------------------------------------------------------------------


def site_ensure(*, report: SeedReport) -> HomePage:
    """The home page as root of the default site, with the catalogue and the content pages under it."""
    home = HomePage.objects.first()
    if home is None:
        root = Page.get_first_root_node()
        _default_welcome_page_delete(root=root)
        home = _page_publish(parent=root, page=HomePage(**content.HOME_PAGE), report=report, label="Pages du site")
    else:
        report.record("Pages du site", created=False)
    _default_site_ensure(home=home)
    _child_page_ensure(
        parent=home,
        page_class=CatalogueIndexPage,
        slug=content.CATALOGUE_PAGE["slug"],
        build=lambda: CatalogueIndexPage(show_in_menus=True, **content.CATALOGUE_PAGE),
        report=report,
        label="Pages du site",
    )
    for page_data in content.CONTENT_PAGES:
        _child_page_ensure(
            parent=home,
            page_class=ContentPage,
            slug=page_data["slug"],
            build=lambda page_data=page_data: ContentPage(show_in_menus=True, **page_data),
            report=report,
            label="Pages du site",
        )
    return home


def _default_welcome_page_delete(*, root: Page) -> None:
    """Remove Wagtail's "Welcome to your new Wagtail site!" page (a bare `Page` with slug "home")."""
    bare_page_type = ContentType.objects.get_for_model(Page)
    for page in root.get_children().filter(slug=content.HOME_PAGE["slug"]):
        if page.content_type_id != bare_page_type.pk:
            raise CommandError(
                f"Une page « {page.title} » occupe déjà l'adresse « home » : déplacez-la ou renommez-la, puis relancez."
            )
        page.delete()  # its Site row goes with it; _default_site_ensure() recreates it


def _default_site_ensure(*, home: HomePage) -> Site:
    """The default site serves the home page; an existing site keeps its host name."""
    site = Site.objects.filter(is_default_site=True).first()
    if site is None:
        return Site.objects.create(
            hostname="localhost", port=80, root_page=home, is_default_site=True, site_name=SITE_NAME
        )
    changed = []
    if site.root_page_id != home.pk:
        site.root_page = home
        changed.append("root_page")
    if not site.site_name:
        site.site_name = SITE_NAME
        changed.append("site_name")
    if changed:
        site.save(update_fields=changed)
    return site


def _child_page_ensure(
    *,
    parent: Page,
    page_class: type[Page],
    slug: str,
    build: Callable[[], Page],
    report: SeedReport,
    label: str,
    check: Callable[[Page], None] | None = None,
) -> Page:
    """The child of `parent` with this slug; when missing, `build()` it, `check` it and publish it."""
    existing = parent.get_children().filter(slug=slug).specific().first()
    if existing is None:
        return _page_publish(parent=parent, page=build(), report=report, label=label, check=check)
    if not isinstance(existing, page_class):
        raise CommandError(
            f"La page « {existing.title} » ({existing.url_path}) n'est pas du type attendu "
            f"({page_class._meta.verbose_name})."
        )
    report.record(label, created=False)
    return existing


def _page_publish(
    *, parent: Page, page: Page, report: SeedReport, label: str, check: Callable[[Page], None] | None = None
) -> Page:
    parent.add_child(instance=page)
    if check is not None:
        check(page)
    page.save_revision().publish()
    page.refresh_from_db()  # publish() saves another instance: read back live_revision and dates
    report.record(label, created=True)
    return page


def organisation_settings_ensure(*, report: SeedReport) -> OrganisationSettings:
    """Fill the organisation's identity where it is still empty; never overwrite a value."""
    settings = OrganisationSettings.load()
    missing = [name for name, value in ORGANISATION_SETTINGS.items() if not getattr(settings, name)]
    for name in missing:
        setattr(settings, name, ORGANISATION_SETTINGS[name])
    for name, slug in (("internal_rules_page", "reglement-interieur"), ("privacy_page", "donnees-personnelles")):
        if getattr(settings, f"{name}_id") is None:
            setattr(settings, name, ContentPage.objects.filter(slug=slug).first())
            missing.append(name)
    if missing:
        settings.save(update_fields=missing)
    report.record("Paramètres de l'organisme", created=bool(missing))
    return settings


# Catalogue -----------------------------------------------------------------------------------


def courses_ensure(*, home: HomePage, report: SeedReport) -> dict[str, CoursePage]:
    """The course sheets of the catalogue, by short code. A new sheet must fill Qualiopi indicator 1."""
    catalogue = home.get_children().type(CatalogueIndexPage).specific().get(slug=content.CATALOGUE_PAGE["slug"])
    courses: dict[str, CoursePage] = {}
    for data in content.COURSES:
        courses[data["short"]] = _child_page_ensure(
            parent=catalogue,
            page_class=CoursePage,
            slug=data["slug"],
            build=lambda data=data: _course_build(data=data, courses=courses),
            report=report,
            label="Formations",
            check=_course_check_indicator_1,
        )
    return courses


def _course_build(*, data: dict, courses: dict[str, CoursePage]) -> CoursePage:
    programme_hours = sum(Decimal(step["value"]["duration_hours"]) for step in data["programme"])
    if programme_hours != data["duration_hours"]:
        raise CommandError(
            f"« {data['title']} » : le programme compte {programme_hours} h pour une durée de {data['duration_hours']} h."
        )
    course = CoursePage(
        title=data["title"],
        slug=data["slug"],
        level=data["level"],
        summary=data["summary"],
        description=data["description"],
        general_objective=data["general_objective"],
        programme=data["programme"],
        prerequisites=data["prerequisites"],
        audience_text=data["audience_text"],
        duration_hours=data["duration_hours"],
        duration_days=data["duration_days"],
        modality=Modality.ON_SITE,
        offered_inter=data["offered_inter"],
        offered_intra=data["offered_intra"],
        teaching_methods=data.get("teaching_methods", content.TEACHING_METHODS),
        evaluation_methods=content.EVALUATION_METHODS,
        access_delay=content.ACCESS_DELAY,
        price_text=data["price_text"],
        accessibility=content.ACCESSIBILITY,
        contact_name=content.CONTACT_NAME,
        contact_email=content.CONTACT_EMAIL,
        nsf_code=data["nsf_code"],
    )
    course.objectives = [CourseObjective(text=text, sort_order=i) for i, text in enumerate(data["objectives"])]
    course.themes = _reference_by_slug(model=Theme, slugs=data["themes"])
    course.audiences = _reference_by_slug(model=Audience, slugs=data["audiences"])
    course.prerequisite_courses = [_course_by_slug(courses=courses, slug=slug) for slug in data["prerequisite_slugs"]]
    return course


def _course_check_indicator_1(course: CoursePage) -> None:
    gaps = course.indicator_1_gaps()
    if gaps:
        raise CommandError(f"« {course.title} » : champs de l'indicateur 1 manquants : {', '.join(gaps)}.")


def _course_by_slug(*, courses: dict[str, CoursePage], slug: str) -> CoursePage:
    for course in courses.values():
        if course.slug == slug:
            return course
    raise CommandError(f"La formation prérequise « {slug} » doit être créée avant celles qui la demandent.")


def _reference_by_slug(*, model, slugs: list[str]) -> list:
    found = list(model.objects.filter(slug__in=slugs))
    missing = set(slugs) - {item.slug for item in found}
    if missing:
        raise CommandError(
            f"Référentiel {model._meta.verbose_name_plural} incomplet ({', '.join(sorted(missing))}) : lancez migrate."
        )
    return found


# Venues, trainers, structures --------------------------------------------------------------


def venues_ensure(*, report: SeedReport) -> dict[str, list[Venue]]:
    """Venues by département code, keyed by (name, city)."""
    departments = _departments()
    venues: dict[str, list[Venue]] = defaultdict(list)
    for code, name, address, postcode, city, step_free, toilets, loop, accessibility, access in VENUES:
        venue, created = Venue.objects.get_or_create(
            name=name,
            city=city,
            defaults={
                "address": address,
                "postcode": postcode,
                "department": departments[code],
                "step_free_access": step_free,
                "accessible_toilets": toilets,
                "hearing_loop": loop,
                "accessibility_notes": accessibility,
                "access_notes": access,
            },
        )
        report.record("Lieux de formation", created=created)
        venues[code].append(venue)
    return venues


def trainers_ensure(*, accounts: dict[str, User], report: SeedReport) -> dict[str, Trainer]:
    """Trainers by e-mail; the one sharing a demo account's e-mail is linked to it if not linked yet."""
    trainers = {}
    for email, first_name, last_name, kind, employer, bio, _courses in TRAINERS_DATA:
        trainer, created = Trainer.objects.get_or_create(
            email__iexact=email,
            defaults={
                "email": email,
                "first_name": first_name,
                "last_name": last_name,
                "kind": kind,
                "employer": employer,
                "bio": bio,
            },
        )
        account = accounts.get(email)
        if account is not None and trainer.user_id is None:
            trainer.user = account
            trainer.save(update_fields=["user", "updated_at"])
        report.record("Formateurs", created=created)
        trainers[email] = trainer
    return trainers


def organisations_ensure(*, report: SeedReport) -> dict[str, Organisation]:
    """Client structures by name, keyed by (name, postcode)."""
    departments = _departments()
    structure_types = {item.label: item for item in StructureType.objects.all()}
    organisations = {}
    for name, type_label, code, postcode, city, contact in ORGANISATIONS:
        if type_label not in structure_types:
            raise CommandError(f"Type de structure « {type_label} » absent du référentiel : lancez migrate.")
        organisation, created = Organisation.objects.get_or_create(
            name__iexact=name,
            postcode=postcode,
            defaults={
                "name": name,
                "structure_type": structure_types[type_label],
                "department": departments[code],
                "city": city,
                "contact_name": contact,
            },
        )
        report.record("Structures clientes", created=created)
        organisations[name] = organisation
    return organisations


def _departments() -> dict[str, Department]:
    departments = {department.code: department for department in Department.objects.all()}
    if len(departments) != 13:
        raise CommandError("Les 13 départements d'Occitanie manquent : lancez migrate.")
    return departments


# Sessions ------------------------------------------------------------------------------------


def session_plan(*, today: date) -> list[PlannedSession]:
    """The demo year, drawn from a fixed random seed.

    What each session is (course, funding, département, client, sequence number: its `key`) does
    not depend on the day of the run; only its dates and status do, relative to `today`. The last
    one is the demo trainer's session of the day.
    """
    rng = random.Random(RANDOM_SEED)
    entries = [(short, funding) for short, funding, count in SESSION_MIX for _ in range(count)]
    rng.shuffle(entries)
    drapps_departments = [code for code in DEPARTMENT_CODES for _ in range(3)] + EXTRA_DRAPPS_DEPARTMENTS
    rng.shuffle(drapps_departments)
    client_names = [row[0] for row in ORGANISATIONS]
    rng.shuffle(client_names)
    clients = cycle(client_names)
    client_departments = {row[0]: row[2] for row in ORGANISATIONS}
    durations = {course["short"]: int(course["duration_days"]) for course in content.COURSES}
    qualified = {short: [row[0] for row in TRAINERS_DATA if short in row[6]] for short in durations}

    weeks = _plan_weeks(today=today, count=len(entries))
    sequence: dict[tuple[str, str], int] = defaultdict(int)
    busy: dict[date, set[str]] = defaultdict(set)
    # Today even on a weekend or a holiday (it is a demo), then the next working days.
    day_session_days = (today, *_working_days(start=today + timedelta(days=1), count=durations[DAY_SESSION_COURSE] - 1))
    for day in day_session_days:
        busy[day].add(DAY_SESSION_TRAINER)
    plan = []
    for index, (short, funding) in enumerate(entries):
        client = None
        if funding == Funding.DRAPPS:
            department = drapps_departments.pop()
        elif funding == Funding.INTRA:
            client = next(clients)  # each structure in turn
            department = client_departments[client]
        else:
            department = INTER_DEPARTMENTS[index % len(INTER_DEPARTMENTS)]
        sequence[(short, department)] += 1
        start_weekday = rng.randint(0, 5 - durations[short])
        days = _working_days(start=weeks[index] + timedelta(days=start_weekday), count=durations[short])
        trainer_emails = _trainers_pick(
            rng=rng, qualified=qualified[short], busy=set().union(*(busy[day] for day in days))
        )
        for day in days:
            busy[day].update(trainer_emails)
        plan.append(
            PlannedSession(
                key=f"{short}-{department}-{sequence[(short, department)]:02d}",
                course_short=short,
                funding=funding,
                department_code=department,
                client_name=client,
                days=days,
                capacity=rng.randint(12, 20),
                venue_index=rng.randrange(2),
                trainer_emails=trainer_emails,
                status=_planned_status(index=index, total=len(entries), days=days, today=today),
            )
        )
    day_session = (DAY_SESSION_COURSE, DAY_SESSION_DEPARTMENT)
    sequence[day_session] += 1
    plan.append(
        PlannedSession(
            key=f"{DAY_SESSION_COURSE}-{DAY_SESSION_DEPARTMENT}-{sequence[day_session]:02d}",
            course_short=DAY_SESSION_COURSE,
            funding=Funding.DRAPPS,
            department_code=DAY_SESSION_DEPARTMENT,
            client_name=None,
            days=day_session_days,
            capacity=DAY_SESSION_CAPACITY,
            venue_index=0,
            trainer_emails=(DAY_SESSION_TRAINER,),
            status=SessionStatus.CLOSED,  # registration closed a week before
        )
    )
    return plan


def _plan_weeks(*, today: date, count: int) -> list[date]:
    """`count` Mondays spread evenly over the window, skipping August and the Christmas holidays."""
    this_monday = today - timedelta(days=today.weekday())
    mondays = [this_monday + timedelta(weeks=offset) for offset in range(FIRST_WEEK, LAST_WEEK + 1)]
    open_weeks = [monday for monday in mondays if not _is_holiday_week(monday)]
    return [open_weeks[index * len(open_weeks) // count] for index in range(count)]


def _is_holiday_week(monday: date) -> bool:
    week = [monday + timedelta(days=offset) for offset in range(5)]
    return any(day.month == 8 or (day.month, day.day) >= (12, 24) or (day.month, day.day) <= (1, 1) for day in week)


def _working_days(*, start: date, count: int) -> tuple[date, ...]:
    """`count` consecutive working days from `start`: Monday to Friday, French public holidays excluded."""
    days = []
    day = start
    while len(days) < count:
        if day.weekday() < 5 and day not in _public_holidays(day.year):
            days.append(day)
        day += timedelta(days=1)
    return tuple(days)


@cache
def _public_holidays(year: int) -> frozenset[date]:
    easter_sunday = easter(year)
    fixed = [(1, 1), (5, 1), (5, 8), (7, 14), (8, 15), (11, 1), (11, 11), (12, 25)]
    movable = [easter_sunday + timedelta(days=offset) for offset in (1, 39, 50)]  # Monday, Ascension, Whit Monday
    return frozenset([date(year, month, day) for month, day in fixed] + movable)


def _trainers_pick(*, rng: random.Random, qualified: list[str], busy: set[str]) -> tuple[str, ...]:
    """One trainer, or two for about a third of the sessions, preferring those free on its days."""
    candidates = list(qualified)
    rng.shuffle(candidates)
    wanted = 2 if len(candidates) > 1 and rng.random() < 0.35 else 1
    free = [email for email in candidates if email not in busy]
    return tuple(free[:wanted] or candidates[:1])  # double-booked only when nobody else can teach it


def _planned_status(*, index: int, total: int, days: tuple[date, ...], today: date) -> str:
    if index >= total - DRAFT_COUNT:
        return SessionStatus.DRAFT
    if index == total - CANCELLED_FROM_END:
        return SessionStatus.CANCELLED
    if days[-1] < today:
        return SessionStatus.DONE
    if _registration_closes_at(first_day=days[0]).date() < today:
        return SessionStatus.CLOSED
    return SessionStatus.OPEN


def _registration_closes_at(*, first_day: date) -> datetime:
    return datetime.combine(first_day - timedelta(days=7), time(23, 59), tzinfo=PARIS)


def sessions_ensure(
    *,
    plan: list[PlannedSession],
    courses: dict[str, CoursePage],
    venues: dict[str, list[Venue]],
    trainers: dict[str, Trainer],
    organisations: dict[str, Organisation],
    report: SeedReport,
) -> None:
    """Create the planned sessions whose code (whatever its year) does not exist yet, with their half-days."""
    existing_keys = {
        code[5:] for code in Session.objects.filter(code__regex=r"^[0-9]{4}-").values_list("code", flat=True)
    }
    departments = _departments()
    for planned in plan:
        if planned.key in existing_keys:
            report.record("Sessions", created=False)
            continue
        department_venues = venues[planned.department_code]
        session = _session_create(
            planned=planned,
            course=courses[planned.course_short],
            department=departments[planned.department_code],
            venue=department_venues[planned.venue_index % len(department_venues)],
            client=organisations[planned.client_name] if planned.client_name else None,
        )
        session.trainers.set([trainers[email] for email in planned.trainer_emails])
        session_record_course_revision(session=session)
        report.record("Sessions", created=True)


def _session_create(
    *, planned: PlannedSession, course: CoursePage, department: Department, venue: Venue, client: Organisation | None
) -> Session:
    session = Session.objects.create(
        course=course,
        code=f"{planned.days[0].year}-{planned.key}",
        funding=planned.funding,
        department=department,
        venue=venue,
        modality=Modality.ON_SITE,
        capacity=planned.capacity,
        status=planned.status,
        registration_closes_at=_registration_closes_at(first_day=planned.days[0]),
        requires_approval=planned.funding == Funding.INTRA,
        client_organisation=client,
        price_per_trainee=_price_per_trainee(funding=planned.funding, days=len(planned.days)),
    )
    Slot.objects.bulk_create(
        Slot(session=session, date=day, period=period, starts_at=starts_at, ends_at=ends_at, hours=hours)
        for day in planned.days
        for period, starts_at, ends_at, hours in HALF_DAYS
    )
    return session


def _price_per_trainee(*, funding: str, days: int) -> Decimal | None:
    if funding == Funding.DRAPPS:
        return Decimal("0.00")  # the ARS pays the teaching costs
    if funding == Funding.INTER:
        return INTER_PRICE_PER_DAY * days
    return None  # intra: one quote for the group
