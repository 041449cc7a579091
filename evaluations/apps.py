from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EvaluationsConfig(AppConfig):
    name = "evaluations"
    verbose_name = _("Evaluations")

    def ready(self):
        from . import personal_data, retention  # noqa: F401 (registers its retention rules; its sheets of a person's data export)
