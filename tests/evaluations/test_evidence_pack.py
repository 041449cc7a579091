"""The Qualiopi evidence pack: one folder per applicable indicator, only the period, a manifest whose
hashes match, issued documents copied unchanged, the command, the task's idempotency, the back office."""

import csv
import datetime
import hashlib
import io
import zipfile
from decimal import Decimal

import openpyxl
import pytest

from django.contrib.auth.models import Permission
from django.core.files.base import ContentFile
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from wagtail.models import ModelLogEntry

from cms.models import OrganisationSettings
from config.storages import private_storage
from evaluations import evidence
from evaluations.evidence import (
    evidence_pack_build,
    evidence_pack_request,
    evidence_plan,
    indicator_folder,
)
from evaluations.exceptions import SurveyError
from evaluations.models import (
    AccessibilityAdaptation,
    Answer,
    Campaign,
    Complaint,
    DisabilityPartner,
    EvidencePack,
    EvidencePackStatus,
    ImprovementAction,
    Invitation,
    NeedsAnalysis,
    QualiopiIndicator,
    Questionnaire,
    Response,
    StaffTraining,
    TrainerQualification,
    WatchEntry,
    WatchKind,
)
from evaluations.tasks import evidence_pack_build_task
from tests.clock import PARIS
from tests.factories import (
    RegistrationFactory,
    SessionFactory,
    TrainerFactory,
    UserFactory,
    course_create,
    slots_create,
)
from training.choices import (
    AttendanceStatus,
    DocumentKind,
    MessageKind,
    RegistrationStatus,
    SessionStatus,
    SheetStatus,
)
from training.models import Attendance, AttendanceSheet, Document, RegistrationMessage
from training.services.documents import document_issue

pytestmark = pytest.mark.django_db

FIRST_HALF = (datetime.date(2026, 1, 1), datetime.date(2026, 6, 30))
IN_DAY = datetime.date(2026, 3, 2)  # a Monday in the first half
OUT_DAY = datetime.date(2026, 9, 7)  # a Monday in the second half
IN_CODE, OUT_CODE = "2026-DEDANS-01", "2026-DEHORS-01"
HEALTH_NEED = "Besoin-de-sante-confidentiel"


def _moment(day: datetime.date, hour: int = 10) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour), tzinfo=PARIS)


@pytest.fixture(autouse=True)
def signatory(db):
    organisation = OrganisationSettings.load()
    organisation.legal_representative_name = "Dominique Roux"
    organisation.disability_referent_name = "Inès Référente"
    organisation.save()
    return organisation


def _held(session, day, trainees):
    """The session held on `day` (two half-days, locked): the first trainee present, the second absent
    the afternoon, the third absent all day."""
    slots = slots_create(session=session, first_day=day, days=1)
    locked_at = _moment(day, 18)
    for slot in slots:
        AttendanceSheet.objects.create(slot=slot, status=SheetStatus.LOCKED, opened_at=locked_at, locked_at=locked_at)
    present, partly, absent = trainees
    for slot in slots:
        Attendance.objects.create(registration=present, slot=slot, status=AttendanceStatus.PRESENT, hours=slot.hours)
        Attendance.objects.create(registration=absent, slot=slot, status=AttendanceStatus.ABSENT, hours=Decimal(0))
    Attendance.objects.create(registration=partly, slot=slots[0], status=AttendanceStatus.PRESENT, hours=slots[0].hours)
    Attendance.objects.create(registration=partly, slot=slots[1], status=AttendanceStatus.ABSENT, hours=Decimal(0))


def _survey(session, registrations, day):
    """An end-of-training campaign: the first trainee answered, the others were reminded."""
    questionnaire = Questionnaire.objects.get(slug="a_chaud")
    campaign = Campaign.objects.create(
        questionnaire=questionnaire,
        kind=questionnaire.kind,
        session=session,
        opened_at=_moment(day, 18),
        closes_at=_moment(day + datetime.timedelta(days=30)),
    )
    questions = {question.key: question for question in questionnaire.questions.all()}
    for index, registration in enumerate(registrations):
        invitation = Invitation.objects.create(
            campaign=campaign,
            registration=registration,
            email=registration.user.email,
            name=registration.user.get_full_name(),
            sent_at=_moment(day, 18),
            reminders_sent=0 if index == 0 else 2,
            answered_at=_moment(day + datetime.timedelta(days=1)) if index == 0 else None,
        )
        if index == 0:
            response = Response.objects.create(
                campaign=campaign,
                invitation=invitation,
                registration=registration,
                submitted_at=invitation.answered_at,
            )
            Answer.objects.create(response=response, question=questions["attentes"], number=4)
            Answer.objects.create(response=response, question=questions["objectifs"], number=3)
            Answer.objects.create(
                response=response, question=questions["commentaire"], text=f"Commentaire {session.code}"
            )


