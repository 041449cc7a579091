from django.db import models
from django.utils.translation import gettext_lazy as _


class QuestionnaireKind(models.TextChoices):
    HOT = "hot", _("End of training (à chaud)")
    COLD = "cold", _("Six months later (à froid)")
    TRAINER = "trainer", _("Trainer's report")
    CLIENT = "client", _("Client structure")
    FUNDER = "funder", _("Funder (yearly)")
    POSITIONING = "positioning", _("Positioning before the training")


# The kinds sent to the trainees of a session (the others go to trainers, clients and funders).
TRAINEE_KINDS = (QuestionnaireKind.HOT, QuestionnaireKind.COLD, QuestionnaireKind.POSITIONING)


class QuestionType(models.TextChoices):
    SCALE = "scale", _("Four-point scale")
    YES_NO = "yes_no", _("Yes / no")
    SINGLE = "single", _("Single choice")
    MULTIPLE = "multiple", _("Multiple choice")
    SCORE = "score", _("Score from 0 to 10")
    TEXT = "text", _("Free text")


# The four-point scale of the standard questionnaires, 1 (worst) to 4 (best); 3 and 4 are satisfied.
SCALE_LABELS = {
    1: _("Not at all"),
    2: _("Rather not"),
    3: _("Rather yes"),
    4: _("Completely"),
}
SCALE_SATISFIED = (3, 4)


class Indicator(models.TextChoices):
    """What a question's answers are counted in (see `evaluations.indicators`)."""

    EXPECTATIONS = "expectations", _("Satisfaction: expectations met (indicator 30)")
    OBJECTIVES = "objectives", _("Objectives reached (indicator 11)")
    NEEDS_MET = "needs_met", _("Six months later: needs met")
    PRACTICE = "practice", _("Six months later: put into practice")
    RECOMMEND = "recommend", _("Would recommend")
    POSITIONING = "positioning", _("Positioning at entry (indicator 8)")
    GROUP_FIT = "group_fit", _("Trainer: group and prerequisites (indicator 30)")
    CLIENT_FIT = "client_fit", _("Client: fit with the need (indicator 30)")
    COMMENT = "comment", _("Free comment")


class CampaignStatus(models.TextChoices):
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")


class CampaignOrigin(models.TextChoices):
    AUTOMATIC = "automatic", _("Sent automatically")
    MANUAL = "manual", _("Launched by the coordination")
    IMPORT = "import", _("Imported history")


class ResponseSource(models.TextChoices):
    ONLINE = "online", _("Online")
    IMPORT = "import", _("Imported history")
