# Impactfonds — the two commands: `make demo` and `make test`. Both create and use .venv/ at the root.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
UV := $(VENV)/bin/uv
STAMP := $(VENV)/.installed

.PHONY: install demo test lint format migrations-check pytest messages run clean

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
	$(PY) -m pytest -n auto

messages: install
	$(PY) manage.py makemessages -l nl -l en --ignore=.venv --ignore=tests
	$(PY) manage.py compilemessages --ignore=.venv

run: install
	$(PY) manage.py runserver 127.0.0.1:8000

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
