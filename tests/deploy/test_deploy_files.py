"""The deployment files hold together: compose services and their health checks, variables
documented in env.example, nginx's paths and limits matching the settings, systemd units."""

import configparser
import re
from pathlib import Path

import yaml

from django.conf import settings

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
APP_SERVICES = {"migrate", "web", "worker", "beat"}


def _compose() -> dict:
    return yaml.safe_load((DEPLOY / "compose.yaml").read_text())


def _documented() -> set[str]:
    return set(re.findall(r"^([A-Z][A-Z0-9_]+)=", (DEPLOY / "env.example").read_text(), re.M))


def _nginx() -> str:
    return (DEPLOY / "nginx" / "formations.conf").read_text()


def _location(conf: str, path: str) -> str:
    match = re.search(rf"location {re.escape(path)} \{{(.*?)\n    \}}", conf, re.S)
    assert match, f"no location {path}"
    return match.group(1)


def _unit(name: str) -> configparser.ConfigParser:
    unit = configparser.ConfigParser(strict=False, interpolation=None)
    unit.optionxform = str
    unit.read_string((DEPLOY / "systemd" / name).read_text())
    return unit


def test_compose_runs_every_service_with_its_health_check_and_volumes():
    compose = _compose()
    services = compose["services"]

    assert {"web", "worker", "beat", "nginx", "postgres", "redis", "migrate"} <= set(services)
    for name, service in services.items():
        if name in ("migrate", "backup"):  # one-shot
            assert service["restart"] == "no"
            continue
        assert service["healthcheck"]["test"], name
        assert service["restart"] == "unless-stopped", name
    assert services["postgres"]["image"].startswith("postgres:16")
    assert {"pgdata", "media", "private", "static"} <= set(compose["volumes"])
    assert "pgdata:/var/lib/postgresql/data" in services["postgres"]["volumes"]
    assert "static:/var/lib/formations/static" in services["web"]["volumes"]
    assert "private:/var/lib/formations/private:ro" in services["nginx"]["volumes"]


def test_application_services_share_the_env_file_and_wait_for_healthy_dependencies():
    services = _compose()["services"]
    for name in APP_SERVICES:
        service = services[name]
        assert service["env_file"] == ".env", name
        assert service["build"]["dockerfile"] == "deploy/Dockerfile", name
        conditions = {dependency: rule["condition"] for dependency, rule in service["depends_on"].items()}
        assert conditions["redis"] == "service_healthy", name
        if name != "migrate":
            assert conditions["migrate"] == "service_completed_successfully", name
    assert "config.wsgi" in services["web"]["command"]
    assert services["worker"]["command"][:4] == ["celery", "-A", "config", "worker"]
    assert services["beat"]["command"][:4] == ["celery", "-A", "config", "beat"]
    assert services["beat"]["deploy"]["replicas"] == 1
    assert "migrate" in " ".join(services["migrate"]["command"])
    assert services["nginx"]["depends_on"]["web"]["condition"] == "service_healthy"
    assert services["web"]["environment"]["PRIVATE_MEDIA_X_ACCEL_PREFIX"] == "/protected/"


def test_every_variable_the_deployment_files_use_is_in_the_environment_template():
    used = set()
    for path in [DEPLOY / "compose.yaml", *sorted((DEPLOY / "systemd").iterdir())]:
        used |= set(re.findall(r"\$\{([A-Z][A-Z0-9_]*)", path.read_text()))
    for script in ("gunicorn.conf.py", "healthcheck.py"):
        used |= set(re.findall(r'os\.environ\.get\("([A-Z][A-Z0-9_]*)"', (DEPLOY / script).read_text()))
    for script in ("backup.sh", "restore.sh"):
        used |= set(re.findall(r"\$\{([A-Z][A-Z0-9_]*):[-?]", (DEPLOY / script).read_text())) - {"PYTHON"}

    assert {"POSTGRES_PASSWORD", "CELERY_CONCURRENCY", "BACKUP_DIR", "BACKUP_KEEP", "WEB_CONCURRENCY"} <= used
    assert used - _documented() == set()


