from django import forms
from django.utils.translation import gettext_lazy as _

from wagtail import hooks
from wagtail.admin.panels import FieldPanel, FieldRowPanel, InlinePanel, MultiFieldPanel, PageChooserPanel
from wagtail.admin.viewsets.model import ModelViewSet, ModelViewSetGroup

from cms.cache import public_content_actions_register

from .models import Organisation, Session, Trainer, Venue
from .views.admin import SessionCreateView, SessionEditView


class SessionViewSet(ModelViewSet):
    model = Session
    icon = "date"
    menu_label = _("Sessions")
    add_view_class = SessionCreateView
    edit_view_class = SessionEditView
    list_display = ["code", "course", "department", "funding", "status", "capacity"]
    list_filter = ["status", "funding", "department", "modality"]
    search_fields = ["code", "course__title"]
    ordering = ["-code"]
    inspect_view_enabled = True
    panels = [
        MultiFieldPanel(
            [
                PageChooserPanel("course", "cms.CoursePage"),
                FieldPanel("code"),
                FieldRowPanel([FieldPanel("funding"), FieldPanel("status")]),
                FieldPanel("client_organisation"),
            ],
            heading=_("Session"),
        ),
        MultiFieldPanel(
            [FieldRowPanel([FieldPanel("department"), FieldPanel("modality")]), FieldPanel("venue")],
            heading=_("Place"),
        ),
        MultiFieldPanel(
            [
                FieldRowPanel([FieldPanel("capacity"), FieldPanel("price_per_trainee")]),
                FieldRowPanel([FieldPanel("registration_opens_at"), FieldPanel("registration_closes_at")]),
                FieldPanel("requires_approval"),
            ],
            heading=_("Registration"),
        ),
        FieldPanel("trainers", widget=forms.CheckboxSelectMultiple),
        InlinePanel(
            "slots",
            heading=_("Half-days"),
            label=_("half-day"),
            panels=[
                FieldRowPanel([FieldPanel("date"), FieldPanel("period")]),
                FieldRowPanel([FieldPanel("starts_at"), FieldPanel("ends_at"), FieldPanel("hours")]),
            ],
        ),
        FieldPanel("notes"),
    ]

    def get_queryset(self, request):
        return Session.objects.select_related("course", "department")


class VenueViewSet(ModelViewSet):
    model = Venue
    icon = "home"
    menu_label = _("Venues")
    list_display = ["name", "city", "department", "step_free_access"]
    list_filter = ["department", "step_free_access"]
    search_fields = ["name", "city"]
    panels = [
        FieldPanel("name"),
        FieldPanel("address"),
        FieldRowPanel([FieldPanel("postcode"), FieldPanel("city")]),
        FieldPanel("department"),
        MultiFieldPanel(
            [
                FieldRowPanel(
                    [FieldPanel("step_free_access"), FieldPanel("accessible_toilets"), FieldPanel("hearing_loop")]
                ),
                FieldPanel("accessibility_notes"),
            ],
            heading=_("Accessibility"),
        ),
        FieldPanel("access_notes"),
    ]


class TrainerViewSet(ModelViewSet):
    model = Trainer
    icon = "user"
    menu_label = _("Trainers")
    list_display = ["last_name", "first_name", "kind", "email", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["last_name", "first_name", "email"]
    panels = [
        FieldRowPanel([FieldPanel("first_name"), FieldPanel("last_name")]),
        FieldRowPanel([FieldPanel("email"), FieldPanel("phone")]),
        FieldRowPanel([FieldPanel("kind"), FieldPanel("employer")]),
        FieldPanel("user"),
        FieldPanel("bio"),
        FieldPanel("is_active"),
    ]


class OrganisationViewSet(ModelViewSet):
    model = Organisation
    icon = "group"
    menu_label = _("Structures")
    list_display = ["name", "city", "structure_type", "department"]
    list_filter = ["structure_type", "department"]
    search_fields = ["name", "city", "siret"]
    panels = [
        FieldPanel("name"),
        FieldRowPanel([FieldPanel("siret"), FieldPanel("structure_type")]),
        FieldPanel("address"),
        FieldRowPanel([FieldPanel("postcode"), FieldPanel("city"), FieldPanel("department")]),
        MultiFieldPanel(
            [FieldPanel("contact_name"), FieldRowPanel([FieldPanel("contact_email"), FieldPanel("contact_phone")])],
            heading=_("Contact"),
        ),
    ]


class TrainingViewSetGroup(ModelViewSetGroup):
    menu_label = _("Training")
    menu_icon = "calendar-alt"
    menu_order = 200
    items = (
        SessionViewSet("sessions"),
        VenueViewSet("venues"),
        TrainerViewSet("trainers"),
        OrganisationViewSet("structures"),
    )


@hooks.register("register_admin_viewset")
def register_training_viewsets():
    return TrainingViewSetGroup()


@hooks.register("register_actions")
def register_public_content_actions(registry):
    """Sessions (with their half-days, edited inline) and venues are printed on the public pages."""
    public_content_actions_register(registry, Session, Venue)
