import json
from decimal import Decimal

from django import template
from django.core.paginator import Paginator
from django.utils import formats
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from ..forms import CatalogueFilterForm
from ..selectors import (
    course_list_catalogue,
    registration_statuses_for_person,
    session_list_upcoming,
    sessions_by_course,
)

register = template.Library()

CATALOGUE_PAGE_SIZE = 12


@register.simple_tag
def upcoming_sessions(course=None, limit=None):
    """The next public sessions, of one course or of all, soonest first."""
    sessions = session_list_upcoming(course_id=course.pk if course is not None else None)
    if course is None:
        sessions = sessions.select_related("course")
    return list(sessions[:limit] if limit else sessions)


@register.simple_tag(takes_context=True)
def my_active_registrations(context) -> dict[int, str]:
    """The signed-in person's active registrations as {session id: status display}, in one query.

    Empty for anonymous visitors, so a page cached for them holds nothing personal.
    """
    user = getattr(context.get("request"), "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return registration_statuses_for_person(user=user)


@register.filter
def status_of(registrations: dict, session) -> str:
    """`{{ mine|status_of:session }}`: the person's status on this session, or an empty string."""
    return registrations.get(session.pk, "") if registrations else ""


@register.simple_tag(takes_context=True)
def catalogue_search(context):
    """Run the catalogue's filters from the query string: form, page of courses and their sessions.

    Each course of the page gets `catalogue_sessions`, its upcoming sessions matching the filters.
    """
    request = context["request"]
    form = CatalogueFilterForm(request.GET or None)
    filters = form.to_filters()
    courses = course_list_catalogue(filters=filters).prefetch_related("themes")
    page_obj = Paginator(courses, CATALOGUE_PAGE_SIZE).get_page(request.GET.get("page"))
    sessions = sessions_by_course(course_ids=[course.pk for course in page_obj], filters=filters)
    for course in page_obj:
        course.catalogue_sessions = sessions[course.pk]
    query = request.GET.copy()
    query.pop("page", None)
    return {
        "form": form,
        "filters": filters,
        "page_obj": page_obj,
        "querystring": query.urlencode(),
        "is_filtered": any(value for key, value in query.items()),
    }


@register.filter
def percent(fraction) -> str:
    """A fraction (0–1) as a French percentage: 0.904 → "90,4 %" (no decimal when whole)."""
    value = round(float(fraction) * 100, 1)
    return f"{formats.number_format(value, decimal_pos=0 if value.is_integer() else 1)}\u00a0%"


@register.filter
def hours(value) -> str:
    """Hours as people write them: 3.50 → "3,5", 2.75 → "2,75", 7.00 → "7"."""
    if value is None or value == "":
        return ""
    number = Decimal(value).quantize(Decimal("0.01")).normalize()
    return formats.number_format(number, decimal_pos=max(0, -number.as_tuple().exponent))


_COURSE_MODES = {"on_site": "onsite", "remote": "online", "blended": "blended"}


@register.simple_tag(takes_context=True)
def course_structured_data(context, course):
    """schema.org `Course` with its upcoming `CourseInstance`s, as JSON-LD for search engines."""
    request = context["request"]
    organisation = context["settings"]["cms"]["OrganisationSettings"]
    provider = {"@type": "Organization", "name": organisation.name}
    if organisation.website:
        provider["sameAs"] = organisation.website
    data = {
        "@context": "https://schema.org",
        "@type": "Course",
        "name": course.title,
        "description": course.summary,
        "url": course.get_full_url(request),
        "provider": provider,
        "inLanguage": "fr",
        "timeRequired": f"PT{course.duration_hours.normalize():f}H",
        "educationalCredentialAwarded": "Attestation de fin de formation",
        "hasCourseInstance": [_course_instance(session) for session in session_list_upcoming(course_id=course.pk)],
    }
    if course.prerequisites:
        data["coursePrerequisites"] = course.prerequisites
    payload = json.dumps(data, ensure_ascii=False).replace("<", "\\u003c").replace(">", "\\u003e")
    return format_html('<script type="application/ld+json">{}</script>', mark_safe(payload))


def _course_instance(session) -> dict:
    instance = {
        "@type": "CourseInstance",
        "courseMode": _COURSE_MODES.get(session.modality, "onsite"),
        "startDate": session.first_day.isoformat(),
        "endDate": session.last_day.isoformat(),
    }
    if session.venue:
        instance["location"] = {
            "@type": "Place",
            "name": session.venue.name,
            "address": {
                "@type": "PostalAddress",
                "streetAddress": session.venue.address,
                "postalCode": session.venue.postcode,
                "addressLocality": session.venue.city,
                "addressRegion": "Occitanie",
                "addressCountry": "FR",
            },
        }
    return instance