def _session(catalogue, *, code, day, marker, trainer):
    course = course_create(catalogue=catalogue, title=f"Formation {marker}", slug=f"formation-{marker.lower()}")
    session = SessionFactory(course=course, code=code, status=SessionStatus.DONE)
    session.trainers.add(trainer)
    trainees = [
        RegistrationFactory(
            session=session,
            status=RegistrationStatus.CONFIRMED,
            confirmed_at=_moment(day - datetime.timedelta(days=20)),
            user=UserFactory(first_name="Camille", last_name=f"{marker}{number}"),
            expectations=f"Attentes {marker}",
            prerequisites_declared=True,
        )
        for number in range(3)
    ]
    _held(session, day, trainees)
    RegistrationMessage.objects.create(
        registration=trainees[0],
        kind=MessageKind.CONFIRMED,
        recipient=trainees[0].user.email,
        subject=f"Convocation : {code}",
        attachments=[f"convocation-{code}.pdf"],
        sent_at=_moment(day - datetime.timedelta(days=20)),
    )
    trainees[0].accessibility_needs = f"{HEALTH_NEED} {marker}"
    trainees[0].accessibility_consent_at = _moment(day - datetime.timedelta(days=20))
    trainees[0].save()
    AccessibilityAdaptation.objects.create(
        registration=trainees[0],
        need=f"{HEALTH_NEED} {marker}",
        adaptation=f"Adaptation {marker}",
        decided_on=day - datetime.timedelta(days=10),
    )
    _survey(session, trainees, day)
    return session, trainees


def _registers(day, marker):
    received = _moment(day + datetime.timedelta(days=10))
    complaint = Complaint.objects.create(
        received_at=received, subject=f"Réclamation {marker}", description="…", complainant="Une stagiaire"
    )
    action = ImprovementAction.objects.create(title=f"Action {marker}", source="complaint", complaint=complaint)
    ImprovementAction.objects.filter(pk=action.pk).update(created_at=received)
    for kind in WatchKind.values:
        WatchEntry.objects.create(kind=kind, observed_on=day, source="Centre Inffo", title=f"Veille {kind} {marker}")
    StaffTraining.objects.create(person="Claire", title=f"Formation équipe {marker}", started_on=day)


@pytest.fixture
def two_periods(catalogue):
    """The same kind of evidence in the first half of 2026 (DEDANS) and in the second half (DEHORS)."""
    trainer_in = TrainerFactory(first_name="Nadia", last_name="Dedans")
    trainer_out = TrainerFactory(first_name="Paul", last_name="Dehors")
    session_in, trainees_in = _session(catalogue, code=IN_CODE, day=IN_DAY, marker="DEDANS", trainer=trainer_in)
    session_out, trainees_out = _session(catalogue, code=OUT_CODE, day=OUT_DAY, marker="DEHORS", trainer=trainer_out)
    qualification = TrainerQualification.objects.create(
        trainer=trainer_in, title="DU Promotion de la santé", obtained_on=datetime.date(2020, 6, 1)
    )
    qualification.document.save("diplome.pdf", ContentFile(b"%PDF-1.4 diplome DEDANS"))
    TrainerQualification.objects.create(
        trainer=trainer_in, title="Habilitation expiree", expires_on=datetime.date(2025, 12, 31)
    )
    TrainerQualification.objects.create(trainer=trainer_out, title="Qualification DEHORS")
    analysis_in = NeedsAnalysis.objects.create(
        session=session_in, carried_out_on=IN_DAY - datetime.timedelta(days=30), context="Besoin DEDANS"
    )
    analysis_in.document.save("compte-rendu.pdf", ContentFile(b"%PDF-1.4 compte rendu DEDANS"))
    NeedsAnalysis.objects.create(session=session_out, carried_out_on=OUT_DAY, context="Besoin DEHORS")
    DisabilityPartner.objects.create(name="Cap emploi Aveyron", kind="cap_emploi")
    _registers(IN_DAY, "DEDANS")
    _registers(OUT_DAY, "DEHORS")
    documents = [
        document_issue(
            kind=DocumentKind.CONVOCATION,
            session=session_in,
            registration=trainees_in[0],
            now=_moment(IN_DAY - datetime.timedelta(days=20)),
        )[0],
        document_issue(
            kind=DocumentKind.CERTIFICATE,
            session=session_in,
            registration=trainees_in[0],
            now=_moment(IN_DAY + datetime.timedelta(days=2)),
        )[0],
        document_issue(
            kind=DocumentKind.ATTESTATION,
            session=session_in,
            registration=trainees_in[0],
            now=_moment(IN_DAY + datetime.timedelta(days=2)),
        )[0],
    ]
    document_issue(
        kind=DocumentKind.CERTIFICATE,
        session=session_out,
        registration=trainees_out[0],
        now=_moment(OUT_DAY + datetime.timedelta(days=2)),
    )
    return {"session_in": session_in, "session_out": session_out, "documents": documents}


