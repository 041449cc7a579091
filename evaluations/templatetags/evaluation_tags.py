"""Survey results on the public pages (Qualiopi indicator 2), computed by `evaluations.indicators`.

The cms templates load this library (`{% load evaluation_tags %}`): cms never imports evaluations
in Python, and the figures are never typed by an editor.
"""

from django import template
from django.utils.translation import gettext_lazy as _

register = template.Library()

LABELS = {
    "expectations": _("End of training: the course met their expectations"),
    "needs_met": _("Six months later: the course met their needs"),
    "practice": _("Six months later: they put it into practice"),
}


@register.inclusion_tag("evaluations/_published_results.html")
def published_results(course=None):
    """`{% published_results page %}` on a course sheet, `{% published_results %}` for all courses.

    Two queries whatever the number of sessions and answers.
    """
    # Imported here, not when Django loads every tag library (the first template rendered, an
    # e-mail as well): pandas is only needed by the pages that publish results.
    from ..indicators import PUBLICATION_MIN_RESPONDENTS, results_published

    results = results_published(course_id=course.pk if course is not None else None)
    rows = [
        {"key": "expectations", "label": LABELS["expectations"], "figure": results.satisfaction},
        {"key": "needs_met", "label": LABELS["needs_met"], "figure": results.needs_met},
        {"key": "practice", "label": LABELS["practice"], "figure": results.practice},
    ]
    return {"results": results, "rows": rows, "course": course, "minimum": PUBLICATION_MIN_RESPONDENTS}
