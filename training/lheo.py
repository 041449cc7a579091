"""The public LHEO 2.3 export of the training offer (`/catalogue/lheo.xml`), read by the Carif-Oref.

One `formation` per published course of the catalogue, one `action` (holding one `session`) per
upcoming session open to individuals. Element names, order and dictionary codes follow the LHEO
2.3 definition (lheo.gouv.fr, `lheo-gml.xml`); where LHEO requires a value this project does not
record, the element is still emitted with an honest empty or default value and a comment says so.

The document costs a fixed number of SQL queries whatever the number of courses and sessions.
"""

from __future__ import annotations

import datetime
import html
import re
import xml.etree.ElementTree as ET
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Prefetch, QuerySet
from django.utils import timezone
from django.utils.html import strip_tags

from cms.choices import Modality
from cms.models import CatalogueIndexPage, CourseObjective, CoursePage, OrganisationSettings

from .choices import Funding, SessionStatus
from .models import Session
from .selectors import session_list_upcoming

LHEO_NAMESPACE = "http://lheo.gouv.fr/2.3"
# Edition of the Formacode thesaurus the coordinators pick course codes from (2024 edition).
FORMACODE_VERSION = "V14"

# dict-modalites-enseignement: 0 entièrement présentielle, 1 mixte, 2 entièrement à distance.
TEACHING_MODE = {Modality.ON_SITE: "0", Modality.BLENDED: "1", Modality.REMOTE: "2"}
# dict-etat-recrutement
RECRUITMENT_OPEN, RECRUITMENT_CLOSED, RECRUITMENT_SUSPENDED = "1", "2", "3"
# dict-type-parcours: 1 en groupe (non personnalisable)
PATHWAY_GROUP = "1"
# dict-niveaux: 0 information non communiquée
ENTRY_LEVEL_NOT_GIVEN = "0"
# dict-modalites-es: 0 entrées/sorties à dates fixes
FIXED_DATES = "0"
# dict-type-contact: 1 référent handicap
CONTACT_DISABILITY_REFERENT = "1"

_XML_INVALID_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def lheo_document(*, request_base_url: str, today: datetime.date | None = None) -> bytes:
    """The LHEO 2.3 XML document (UTF-8 bytes) of the published catalogue as of `today`.

    `request_base_url` (scheme and host, e.g. "https://formations.example.org/") makes the
    course URLs absolute. Sessions are those the public sees (`session_list_upcoming`), minus
    intra sessions, which are reserved to their client structure.
    """
    today = today or timezone.localdate()
    base_url = request_base_url.rstrip("/")
    organisation = OrganisationSettings.load()

    sessions_by_course: dict[int, list[Session]] = defaultdict(list)
    for session in _sessions_offered(today=today):
        sessions_by_course[session.course_id].append(session)

    root = ET.Element("lheo", xmlns=LHEO_NAMESPACE)
    offers = ET.SubElement(root, "offres")
    for course in _courses_published():
        _formation(
            offers,
            course=course,
            sessions=sessions_by_course.get(course.pk, []),
            organisation=organisation,
            base_url=base_url,
            today=today,
        )
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def _courses_published() -> QuerySet[CoursePage]:
    """Live, unrestricted courses of the live catalogue, with their objectives and prerequisite courses."""
    catalogue = CatalogueIndexPage.objects.live().first()
    if catalogue is None:
        return CoursePage.objects.none()
    return (
        CoursePage.objects.live()
        .public()
        .child_of(catalogue)
        .prefetch_related(
            Prefetch("objectives", queryset=CourseObjective.objects.order_by("sort_order")),
            "prerequisite_courses",
        )
        .order_by("title")
    )


def _sessions_offered(*, today: datetime.date) -> QuerySet[Session]:
    return session_list_upcoming(today=today).select_related("venue__department")


# --- formation ---------------------------------------------------------------------------------