def _built(committed, period=FIRST_HALF) -> EvidencePack:
    with committed():
        pack, created = evidence_pack_request(date_from=period[0], date_to=period[1])
    assert created
    pack.refresh_from_db()
    assert pack.status == EvidencePackStatus.DONE, pack.error
    return pack


def _zip(pack: EvidencePack) -> zipfile.ZipFile:
    with pack.file.open("rb") as stored:
        return zipfile.ZipFile(io.BytesIO(stored.read()))


def _text_of(archive: zipfile.ZipFile, name: str) -> str:
    """What a reader sees in a file: every cell of a workbook, or the text of a text file."""
    content = archive.read(name)
    if name.endswith(".xlsx"):
        workbook = openpyxl.load_workbook(io.BytesIO(content), read_only=True)
        return "\n".join(
            str(value)
            for sheet in workbook.worksheets
            for row in sheet.iter_rows(values_only=True)
            for value in row
            if value is not None
        )
    if name.endswith((".html", ".csv", ".txt", ".xml")):
        return content.decode("utf-8-sig")
    return ""


def _folders(archive: zipfile.ZipFile) -> set[str]:
    return {name.split("/", 1)[0] for name in archive.namelist() if "/" in name}


def _applicable_folders() -> dict[int, str]:
    return {
        indicator.number: indicator_folder(indicator.number, indicator.title)
        for indicator in QualiopiIndicator.objects.filter(applicable=True)
    }


# What the pack holds
# ------------------------------------------------------------------------------


def test_indicator_folders_are_named_from_their_number_and_title():
    assert indicator_folder(1, "Information du public sur les prestations (prérequis, objectifs…)") == (
        "01-information-du-public"
    )
    assert indicator_folder(2, "Indicateurs de résultats publiés") == "02-indicateurs-de-resultats"
    assert indicator_folder(26, "Mobilisation de l'expertise, des outils et réseaux sur le handicap") == (
        "26-mobilisation-de-l-expertise"
    )


