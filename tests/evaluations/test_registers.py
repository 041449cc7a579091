"""The Qualiopi registers of the back office ("Quality" menu): each list and form as the
coordination, who may do what, the restricted adaptations (health data), the private files and
the exports."""

import datetime
import io
import os
import zipfile

import pytest
from freezegun import freeze_time

from django.conf import settings
from django.contrib.auth.models import Group, Permission
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from wagtail.models import ModelLogEntry

from accounts.roles import COORDINATION, DISABILITY_REFERENT, roles_sync
from evaluations.models import (
    AccessibilityAdaptation,
    ActionSource,
    DisabilityPartner,
    ImprovementAction,
    NeedsAnalysis,
    PartnerKind,
    StaffTraining,
    StaffTrainingKind,
    Subcontractor,
    TrainerQualification,
    WatchEntry,
    WatchKind,
)
from tests.clock import NOW
from tests.factories import (
    OrganisationFactory,
    RegistrationFactory,
    SessionFactory,
    TrainerFactory,
    UserFactory,
    department,
)
from training.choices import Funding, RegistrationStatus

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
# An OpenDocument text is a ZIP archive (uploads are checked by their content).
_odt = io.BytesIO()
with zipfile.ZipFile(_odt, "w") as _archive:
    _archive.writestr("mimetype", "application/vnd.oasis.opendocument.text")
ODT = _odt.getvalue()
TODAY = datetime.date(2026, 11, 22)


@pytest.fixture(autouse=True)
def _frozen():
    with freeze_time(NOW):
        yield


@pytest.fixture
def client_org():
    return OrganisationFactory(name="EHPAD Les Tilleuls", city="Rodez")


@pytest.fixture
def intra_session(course, client_org):
    return SessionFactory(course=course, funding=Funding.INTRA, client_organisation=client_org, code="2026-CPSFA-12-01")


@pytest.fixture
def trainer():
    return TrainerFactory(first_name="Hélène", last_name="Fabre")


@pytest.fixture
def registration(intra_session):
    return RegistrationFactory(
        session=intra_session,
        status=RegistrationStatus.CONFIRMED,
        accessibility_needs="Fauteuil roulant : salle de plain-pied",
        accessibility_consent_at=NOW,
    )


def _user_with(*codenames, name="Essai"):
    roles_sync()
    user = UserFactory()
    group = Group.objects.create(name=name)
    group.permissions.add(*Permission.objects.filter(codename__in=["access_admin", *codenames]))
    user.groups.add(group)
    return user


def _refused(response) -> bool:
    """Wagtail answers a refusal in the back office by a redirect to its home page."""
    return response.status_code == 302 and response["Location"] == reverse("wagtailadmin_home")


# Each register: its list, its form, its export
# ------------------------------------------------------------------------------


def _records(*, trainer, intra_session, registration, client_org):
    """One record of each register, made as the forms would."""
    action = ImprovementAction.objects.create(title="Abonnement à Centre Inffo", source=ActionSource.OTHER)
    return {
        "watch_entries": WatchEntry.objects.create(
            kind=WatchKind.LEGAL,
            observed_on=TODAY,
            source="Centre Inffo",
            title="Décret sur la certification",
            action=action,
        ),
        "trainer_qualifications": TrainerQualification.objects.create(
            trainer=trainer,
            title="Instructrice PSSM",
            issuer="PSSM France",
            expires_on=TODAY + datetime.timedelta(days=20),
        ),
        "staff_trainings": StaffTraining.objects.create(
            person="Claire Delmas", kind=StaffTrainingKind.WEBINAR, title="Webinaire Qualiopi V9", started_on=TODAY
        ),
        "disability_partners": DisabilityPartner.objects.create(
            name="Agefiph Occitanie", kind=PartnerKind.AGEFIPH, department=department("31")
        ),
        "accessibility_adaptations": AccessibilityAdaptation.objects.create(
            registration=registration,
            session=intra_session,
            need="Fauteuil roulant",
            adaptation="Salle du rez-de-chaussée réservée",
            decided_on=TODAY,
        ),
        "subcontractors": Subcontractor.objects.create(
            name="Formations Sud Conseil",
            qualiopi_certified=True,
            certificate_expires_on=TODAY - datetime.timedelta(days=3),
        ),
        "needs_analyses": NeedsAnalysis.objects.create(
            session=intra_session, organisation=client_org, carried_out_on=TODAY, context="Former l'équipe de nuit"
        ),
    }


