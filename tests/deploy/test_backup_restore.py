"""deploy/backup.sh and deploy/restore.sh on a real PostgreSQL: a throwaway database is migrated and
given a little data and files, backed up, restored into another database and other directories,
and compared table by table (row counts of every table) and file by file (sha256)."""

import hashlib
import os
import shutil
import subprocess
import sys
import uuid
from pathlib import Path

import psycopg
import pytest

from django.db import connection

ROOT = Path(__file__).resolve().parents[2]
BACKUP = ROOT / "deploy" / "backup.sh"
RESTORE = ROOT / "deploy" / "restore.sh"

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="backups are of PostgreSQL databases"),
    pytest.mark.skipif(shutil.which("pg_dump") is None, reason="needs the PostgreSQL client (pg_dump, pg_restore)"),
]

# A course, a session with its half-days and three trainees, through the project's own factories.
SEED = """
from wagtail.models import Page
from cms.models import CatalogueIndexPage, HomePage
from tests.factories import RegistrationFactory, SessionFactory, course_create, professional_create, slots_create
import datetime
home = Page.get_first_root_node().add_child(instance=HomePage(title="Accueil", slug="accueil-sauvegarde"))
catalogue = home.add_child(instance=CatalogueIndexPage(title="Nos formations", slug="formations"))
session = SessionFactory(course=course_create(catalogue=catalogue))
slots_create(session=session, first_day=datetime.date(2026, 3, 2), days=2)
for _ in range(3):
    RegistrationFactory(session=session, user=professional_create(), status="confirmed")
"""


def _url(name: str) -> str:
    settings = connection.settings_dict
    password = f":{settings['PASSWORD']}" if settings["PASSWORD"] else ""
    return (
        f"postgresql://{settings['USER']}{password}@{settings['HOST'] or '127.0.0.1'}:{settings['PORT'] or 5432}/{name}"
    )


def _admin(sql: str) -> None:
    with psycopg.connect(_url("postgres"), autocommit=True) as admin:
        admin.execute(sql)


def _environment(**variables) -> dict[str, str]:
    """The test process's environment without what the scripts must find in their env file, and
    embedded otherwise (no broker, a local cache): nothing reaches CI's Redis."""
    own = {"DATABASE_URL", "MEDIA_ROOT", "PRIVATE_MEDIA_ROOT", "BACKUP_DIR", "BACKUP_KEEP", "SECRET_KEY"}
    keep = {key: value for key, value in os.environ.items() if key not in own | {"CELERY_BROKER_URL", "CACHE_URL"}}
    return {**keep, "DJANGO_SETTINGS_MODULE": "config.settings", "PYTHON": sys.executable, **variables}


def _run(command, env, *, check=True) -> subprocess.CompletedProcess:
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=900)
    if check and result.returncode != 0:
        pytest.fail(f"{command} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}")
    return result


def _row_counts(url: str) -> dict[str, int]:
    with psycopg.connect(url) as database:
        tables = database.execute(
            "SELECT table_schema, table_name FROM information_schema.tables"
            " WHERE table_type = 'BASE TABLE' AND table_schema NOT IN ('pg_catalog', 'information_schema')"
        ).fetchall()
        return {
            f"{schema}.{table}": database.execute(f'SELECT count(*) FROM "{schema}"."{table}"').fetchone()[0]
            for schema, table in tables
        }


