"""PDF rendering shared by every document of the project (one HTML/CSS family, WeasyPrint)."""

from __future__ import annotations

import threading
from pathlib import Path

from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher

from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.cache import cache
from django.template.loader import render_to_string
from django.utils import timezone, translation

from .models import OrganisationSettings


class DocumentURLFetcher(URLFetcher):
    """Resolve `static:` URLs through the static files finders and never reach the network."""

    def __init__(self):
        super().__init__(allowed_protocols={"file", "data"}, fail_on_errors=True)

    def fetch(self, url, headers=None):
        if url.startswith("static:"):
            path = finders.find(url.removeprefix("static:"))
            if path is None:
                raise ValueError(f"Static file not found for a document: {url}")
            url = Path(path).as_uri()
        return super().fetch(url, headers)


def render_html(*, template_name: str, context: dict) -> str:
    """The HTML of a document, in French and Paris time whatever the caller (the organisation's
    identity is loaded unless the context brings it)."""
    with translation.override("fr"), timezone.override(settings.TIME_ZONE):
        organisation = context.get("organisation") or OrganisationSettings.load()
        return render_to_string(
            template_name, {"generated_at": timezone.localtime(), **context, "organisation": organisation}
        )


_thread = threading.local()


def _document_style() -> tuple[CSS, FontConfiguration]:
    """The documents' stylesheet, parsed once per thread (it costs a fifth of a certificate's
    rendering) with the font configuration it is bound to; parsed again at each use in DEBUG so
    that edits show at once."""
    if settings.DEBUG or not hasattr(_thread, "style"):
        fonts = FontConfiguration()
        style = CSS(filename=finders.find("css/document.css"), font_config=fonts, url_fetcher=DocumentURLFetcher())
        _thread.style = (style, fonts)
    return _thread.style


def html_to_pdf(html: str, *, archival: bool = False) -> bytes:
    """WeasyPrint with the documents' stylesheet. `archival` gives PDF/A-3b (ISO 19005-3: fonts
    embedded, XMP metadata, sRGB output intent) for documents kept as evidence."""
    style, fonts = _document_style()
    options = {"pdf_variant": "pdf/a-3b"} if archival else {}
    document = HTML(string=html, url_fetcher=DocumentURLFetcher(), base_url="/")
    return document.write_pdf(stylesheets=[style], font_config=fonts, **options)


def render_pdf(*, template_name: str, context: dict, archival: bool = False) -> bytes:
    """Render a document template to PDF bytes, in French and Paris time whatever the caller."""
    return html_to_pdf(render_html(template_name=template_name, context=context), archival=archival)


def page_pdf(*, page, template_name: str) -> bytes:
    """A published page (a programme, the internal rules…) as a PDF, rendered once per published revision."""
    key = f"page-pdf:{template_name}:{page.pk}:{page.live_revision_id}:{page.last_published_at:%Y%m%d%H%M%S%f}"
    pdf = cache.get(key)
    if pdf is None:
        pdf = render_pdf(template_name=template_name, context={"page": page})
        cache.set(key, pdf, timeout=24 * 3600)
    return pdf