def _formation(offers, *, course, sessions, organisation, base_url, today):
    attrs = {"numero": str(course.pk)}
    if course.last_published_at:
        attrs["datemaj"] = _lheo_date(timezone.localtime(course.last_published_at).date())
    formation = ET.SubElement(offers, "formation", attrs)

    domain = ET.SubElement(formation, "domaine-formation")
    if course.formacode:
        _sub(domain, "code-FORMACODE", course.formacode, ref=FORMACODE_VERSION)
    if course.nsf_code:
        # LHEO takes the 3-digit NSF group; a speciality letter ("330t") is dropped.
        _sub(domain, "code-NSF", course.nsf_code[:3])

    _sub(formation, "intitule-formation", _clip(course.title, 255))
    _sub(formation, "objectif-formation", _clip(_objectives_text(course), 3000))
    _sub(formation, "resultats-attendus", _clip(_results_text(course), 3000))
    _sub(formation, "contenu-formation", _clip(_content_text(course), 3000))
    _sub(formation, "certifiante", _flag(course.is_certifying))
    _course_contacts(formation, course=course, organisation=organisation)
    _sub(formation, "parcours-de-formation", PATHWAY_GROUP)
    # The course sheet records no diploma level at entry: "information non communiquée".
    _sub(formation, "code-niveau-entree", ENTRY_LEVEL_NOT_GIVEN)
    if course.is_certifying and course.certification_code:
        certification = ET.SubElement(formation, "certification")
        code = course.certification_code.strip().upper()
        _sub(certification, "code-RS" if code.startswith("RS") else "code-RNCP", code)
    url = course.get_url_parts()
    if url is not None and url[2]:
        _sub(ET.SubElement(formation, "url-formation"), "urlweb", f"{base_url}{url[2]}")

    for session in sessions:
        _action(formation, course=course, session=session, organisation=organisation, today=today)
    _responsible_organisation(formation, organisation=organisation)


def _objectives_text(course) -> str:
    objectives = [objective.text for objective in course.objectives.all()]
    parts = [course.general_objective.strip()] if course.general_objective.strip() else []
    if objectives:
        parts.append(
            "À l'issue de la formation, le stagiaire sera capable de :\n"
            + "\n".join(f"- {text}" for text in objectives)
        )
    return "\n\n".join(parts) or course.summary


def _results_text(course) -> str:
    if course.is_certifying and course.certification_code:
        result = f"Certification {course.certification_code}."
    else:
        result = (
            "Attestation de fin de formation précisant les objectifs, la nature et la durée de l'action "
            "et les résultats de l'évaluation des acquis."
        )
    evaluation = _plain(course.evaluation_methods)
    return f"{result}\n\nÉvaluation : {evaluation}" if evaluation else result


def _content_text(course) -> str:
    steps = []
    for block in course.programme:
        step = block.value
        heading = step["title"]
        if step["duration_hours"]:
            heading += f" ({_fr_number(step['duration_hours'])} h)"
        content = _plain(step["content"].source)
        steps.append(f"{heading} : {content}" if content else heading)
    return "\n".join(steps) or course.summary


def _course_contacts(formation, *, course, organisation):
    contact = ET.SubElement(formation, "contact-formation")
    details = ET.SubElement(contact, "coordonnees")
    if course.contact_name or course.contact_email or course.contact_phone:
        _person(details, name=course.contact_name, phone=course.contact_phone, email=course.contact_email)
    else:
        _person(details, name=organisation.name, phone=organisation.phone, email=organisation.email)

    if organisation.disability_referent_name or organisation.disability_referent_email:
        referent = ET.SubElement(formation, "contact-formation")
        _sub(referent, "type-contact", CONTACT_DISABILITY_REFERENT)
        _person(
            ET.SubElement(referent, "coordonnees"),
            name=organisation.disability_referent_name,
            phone=organisation.disability_referent_phone,
            email=organisation.disability_referent_email,
        )


def _responsible_organisation(formation, *, organisation):
    responsible = ET.SubElement(formation, "organisme-formation-responsable")
    # Empty until the NDA is entered in the organisation settings (LHEO expects 11 characters).
    _sub(responsible, "numero-activite", organisation.nda_number.replace(" ", ""))
    # Empty until the SIRET is entered in the organisation settings (LHEO expects 14 digits).
    _sub(ET.SubElement(responsible, "SIRET-organisme-formation"), "SIRET", organisation.siret)
    _sub(responsible, "nom-organisme", _clip(organisation.name, 250))
    # The settings hold a single name, used both as usual name and as legal name (raison sociale).
    _sub(responsible, "raison-sociale", _clip(organisation.name, 250))

    details = ET.SubElement(ET.SubElement(responsible, "coordonnees-organisme"), "coordonnees")
    _address(details, lines=[organisation.address], postcode=organisation.postcode, city=organisation.city)
    _phone(details, organisation.phone)
    if organisation.email:
        _sub(details, "courriel", organisation.email)
    if organisation.website:
        _sub(ET.SubElement(details, "web"), "urlweb", organisation.website)

    contact = ET.SubElement(ET.SubElement(responsible, "contact-organisme"), "coordonnees")
    _person(contact, name=organisation.name, phone=organisation.phone, email=organisation.email)

    if organisation.qualiopi_certified:
        scope = f" ({organisation.qualiopi_scope})" if organisation.qualiopi_scope else ""
        _sub(responsible, "renseignements-specifiques", f"Certifié Qualiopi{scope}.")


