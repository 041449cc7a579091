from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Accounts")

    def ready(self):
        from . import personal_data, retention  # noqa: F401 (registers its retention rules; the identity sheet of a person's data export)
        from .roles import roles_sync_after_migrate

        # Django creates permissions after migrate; roles are synced right after, so that a
        # new model's permissions reach the Coordination group without a data migration.
        post_migrate.connect(roles_sync_after_migrate, dispatch_uid="accounts.roles_sync")
