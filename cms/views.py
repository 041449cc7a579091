from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404

from .cache import public_cache
from .models import CatalogueIndexPage, CoursePage
from .pdf import render_pdf


@public_cache
def programme_pdf(request, slug: str) -> HttpResponse:
    """The published course sheet as a dated PDF programme (`/formations/<slug>/programme.pdf`)."""
    catalogue = CatalogueIndexPage.objects.live().first()
    if catalogue is None:
        raise Http404
    course = get_object_or_404(CoursePage.objects.live().public().child_of(catalogue), slug=slug)
    pdf = render_pdf(template_name="pdf/programme.html", context={"page": course})
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="programme-{course.slug}.pdf"'
    return response
