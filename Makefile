# Two commands on a fresh machine: `make run` (demo on http://127.0.0.1:8000/) and `make test`.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
MANAGE := $(BIN)/python manage.py
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test install lint format messages bench ci-check browser clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $@

install: $(VENV)/.installed locale/fr/LC_MESSAGES/django.mo

# A local .env for the embedded mode: debug on and a secret generated on this machine.
.env:
	@printf 'DEBUG=1\nSECRET_KEY=%s\n' "$$($(PYTHON) -c 'import secrets; print(secrets.token_urlsafe(50))')" > $@
	@echo "Created .env for the embedded mode (SQLite, eager tasks, console e-mail)."

locale/fr/LC_MESSAGES/django.mo: locale/fr/LC_MESSAGES/django.po
	msgfmt --check -o $@ $<

run: install .env
	$(MANAGE) migrate --noinput
	$(MANAGE) seed_demo
	$(MANAGE) runserver $(HOST):$(PORT)

# Browser tests drive Debian's Chromium; install it when it is missing (CI and developer machines run as root).
browser:
	@command -v chromium >/dev/null 2>&1 || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

test: install browser
	$(BIN)/pytest $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/djhtml --check templates

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .
	$(BIN)/djhtml templates

# Refresh the French catalogue after changing user-facing strings.
messages: install
	$(MANAGE) makemessages --locale fr --no-location --ignore '.venv/*' --ignore 'tests/*'
	msgfmt --check -o locale/fr/LC_MESSAGES/django.mo locale/fr/LC_MESSAGES/django.po

# The bench deploys a throwaway copy on the machine's PostgreSQL and Redis, as in production (its own
# database, dropped after the run). `make bench BENCH_DATABASE_URL= BENCH_BROKER_URL= BENCH_CACHE_URL=`
# measures the embedded mode instead; `make bench SCENARIOS=catalogue` runs one scenario.
BENCH_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/postgres
BENCH_BROKER_URL ?= redis://127.0.0.1:6379/3
BENCH_CACHE_URL ?= redis://127.0.0.1:6379/4
bench: install
	DATABASE_URL=$(BENCH_DATABASE_URL) CELERY_BROKER_URL=$(BENCH_BROKER_URL) CACHE_URL=$(BENCH_CACHE_URL) \
		$(BIN)/python -m bench $(SCENARIOS)

clean:
	rm -rf $(VENV) .env db.sqlite3 media private staticfiles