SHOWN = {
    "watch_entries": "Décret sur la certification",
    "trainer_qualifications": "Instructrice PSSM",
    "staff_trainings": "Webinaire Qualiopi V9",
    "disability_partners": "Agefiph Occitanie",
    "accessibility_adaptations": "Salle du rez-de-chaussée réservée",
    "subcontractors": "Formations Sud Conseil",
    "needs_analyses": "EHPAD Les Tilleuls",
}


@pytest.fixture
def records(trainer, intra_session, registration, client_org):
    return _records(trainer=trainer, intra_session=intra_session, registration=registration, client_org=client_org)


@pytest.mark.parametrize("name", list(SHOWN))
def test_the_coordination_lists_each_register_and_exports_it(coordinator_client, records, name):
    page = coordinator_client.get(reverse(f"{name}:index"))

    assert page.status_code == 200
    assert SHOWN[name] in page.content.decode()
    assert coordinator_client.get(reverse(f"{name}:edit", args=[records[name].pk])).status_code == 200
    assert coordinator_client.get(reverse(f"{name}:add")).status_code == 200
    export = coordinator_client.get(reverse(f"{name}:index"), {"export": "csv"})
    assert export["Content-Type"].startswith("text/csv")
    assert SHOWN[name] in export.content.decode("utf-8-sig")
    assert coordinator_client.get(reverse(f"{name}:index"), {"export": "xlsx"}).status_code == 200


@pytest.mark.parametrize("name", list(SHOWN))
def test_each_list_takes_a_bounded_number_of_queries(
    coordinator_client, course, trainer, client_org, name, django_assert_max_num_queries
):
    for _number in range(6):
        session = SessionFactory(course=course, funding=Funding.INTRA, client_organisation=client_org)
        registration = RegistrationFactory(
            session=session,
            status=RegistrationStatus.CONFIRMED,
            accessibility_needs="Besoin",
            accessibility_consent_at=NOW,
        )
        _records(trainer=TrainerFactory(), intra_session=session, registration=registration, client_org=client_org)

    with django_assert_max_num_queries(35):
        assert coordinator_client.get(reverse(f"{name}:index")).status_code == 200


def test_the_coordination_records_a_watch_entry_linked_to_an_action(coordinator_client, coordinator):
    action = ImprovementAction.objects.create(title="Mettre à jour les programmes", source=ActionSource.OTHER)

    response = coordinator_client.post(
        reverse("watch_entries:add"),
        {
            "kind": WatchKind.INNOVATION,
            "observed_on": "20/11/2026",
            "title": "Classes virtuelles et accessibilité",
            "source": "Webinaire Carif-Oref",
            "summary": "Sous-titrage automatique",
            "impact": "Proposer le sous-titrage",
            "action": action.pk,
        },
    )

    assert response.status_code == 302
    entry = WatchEntry.objects.get()
    assert (entry.kind, entry.action, entry.recorded_by) == (WatchKind.INNOVATION, action, coordinator)
    assert ModelLogEntry.objects.for_instance(entry).filter(action="wagtail.create").exists()
    listing = coordinator_client.get(reverse("watch_entries:index"), {"kind": WatchKind.INNOVATION}).content.decode()
    assert reverse("improvement_actions:edit", args=[action.pk]) in listing
    assert not coordinator_client.get(reverse("watch_entries:index"), {"kind": WatchKind.LEGAL}).context["object_list"]


