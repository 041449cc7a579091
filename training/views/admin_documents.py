"""The coordinator's document pages in the Wagtail admin (URL namespace `documents`).

A session's documents (each trainee's certificate and attestation, the session's own documents,
the earlier versions), issuing and re-issuing them, downloading one; the bulk issues ("batches")
with their progress and ZIP. Reading needs `training.view_document` (`view_documentbatch` for the
batches), issuing `training.add_document` (and `add_documentbatch` for a batch). Documents are
never changed or deleted here: re-issuing creates the next version. Each view parses a form,
calls one service and turns a `TrainingError` into a message; files are served by these views
only, never by a media URL.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import TemplateView

from wagtail.admin import messages
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.widgets.button import HeaderButton

from config.private_files import private_file_response

from ..choices import BatchStatus, DocumentKind
from ..document_selectors import batch_detail, batch_document_list, batch_list, session_document_board
from ..exceptions import TrainingError
from ..forms import DocumentReissueForm, SessionDocumentIssueForm
from ..models import Document, DocumentBatch, Session
from ..services.documents import (
    document_batch_create,
    document_issue,
    previous_month,
    sessions_finished_between,
    sessions_split_ready,
)
from .admin import (
    VIEW_ATTENDANCE_PERMISSION,
    SessionSectionPageMixin,
    session_attendance_url,
    session_documents_url,
)

VIEW_PERMISSION = "training.view_document"
ADD_PERMISSION = "training.add_document"
VIEW_BATCH_PERMISSION = "training.view_documentbatch"
ADD_BATCH_PERMISSION = "training.add_documentbatch"
BATCHES_PER_PAGE = 50
BATCH_DOCUMENTS_PER_PAGE = 100


class _PermissionMixin:
    """Every permission listed is needed (Wagtail turns a refusal into a message and a redirect)."""

    permissions_required: tuple[str, ...] = (VIEW_PERMISSION,)

    def dispatch(self, request, *args, **kwargs):
        if not request.user.has_perms(self.permissions_required):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)


def _file_response(field, *, content_type: str) -> HttpResponse:
    return private_file_response(field, filename=field.name.rsplit("/", 1)[-1], content_type=content_type)


def _batch_url(batch: DocumentBatch) -> str:
    return reverse("documents:batch", args=[batch.pk])


class _SessionPageMixin(SessionSectionPageMixin):
    """A page of a session's documents: Sessions › code › Documents › page."""

    header_icon = "doc-full"
    section_label = gettext_lazy("Documents")
    section_url_name = "documents:session"


class _BatchPageMixin(WagtailAdminTemplateMixin):
    """Documents › Batches (› one batch)."""

    header_icon = "doc-full-inverse"

    def get_breadcrumbs_items(self):
        items = [*self.breadcrumbs_items]
        if self.kwargs.get("batch_id"):
            items.append({"url": reverse("documents:batches"), "label": _("Document batches")})
        return [*items, {"url": "", "label": self.get_page_title()}]


# A session's documents
# ------------------------------------------------------------------------------


class SessionDocumentsView(_PermissionMixin, _SessionPageMixin, TemplateView):
    """Each confirmed trainee's hours attended and current certificate and attestation (or why
    there is none yet), the session's own documents, the earlier versions; the issuing actions."""

    template_name = "training/admin/documents_session.html"
    in_section = False

    def get_page_title(self):
        return _("Documents")

    @cached_property
    def board(self):
        try:
            return session_document_board(session_id=self.kwargs["session_id"])
        except Session.DoesNotExist as error:
            raise Http404 from error

    @property
    def session(self) -> Session:
        return self.board.session

    @cached_property
    def header_buttons(self):
        buttons = [
            HeaderButton(_("Edit the session"), url=reverse("sessions:edit", args=[self.session.pk]), icon_name="edit"),
        ]
        if self.request.user.has_perm(VIEW_ATTENDANCE_PERMISSION):
            buttons.append(
                HeaderButton(_("Attendance"), url=session_attendance_url(self.session.pk), icon_name="tasks")
            )
        return buttons

    def get_context_data(self, **kwargs):
        user = self.request.user
        return super().get_context_data(
            board=self.board,
            session=self.session,
            can_issue=user.has_perm(ADD_PERMISSION),
            can_issue_batch=user.has_perms((ADD_PERMISSION, ADD_BATCH_PERMISSION)),
            end_of_training=SessionDocumentIssueForm.END_OF_TRAINING,
            **kwargs,
        )