def test_nginx_serves_the_settings_paths_and_accepts_the_largest_workbook():
    conf = _nginx()
    root = "/var/lib/formations"
    example = dict(re.findall(r"^([A-Z_]+)=(.*)$", (DEPLOY / "env.example").read_text(), re.M))

    assert example["STATIC_ROOT"] == f"{root}/static" and example["MEDIA_ROOT"] == f"{root}/media"
    assert example["PRIVATE_MEDIA_ROOT"] == f"{root}/private"
    assert f"alias {root}/static/;" in _location(conf, f"{settings.STATIC_URL}")
    assert "immutable" in _location(conf, settings.STATIC_URL)
    assert f"alias {root}/media/;" in _location(conf, settings.MEDIA_URL)
    private = _location(conf, example["PRIVATE_MEDIA_X_ACCEL_PREFIX"])
    assert "internal;" in private and f"alias {root}/private/;" in private
    # The private files are reachable through the internal location only.
    assert conf.count(f"{root}/private") == 1

    size = re.search(r"client_max_body_size (\d+)m;", conf)
    assert size and int(size.group(1)) * 1024 * 1024 > settings.HISTORY_IMPORT_MAX_BYTES
    assert "return 301 https://$host$request_uri;" in conf
    assert "ssl_protocols TLSv1.2 TLSv1.3;" in conf
    assert "/etc/letsencrypt/live/" in conf
    assert "proxy_set_header X-Forwarded-Proto $scheme;" in conf
    assert "gzip on;" in conf
    # HSTS comes from Django on proxied responses; nginx adds it only where Django's headers do not pass.
    assert "Strict-Transport-Security" not in _location(conf, "/")
    for upstream in ("upstream-compose.conf", "upstream-systemd.conf"):
        assert "upstream formations_app {" in (DEPLOY / "nginx" / upstream).read_text()
    assert "proxy_pass http://formations_app;" in conf


def test_systemd_units_read_the_env_file_restart_and_are_hardened():
    for name in ("formations-web.service", "formations-worker@.service", "formations-beat.service"):
        service = _unit(name)["Service"]
        assert service["EnvironmentFile"] == "/etc/formations/env", name
        assert service["Restart"] == "on-failure", name
        assert service["NoNewPrivileges"] == "yes" and service["ProtectSystem"] == "strict", name
        assert service["PrivateTmp"] == "yes", name
        assert service["User"] == "formations", name
    for name in ("formations-web.service", "formations-worker@.service"):
        assert _unit(name)["Service"]["ReadWritePaths"] == "/var/lib/formations/media /var/lib/formations/private"

    web = _unit("formations-web.service")
    assert "config.wsgi" in web["Service"]["ExecStart"]
    assert web["Unit"]["Requires"] == "formations-web.socket"
    assert _unit("formations-web.socket")["Socket"]["ListenStream"] == "/run/formations/gunicorn.sock"
    assert "unix:/run/formations/gunicorn.sock" in (DEPLOY / "nginx" / "upstream-systemd.conf").read_text()

    worker = _unit("formations-worker@.service")["Service"]
    assert "--concurrency=${CELERY_CONCURRENCY}" in worker["ExecStart"]
    assert "--hostname=worker%i@%H" in worker["ExecStart"]
    assert worker["KillSignal"] == "SIGTERM" and worker["KillMode"] == "mixed"
    assert worker["TimeoutStopSec"] == "15min"  # a batch of certificates finishes before the worker stops
    assert " beat " in _unit("formations-beat.service")["Service"]["ExecStart"]

    backup = _unit("formations-backup.service")["Service"]
    assert backup["Type"] == "oneshot" and backup["ExecStart"].endswith("deploy/backup.sh")
    assert backup["ReadWritePaths"] == "/var/backups/formations"
    timer = _unit("formations-backup.timer")
    assert timer["Timer"]["OnCalendar"] == "*-*-* 02:30:00" and timer["Timer"]["Persistent"] == "true"


def test_the_image_installs_the_project_and_runs_gunicorn_as_a_non_root_user():
    dockerfile = (DEPLOY / "Dockerfile").read_text()

    assert dockerfile.startswith("# ") and "FROM python:3.11-slim" in dockerfile
    for package in ("libpango-1.0-0", "libpangoft2-1.0-0", "fonts-dejavu-core", "postgresql-client-${PG_MAJOR}"):
        assert package in dockerfile
    assert "ARG PG_MAJOR=16" in dockerfile  # pg_dump of the compose file's server version
    assert "pip install ." in dockerfile and "collectstatic --noinput" in dockerfile
    assert "\nUSER formations\n" in dockerfile
    assert 'CMD ["gunicorn", "--config", "deploy/gunicorn.conf.py", "config.wsgi"]' in dockerfile
    assert "HEALTHCHECK" in dockerfile and "deploy/healthcheck.py" in dockerfile