def test_the_coordination_records_a_staff_training_and_a_partner(coordinator_client):
    coordinator_client.post(
        reverse("staff_trainings:add"),
        {
            "person": "Sophie Vidal",
            "kind": StaffTrainingKind.TRAINING,
            "title": "Évaluation d'impact",
            "provider": "EHESP",
            "started_on": "02/10/2026",
            "hours": "14",
        },
    )
    coordinator_client.post(
        reverse("disability_partners:add"),
        {"name": "Cap emploi 31", "kind": PartnerKind.CAP_EMPLOI, "department": department("31").pk},
    )

    assert StaffTraining.objects.get().hours == 14
    assert DisabilityPartner.objects.get().department.code == "31"


# Trainers' qualifications and their proofs
# ------------------------------------------------------------------------------


def test_qualifications_expired_or_expiring_within_60_days_are_flagged(coordinator_client, trainer):
    expired = TrainerQualification.objects.create(
        trainer=trainer, title="Secourisme SST", expires_on=TODAY - datetime.timedelta(days=1)
    )
    soon = TrainerQualification.objects.create(
        trainer=trainer, title="Instructrice PSSM", expires_on=TODAY + datetime.timedelta(days=60)
    )
    valid = TrainerQualification.objects.create(
        trainer=trainer, title="Master santé publique", expires_on=TODAY + datetime.timedelta(days=61)
    )
    TrainerQualification.objects.create(trainer=trainer, title="Diplôme d'État infirmier")

    html = coordinator_client.get(reverse("trainer_qualifications:index")).content.decode()
    assert "21/11/2026" in html and "21/01/2027" in html

    def listed(validity):
        response = coordinator_client.get(reverse("trainer_qualifications:index"), {"validity": validity})
        return {item.pk for item in response.context["object_list"]}

    assert listed("expired") == {expired.pk}
    assert listed("expiring") == {soon.pk}
    assert listed("valid") == {valid.pk}
    assert len(listed("none")) == 1


def test_a_proof_is_kept_private_and_downloaded_only_with_the_right(coordinator_client, client, trainer):
    response = coordinator_client.post(
        reverse("trainer_qualifications:add"),
        {
            "trainer": trainer.pk,
            "title": "Instructrice PSSM",
            "issuer": "PSSM France",
            "obtained_on": "01/09/2024",
            "expires_on": "01/09/2027",
            "document": SimpleUploadedFile("attestation.pdf", PDF, content_type="application/pdf"),
        },
    )
    assert response.status_code == 302
    qualification = TrainerQualification.objects.get()
    stored = qualification.document.path
    assert stored.startswith(os.path.abspath(settings.PRIVATE_MEDIA_ROOT))
    assert not stored.startswith(os.path.abspath(settings.MEDIA_ROOT))
    with pytest.raises(ValueError):
        qualification.document.url  # noqa: B018 — a private file has no URL
    download = reverse("trainer_qualifications:document", args=[qualification.pk])

    response = coordinator_client.get(download)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert 'attachment; filename="attestation' in response["Content-Disposition"]
    edit = coordinator_client.get(reverse("trainer_qualifications:edit", args=[qualification.pk])).content.decode()
    assert download in edit  # the current file, linked to its download

    client.force_login(_user_with("view_trainer"))
    assert _refused(client.get(download))
    client.logout()
    assert client.get(download).status_code == 302
    assert reverse("wagtailadmin_login") in client.get(download)["Location"]


def test_a_proof_must_be_a_document_of_reasonable_size(coordinator_client, trainer):
    response = coordinator_client.post(
        reverse("trainer_qualifications:add"),
        {
            "trainer": trainer.pk,
            "title": "Instructrice PSSM",
            "document": SimpleUploadedFile("programme.exe", b"MZ", content_type="application/octet-stream"),
        },
    )

    assert response.status_code == 200
    assert response.context["form"].errors["document"].as_data()[0].code == "file_type"
    assert not TrainerQualification.objects.exists()


