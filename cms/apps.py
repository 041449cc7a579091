from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CmsConfig(AppConfig):
    name = "cms"
    verbose_name = _("Website")

    def ready(self):
        from wagtail.signals import page_published, page_unpublished, post_page_move

        from .cache import public_cache_bump_on_commit

        # Signals rather than admin hooks: scheduled publishing and scripts publish too. Deleting
        # a live page unpublishes it first, so deletions send `page_unpublished` as well.
        for signal in (page_published, page_unpublished, post_page_move):
            signal.connect(public_cache_bump_on_commit, dispatch_uid="public_cache_bump")
