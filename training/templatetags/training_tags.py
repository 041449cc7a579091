from django import template
from django.core.paginator import Paginator

from ..forms import CatalogueFilterForm
from ..selectors import course_list_catalogue, session_list_upcoming, sessions_by_course

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
