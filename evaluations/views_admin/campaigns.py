"""Survey campaigns: the listing, launching a survey now, and a campaign's page (its results, the
responses to act on, who has not answered with "remind now", and adding a person).

Reading needs `evaluations.view_campaign` and `evaluations.view_response` (the non-respondents
also `evaluations.view_invitation`); launching, reminding and inviting need
`evaluations.add_campaign`.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.functional import cached_property
from django.utils.http import content_disposition_header
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views import View
from django.views.generic import TemplateView

from wagtail.admin import messages
from wagtail.admin.ui.menus import MenuItem
from wagtail.admin.ui.tables import Column, StatusTagColumn, TitleColumn
from wagtail.admin.views import generic
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.widgets.button import HeaderButton

from training.exports import CONTENT_TYPES, ResourceExportMixin, resource_export
from training.templatetags.training_tags import percent

from ..admin_forms import CampaignLaunchForm, InvitationAddForm, RemindForm, survey_error_to_form
from ..choices import CampaignOrigin, CampaignStatus
from ..exceptions import SurveyError
from ..models import Answer, Campaign
from ..resources import AnswerResource, CampaignResource
from ..results import (
    campaign_find,
    campaign_for_results,
    campaign_list,
    campaign_non_respondents,
    campaign_results,
    campaign_subject,
    ratio,
    reminder_possible,
)
from ..services.campaigns import campaign_open, campaign_remind_now, invitation_create, is_opted_out
from .common import (
    ACT_ON_CAMPAIGN,
    ADD_ACTION,
    ADD_COMPLAINT,
    VIEW_INVITATION,
    VIEW_RESPONSE,
    SurveyPermissionMixin,
    campaign_url,
    quality_create_urls,
    results_url,
)


def _day(value) -> str:
    return date_format(timezone.localtime(value), "SHORT_DATE_FORMAT") if value else "—"


def _rate(campaign: Campaign) -> str:
    rate = ratio(campaign.answered, campaign.invited)
    return percent(rate) if rate is not None else "—"


class CampaignIndexView(ResourceExportMixin, generic.IndexView):
    """Each campaign's subject, course, kind, dates, invitations, answers and response rate (annotated
    in the listing query), filterable; with the form launching a survey now."""

    export_resource_class = CampaignResource

    template_name = "evaluations/admin/campaign_index.html"
    default_ordering = "-opened_at"

    def get_base_queryset(self):
        return campaign_list()

    def get_edit_url(self, instance):
        return None

    def get_inspect_url(self, instance):
        return campaign_url(instance.pk)

    @cached_property
    def columns(self):
        title_column = self._get_title_column_class(TitleColumn)
        return [
            title_column(
                "subject",
                label=gettext_lazy("Session"),
                accessor=campaign_subject,
                get_url=lambda campaign: campaign_url(campaign.pk),
                sort_key="session__code",
            ),
            Column(
                "course",
                label=gettext_lazy("Course"),
                accessor=lambda campaign: campaign.session.course.title if campaign.session_id else "—",
            ),
            Column("kind", label=gettext_lazy("Survey"), accessor="get_kind_display", sort_key="kind"),
            Column(
                "opened_at", label=gettext_lazy("Opened"), accessor=lambda c: _day(c.opened_at), sort_key="opened_at"
            ),
            Column(
                "closes_at", label=gettext_lazy("Closes"), accessor=lambda c: _day(c.closes_at), sort_key="closes_at"
            ),
            Column("invited", label=gettext_lazy("Invited"), sort_key="invited"),
            Column("answered", label=gettext_lazy("Answered"), sort_key="answered"),
            Column("rate", label=gettext_lazy("Response rate"), accessor=_rate),
            StatusTagColumn(
                "status",
                label=gettext_lazy("Status"),
                accessor="get_status_display",
                primary=lambda campaign: campaign.status == CampaignStatus.OPEN,
                sort_key="status",
            ),
        ]

    def get_list_more_buttons(self, instance):
        return [MenuItem(_("Results"), url=campaign_url(instance.pk), icon_name="table", priority=10)]

    @cached_property
    def header_buttons(self):
        buttons = []
        if self.request.user.has_perm(ACT_ON_CAMPAIGN):
            buttons.append(HeaderButton(_("Launch a survey"), url=reverse("survey_campaigns:launch"), icon_name="plus"))
        if self.request.user.has_perm(VIEW_RESPONSE):
            buttons.append(HeaderButton(_("Results across campaigns"), url=results_url(), icon_name="table"))
        return buttons

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        if self.request.user.has_perm(ACT_ON_CAMPAIGN) and not self.results_only:
            context["launch_form"] = CampaignLaunchForm(auto_id="launch_%s")
        return context


class _CampaignPageMixin(SurveyPermissionMixin, WagtailAdminTemplateMixin):
    """A page about one campaign: Campaigns › subject › page."""

    also_required = (VIEW_RESPONSE,)
    header_icon = "mail"

    @cached_property
    def campaign(self) -> Campaign:
        try:
            return campaign_for_results(campaign_id=self.kwargs["pk"])
        except Campaign.DoesNotExist as error:
            raise Http404 from error

    def get_page_title(self):
        return str(self.campaign.get_kind_display())

    def get_page_subtitle(self):
        campaign = self.campaign
        if campaign.session_id:
            return f"{campaign.session.code} — {campaign.session.course.title}"
        return campaign_subject(campaign)

    def get_breadcrumbs_items(self):
        return [
            *self.breadcrumbs_items,
            {"url": reverse("survey_campaigns:index"), "label": capfirst(Campaign._meta.verbose_name_plural)},
            {"url": "", "label": campaign_subject(self.campaign), "sublabel": self.get_page_title()},
        ]


class CampaignResultsView(_CampaignPageMixin, TemplateView):
    """The campaign's figures, question by question; the comments and low answers, each with the
    actions and complaints made from it; who has not answered; adding a person (POST)."""

    template_name = "evaluations/admin/campaign.html"

    @cached_property
    def can_act(self) -> bool:
        return self.request.user.has_perm(ACT_ON_CAMPAIGN) and self.campaign.status == CampaignStatus.OPEN

    @cached_property
    def header_buttons(self):
        campaign, user = self.campaign, self.request.user
        buttons = [
            HeaderButton(
                _("Results across campaigns"),
                url=results_url(questionnaire=campaign.questionnaire_id),
                icon_name="table",
            )
        ]
        if user.has_perm("evaluations.change_questionnaire"):
            buttons.append(
                HeaderButton(
                    _("Questionnaire"),
                    url=reverse("questionnaires:edit", args=[campaign.questionnaire_id]),
                    icon_name="form",
                )
            )
        if campaign.session_id and user.has_perm("training.change_session"):
            buttons.append(
                HeaderButton(_("Session"), url=reverse("sessions:edit", args=[campaign.session_id]), icon_name="date")
            )
        if user.has_perm(VIEW_RESPONSE):
            buttons.append(
                HeaderButton(
                    _("Answers (XLSX)"),
                    url=reverse("survey_campaigns:answers_export", args=[campaign.pk]),
                    icon_name="download",
                )
            )
        return buttons

    def get_context_data(self, **kwargs):
        user = self.request.user
        results = campaign_results(campaign=self.campaign)
        can_add_action, can_add_complaint = user.has_perm(ADD_ACTION), user.has_perm(ADD_COMPLAINT)
        for review in results.reviews:
            review.create_urls = quality_create_urls(review.response_id)
        now = timezone.now()
        non_respondents = results.non_respondents if user.has_perm(VIEW_INVITATION) else None
        for invitation in non_respondents or []:
            invitation.remindable = reminder_possible(invitation, now)
        if self.can_act:
            kwargs.setdefault("add_form", InvitationAddForm())
        return super().get_context_data(
            campaign=self.campaign,
            results=results,
            rate=percent(results.rate) if results.rate is not None else None,
            non_respondents=non_respondents,
            remindable_count=sum(1 for invitation in non_respondents or [] if invitation.remindable),
            can_act=self.can_act,
            can_add_action=can_add_action,
            can_add_complaint=can_add_complaint,
            **kwargs,
        )

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        """Invite one more person (the funders' yearly survey goes to the addresses added here)."""
        if not request.user.has_perm(ACT_ON_CAMPAIGN):
            raise PermissionDenied
        form = InvitationAddForm(request.POST)
        if form.is_valid():
            email, name = form.cleaned_data["email"], form.cleaned_data["name"]
            if is_opted_out(email):
                form.add_error("email", _("This person asked to receive no more surveys."))
            else:
                try:
                    invitation = invitation_create(campaign=self.campaign, email=email, name=name)
                except SurveyError as error:
                    survey_error_to_form(form, error, form.ERROR_FIELDS)
                else:
                    if invitation is None:
                        form.add_error("email", _("This address is already invited to this survey."))
                    else:
                        messages.success(
                            request, _("%(email)s is invited: the e-mail is on its way.") % {"email": email}
                        )
                        return redirect(campaign_url(self.campaign.pk) + "#add-person")
        messages.error(request, _("The person was not added: please check the form."))
        return self.render_to_response(self.get_context_data(add_form=form))


class CampaignRemindView(SurveyPermissionMixin, View):
    """ "Remind now": everyone who has not answered, or those ticked. Nobody reminded or invited in
    the last hours is reminded again (a double click sends nothing twice)."""

    permission_required = "add"
    also_required = (VIEW_INVITATION,)
    http_method_names = ["post"]

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        try:
            campaign = Campaign.objects.get(pk=pk)
        except Campaign.DoesNotExist as error:
            raise Http404 from error
        back = redirect(campaign_url(campaign.pk) + "#non-respondents")
        form = RemindForm(request.POST, campaign=campaign)
        if not form.is_valid():
            for error in form.non_field_errors() or [_("Nobody was reminded: please try again.")]:
                messages.error(request, error)
            return back
        chosen = form.invitation_ids()
        pending = [
            invitation for invitation in campaign_non_respondents(campaign) if chosen is None or invitation.pk in chosen
        ]
        try:  # the service leaves out those invited or reminded too recently
            count = campaign_remind_now(campaign=campaign, invitation_ids=[invitation.pk for invitation in pending])
        except SurveyError as error:
            messages.error(request, error.message)
            return back
        if count:
            messages.success(
                request, ngettext("%(count)s reminder sent.", "%(count)s reminders sent.", count) % {"count": count}
            )
        skipped = len(pending) - count
        if skipped:
            messages.warning(
                request,
                ngettext(
                    "%(count)s person was not reminded: invited or reminded less than 12 hours ago, or the "
                    "invitation is still on its way.",
                    "%(count)s people were not reminded: invited or reminded less than 12 hours ago, or the "
                    "invitation is still on its way.",
                    skipped,
                )
                % {"count": skipped},
            )
        if not pending:
            messages.info(request, _("Everyone has answered: nobody to remind."))
        return back


class CampaignLaunchView(SurveyPermissionMixin, WagtailAdminTemplateMixin, TemplateView):
    """Launch a survey now for a session (or the funders' survey for a year): the questionnaire in
    use is sent to its addressees at once. Launching one that exists invites whoever is new."""

    permission_required = "add"
    template_name = "evaluations/admin/campaign_launch.html"
    header_icon = "mail"

    def get_page_title(self):
        return _("Launch a survey")

    def get_breadcrumbs_items(self):
        return [
            *self.breadcrumbs_items,
            {"url": reverse("survey_campaigns:index"), "label": capfirst(Campaign._meta.verbose_name_plural)},
            {"url": "", "label": self.get_page_title()},
        ]

    def get_context_data(self, **kwargs):
        if "form" not in kwargs:
            initial = {key: self.request.GET[key] for key in ("session", "kind") if self.request.GET.get(key)}
            kwargs["form"] = CampaignLaunchForm(initial=initial)
        return super().get_context_data(**kwargs)

    def post(self, request: HttpRequest) -> HttpResponse:
        form = CampaignLaunchForm(request.POST)
        if form.is_valid():
            kind, session, year = (form.cleaned_data[name] for name in ("kind", "session", "year"))
            existing = campaign_find(kind=kind, session=session, year=year)
            try:
                campaign = campaign_open(
                    kind=kind, session=session, year=year, by=request.user, origin=CampaignOrigin.MANUAL
                )
            except SurveyError as error:
                survey_error_to_form(form, error, form.ERROR_FIELDS)
            else:
                invited = campaign.invitations.count() - (existing.invited if existing else 0)
                if existing is None:
                    messages.success(
                        request,
                        ngettext(
                            "Survey launched: %(count)s person invited.",
                            "Survey launched: %(count)s people invited.",
                            invited,
                        )
                        % {"count": invited},
                    )
                elif existing.status == CampaignStatus.CLOSED:
                    messages.warning(request, _("This survey was already sent and is closed: nobody was invited."))
                else:
                    messages.success(
                        request,
                        ngettext(
                            "This survey was already sent: %(count)s more person invited.",
                            "This survey was already sent: %(count)s more people invited.",
                            invited,
                        )
                        % {"count": invited},
                    )
                return redirect(campaign_url(campaign.pk))
        return self.render_to_response(self.get_context_data(form=form))


class CampaignAnswersExportView(SurveyPermissionMixin, View):
    """Every answer of the campaign in the long format of the historical workbook (`Reponses`)."""

    also_required = (VIEW_RESPONSE,)

    def get(self, request, pk: int):
        campaign = get_object_or_404(Campaign.objects.select_related("session"), pk=pk)
        content, _count = resource_export(AnswerResource, Answer.objects.filter(response__campaign=campaign), "xlsx")
        response = HttpResponse(content, content_type=CONTENT_TYPES["xlsx"])
        subject = campaign.session.code if campaign.session_id else campaign.year
        response["Content-Disposition"] = content_disposition_header(
            as_attachment=True, filename=f"reponses-{campaign.kind}-{subject}.xlsx"
        )
        return response