# --- action and session ------------------------------------------------------------------------


def _action(formation, *, course, session, organisation, today):
    action = ET.SubElement(
        formation,
        "action",
        numero=session.code,
        datemaj=_lheo_date(timezone.localtime(session.updated_at).date()),
    )
    _sub(action, "rythme-formation", _clip(_rhythm_text(session), 3000))
    # Required by LHEO, but courses record no Formacode "public visé" code yet: left empty.
    _sub(action, "code-public-vise", "", ref=FORMACODE_VERSION)
    if course.audience_text.strip():
        _sub(action, "info-public-vise", _clip(course.audience_text.strip(), 250))
    _sub(action, "niveau-entree-obligatoire", _flag(False))
    # Required by LHEO; these courses have no period in a company.
    _sub(action, "modalites-alternance", "Sans objet : formation sans période en entreprise.")
    _sub(action, "modalites-enseignement", TEACHING_MODE.get(session.modality, TEACHING_MODE[Modality.ON_SITE]))
    _sub(action, "conditions-specifiques", _clip(_prerequisites_text(course), 3000))
    # Drapps sessions are paid for by the ARS; no other funding scheme is recorded per session.
    _sub(action, "prise-en-charge-frais-possible", _flag(session.funding == Funding.DRAPPS))

    place = ET.SubElement(ET.SubElement(action, "lieu-de-formation"), "coordonnees")
    venue = session.venue
    if venue is not None:
        _address(
            place,
            name=venue.name,
            lines=[venue.address or venue.name],
            postcode=venue.postcode,
            city=venue.city,
            department=venue.department.code,
        )
    else:
        # A session without a room (distance learning) is attached to the organisation's address.
        _address(place, lines=[organisation.address], postcode=organisation.postcode, city=organisation.city)
    _sub(action, "modalites-entrees-sorties", FIXED_DATES)

    _session(action, course=course, session=session, organisation=organisation, today=today)

    if venue is not None and venue.access_notes.strip():
        _sub(action, "transport", _clip(venue.access_notes.strip(), 250))
    if venue is not None and (accessibility := _venue_accessibility(venue)):
        _sub(action, "acces-handicapes", _clip(accessibility, 250))
    if teaching := _plain(course.teaching_methods):
        _sub(action, "modalites-pedagogiques", _clip(teaching, 200))
    if session.price_per_trainee is not None:
        _sub(action, "prix-total-TTC", f"{session.price_per_trainee:.2f}")
    hours = session.planned_hours or Decimal(0)
    days = len({slot.date for slot in session.slots.all()})
    _sub(action, "duree-indicative", f"{days} jour{'s' if days > 1 else ''} ({_fr_number(hours)} h)")
    # LHEO counts whole hours: half hours are rounded.
    whole_hours = str(int(hours.quantize(Decimal(1), rounding=ROUND_HALF_UP)))
    _sub(action, "nombre-heures-centre", whole_hours)
    _sub(action, "nombre-heures-total", whole_hours)
    if course.price_text.strip():
        _sub(action, "detail-conditions-prise-en-charge", _clip(course.price_text.strip(), 600))


def _session(action, *, course, session, organisation, today):
    element = ET.SubElement(action, "session", numero=session.code)
    period = ET.SubElement(element, "periode")
    _sub(period, "debut", _lheo_date(session.first_day))
    _sub(period, "fin", _lheo_date(session.last_day))

    # Registrations are taken by the organisation itself (online, then by its staff).
    registration = ET.SubElement(element, "adresse-inscription")
    _address(registration, lines=[organisation.address], postcode=organisation.postcode, city=organisation.city)
    if course.access_delay.strip():
        _sub(element, "modalites-inscription", _clip(course.access_delay.strip(), 255))
    if session.registration_opens_at or session.registration_closes_at:
        window = ET.SubElement(ET.SubElement(element, "periode-inscription"), "periode")
        # LHEO writes an unknown start as 00000000 and an unknown end as 99999999.
        _sub(window, "debut", _lheo_date(_local_date(session.registration_opens_at)) or "00000000")
        _sub(window, "fin", _lheo_date(_local_date(session.registration_closes_at)) or "99999999")
    _sub(element, "etat-recrutement", _recruitment_state(session, today=today))


