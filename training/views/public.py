"""Public, anonymous views of the training domain."""

from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_safe

from cms.cache import public_cache

from ..lheo import lheo_document


@public_cache
@require_safe
def lheo_xml(request: HttpRequest) -> HttpResponse:
    """The LHEO 2.3 export of the training offer (`/catalogue/lheo.xml`), for the Carif-Oref."""
    document = lheo_document(request_base_url=request.build_absolute_uri("/"))
    return HttpResponse(document, content_type="application/xml; charset=utf-8")