def test_a_pack_holds_each_applicable_indicators_evidence_and_nothing_from_outside_the_period(two_periods, committed):
    archive = _zip(_built(committed))
    names = set(archive.namelist())
    folders = _applicable_folders()

    # One folder per applicable indicator (and the sessions), none for the others.
    assert _folders(archive) == {"00-sessions", *folders.values()}
    assert not any(name.startswith(("03-", "07-", "13-", "14-", "27-", "29-")) for name in names)
    assert {"index.html", "manifeste.csv"} <= names

    def expect(number: int, *relative: str) -> None:
        folder = folders[number] if number else "00-sessions"
        for path in relative:
            assert f"{folder}/{path}" in names, f"{folder}/{path} missing"

    course_in = two_periods["session_in"].course
    revision_day = timezone.localdate(course_in.last_published_at)
    expect(0, "sessions.xlsx", f"{IN_CODE}/feuille-emargement-{IN_CODE.lower()}.pdf", "LISEZMOI.txt")
    expect(1, f"programmes/programme-{course_in.slug}-{revision_day:%Y-%m-%d}.pdf", "fiches-formation.xlsx")
    expect(2, "resultats-2026-01-01-2026-06-30.pdf", "resultats-2026-01-01-2026-06-30.csv")
    expect(4, "analyses-besoin.xlsx", "attentes-inscription.xlsx")
    expect(5, "objectifs.xlsx")
    expect(6, "sequences.xlsx")
    expect(8, "positionnement-reponses.xlsx", "prerequis-inscriptions.xlsx")
    expect(9, "journal-envois.xlsx")
    expect(10, "besoins-adaptation-par-session.xlsx")
    expect(11, "objectifs-atteints-par-session.xlsx")
    expect(12, "absences-abandons.xlsx", "assiduite-par-session.xlsx")
    expect(17, "lieux-de-formation.xlsx")
    expect(18, "rapports-formateurs.xlsx")
    expect(21, "formateurs.xlsx", "qualifications-formateurs.xlsx")
    expect(22, "formations-equipe.xlsx")
    expect(23, "veille-legale.xlsx")
    expect(24, "veille-emplois-metiers.xlsx")
    expect(25, "veille-innovations.xlsx")
    expect(26, "adaptations.xlsx", "partenaires-handicap.xlsx")
    expect(30, "campagnes.xlsx", f"resultats/{IN_CODE}-a-chaud.xlsx", "relances-non-repondants.xlsx")
    expect(31, "reclamations.xlsx")
    expect(32, "actions-amelioration.xlsx")
    for number in folders:
        expect(number, "LISEZMOI.txt")
    assert any(name.startswith(f"{folders[4]}/pieces/") for name in names)
    assert [name for name in names if name.startswith(f"{folders[21]}/justificatifs/")] == [
        name for name in names if name.endswith(".pdf") and "du-promotion-de-la-sante" in name
    ]
    # The issued documents of the period, each in its indicator's folder.
    expect(9, *[f"convocations/{IN_CODE}/{d.file.name.rsplit('/', 1)[-1]}" for d in two_periods["documents"][:1]])
    expect(0, f"{IN_CODE}/{two_periods['documents'][1].file.name.rsplit('/', 1)[-1]}")
    expect(11, f"attestations/{IN_CODE}/{two_periods['documents'][2].file.name.rsplit('/', 1)[-1]}")

    # Nothing from the other half of the year: not in a path, not in a cell or a line of text.
    assert not [name for name in names if OUT_CODE in name or "dehors" in name.lower()]
    texts = {name: _text_of(archive, name) for name in names}
    [lheo] = [name for name in names if name.startswith(f"{folders[1]}/catalogue-lheo-")]
    assert OUT_CODE not in texts.pop(lheo)  # the public catalogue lists every course, no other session
    assert not [name for name, text in texts.items() if OUT_CODE in text or "DEHORS" in text or "Dehors" in text]
    # …while the period's own records are there (the checks above would pass on an empty pack otherwise).
    assert IN_CODE in texts["00-sessions/sessions.xlsx"]
    assert IN_CODE in texts[f"{folders[9]}/journal-envois.xlsx"]
    assert "Réclamation DEDANS" in texts[f"{folders[31]}/reclamations.xlsx"]
    assert "Action DEDANS" in texts[f"{folders[32]}/actions-amelioration.xlsx"]
    assert "Veille legal DEDANS" in texts[f"{folders[23]}/veille-legale.xlsx"]
    assert "Veille jobs DEDANS" in texts[f"{folders[24]}/veille-emplois-metiers.xlsx"]
    assert "Formation équipe DEDANS" in texts[f"{folders[22]}/formations-equipe.xlsx"]
    assert "Besoin DEDANS" in texts[f"{folders[4]}/analyses-besoin.xlsx"]
    assert "Attentes DEDANS" in texts[f"{folders[4]}/attentes-inscription.xlsx"]
    assert "DEDANS2" in texts[f"{folders[12]}/absences-abandons.xlsx"]  # absent all day
    assert "Dedans" in texts[f"{folders[21]}/formateurs.xlsx"]
    qualifications = texts[f"{folders[21]}/qualifications-formateurs.xlsx"]
    assert "DU Promotion de la santé" in qualifications and "Habilitation expiree" not in qualifications
    assert f"Commentaire {IN_CODE}" in texts[f"{folders[30]}/resultats/{IN_CODE}-a-chaud.xlsx"]
    # What a person must still supply is in the manifest, per indicator.
    assert escape(QualiopiIndicator.objects.get(number=9).evidence_manual) in texts["index.html"]