def _digests(directory: Path) -> dict[str, str]:
    return {
        str(path.relative_to(directory)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(directory.rglob("*"))
        if path.is_file()
    }


@pytest.fixture(scope="module")
def databases():
    """Two throwaway databases: the source (migrated, seeded) and the restore target (empty)."""
    suffix = uuid.uuid4().hex[:8]
    source, target = f"formations_backup_source_{suffix}", f"formations_backup_target_{suffix}"
    for name in (source, target):
        _admin(f'CREATE DATABASE "{name}"')
    try:
        env = _environment(DATABASE_URL=_url(source), SECRET_KEY="backup-test-" + "x" * 50)
        _run([sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"], env)
        _run([sys.executable, "manage.py", "shell", "-c", SEED], env)
        yield source, target
    finally:
        for name in (source, target):
            _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def site(tmp_path, databases):
    """The site's files and its environment file, as in production (a line a shell could not source too)."""
    media, private = tmp_path / "media", tmp_path / "private"
    (media / "original_images").mkdir(parents=True)
    (media / "original_images" / "affiche.png").write_bytes(bytes(range(256)) * 40)
    (media / "documents").mkdir()
    (media / "documents" / "programme 2026.pdf").write_bytes(b"%PDF-1.7 programme")
    (private / "documents" / "2026" / "03").mkdir(parents=True)
    (private / "documents" / "2026" / "03" / "Certificat Chloé Durand.pdf").write_bytes(os.urandom(5000))
    (private / "scans").mkdir()
    (private / "scans" / "emargement.jpg").write_bytes(os.urandom(20000))
    (private / "scans" / "empty.txt").write_bytes(b"")
    env_file = tmp_path / "env"
    env_file.write_text(
        "# as /etc/formations/env\n"
        "DEFAULT_FROM_EMAIL=Promotion Santé Occitanie <formation@example.org>\n"
        f"SECRET_KEY=backup-test-{'y' * 50}\n"
        f"DATABASE_URL={_url(databases[0])}\n"
        f"MEDIA_ROOT={media}\n"
        f'PRIVATE_MEDIA_ROOT="{private}"\n'
        f"BACKUP_DIR={tmp_path / 'backups'}\n"
        "BACKUP_KEEP=2\n"
    )
    return {"env": _environment(FORMATIONS_ENV_FILE=str(env_file)), "media": media, "private": private, "tmp": tmp_path}


def test_a_backup_restores_every_row_and_every_file_into_another_database(site, databases):
    source, target = databases
    source_counts = _row_counts(_url(source))
    assert source_counts["public.training_registration"] == 3 and source_counts["public.training_slot"] == 4
    assert source_counts["public.accounts_department"] == 13  # from the migrations

    backup = Path(_run(["bash", str(BACKUP)], site["env"]).stdout.strip())

    manifest = (backup / "manifest").read_text().splitlines()
    assert {line.split()[-1] for line in manifest if line.startswith("file ")} == {
        "database.dump",
        "media.tar.gz",
        "private.tar.gz",
    }
    assert {line.split()[1]: int(line.split()[2]) for line in manifest if line.startswith("rows ")} == source_counts

    restored = {
        "MEDIA_ROOT": str(site["tmp"] / "restored-media"),
        "PRIVATE_MEDIA_ROOT": str(site["tmp"] / "restored-private"),
    }
    restore_env = {**site["env"], **restored}
    result = _run(["bash", str(RESTORE), "--database", target, str(backup)], restore_env)

    assert "restore complete" in result.stderr
    assert _row_counts(_url(target)) == source_counts
    assert _digests(Path(restored["MEDIA_ROOT"])) == _digests(site["media"]) != {}
    assert _digests(Path(restored["PRIVATE_MEDIA_ROOT"])) == _digests(site["private"])
    assert "scans/empty.txt" in _digests(site["private"])

    # The target now holds data: a second restore is refused, and replaces everything with --force.
    refused = _run(["bash", str(RESTORE), "--database", target, str(backup)], restore_env, check=False)
    assert refused.returncode != 0 and "--force" in refused.stderr
    with psycopg.connect(_url(target), autocommit=True) as database:
        database.execute("DELETE FROM training_registration")
        database.execute("CREATE TABLE stray (id int)")
    Path(restored["PRIVATE_MEDIA_ROOT"], "stray.pdf").write_bytes(b"not in the backup")
    _run(["bash", str(RESTORE), "--force", "--database", target, str(backup)], restore_env)
    assert _row_counts(_url(target)) == source_counts
    assert _digests(Path(restored["PRIVATE_MEDIA_ROOT"])) == _digests(site["private"])


def test_a_damaged_backup_is_not_restored(site, databases):
    _source, target = databases
    backup = Path(_run(["bash", str(BACKUP)], site["env"]).stdout.strip())
    damaged = site["tmp"] / "damaged"
    shutil.copytree(backup, damaged)
    data = bytearray((damaged / "private.tar.gz").read_bytes())
    data[len(data) // 2] ^= 0xFF
    (damaged / "private.tar.gz").write_bytes(bytes(data))
    restore_env = {**site["env"], "MEDIA_ROOT": str(site["tmp"] / "m"), "PRIVATE_MEDIA_ROOT": str(site["tmp"] / "p")}

    result = _run(["bash", str(RESTORE), "--force", "--database", target, str(damaged)], restore_env, check=False)

    assert result.returncode != 0 and "private.tar.gz does not match its sha256" in result.stderr
    assert not (site["tmp"] / "p").exists()  # nothing was touched


def test_only_the_last_backup_keep_backups_are_kept(site):
    made = [Path(_run(["bash", str(BACKUP)], site["env"]).stdout.strip()) for _ in range(3)]

    kept = sorted(path.name for path in (site["tmp"] / "backups").iterdir())

    assert len(set(made)) == 3
    assert kept == [made[1].name, made[2].name]
