"""The public website: home, catalogue, course sheets (the programmes) and content pages.

A course is editorial content, so it is a Wagtail page (drafts, revisions, scheduled
publishing, "mis à jour le"). Sessions are plain rows in `training`, which shows them on
these pages through its own template tags: this app never imports `training`.
"""

from decimal import Decimal

from modelcluster.fields import ParentalKey, ParentalManyToManyField

from django.core.validators import MinValueValidator
from django.db import models
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from wagtail import blocks
from wagtail.admin.panels import FieldPanel, FieldRowPanel, InlinePanel, MultiFieldPanel, ObjectList, TabbedInterface
from wagtail.contrib.settings.models import BaseGenericSetting, register_setting
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Orderable, Page
from wagtail.search import index

from .choices import CourseLevel, Modality

RICH_TEXT_FEATURES = ["bold", "italic", "link", "ol", "ul"]


@register_setting(icon="site")
class OrganisationSettings(BaseGenericSetting):
    """Legal identity of the training organisation, printed on every page and document."""

    name = models.CharField(_("name"), max_length=120, default="Promotion Santé Occitanie")
    nda_number = models.CharField(
        _("activity declaration number (NDA)"),
        max_length=20,
        blank=True,
        help_text=_("Number given by the regional prefecture; printed on every document."),
    )
    nda_region = models.CharField(_("NDA region"), max_length=60, default="Occitanie")
    siret = models.CharField(_("SIRET"), max_length=14, blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    postcode = models.CharField(_("postcode"), max_length=5, blank=True)
    city = models.CharField(_("city"), max_length=80, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    email = models.EmailField(_("contact e-mail"), blank=True)
    website = models.URLField(_("website"), blank=True)
    qualiopi_certified = models.BooleanField(_("Qualiopi certified"), default=True)
    qualiopi_scope = models.CharField(
        _("Qualiopi certificate scope"), max_length=120, default="Actions de formation", blank=True
    )
    disability_referent_name = models.CharField(_("disability referent"), max_length=120, blank=True)
    disability_referent_email = models.EmailField(_("disability referent e-mail"), blank=True)
    disability_referent_phone = models.CharField(_("disability referent phone"), max_length=20, blank=True)
    privacy_contact_email = models.EmailField(_("personal data contact e-mail"), blank=True)
    internal_rules_page = models.ForeignKey(
        "wagtailcore.Page",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("internal rules page"),
        help_text=_("Sent as a PDF with every convocation."),
    )
    privacy_page = models.ForeignKey(
        "wagtailcore.Page",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("personal data page"),
        help_text=_("Linked from the registration form and the e-mails."),
    )
    legal_representative_name = models.CharField(_("legal representative"), max_length=120, blank=True)
    legal_representative_title = models.CharField(
        _("legal representative's title"), max_length=120, blank=True, help_text=_("For example: Director.")
    )
    signature_image = models.ForeignKey(
        "wagtailimages.Image",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("signature and stamp"),
        help_text=_("Printed on certificates and agreements, next to the legal representative's name."),
    )
    agreement_terms = models.TextField(
        _("terms of training agreements"),
        blank=True,
        help_text=_("Payment and cancellation terms printed on every training agreement."),
    )

    panels = [
        MultiFieldPanel(
            [
                FieldPanel("name"),
                FieldRowPanel([FieldPanel("nda_number"), FieldPanel("nda_region")]),
                FieldPanel("siret"),
                FieldRowPanel([FieldPanel("qualiopi_certified"), FieldPanel("qualiopi_scope")]),
            ],
            heading=_("Legal identity"),
        ),
        MultiFieldPanel(
            [
                FieldPanel("address"),
                FieldRowPanel([FieldPanel("postcode"), FieldPanel("city")]),
                FieldRowPanel([FieldPanel("phone"), FieldPanel("email")]),
                FieldPanel("website"),
            ],
            heading=_("Contact"),
        ),
        MultiFieldPanel(
            [
                FieldPanel("disability_referent_name"),
                FieldRowPanel([FieldPanel("disability_referent_email"), FieldPanel("disability_referent_phone")]),
                FieldPanel("privacy_contact_email"),
            ],
            heading=_("Referents"),
        ),
        MultiFieldPanel(
            [FieldPanel("internal_rules_page"), FieldPanel("privacy_page")],
            heading=_("Documents sent to trainees"),
        ),
        MultiFieldPanel(
            [
                FieldRowPanel([FieldPanel("legal_representative_name"), FieldPanel("legal_representative_title")]),
                FieldPanel("signature_image"),
                FieldPanel("agreement_terms"),
            ],
            heading=_("Certificates and agreements"),
        ),
    ]

    class Meta:
        verbose_name = _("training organisation")

    @property
    def nda_mention(self) -> str:
        if not self.nda_number:
            return ""
        return _(
            "Activity declaration registered under number %(number)s with the prefect of the %(region)s region. "
            "This registration does not amount to State approval."
        ) % {"number": self.nda_number, "region": self.nda_region}


class Vocabulary(models.Model):
    """A short, ordered list of labels the coordinator edits (themes, audiences)."""

    name = models.CharField(_("name"), max_length=120, unique=True)
    slug = models.SlugField(_("slug"), max_length=80, unique=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        abstract = True
        ordering = ["position", "name"]

    def __str__(self):
        return self.name


class Theme(Vocabulary):
    """A health-promotion theme (CPS, santé mentale, addictions…) used to file courses."""

    class Meta(Vocabulary.Meta):
        verbose_name = _("theme")
        verbose_name_plural = _("themes")


class Audience(Vocabulary):
    """A kind of public a course is written for; used to filter the catalogue."""

    class Meta(Vocabulary.Meta):
        verbose_name = _("audience")
        verbose_name_plural = _("audiences")


class HomePage(Page):
    intro = RichTextField(_("introduction"), blank=True, features=RICH_TEXT_FEATURES)

    content_panels = [*Page.content_panels, FieldPanel("intro")]
    subpage_types = ["cms.CatalogueIndexPage", "cms.ContentPage"]
    parent_page_types = ["wagtailcore.Page"]
    max_count = 1

    class Meta:
        verbose_name = _("home page")


class CatalogueIndexPage(Page):
    """The catalogue (`/formations/`): every published course with its next sessions."""

    intro = RichTextField(_("introduction"), blank=True, features=RICH_TEXT_FEATURES)

    content_panels = [*Page.content_panels, FieldPanel("intro")]
    parent_page_types = ["cms.HomePage"]
    subpage_types = ["cms.CoursePage"]
    max_count = 1

    class Meta:
        verbose_name = _("catalogue")


class ProgrammeStepBlock(blocks.StructBlock):
    title = blocks.CharBlock(label=_("Sequence"), max_length=200)
    duration_hours = blocks.DecimalBlock(label=_("Duration (hours)"), required=False, min_value=0, decimal_places=1)
    content = blocks.RichTextBlock(label=_("Content"), features=RICH_TEXT_FEATURES)

    class Meta:
        icon = "list-ol"
        label = _("Sequence")


class CoursePage(Page):
    """A course sheet: everything Qualiopi indicator 1 requires the public to know before registering."""

    level = models.CharField(_("level"), max_length=20, choices=CourseLevel.choices, default=CourseLevel.NONE)
    summary = models.TextField(
        _("summary"), max_length=500, help_text=_("Two or three sentences shown in the catalogue.")
    )
    description = RichTextField(_("context"), blank=True, features=RICH_TEXT_FEATURES)
    general_objective = models.TextField(_("general objective"), blank=True)
    programme = StreamField([("step", ProgrammeStepBlock())], verbose_name=_("programme"), blank=True)
    prerequisites = models.TextField(
        _("prerequisites"), blank=True, help_text=_("Leave empty when the course has no prerequisite.")
    )
    prerequisite_courses = ParentalManyToManyField(
        "self", symmetrical=False, blank=True, related_name="leads_to", verbose_name=_("prerequisite courses")
    )
    audience_text = models.TextField(_("audience"), blank=True)
    audiences = ParentalManyToManyField(Audience, blank=True, related_name="courses", verbose_name=_("audiences"))
    themes = ParentalManyToManyField(Theme, blank=True, related_name="courses", verbose_name=_("themes"))
    duration_hours = models.DecimalField(
        _("duration (hours)"), max_digits=5, decimal_places=1, validators=[MinValueValidator(Decimal("0.5"))]
    )
    duration_days = models.DecimalField(
        _("duration (days)"), max_digits=4, decimal_places=1, validators=[MinValueValidator(Decimal("0.5"))]
    )
    modality = models.CharField(_("modality"), max_length=20, choices=Modality.choices, default=Modality.ON_SITE)
    offered_inter = models.BooleanField(_("open to individual registrations (inter)"), default=True)
    offered_intra = models.BooleanField(_("available in-house for a structure (intra)"), default=False)
    teaching_methods = RichTextField(_("teaching methods and resources"), blank=True, features=RICH_TEXT_FEATURES)
    evaluation_methods = RichTextField(_("evaluation methods"), blank=True, features=RICH_TEXT_FEATURES)
    access_delay = models.TextField(
        _("access conditions and delay"),
        blank=True,
        help_text=_("How and how long before the start a person can register, and when they get an answer."),
    )
    price_text = models.TextField(_("price and funding"), blank=True)
    accessibility = models.TextField(
        _("accessibility"),
        blank=True,
        help_text=_("How the course adapts to people with disabilities; the disability referent is shown beside it."),
    )
    contact_name = models.CharField(_("contact name"), max_length=120, blank=True)
    contact_email = models.EmailField(_("contact e-mail"), blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=20, blank=True)
    nsf_code = models.CharField(
        _("NSF speciality code"), max_length=10, blank=True, help_text=_("For the BPF (e.g. 330).")
    )
    formacode = models.CharField(_("Formacode"), max_length=10, blank=True, help_text=_("For the LHEO export."))
    is_certifying = models.BooleanField(_("leads to a certification"), default=False)
    certification_code = models.CharField(_("RNCP/RS code"), max_length=20, blank=True)
    image = models.ForeignKey(
        "wagtailimages.Image",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("image"),
    )

    search_fields = [
        *Page.search_fields,
        index.SearchField("summary"),
        index.SearchField("description"),
        index.SearchField("general_objective"),
        index.SearchField("audience_text"),
        index.SearchField("programme"),
        index.FilterField("level"),
        index.FilterField("modality"),
        index.RelatedFields("objectives", [index.SearchField("text")]),
        index.RelatedFields("themes", [index.SearchField("name")]),
    ]

    content_panels = [
        *Page.content_panels,
        FieldRowPanel([FieldPanel("level"), FieldPanel("modality")]),
        FieldPanel("summary"),
        FieldPanel("description"),
        FieldPanel("themes"),
        FieldPanel("image"),
    ]
    objectives_panels = [
        FieldPanel("general_objective"),
        InlinePanel("objectives", heading=_("Operational objectives"), label=_("objective"), min_num=0),
        FieldPanel("programme"),
        FieldPanel("teaching_methods"),
        FieldPanel("evaluation_methods"),
    ]
    practical_panels = [
        FieldRowPanel([FieldPanel("duration_hours"), FieldPanel("duration_days")]),
        FieldPanel("prerequisites"),
        FieldPanel("prerequisite_courses"),
        FieldPanel("audience_text"),
        FieldPanel("audiences"),
        FieldRowPanel([FieldPanel("offered_inter"), FieldPanel("offered_intra")]),
        FieldPanel("access_delay"),
        FieldPanel("price_text"),
        FieldPanel("accessibility"),
        MultiFieldPanel(
            [FieldPanel("contact_name"), FieldRowPanel([FieldPanel("contact_email"), FieldPanel("contact_phone")])],
            heading=_("Contact"),
        ),
    ]
    codes_panels = [
        FieldRowPanel([FieldPanel("nsf_code"), FieldPanel("formacode")]),
        FieldRowPanel([FieldPanel("is_certifying"), FieldPanel("certification_code")]),
    ]
    edit_handler = TabbedInterface(
        [
            ObjectList(content_panels, heading=_("Course")),
            ObjectList(objectives_panels, heading=_("Objectives and programme")),
            ObjectList(practical_panels, heading=_("Practical information")),
            ObjectList(codes_panels, heading=_("Codes")),
            ObjectList(Page.promote_panels, heading=_("Promote")),
            ObjectList(Page.settings_panels, heading=_("Settings")),
        ]
    )

    parent_page_types = ["cms.CatalogueIndexPage"]
    subpage_types = []

    class Meta:
        verbose_name = _("course")
        verbose_name_plural = _("courses")

    @cached_property
    def updated_on(self):
        """The date printed as "Mis à jour le": the last publication of this sheet."""
        return self.last_published_at or self.latest_revision_created_at

    def indicator_1_gaps(self) -> list[str]:
        """Names of the fields Qualiopi indicator 1 requires that this sheet leaves empty."""
        required = {
            "general_objective": self.general_objective,
            "programme": self.programme,
            "audience_text": self.audience_text,
            "teaching_methods": self.teaching_methods,
            "evaluation_methods": self.evaluation_methods,
            "access_delay": self.access_delay,
            "price_text": self.price_text,
            "accessibility": self.accessibility,
        }
        gaps = [name for name, value in required.items() if not value]
        if not self.objectives.exists():
            gaps.append("objectives")
        return gaps

    def programme_pdf_url(self) -> str:
        return f"{self.url}programme.pdf"


class CourseObjective(Orderable):
    """An operational, evaluable objective: "À l'issue de la formation, le stagiaire sera capable de…"."""

    course = ParentalKey(CoursePage, on_delete=models.CASCADE, related_name="objectives")
    text = models.CharField(_("objective"), max_length=300)

    panels = [FieldPanel("text")]

    class Meta(Orderable.Meta):
        verbose_name = _("objective")
        verbose_name_plural = _("objectives")

    def __str__(self):
        return self.text


class ContentPage(Page):
    """A plain editorial page: accessibility statement, legal notice, internal rules…"""

    intro = models.TextField(_("introduction"), blank=True)
    body = StreamField(
        [
            ("heading", blocks.CharBlock(label=_("Heading"), form_classname="title")),
            ("paragraph", blocks.RichTextBlock(label=_("Paragraph"), features=[*RICH_TEXT_FEATURES, "h3"])),
        ],
        verbose_name=_("body"),
        blank=True,
    )

    search_fields = [*Page.search_fields, index.SearchField("intro"), index.SearchField("body")]
    content_panels = [*Page.content_panels, FieldPanel("intro"), FieldPanel("body")]
    parent_page_types = ["cms.HomePage", "cms.ContentPage"]

    class Meta:
        verbose_name = _("content page")