def test_the_manifest_lists_every_file_with_its_sha256_and_issued_documents_are_copied_unchanged(
    two_periods, committed
):
    pack = _built(committed)
    archive = _zip(pack)

    with pack.file.open("rb") as stored:
        content = stored.read()
    assert pack.sha256 == hashlib.sha256(content).hexdigest() and pack.size == len(content)
    assert pack.file_count == len(archive.namelist())
    assert pack.total > 0 and pack.done == pack.total and pack.finished_at is not None

    rows = list(csv.DictReader(io.StringIO(archive.read("manifeste.csv").decode("utf-8-sig")), delimiter=";"))
    listed = {row["chemin"]: row for row in rows}
    files = set(archive.namelist()) - {"index.html", "manifeste.csv"}
    assert set(listed) == files
    for name in files:
        data = archive.read(name)
        assert listed[name]["sha256"] == hashlib.sha256(data).hexdigest(), name
        assert int(listed[name]["taille"]) == len(data)
    # A file several indicators rely on is listed once per indicator, with the same hash.
    sessions_rows = [row for row in rows if row["chemin"] == "00-sessions/sessions.xlsx"]
    assert {row["indicateur"] for row in sessions_rows} >= {"0", "9", "17", "18"}
    assert len({row["sha256"] for row in sessions_rows}) == 1

    for document in two_periods["documents"]:
        [name] = [n for n in files if n.endswith("/" + document.file.name.rsplit("/", 1)[-1])]
        with document.file.open("rb") as stored:
            assert archive.read(name) == stored.read()
        assert listed[name]["sha256"] == document.sha256
    out_of_period = Document.objects.get(session=two_periods["session_out"])
    assert not [n for n in files if n.endswith(out_of_period.file.name.rsplit("/", 1)[-1])]
    index = archive.read("index.html").decode()
    assert two_periods["documents"][1].sha256 in index


def test_a_changed_or_missing_stored_document_is_reported_not_hidden(two_periods, committed):
    convocation, certificate, _attestation = two_periods["documents"]
    with private_storage().open(certificate.file.name, "wb") as stored:
        stored.write(b"%PDF-1.4 altered")
    private_storage().delete(convocation.file.name)

    archive = _zip(_built(committed))

    index = archive.read("index.html").decode()
    manifest = archive.read("manifeste.csv").decode("utf-8-sig")
    altered = certificate.file.name.rsplit("/", 1)[-1]
    # The altered certificate is copied as it is now, and the hash recorded at its issue is shown beside it.
    assert certificate.sha256 in index and certificate.sha256 not in manifest
    assert hashlib.sha256(b"%PDF-1.4 altered").hexdigest() in manifest and altered in manifest
    # The missing convocation is named in the manifest page, not in the ZIP.
    missing = convocation.file.name.rsplit("/", 1)[-1]
    assert missing in index and missing not in manifest
    assert not [n for n in archive.namelist() if n.endswith(missing)]


def test_accessibility_needs_never_reach_the_pack_and_adaptations_are_pseudonymised(two_periods, committed):
    archive = _zip(_built(committed))
    folders = _applicable_folders()

    for name in archive.namelist():
        assert HEALTH_NEED not in _text_of(archive, name), name
    adaptations = _text_of(archive, f"{folders[26]}/adaptations.xlsx")
    trainee = AccessibilityAdaptation.objects.get(adaptation="Adaptation DEDANS").registration
    assert "Adaptation DEDANS" in adaptations and str(trainee.pk) in adaptations
    assert trainee.user.last_name not in adaptations
    counts = _text_of(archive, f"{folders[10]}/besoins-adaptation-par-session.xlsx")
    assert IN_CODE in counts


def test_an_indicator_that_does_not_apply_gets_no_folder_and_its_evidence_moves_home(two_periods):
    QualiopiIndicator.objects.filter(number__in=(12, 21)).update(applicable=False)
    QualiopiIndicator.objects.filter(number=27).update(applicable=True)

    plan = evidence_plan(EvidencePack(date_from=FIRST_HALF[0], date_to=FIRST_HALF[1]))
    folders = {file.path.split("/", 1)[0] for file in plan.files}

    assert not any(folder.startswith(("12-", "21-")) for folder in folders)
    assert any(folder.startswith("27-") for folder in folders)
    paths = {file.path for file in plan.files}
    assert any(path.startswith("10-") and path.endswith("absences-abandons.xlsx") for path in paths)
    assert any(path.startswith("17-") and path.endswith("formateurs.xlsx") for path in paths)


