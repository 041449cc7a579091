"""The staff roles and what they may do in the back office.

Groups are kept in step with this module after every `migrate`: missing permissions are
added, nothing an administrator granted on top is removed.
"""

from django.apps import apps as global_apps
from django.contrib.auth.management import create_permissions
from django.contrib.auth.models import Group, Permission

COORDINATION = "Coordination"
TRAINERS = "Formateurs"
DISABILITY_REFERENT = "Référent handicap"

_MANAGED_MODELS = {
    "training": ["session", "slot", "venue", "trainer", "organisation"],
    "cms": ["theme", "audience"],
    "accounts": ["structuretype", "activitysector", "professionalcategory"],
}
_ACTIONS = ("add", "change", "delete", "view")

# Wagtail grants page, image and document rights on a tree node, not per model.
_PAGE_PERMISSIONS = ("add_page", "change_page", "publish_page", "lock_page", "unlock_page")
_COLLECTION_PERMISSIONS = {
    "wagtailimages": ("add_image", "change_image", "choose_image"),
    "wagtaildocs": ("add_document", "change_document", "choose_document"),
}


# Registrations change status through the services only: nobody adds or deletes one by hand.
# Accessibility needs are health data, read by the coordination (and the trainers, in their space).
_COORDINATION_EXTRA = {
    ("training", "view_registration"),
    ("training", "change_registration"),
    ("training", "view_registrationmessage"),
    ("training", "view_accessibility_needs"),
    # The organisation's identity, signatory and terms (Settings › Organisme) are theirs to keep up.
    ("cms", "change_organisationsettings"),
    # Attendance: read every sheet and its proofs, record a scanned paper sheet, correct a locked
    # half-day with a reason, follow up absences. Proof records are never edited or deleted.
    ("training", "view_attendancesheet"),
    ("training", "view_attendanceproof"),
    ("training", "view_attendance"),
    ("training", "change_attendance"),
    ("training", "view_paperscan"),
    ("training", "add_paperscan"),
    # Documents: read, issue and re-issue them one by one or in batches. Issued documents are
    # evidence: never changed or deleted by hand (re-issuing keeps the previous version).
    ("training", "view_document"),
    ("training", "add_document"),
    ("training", "view_documentbatch"),
    ("training", "add_documentbatch"),
    # Surveys: edit the questionnaires (a questionnaire that was sent keeps its results: no
    # deletion), read the campaigns and launch one (which also reminds and invites a person),
    # read the invitations, responses, answers and opt-outs. Answers are never changed by hand.
    ("evaluations", "add_questionnaire"),
    ("evaluations", "change_questionnaire"),
    ("evaluations", "view_questionnaire"),
    ("evaluations", "add_question"),
    ("evaluations", "change_question"),
    ("evaluations", "view_question"),
    ("evaluations", "view_campaign"),
    ("evaluations", "add_campaign"),
    ("evaluations", "view_invitation"),
    ("evaluations", "view_response"),
    ("evaluations", "view_answer"),
    ("evaluations", "view_surveyoptout"),
    # The quality registers (Qualiopi): complaints (31) are evidence, never deleted by the
    # coordination; a mistaken improvement action (32), watch entry (23–25), qualification (21),
    # staff training (22), partner, adaptation (10, 26), subcontractor (27) or needs analysis (4)
    # can be deleted.
    ("evaluations", "add_complaint"),
    ("evaluations", "change_complaint"),
    ("evaluations", "view_complaint"),
    *{
        ("evaluations", f"{action}_{model}")
        for model in (
            "improvementaction",
            "watchentry",
            "trainerqualification",
            "stafftraining",
            "disabilitypartner",
            "accessibilityadaptation",
            "subcontractor",
            "needsanalysis",
        )
        for action in _ACTIONS
    },
    # The historical workbook: upload, check and import it; read what was imported before.
    ("evaluations", "add_historyimport"),
    ("evaluations", "view_historyimport"),
    # Qualiopi: the self-assessment and the indicators' applicability; the auditor's evidence pack.
    ("evaluations", "view_qualiopiindicator"),
    ("evaluations", "change_qualiopiindicator"),
    ("evaluations", "view_evidencepack"),
    ("evaluations", "add_evidencepack"),
    # Personal data (the référent RGPD sits in the coordination): answer erasure requests (carried
    # out or refused through their form), set and lift legal holds, read the purge runs.
    ("accounts", "view_erasurerequest"),
    ("accounts", "change_erasurerequest"),
    *{("accounts", f"{action}_legalhold") for action in _ACTIONS},
    ("accounts", "view_purgerun"),
}


def _coordination_permissions() -> set[tuple[str, str]]:
    wanted = {("wagtailadmin", "access_admin"), ("accounts", "view_department"), ("accounts", "view_user")}
    for app_label, models in _MANAGED_MODELS.items():
        wanted |= {(app_label, f"{action}_{model}") for model in models for action in _ACTIONS}
    return wanted | _COORDINATION_EXTRA


ROLE_PERMISSIONS: dict[str, set[tuple[str, str]]] = {
    COORDINATION: _coordination_permissions(),
    # Trainers work in the front office (/formateur/), where access follows their own sessions.
    TRAINERS: set(),
    # Reads the registrations and their accessibility needs to arrange adaptations, and keeps the
    # register of the adaptations made and the partners' directory (indicators 10 and 26); reads
    # the trainers and their qualifications (who can teach an adapted session). Deletes nothing.
    DISABILITY_REFERENT: {
        ("wagtailadmin", "access_admin"),
        ("training", "view_registration"),
        ("training", "view_accessibility_needs"),
        ("training", "view_session"),
        ("evaluations", "view_accessibilityadaptation"),
        ("evaluations", "add_accessibilityadaptation"),
        ("evaluations", "change_accessibilityadaptation"),
        ("evaluations", "view_disabilitypartner"),
        ("evaluations", "add_disabilitypartner"),
        ("evaluations", "change_disabilitypartner"),
        ("evaluations", "view_trainerqualification"),
    },
}


def _permissions(codes) -> list[Permission]:
    found = []
    for app_label, codename in codes:
        permission = Permission.objects.filter(content_type__app_label=app_label, codename=codename).first()
        if permission is not None:
            found.append(permission)
    return found


def roles_sync() -> dict[str, Group]:
    """Create the staff groups and give them at least their declared permissions."""
    from wagtail.models import Collection, GroupCollectionPermission, GroupPagePermission, Page

    groups = {}
    for name, codes in ROLE_PERMISSIONS.items():
        group, _created = Group.objects.get_or_create(name=name)
        group.permissions.add(*_permissions(codes))
        groups[name] = group

    coordination = groups[COORDINATION]
    root_page = Page.get_first_root_node()
    if root_page is not None:
        for permission in _permissions(("wagtailcore", code) for code in _PAGE_PERMISSIONS):
            GroupPagePermission.objects.get_or_create(group=coordination, page=root_page, permission=permission)
    root_collection = Collection.get_first_root_node()
    if root_collection is not None:
        for app_label, codenames in _COLLECTION_PERMISSIONS.items():
            for permission in _permissions((app_label, code) for code in codenames):
                GroupCollectionPermission.objects.get_or_create(
                    group=coordination, collection=root_collection, permission=permission
                )
    return groups


def roles_sync_after_migrate(sender, using="default", **kwargs):
    if sender.name != "accounts":
        return
    for app_config in global_apps.get_app_configs():
        create_permissions(app_config, verbosity=0, using=using)
    roles_sync()
