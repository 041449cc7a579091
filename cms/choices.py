from django.db import models
from django.utils.translation import gettext_lazy as _


class CourseLevel(models.TextChoices):
    NONE = "none", _("No level")
    LEVEL_1 = "level_1", _("Level 1 — foundations")
    LEVEL_2 = "level_2", _("Level 2 — further study")
    LEVEL_3 = "level_3", _("Level 3 — expertise")


class Modality(models.TextChoices):
    ON_SITE = "on_site", _("On site")
    REMOTE = "remote", _("Remote")
    BLENDED = "blended", _("Blended")