class SessionDocumentIssueView(_PermissionMixin, View):
    """Issue the end-of-training documents of every trainee (a batch, then its page), or one of the
    session's own documents (its current version if it was issued already)."""

    http_method_names = ["post"]
    permissions_required = (VIEW_PERMISSION, ADD_PERMISSION)

    def post(self, request: HttpRequest, session_id: int) -> HttpResponse:
        session = get_object_or_404(Session, pk=session_id)
        form = SessionDocumentIssueForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("Unknown document."))
            return redirect(session_documents_url(session.pk))
        kind = form.cleaned_data["kind"]
        if kind == SessionDocumentIssueForm.END_OF_TRAINING:
            if not request.user.has_perm(ADD_BATCH_PERMISSION):
                raise PermissionDenied
            batch = document_batch_create(
                sessions=[session], label=_("Session %(code)s") % {"code": session.code}, by=request.user
            )
            messages.success(request, _("The certificates and attestations are being issued."))
            return redirect(_batch_url(batch))
        try:
            document, created = document_issue(kind=kind, session=session, by=request.user)
        except TrainingError as error:
            messages.error(request, error.message)
        else:
            label = DocumentKind(kind).label
            if created:
                messages.success(request, _("Issued: %(document)s.") % {"document": label})
            else:
                messages.info(
                    request,
                    _("Already issued: %(document)s, version %(version)s. Re-issue it to replace it.")
                    % {"document": label, "version": document.version},
                )
        return redirect(session_documents_url(session.pk))


class DocumentReissueView(_PermissionMixin, _SessionPageMixin, TemplateView):
    """Issue the next version of a document, with a written reason; the current one is kept,
    marked superseded."""

    template_name = "training/admin/documents_reissue.html"
    permissions_required = (VIEW_PERMISSION, ADD_PERMISSION)

    def get_page_title(self):
        return _("Re-issue a document")

    @cached_property
    def document(self) -> Document:
        return get_object_or_404(
            Document.objects.select_related("session__course", "registration__user", "issued_by"),
            pk=self.kwargs["document_id"],
        )

    @property
    def session(self) -> Session:
        return self.document.session

    def get_context_data(self, **kwargs):
        kwargs.setdefault("form", DocumentReissueForm())
        return super().get_context_data(document=self.document, **kwargs)

    def post(self, request: HttpRequest, document_id: int) -> HttpResponse:
        form = DocumentReissueForm(request.POST)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form))
        document = self.document
        try:
            new, _created = document_issue(
                kind=document.kind,
                session=document.session,
                registration=document.registration,
                by=request.user,
                reissue_reason=form.cleaned_data["reason"],
            )
        except TrainingError as error:
            messages.error(request, error.message)
            return self.render_to_response(self.get_context_data(form=form))
        messages.success(
            request,
            _("%(document)s: version %(version)s issued; the previous one is kept, marked superseded.")
            % {"document": new.get_kind_display(), "version": new.version},
        )
        return redirect(session_documents_url(document.session_id))


class DocumentDownloadView(_PermissionMixin, View):
    """An issued document, to those allowed to read documents only."""

    http_method_names = ["get", "head"]

    def get(self, request: HttpRequest, document_id: int) -> HttpResponse:
        document = get_object_or_404(Document, pk=document_id)
        return _file_response(document.file, content_type="application/pdf")


# Batches
# ------------------------------------------------------------------------------


