from django.utils.translation import gettext_lazy as _

from wagtail import hooks
from wagtail.admin.viewsets.model import ModelViewSet, ModelViewSetGroup

from accounts.models import ActivitySector, Department, ProfessionalCategory, StructureType

from .cache import allow_public_cache, public_content_actions_register
from .models import Audience, OrganisationSettings, Theme


class ThemeViewSet(ModelViewSet):
    model = Theme
    icon = "tag"
    menu_label = _("Themes")
    list_display = ["name", "slug", "position"]
    form_fields = ["name", "slug", "position"]
    search_fields = ["name"]


class AudienceViewSet(ModelViewSet):
    model = Audience
    icon = "group"
    menu_label = _("Audiences")
    list_display = ["name", "slug", "position"]
    form_fields = ["name", "slug", "position"]
    search_fields = ["name"]


class DepartmentViewSet(ModelViewSet):
    model = Department
    icon = "site"
    menu_label = _("Départements")
    list_display = ["code", "name"]
    form_fields = ["code", "name"]
    search_fields = ["code", "name"]


def _reference_viewset(reference_model, label: str) -> ModelViewSet:
    return ModelViewSet(
        reference_model._meta.model_name,
        model=reference_model,
        icon="list-ul",
        menu_label=label,
        list_display=["label", "position", "is_active"],
        list_filter=["is_active"],
        form_fields=["label", "position", "is_active"],
        search_fields=["label"],
    )


class ReferenceListsGroup(ModelViewSetGroup):
    menu_label = _("Reference lists")
    menu_icon = "list-ul"
    menu_order = 800
    items = (
        ThemeViewSet("themes"),
        AudienceViewSet("audiences"),
        DepartmentViewSet("departments"),
        _reference_viewset(StructureType, _("Structure types")),
        _reference_viewset(ActivitySector, _("Activity sectors")),
        _reference_viewset(ProfessionalCategory, _("Socio-professional categories")),
    )


@hooks.register("register_admin_viewset")
def register_reference_lists():
    return ReferenceListsGroup()


@hooks.register("register_actions")
def register_public_content_actions(registry):
    """What the public pages print: the organisation, themes, audiences, départements."""
    public_content_actions_register(registry, OrganisationSettings, Theme, Audience, Department)


@hooks.register("before_serve_page")
def cache_public_pages(page, request, serve_args, serve_kwargs):
    """Every live page is public content (see `cms.cache`); restricted pages answer with a redirect
    or a password form holding a CSRF token, neither of which is ever stored."""
    allow_public_cache(request)