# Building: the command, the task, failures
# ------------------------------------------------------------------------------


def test_the_command_writes_the_pack_to_the_file(two_periods, tmp_path):
    output = tmp_path / "pack.zip"
    stdout = io.StringIO()

    call_command("evidence_pack", "--from", "2026-01-01", "--to", "2026-06-30", "--output", str(output), stdout=stdout)

    pack = EvidencePack.objects.get()
    assert pack.status == EvidencePackStatus.DONE and pack.requested_by is None
    assert hashlib.sha256(output.read_bytes()).hexdigest() == pack.sha256
    assert str(pack.file_count) in stdout.getvalue() and pack.sha256 in stdout.getvalue()
    assert zipfile.ZipFile(output).testzip() is None


def test_the_command_refuses_a_reversed_period_or_a_bad_date(tmp_path):
    with pytest.raises(CommandError):
        call_command("evidence_pack", "--from", "2026-06-30", "--to", "2026-01-01", "--output", str(tmp_path / "p.zip"))
    with pytest.raises(CommandError):
        call_command("evidence_pack", "--from", "30/06/2026", "--to", "2026-12-31", "--output", str(tmp_path / "p.zip"))
    assert not EvidencePack.objects.exists()


def test_the_period_must_be_ordered_and_at_most_three_years():
    with pytest.raises(SurveyError) as reversed_error:
        evidence_pack_request(date_from=datetime.date(2026, 6, 30), date_to=datetime.date(2026, 1, 1))
    with pytest.raises(SurveyError) as long_error:
        evidence_pack_request(date_from=datetime.date(2022, 1, 1), date_to=datetime.date(2026, 1, 1))
    assert (reversed_error.value.code, long_error.value.code) == ("period_reversed", "period_too_long")
    assert not EvidencePack.objects.exists()


def test_a_second_request_for_a_period_being_prepared_returns_that_pack():
    first, created = evidence_pack_request(date_from=FIRST_HALF[0], date_to=FIRST_HALF[1])  # not committed: queued
    second, created_again = evidence_pack_request(date_from=FIRST_HALF[0], date_to=FIRST_HALF[1])

    assert created and not created_again and first == second


def test_a_retried_task_leaves_a_ready_pack_as_it_is(committed):
    pack = _built(committed)
    before = (pack.file.name, pack.sha256, pack.finished_at, pack.done, pack.total)

    assert evidence_pack_build_task(pack.pk) == EvidencePackStatus.DONE

    pack.refresh_from_db()
    assert (pack.file.name, pack.sha256, pack.finished_at, pack.done, pack.total) == before
    assert len(private_storage().listdir(pack.file.name.rsplit("/", 1)[0])[1]) == 1


def test_an_interrupted_pack_is_built_again_from_scratch():
    pack = EvidencePack.objects.create(
        date_from=FIRST_HALF[0], date_to=FIRST_HALF[1], status=EvidencePackStatus.RUNNING, done=7, total=9
    )

    evidence_pack_build(pack_id=pack.pk)

    pack.refresh_from_db()
    assert pack.status == EvidencePackStatus.DONE and pack.file and pack.done == pack.total > 9


def test_when_two_runs_overlap_the_first_to_finish_wins(monkeypatch):
    pack = EvidencePack.objects.create(date_from=FIRST_HALF[0], date_to=FIRST_HALF[1])
    write = evidence.evidence_pack_write

    def another_run_finishes_meanwhile(*args, **kwargs):
        built = write(*args, **kwargs)
        EvidencePack.objects.filter(pk=pack.pk).update(
            status=EvidencePackStatus.DONE, file="qualite/dossiers/2026/autre.zip", sha256="a" * 64
        )
        return built

    monkeypatch.setattr(evidence, "evidence_pack_write", another_run_finishes_meanwhile)
    evidence_pack_build(pack_id=pack.pk)

    pack.refresh_from_db()
    assert (pack.file.name, pack.sha256) == ("qualite/dossiers/2026/autre.zip", "a" * 64)
    assert private_storage().listdir("qualite/dossiers/2026")[1] == []  # this run's file was discarded


