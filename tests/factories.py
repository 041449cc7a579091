"""factory_boy factories; courses are Wagtail pages and need the `catalogue` fixture as parent."""

import base64
import datetime
import io
from decimal import Decimal

import factory
from PIL import Image, ImageDraw

from django.contrib.auth import get_user_model
from django.utils import timezone

from accounts.models import ActivitySector, Department, ProfessionalCategory, Profile, StructureType
from cms.models import CourseObjective, CoursePage
from training.choices import Funding, Period, RegistrationStatus, SessionStatus
from training.models import Organisation, Registration, Session, Slot, Trainer, Venue


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"personne{n}@exemple.fr")
    first_name = "Camille"
    last_name = factory.Sequence(lambda n: f"Martin{n}")
    password = factory.PostGenerationMethodCall("set_password", "motdepasse-test")

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


def department(code: str = "31") -> Department:
    return Department.objects.get(code=code)


def course_create(
    *,
    catalogue,
    title: str = "Soutenir le développement des compétences psychosociales",
    publish: bool = True,
    **fields,
) -> CoursePage:
    """Add a complete course sheet under the catalogue, published unless asked otherwise."""
    defaults = {
        "summary": "Acquérir les bases pour développer les CPS des publics accompagnés.",
        "general_objective": "Renforcer la posture professionnelle.",
        "duration_hours": Decimal("21"),
        "duration_days": Decimal("3"),
        "audience_text": "Tout public",
        "teaching_methods": "<p>Apports et mises en situation.</p>",
        "evaluation_methods": "<p>Questionnaire de positionnement et évaluation finale.</p>",
        "access_delay": "Inscription jusqu'à 7 jours avant le début.",
        "price_text": "Frais pédagogiques pris en charge par l'ARS Occitanie.",
        "accessibility": "Adaptations possibles sur demande.",
    }
    course = CoursePage(title=title, live=False, **{**defaults, **fields})
    catalogue.add_child(instance=course)
    CourseObjective.objects.create(course=course, text="Définir les compétences psychosociales", sort_order=0)
    revision = course.save_revision()
    if publish:
        revision.publish()
        course.refresh_from_db()
    return course


class VenueFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Venue

    name = factory.Sequence(lambda n: f"Salle {n}")
    city = "Rodez"
    postcode = "12000"
    department = factory.LazyFunction(lambda: department("12"))


class TrainerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Trainer

    first_name = "Alex"
    last_name = factory.Sequence(lambda n: f"Formateur{n}")


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    name = factory.Sequence(lambda n: f"Structure {n}")
    postcode = "31000"


class SessionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Session

    code = factory.Sequence(lambda n: f"2026-TEST-{n:03d}")
    funding = Funding.DRAPPS
    department = factory.LazyFunction(lambda: department("12"))
    venue = factory.SubFactory(VenueFactory)
    capacity = 18
    status = SessionStatus.OPEN


def slots_create(*, session: Session, first_day: datetime.date, days: int = 1) -> list[Slot]:
    """Two half-days (9:00–12:30 and 13:30–17:00, 3.5 h each) per working day from `first_day`."""
    slots, day = [], first_day
    while len(slots) < 2 * days:
        if day.weekday() < 5:
            slots.append(
                Slot(
                    session=session,
                    date=day,
                    period=Period.MORNING,
                    starts_at=datetime.time(9),
                    ends_at=datetime.time(12, 30),
                    hours=Decimal("3.5"),
                )
            )
            slots.append(
                Slot(
                    session=session,
                    date=day,
                    period=Period.AFTERNOON,
                    starts_at=datetime.time(13, 30),
                    ends_at=datetime.time(17),
                    hours=Decimal("3.5"),
                )
            )
        day += datetime.timedelta(days=1)
    return Slot.objects.bulk_create(slots)


class RegistrationFactory(factory.django.DjangoModelFactory):
    """A registration row as it would stand in a given status (the services decide real transitions)."""

    class Meta:
        model = Registration

    user = factory.SubFactory(UserFactory)
    offer_expires_at = factory.LazyAttribute(
        lambda registration: (
            timezone.now() + datetime.timedelta(hours=48) if registration.status == RegistrationStatus.OFFERED else None
        )
    )


class ProfileFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Profile

    user = factory.SubFactory(UserFactory)
    job_title = "Infirmière scolaire"
    structure_name = "Collège Jean Moulin"
    structure_type = factory.LazyFunction(lambda: StructureType.objects.order_by("position").first())
    activity_sector = factory.LazyFunction(lambda: ActivitySector.objects.order_by("position").first())
    professional_category = factory.LazyFunction(lambda: ProfessionalCategory.objects.order_by("position").first())
    department = factory.LazyFunction(lambda: department("12"))


def professional_create(**fields):
    """A person with a complete professional profile, ready to register."""
    return ProfileFactory(**fields).user


def signature_png(*, seed: int = 0, ink: bool = True, width: int = 300, height: int = 100) -> bytes:
    """A signature as the signing pad draws it: transparent, with a line of ink that `seed` varies."""
    image = Image.new("RGBA", (width, height), (0, 0, 0, 0))
    if ink:
        points = [(20 + 26 * i, 50 + (-1) ** i * (15 + (seed * 7 + i * 3) % 25)) for i in range(11)]
        ImageDraw.Draw(image).line(points, fill=(20, 20, 60, 255), width=4)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def signature_data_url(**kwargs) -> str:
    """The same as the pad posts it: a PNG data URL."""
    return "data:image/png;base64," + base64.b64encode(signature_png(**kwargs)).decode()
