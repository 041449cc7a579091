"""What the operator sets up on a new installation before the first training, run through
`manage.py shell` (`SETUP`, formatted with the values below): the site tree with the catalogue and
one published course sheet, the organisation's signatory, a venue, a trainer with an account, and
an open session whose half-day is a month away. The coordinator account comes from
`createsuperuser --noinput`; everything else happens over HTTP."""

COURSE_TITLE = "Développer les compétences psychosociales des jeunes"
SESSION_CODE = "2026-CPS-12-STACK"
TRAINER_EMAIL = "julien.carrere@exemple.fr"
TRAINER_PASSWORD = "Une-phrase-de-passe-du-formateur-2026"
COORDINATOR_EMAIL = "claire.delmas@exemple.fr"
COORDINATOR_PASSWORD = "Une-phrase-de-passe-coordination-2026"

SETUP = f"""
import datetime, json
from decimal import Decimal
from urllib.parse import urlsplit

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth.models import Group
from django.utils import timezone
from wagtail.models import Page, Site

from accounts.models import Department, User
from accounts.roles import TRAINERS, roles_sync
from cms.models import CatalogueIndexPage, CourseObjective, CoursePage, HomePage, OrganisationSettings
from training.choices import Funding, Period, SessionStatus
from training.models import Session, Slot, Trainer, Venue
from training.services.sessions import session_record_course_revision

roles_sync()
home = Page.get_first_root_node().add_child(instance=HomePage(title="Promotion Santé Occitanie", slug="accueil"))
Site.objects.update_or_create(
    is_default_site=True,
    defaults={{"hostname": "127.0.0.1", "port": urlsplit(settings.WAGTAILADMIN_BASE_URL).port, "root_page": home}},
)
catalogue = home.add_child(instance=CatalogueIndexPage(title="Nos formations", slug="formations"))
course = catalogue.add_child(instance=CoursePage(
    title={COURSE_TITLE!r},
    live=False,
    summary="Acquérir les bases pour développer les CPS des publics accompagnés.",
    general_objective="Renforcer la posture professionnelle.",
    duration_hours=Decimal("3.5"),
    duration_days=Decimal("0.5"),
    audience_text="Professionnels de la jeunesse",
    teaching_methods="<p>Apports et mises en situation.</p>",
    evaluation_methods="<p>Questionnaire de fin de formation.</p>",
    access_delay="Inscription jusqu'à la veille.",
    price_text="Frais pédagogiques pris en charge par l'ARS Occitanie.",
    accessibility="Adaptations possibles sur demande.",
))
CourseObjective.objects.create(course=course, text="Définir les compétences psychosociales", sort_order=0)
course.save_revision().publish()

organisation = OrganisationSettings.load()
organisation.legal_representative_name = "Dominique Roux"
organisation.legal_representative_title = "Directeur"
organisation.save()

aveyron = Department.objects.get(code="12")
venue = Venue.objects.create(name="Salle de formation", city="Rodez", postcode="12000", department=aveyron)
trainer_user = User.objects.create_user(
    {TRAINER_EMAIL!r}, password={TRAINER_PASSWORD!r}, first_name="Julien", last_name="Carrère"
)
EmailAddress.objects.create(user=trainer_user, email={TRAINER_EMAIL!r}, verified=True, primary=True)
trainer_user.groups.add(Group.objects.get(name=TRAINERS))
trainer = Trainer.objects.create(first_name="Julien", last_name="Carrère", email={TRAINER_EMAIL!r}, user=trainer_user)

session = Session.objects.create(
    course=course, code={SESSION_CODE!r}, funding=Funding.DRAPPS, department=aveyron, venue=venue,
    capacity=12, status=SessionStatus.OPEN,
)
session.trainers.add(trainer)
slot = Slot.objects.create(
    session=session, date=timezone.localdate() + datetime.timedelta(days=30), period=Period.MORNING,
    starts_at=datetime.time(9), ends_at=datetime.time(12, 30), hours=Decimal("3.5"),
)
session_record_course_revision(session=session)
print(json.dumps({{"session": session.pk, "slot": slot.pk, "course": course.pk, "trainer": trainer.pk,
                  "course_url": course.get_url()}}))
"""

# The coordinator: a superuser, as the installation creates the first account.
COORDINATOR_ENV = {
    "DJANGO_SUPERUSER_EMAIL": COORDINATOR_EMAIL,
    "DJANGO_SUPERUSER_PASSWORD": COORDINATOR_PASSWORD,
    "DJANGO_SUPERUSER_FIRST_NAME": "Claire",
    "DJANGO_SUPERUSER_LAST_NAME": "Delmas",
}

OPERATOR_COMMANDS = [
    (("shell", "--no-imports", "-c", SETUP), {}),
    (("createsuperuser", "--noinput"), COORDINATOR_ENV),
]
