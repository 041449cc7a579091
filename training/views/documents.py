"""Issued documents: a trainee downloads their own, and anyone holding one checks it (`/verification/`).

The verification page shows what the document is and whether it is genuine, current and
unchanged, with no personal data beyond the holder's initials.
"""

import datetime

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods, require_safe

from config.private_files import private_file_response
from config.ratelimit import limit_token_lookups

from ..exceptions import TrainingError
from ..models import Document
from ..services.documents import document_verify, verification_code_clean, verification_code_display

# A copy to compare is a PDF of a few hundred kilobytes; refuse anything much larger unread.
COPY_MAX_BYTES = 10 * 1024 * 1024


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("Verification code"),
        max_length=20,
        help_text=_("Printed at the bottom of the document, under its QR code, for example ABCDE-23456."),
    )


class CopyForm(forms.Form):
    copy = forms.FileField(
        label=_("Your copy of the document (PDF)"),
        help_text=_("The file is compared with the one we issued, then forgotten: it is not stored."),
    )

    def clean_copy(self):
        copy = self.cleaned_data["copy"]
        if copy.size > COPY_MAX_BYTES:
            raise forms.ValidationError(_("This file is too large to be one of our documents."), code="too_large")
        return copy


def _date(value: str | None) -> datetime.date | None:
    return datetime.date.fromisoformat(value) if value else None


@login_required
@require_safe
def download(request: HttpRequest, document_id: int) -> HttpResponse:
    """`/espace/documents/<id>/`: one of my documents; anybody else's is not found."""
    document = get_object_or_404(Document, pk=document_id, registration__user=request.user)
    return private_file_response(
        document.file, filename=document.file.name.rsplit("/", 1)[-1], content_type="application/pdf"
    )


@require_safe
def verification_form(request: HttpRequest) -> HttpResponse:
    """`/verification/`: type the code printed on a document."""
    form = CodeForm(request.GET or None)
    if form.is_valid():
        return redirect("training:verification", code=verification_code_clean(form.cleaned_data["code"]))
    return render(request, "training/verification.html", {"code_form": form})


@limit_token_lookups
@require_http_methods(["GET", "HEAD", "POST"])
def verification(request: HttpRequest, code: str) -> HttpResponse:
    """`/verification/<code>/`: whether the document is genuine and current; a copy posted here is
    compared byte for byte (sha256) with the document issued."""
    copy_form = CopyForm(request.POST or None, request.FILES or None)
    content = None
    if request.method == "POST" and copy_form.is_valid():
        content = copy_form.cleaned_data["copy"].read()
    try:
        result = document_verify(code=code, content=content)
    except TrainingError as error:
        context = {"code_form": CodeForm(initial={"code": code}), "error": error, "code": code}
        return render(request, "training/verification.html", context, status=404)
    return render(
        request,
        "training/verification.html",
        {
            "result": result,
            "document": result.document,
            "code": verification_code_display(result.document.verification_code),
            "copy_form": copy_form,
            "first_day": _date(result.document.facts.get("first_day")),
            "last_day": _date(result.document.facts.get("last_day")),
        },
    )