def _recruitment_state(session, *, today) -> str:
    """Open while seats are left and registration is open; suspended before it opens."""
    closes_on = _local_date(session.registration_closes_at)
    if session.status == SessionStatus.CLOSED or session.seats_left <= 0 or (closes_on and closes_on < today):
        return RECRUITMENT_CLOSED
    opens_on = _local_date(session.registration_opens_at)
    if opens_on and opens_on > today:
        return RECRUITMENT_SUSPENDED
    return RECRUITMENT_OPEN


def _rhythm_text(session) -> str:
    by_day: dict[datetime.date, list[str]] = defaultdict(list)
    for slot in session.slots.all():
        by_day[slot.date].append(f"{slot.starts_at:%H}h{slot.starts_at:%M}-{slot.ends_at:%H}h{slot.ends_at:%M}")
    days = [f"{day:%d/%m/%Y} ({', '.join(times)})" for day, times in sorted(by_day.items())]
    return f"{len(days)} jour{'s' if len(days) > 1 else ''} en présence du formateur : " + " ; ".join(days)


def _prerequisites_text(course) -> str:
    parts = [course.prerequisites.strip()] if course.prerequisites.strip() else []
    required = [prerequisite.title for prerequisite in course.prerequisite_courses.all() if prerequisite.live]
    if required:
        parts.append("Avoir suivi : " + ", ".join(required) + ".")
    # LHEO asks for "aucune" when there is no specific condition.
    return "\n".join(parts) or "Aucune"


def _venue_accessibility(venue) -> str:
    features = [
        label
        for present, label in (
            (venue.step_free_access, "accès de plain-pied"),
            (venue.accessible_toilets, "sanitaires accessibles"),
            (venue.hearing_loop, "boucle magnétique"),
        )
        if present
    ]
    parts = [("Lieu équipé : " + ", ".join(features) + ".")] if features else []
    if venue.accessibility_notes.strip():
        parts.append(venue.accessibility_notes.strip())
    return " ".join(parts)


# --- shared structures -------------------------------------------------------------------------


def _address(parent, *, lines, postcode, city, name="", department=""):
    """`adresse`: LHEO requires at least one line, a postcode and a town, empty when unknown."""
    address = ET.SubElement(parent, "adresse")
    if name:
        _sub(address, "denomination", _clip(name, 255))
    for line in [line for line in lines if line][:4] or [""]:
        _sub(address, "ligne", _clip(line, 50))
    _sub(address, "codepostal", postcode)
    _sub(address, "ville", _clip(city, 50))
    if department:
        _sub(address, "departement", department)


def _person(details, *, name, phone, email):
    if name:
        _sub(details, "nom", _clip(name, 50))
    _phone(details, phone)
    if email:
        _sub(details, "courriel", email)


def _phone(details, phone):
    if phone:
        _sub(ET.SubElement(details, "telfixe"), "numtel", _clip(phone, 25))


def _sub(parent, tag: str, text: str = "", **attrs) -> ET.Element:
    element = ET.SubElement(parent, tag, attrs)
    element.text = _XML_INVALID_CHARS.sub("", text)
    return element


def _plain(rich_text: str) -> str:
    """Text of a rich-text HTML fragment, one paragraph or list item per line."""
    text = re.sub(r"</(p|li|h\d)>|<br\s*/?>", "\n", rich_text or "")
    lines = (" ".join(line.split()) for line in html.unescape(strip_tags(text)).splitlines())
    return "\n".join(line for line in lines if line)


def _clip(text: str, limit: int) -> str:
    text = text.strip()
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _flag(value: bool) -> str:
    return "1" if value else "0"


def _lheo_date(day: datetime.date | None) -> str:
    return f"{day:%Y%m%d}" if day else ""


def _local_date(moment: datetime.datetime | None) -> datetime.date | None:
    return timezone.localtime(moment).date() if moment else None


def _fr_number(value: Decimal) -> str:
    return format(Decimal(value).normalize(), "f").replace(".", ",")