class BatchIndexView(_PermissionMixin, _BatchPageMixin, TemplateView):
    """Every bulk issue, newest first, with its progress and ZIP; issuing last month's sessions."""

    template_name = "training/admin/documents_batches.html"
    permissions_required = (VIEW_BATCH_PERMISSION,)

    def get_page_title(self):
        return _("Document batches")

    def get_context_data(self, **kwargs):
        user = self.request.user
        start, end = previous_month(timezone.localdate())
        return super().get_context_data(
            page_obj=Paginator(batch_list(), BATCHES_PER_PAGE).get_page(self.request.GET.get("p")),
            can_issue=user.has_perms((ADD_PERMISSION, ADD_BATCH_PERMISSION)),
            can_download=user.has_perm(VIEW_PERMISSION),
            last_month=start,
            **kwargs,
        )


class BatchLastMonthView(_PermissionMixin, View):
    """Issue the end-of-training documents of every session whose last half-day fell last month."""

    http_method_names = ["post"]
    permissions_required = (VIEW_BATCH_PERMISSION, ADD_PERMISSION, ADD_BATCH_PERMISSION)

    def post(self, request: HttpRequest) -> HttpResponse:
        start, end = previous_month(timezone.localdate())
        month = formats.date_format(start, "F Y")
        ready, waiting = sessions_split_ready(sessions=list(sessions_finished_between(start=start, end=end)))
        if waiting:
            messages.warning(
                request,
                _("Left out until their attendance is validated: %(codes)s.")
                % {"codes": ", ".join(session.code for session in waiting)},
            )
        try:
            batch = document_batch_create(
                sessions=ready,
                label=_("Sessions finished in %(month)s") % {"month": month},
                by=request.user,
            )
        except TrainingError as error:
            messages.error(request, error.message)
            return redirect("documents:batches")
        messages.success(
            request, _("The documents of the sessions finished in %(month)s are being issued.") % {"month": month}
        )
        return redirect(_batch_url(batch))


class BatchView(_PermissionMixin, _BatchPageMixin, TemplateView):
    """A batch's progress (refreshed while it runs), counts, sessions, error, ZIP and documents."""

    template_name = "training/admin/documents_batch.html"
    permissions_required = (VIEW_BATCH_PERMISSION,)

    @cached_property
    def batch(self) -> DocumentBatch:
        try:
            return batch_detail(batch_id=self.kwargs["batch_id"])
        except DocumentBatch.DoesNotExist as error:
            raise Http404 from error

    def get_page_title(self):
        return self.batch.label

    def get_context_data(self, **kwargs):
        batch = self.batch
        can_download = self.request.user.has_perm(VIEW_PERMISSION)
        documents = batch_document_list(batch=batch) if can_download else batch_document_list(batch=batch).none()
        return super().get_context_data(
            batch=batch,
            running=batch.status in (BatchStatus.QUEUED, BatchStatus.RUNNING),
            can_download=can_download,
            page_obj=Paginator(documents, BATCH_DOCUMENTS_PER_PAGE).get_page(self.request.GET.get("p")),
            **kwargs,
        )


def _batch_state(batch: DocumentBatch) -> dict:
    return {
        "status": batch.status,
        "status_label": batch.get_status_display(),
        "done": batch.done,
        "total": batch.total,
        "progress": batch.progress,
        "issued": batch.issued,
        "skipped": batch.skipped,
        "finished": batch.status in (BatchStatus.DONE, BatchStatus.FAILED),
    }


class BatchStatusView(_PermissionMixin, View):
    """How far a batch went, as JSON, for the page to refresh its progress bar."""

    http_method_names = ["get"]
    permissions_required = (VIEW_BATCH_PERMISSION,)

    def get(self, request: HttpRequest, batch_id: int) -> JsonResponse:
        batch = get_object_or_404(DocumentBatch, pk=batch_id)
        response = JsonResponse(_batch_state(batch))
        response["Cache-Control"] = "no-store"
        return response


class BatchArchiveView(_PermissionMixin, View):
    """The ZIP of a finished batch, to those allowed to read its documents."""

    http_method_names = ["get", "head"]
    permissions_required = (VIEW_BATCH_PERMISSION, VIEW_PERMISSION)

    def get(self, request: HttpRequest, batch_id: int) -> HttpResponse:
        batch = get_object_or_404(DocumentBatch, pk=batch_id)
        if not batch.archive:
            raise Http404
        return _file_response(batch.archive, content_type="application/zip")
