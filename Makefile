# Impactfonds — the two commands: `make demo` and `make test`. Both create and use .venv/ at the root.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
UV := $(VENV)/bin/uv
STAMP := $(VENV)/.installed

.PHONY: install demo test lint format migrations-check pytest messages run clean backup restore prod-smoke audit

install: $(STAMP)

$(PY):
	@command -v $(PYTHON) >/dev/null || { echo "Python 3.11 is required ($(PYTHON) not found)"; exit 1; }
	$(PYTHON) -m venv $(VENV)

$(STAMP): requirements.lock | $(PY)
	$(PY) -m pip install --quiet --disable-pip-version-check uv==0.13.9
	$(UV) pip install --quiet --python $(PY) -r requirements.lock
	@touch $(STAMP)

demo: install
	$(PY) manage.py migrate --no-input -v 0
	$(PY) manage.py load_demo
	@echo "Impactfonds draait op http://127.0.0.1:8000/  (stoppen: Ctrl+C)"
	$(PY) manage.py runserver 127.0.0.1:8000 --noreload

test: install lint migrations-check pytest

lint:
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: install
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

migrations-check:
	DJANGO_SETTINGS_MODULE=config.settings.test $(PY) manage.py makemigrations --check --dry-run

pytest:
	@if [ -x /usr/bin/chromium ]; then echo "Browser journeys: running with /usr/bin/chromium"; \
	else echo "Browser journeys: SKIPPED — /usr/bin/chromium is missing (apt-get install chromium)"; fi
	$(PY) -m pytest -n auto -m "not worker"
	@# the real-worker test in a process of its own: it points the Celery app at its broker (skipped without
	@# PostgreSQL and Redis, saying so)
	$(PY) -m pytest -m worker -rs

messages: install
	$(PY) manage.py makemessages -l nl -l en --ignore=.venv --ignore=tests
	$(PY) manage.py compilemessages --ignore=.venv

run: install
	$(PY) manage.py runserver 127.0.0.1:8000

# Production-like run: gunicorn + Celery worker + beat with config.settings.production on PostgreSQL and
# Redis; every demo role's pages walked (ops/prod_smoke.py). CI runs it after the tests.
prod-smoke: install
	$(PY) ops/prod_smoke.py

# Backup and restore (PostgreSQL; DATABASE_URL as for the app). See README, "Backup and restore".
BACKUP_DIR ?= backups
backup:
	@test -n "$$DATABASE_URL" || { echo "DATABASE_URL is not set"; exit 1; }
	mkdir -p $(BACKUP_DIR)
	pg_dump --format=custom --no-owner --file="$(BACKUP_DIR)/impactfonds-$$(date -u +%Y%m%dT%H%M%SZ).dump" "$$DATABASE_URL"
	@ls -1t $(BACKUP_DIR)/*.dump | head -1

restore: install
	@test -n "$(FILE)" || { echo "usage: make restore FILE=backups/impactfonds-….dump (into DATABASE_URL, an empty database)"; exit 1; }
	pg_restore --no-owner --exit-on-error --dbname="$$DATABASE_URL" "$(FILE)"
	$(PY) manage.py migrate --no-input -v 0
	$(PY) manage.py verify_integrity

# Dependency vulnerability scan (ASVS V10, docs/asvs.md): pip-audit, in a venv of its own, against the lock.
# It needs pypi.org's JSON API for the advisories (or OSV with AUDIT_SERVICE=osv); --strict makes it fail
# when a package could not be checked, instead of reporting "no known vulnerabilities". Not part of
# `make test` or CI: it needs the network beyond the package index, and CI must not fail on a network hiccup.
AUDIT_VENV := .venv-audit
AUDIT_SERVICE ?= pypi
audit:
	@test -x $(AUDIT_VENV)/bin/pip-audit || { $(PYTHON) -m venv $(AUDIT_VENV) && $(AUDIT_VENV)/bin/pip install --quiet --disable-pip-version-check pip-audit==2.10.1; }
	$(AUDIT_VENV)/bin/pip-audit -r requirements.lock --no-deps --disable-pip --strict --progress-spinner off -s $(AUDIT_SERVICE)

clean:
	rm -rf $(VENV) $(AUDIT_VENV) .pytest_cache .ruff_cache