def test_a_subcontractor_contract_is_private_and_its_certificate_flagged(coordinator_client, client):
    subcontractor = Subcontractor.objects.create(
        name="Formations Sud Conseil",
        qualiopi_certified=True,
        certificate_expires_on=TODAY - datetime.timedelta(days=3),
    )
    subcontractor.contract.save("contrat.pdf", ContentFile(PDF))
    Subcontractor.objects.create(name="Association Partenaire", qualiopi_certified=False)

    html = coordinator_client.get(reverse("subcontractors:index")).content.decode()
    assert "19/11/2026" in html
    download = reverse("subcontractors:document", args=[subcontractor.pk])
    assert download in html
    assert coordinator_client.get(download).status_code == 200
    listed = coordinator_client.get(reverse("subcontractors:index"), {"certificate": "expired"}).context["object_list"]
    assert [item.pk for item in listed] == [subcontractor.pk]

    client.force_login(_user_with("view_trainerqualification"))
    assert _refused(client.get(download))


# Adaptations: health data
# ------------------------------------------------------------------------------


def test_adaptations_are_restricted_to_who_may_read_accessibility_needs(client, records):
    adaptation = records["accessibility_adaptations"]
    urls = [
        reverse("accessibility_adaptations:index"),
        reverse("accessibility_adaptations:add"),
        reverse("accessibility_adaptations:edit", args=[adaptation.pk]),
        reverse("accessibility_adaptations:history", args=[adaptation.pk]),
        reverse("accessibility_adaptations:index") + "?export=csv",
    ]
    # The model's rights alone are not enough.
    client.force_login(
        _user_with("view_accessibilityadaptation", "add_accessibilityadaptation", "change_accessibilityadaptation")
    )
    for url in urls:
        assert _refused(client.get(url)), url
    assert "Salle du rez-de-chaussée" not in client.get(reverse("wagtailadmin_home"), follow=True).content.decode()

    roles_sync()
    referent = UserFactory()
    referent.groups.add(Group.objects.get(name=DISABILITY_REFERENT))
    client.force_login(referent)
    for url in urls:
        assert client.get(url).status_code == 200, url
    assert "Salle du rez-de-chaussée" in client.get(urls[0]).content.decode()


def test_the_referent_keeps_adaptations_and_partners_and_reads_qualifications(client, records, registration):
    roles_sync()
    referent = UserFactory()
    referent.groups.add(Group.objects.get(name=DISABILITY_REFERENT))
    client.force_login(referent)

    response = client.post(
        reverse("accessibility_adaptations:add"),
        {
            "registration": registration.pk,
            "need": "Fauteuil roulant",
            "adaptation": "Table réglable en hauteur",
            "decided_on": "22/11/2026",
            "decided_by": "",
            "partner": records["disability_partners"].pk,
        },
    )

    assert response.status_code == 302
    adaptation = AccessibilityAdaptation.objects.get(adaptation="Table réglable en hauteur")
    assert adaptation.session == registration.session  # filled in from the trainee
    assert client.get(reverse("disability_partners:add")).status_code == 200
    assert client.get(reverse("trainer_qualifications:index")).status_code == 200
    assert _refused(client.get(reverse("trainer_qualifications:add")))
    assert _refused(client.post(reverse("accessibility_adaptations:delete", args=[adaptation.pk])))
    assert _refused(client.get(reverse("subcontractors:index")))
    assert _refused(client.get(reverse("complaints:index")))


def test_an_adaptation_concerns_a_trainee_or_a_session(coordinator_client, registration):
    response = coordinator_client.post(
        reverse("accessibility_adaptations:add"),
        {"need": "Malentendant", "adaptation": "Boucle magnétique", "decided_on": "22/11/2026"},
    )

    assert response.status_code == 200
    assert response.context["form"].non_field_errors().as_data()[0].code == "subject_required"
    assert not AccessibilityAdaptation.objects.exists()
    form = coordinator_client.get(reverse("accessibility_adaptations:add") + f"?registration={registration.pk}")
    initial = form.context["form"].initial
    assert (initial["registration"], initial["session"]) == (registration.pk, registration.session_id)
    assert initial["need"] == registration.accessibility_needs
    # Only the trainees who declared needs are offered.
    other = RegistrationFactory(session=registration.session, status=RegistrationStatus.CONFIRMED)
    choices = {value for value, _label in form.context["form"].fields["registration"].choices if value}
    assert registration.pk in {int(str(value)) for value in choices}
    assert other.pk not in {int(str(value)) for value in choices}