def test_a_failure_marks_the_pack_failed_and_a_retry_does_not_run_it_again(monkeypatch):
    calls = []

    def broken(plan, section):
        calls.append(section.number)
        raise RuntimeError("disk full")

    monkeypatch.setitem(evidence.COLLECTORS, 31, broken)
    pack = EvidencePack.objects.create(date_from=FIRST_HALF[0], date_to=FIRST_HALF[1])

    evidence_pack_build(pack_id=pack.pk)
    evidence_pack_build_task(pack.pk)

    pack.refresh_from_db()
    assert pack.status == EvidencePackStatus.FAILED and pack.error and not pack.file
    assert calls == [31]


# The back office
# ------------------------------------------------------------------------------


def _staff(*codenames):
    user = UserFactory()
    user.user_permissions.add(
        *Permission.objects.filter(codename__in=("access_admin", *codenames)),
    )
    return user


def test_reading_and_requesting_packs_need_their_permissions(client, committed):
    pack = _built(committed)
    index = reverse("evidence_packs:index")
    status = reverse("evidence_packs:status", args=[pack.pk])
    download = reverse("evidence_packs:download", args=[pack.pk])

    client.force_login(_staff())
    for url in (index, status, download):
        assert client.get(url).status_code in (302, 403)

    client.force_login(_staff("view_evidencepack"))
    page = client.get(index)
    assert page.status_code == 200 and download in page.content.decode()
    assert 'name="date_from"' not in page.content.decode()  # no form without the right to request
    refused = client.post(index, {"date_from": "2026-01-01", "date_to": "2026-06-30"})
    assert refused.status_code in (302, 403) and EvidencePack.objects.count() == 1
    response = client.get(download)
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    assert hashlib.sha256(b"".join(response.streaming_content)).hexdigest() == pack.sha256
    assert ModelLogEntry.objects.filter(action="evaluations.evidence_pack.download", object_id=str(pack.pk)).exists()


def test_a_coordinator_requests_a_pack_and_follows_its_progress(client, committed):
    user = _staff("view_evidencepack", "add_evidencepack")
    client.force_login(user)
    form = client.get(reverse("evidence_packs:index")).content.decode()
    today = timezone.localdate()
    assert f'value="{today:%Y-%m-%d}"' in form  # the last twelve months by default

    with committed():
        response = client.post(reverse("evidence_packs:index"), {"date_from": "2026-01-01", "date_to": "2026-06-30"})

    pack = EvidencePack.objects.get()
    assert response.status_code == 302 and pack.requested_by == user
    assert pack.status == EvidencePackStatus.DONE
    state = client.get(reverse("evidence_packs:status", args=[pack.pk])).json()
    assert state == {
        "status": "done",
        "status_label": pack.get_status_display(),
        "done": pack.total,
        "total": pack.total,
        "progress": 100,
        "finished": True,
    }


def test_the_page_shows_the_progress_of_a_pack_being_built_and_refuses_a_reversed_period(client):
    client.force_login(_staff("view_evidencepack", "add_evidencepack"))
    running = EvidencePack.objects.create(
        date_from=FIRST_HALF[0], date_to=FIRST_HALF[1], status=EvidencePackStatus.RUNNING, done=30, total=120
    )

    page = client.get(reverse("evidence_packs:index")).content.decode()
    assert reverse("evidence_packs:status", args=[running.pk]) in page and "batch_progress" in page
    state = client.get(reverse("evidence_packs:status", args=[running.pk])).json()
    assert (state["progress"], state["finished"]) == (25, False)

    refused = client.post(reverse("evidence_packs:index"), {"date_from": "2026-06-30", "date_to": "2026-01-01"})
    assert refused.status_code == 200 and 'id="pack-errors"' in refused.content.decode()
    assert EvidencePack.objects.count() == 1


def test_the_list_of_packs_costs_a_fixed_number_of_queries(client, django_assert_max_num_queries):
    user = _staff("view_evidencepack", "add_evidencepack")
    client.force_login(user)
    for month in range(1, 13):
        EvidencePack.objects.create(
            date_from=datetime.date(2025, month, 1),
            date_to=datetime.date(2026, month, 1),
            requested_by=UserFactory(),
            status=EvidencePackStatus.DONE,
            file=f"qualite/dossiers/2026/p{month}.zip",
        )
    with django_assert_max_num_queries(12):
        assert client.get(reverse("evidence_packs:index")).status_code == 200
