"""The Qualiopi evidence pack in the back office: "Dossier d'audit Qualiopi" (/admin/dossier-audit/,
namespace `evidence_packs`, registered by `evaluations.evidence_hooks`).

One page: the period form (the last twelve months by default), which queues a pack built by Celery
(`evidence.evidence_pack_request`), and the packs requested so far with their progress, refreshed
while one is being built (`static/js/batch_progress.js` reading `EvidencePackStatusView`, as the
document batches do), and their download. Reading the page and downloading need
`evaluations.view_evidencepack`; requesting a pack `evaluations.add_evidencepack`. A pack holds
personal data (documents, registers): every download is written in the audit log.
"""

from __future__ import annotations

from django import forms
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import TemplateView

from wagtail.admin import messages
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.log_actions import log

from config.private_files import private_file_response

from ..evidence import (
    evidence_pack_default_period,
    evidence_pack_file_name,
    evidence_pack_list,
    evidence_pack_period_check,
    evidence_pack_progress,
    evidence_pack_request,
)
from ..exceptions import SurveyError
from ..models import EvidencePack, EvidencePackStatus

VIEW_PERMISSION = "evaluations.view_evidencepack"
ADD_PERMISSION = "evaluations.add_evidencepack"
ACTION_DOWNLOAD = "evaluations.evidence_pack.download"
PACKS_PER_PAGE = 20
IN_PROGRESS = (EvidencePackStatus.QUEUED, EvidencePackStatus.RUNNING)


class EvidencePackForm(forms.Form):
    date_from = forms.DateField(
        label=gettext_lazy("From"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={
            "required": gettext_lazy("Give the first day of the period."),
            "invalid": gettext_lazy("Enter a valid date."),
        },
    )
    date_to = forms.DateField(
        label=gettext_lazy("To"),
        widget=forms.DateInput(attrs={"type": "date", "aria-describedby": "pack-period-help"}, format="%Y-%m-%d"),
        error_messages={
            "required": gettext_lazy("Give the last day of the period."),
            "invalid": gettext_lazy("Enter a valid date."),
        },
    )

    def clean(self):
        cleaned = super().clean()
        date_from, date_to = cleaned.get("date_from"), cleaned.get("date_to")
        if date_from and date_to:
            try:
                evidence_pack_period_check(date_from=date_from, date_to=date_to)
            except SurveyError as error:
                self.add_error(error.field or None, error.message)
        return cleaned


class _PermissionMixin:
    permissions_required: tuple[str, ...] = (VIEW_PERMISSION,)

    def dispatch(self, request, *args, **kwargs):
        if not request.user.has_perms(self.permissions_required):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)


def _pack_state(pack: EvidencePack) -> dict:
    """What the progress bar shows (the keys `batch_progress.js` reads)."""
    return {
        "status": pack.status,
        "status_label": pack.get_status_display(),
        "done": pack.done,
        "total": pack.total,
        "progress": evidence_pack_progress(pack),
        "finished": pack.status not in IN_PROGRESS,
    }


class EvidencePackIndexView(_PermissionMixin, WagtailAdminTemplateMixin, TemplateView):
    """The form, the pack being built (its progress refreshed) and every pack requested, newest first."""

    template_name = "evaluations/admin/evidence_index.html"
    page_title = gettext_lazy("Qualiopi audit pack")
    header_icon = "folder-open-inverse"

    def get_breadcrumbs_items(self):
        return [*self.breadcrumbs_items, {"url": "", "label": self.get_page_title()}]

    def get_context_data(self, form=None, **kwargs):
        can_add = self.request.user.has_perm(ADD_PERMISSION)
        if form is None and can_add:
            date_from, date_to = evidence_pack_default_period(timezone.localdate())
            form = EvidencePackForm(initial={"date_from": date_from, "date_to": date_to})
        page = Paginator(evidence_pack_list(), PACKS_PER_PAGE).get_page(self.request.GET.get("p"))
        packs = list(page.object_list)
        for pack in packs:
            pack.progress = evidence_pack_progress(pack)
        running = next((pack for pack in packs if pack.status in IN_PROGRESS), None)
        return super().get_context_data(
            form=form,
            can_add=can_add,
            page_obj=page,
            packs=packs,
            running=running,
            **kwargs,
        )

    def post(self, request: HttpRequest):
        if not request.user.has_perm(ADD_PERMISSION):
            raise PermissionDenied
        form = EvidencePackForm(request.POST)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form))
        try:
            pack, created = evidence_pack_request(
                date_from=form.cleaned_data["date_from"], date_to=form.cleaned_data["date_to"], by=request.user
            )
        except SurveyError as error:
            form.add_error(error.field or None, error.message)
            return self.render_to_response(self.get_context_data(form=form))
        period = {"start": f"{pack.date_from:%d/%m/%Y}", "end": f"{pack.date_to:%d/%m/%Y}"}
        if created:
            messages.success(
                request,
                _("The pack from %(start)s to %(end)s is being prepared: its progress shows below.") % period,
            )
        else:
            messages.info(request, _("The pack from %(start)s to %(end)s is already being prepared.") % period)
        return redirect("evidence_packs:index")


class EvidencePackStatusView(_PermissionMixin, View):
    """How far a pack went, as JSON, for the page to refresh its progress bar."""

    http_method_names = ["get"]

    def get(self, request: HttpRequest, pack_id: int) -> JsonResponse:
        pack = get_object_or_404(EvidencePack, pk=pack_id)
        response = JsonResponse(_pack_state(pack))
        response["Cache-Control"] = "no-store"
        return response


class EvidencePackDownloadView(_PermissionMixin, View):
    """The ZIP of a ready pack; the download is logged (the pack holds personal data)."""

    http_method_names = ["get"]

    def get(self, request: HttpRequest, pack_id: int) -> HttpResponse:
        pack = get_object_or_404(EvidencePack, pk=pack_id)
        if pack.status != EvidencePackStatus.DONE or not pack.file:
            raise Http404
        log(instance=pack, action=ACTION_DOWNLOAD, user=request.user)
        response = private_file_response(
            pack.file, filename=evidence_pack_file_name(pack), content_type="application/zip"
        )
        response["Cache-Control"] = "private, no-store"
        return response