# Needs analyses (indicator 4)
# ------------------------------------------------------------------------------


def test_an_intra_session_page_leads_to_its_needs_analysis(coordinator_client, coordinator, intra_session, course):
    page = coordinator_client.get(reverse("sessions:edit", args=[intra_session.pk])).content.decode()
    add_url = reverse("needs_analyses:add") + f"?session={intra_session.pk}"
    assert add_url in page.replace("&amp;", "&")
    drapps = SessionFactory(course=course, funding=Funding.DRAPPS)
    assert (
        reverse("needs_analyses:add")
        not in coordinator_client.get(reverse("sessions:edit", args=[drapps.pk])).content.decode()
    )

    initial = coordinator_client.get(add_url).context["form"].initial
    assert (initial["session"], initial["organisation"], initial["carried_out_by"]) == (
        intra_session.pk,
        intra_session.client_organisation_id,
        coordinator.pk,
    )
    response = coordinator_client.post(
        add_url,
        {
            "session": intra_session.pk,
            "organisation": "",
            "carried_out_on": "10/11/2026",
            "carried_out_by": coordinator.pk,
            "context": "Former l'équipe de nuit aux CPS",
            "audience": "12 aides-soignants",
            "objectives": "Repérer les émotions",
            "constraints": "Deux demi-journées",
            "document": SimpleUploadedFile(
                "compte-rendu.odt", ODT, content_type="application/vnd.oasis.opendocument.text"
            ),
        },
    )

    assert response.status_code == 302
    analysis = NeedsAnalysis.objects.get()
    assert analysis.organisation == intra_session.client_organisation  # filled in from the session
    page = coordinator_client.get(reverse("sessions:edit", args=[intra_session.pk])).content.decode()
    assert reverse("needs_analyses:edit", args=[analysis.pk]) in page
    assert coordinator_client.get(reverse("needs_analyses:document", args=[analysis.pk])).status_code == 200


def test_a_needs_analysis_concerns_a_session_or_a_client(coordinator_client):
    response = coordinator_client.post(
        reverse("needs_analyses:add"), {"carried_out_on": "10/11/2026", "context": "Demande par téléphone"}
    )

    assert response.context["form"].non_field_errors().as_data()[0].code == "subject_required"
    assert not NeedsAnalysis.objects.exists()


# Permissions
# ------------------------------------------------------------------------------


def test_the_registers_need_their_permissions(client, records):
    client.force_login(_user_with(name="Accueil"))

    for name in SHOWN:
        assert _refused(client.get(reverse(f"{name}:index"))), name
        assert _refused(client.get(reverse(f"{name}:add"))), name
    assert _refused(client.get(reverse("needs_analyses:document", args=[records["needs_analyses"].pk])))


def test_the_coordination_rights_on_the_registers():
    groups = roles_sync()
    coordination = {p.codename for p in groups[COORDINATION].permissions.all()}

    for model in ("watchentry", "trainerqualification", "stafftraining", "disabilitypartner", "needsanalysis"):
        assert {f"view_{model}", f"add_{model}", f"change_{model}", f"delete_{model}"} <= coordination
    assert {"view_complaint", "add_complaint", "change_complaint"} <= coordination
    assert "delete_complaint" not in coordination
    referent = {p.codename for p in groups[DISABILITY_REFERENT].permissions.all()}
    assert {"view_accessibilityadaptation", "add_accessibilityadaptation", "view_trainerqualification"} <= referent
    assert not {"delete_accessibilityadaptation", "change_trainerqualification", "view_subcontractor"} & referent
