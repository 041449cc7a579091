"""The "Qualiopi audit pack" pages of the back office, in the "Qualiopi" menu (`qualiopi_hooks`): the
viewset (URL namespace `evidence_packs`), its permissions in the group editor and its log action."""

from django.contrib.auth.models import Permission
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _

from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.viewsets.base import ViewSet

from .views_admin import evidence


class EvidencePackMenuItem(MenuItem):
    def is_shown(self, request):
        return request.user.has_perm(evidence.VIEW_PERMISSION)


class EvidencePackViewSet(ViewSet):
    url_prefix = "dossier-audit"
    menu_label = _("Qualiopi audit pack")
    menu_icon = "folder-open-inverse"
    menu_item_class = EvidencePackMenuItem

    @property
    def menu_url(self):
        return reverse("evidence_packs:index")

    def get_urlpatterns(self):
        return [
            path("", evidence.EvidencePackIndexView.as_view(), name="index"),
            path("<int:pack_id>/etat/", evidence.EvidencePackStatusView.as_view(), name="status"),
            path("<int:pack_id>/dossier.zip", evidence.EvidencePackDownloadView.as_view(), name="download"),
        ]


@hooks.register("register_permissions")
def register_evidence_pack_permissions():
    """Requesting and reading packs, in the group editor (a pack is never changed nor deleted by hand)."""
    return Permission.objects.filter(
        content_type__app_label="evaluations", codename__in=("add_evidencepack", "view_evidencepack")
    )


@hooks.register("register_log_actions")
def register_evidence_pack_log_actions(actions):
    actions.register_action(evidence.ACTION_DOWNLOAD, _("Download the evidence pack"), _("Evidence pack downloaded"))
