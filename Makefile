# The two commands: `make run` and `make test`. Each does its own set-up on a fresh machine
# (system packages, a Python 3.13 virtualenv with pinned packages, migrations) and is quick
# when nothing changed. `make help` lists the rest.

SHELL := /bin/bash
.DEFAULT_GOAL := help
PORT ?= 8000
HOST ?= 127.0.0.1
VENV := .venv
PY := $(VENV)/bin/python
# Python 3.13 from pyenv (see .python-version), else whatever python3.13 is on the PATH.
PY313 := $(shell PYENV_VERSION=$$(cat .python-version) pyenv which python 2>/dev/null || command -v python3.13)
# Debian packages the service needs at run time and in tests.
# harfbuzz-subset makes WeasyPrint twice as fast; Amiri is the Arabic face for RTL packages;
# poppler-utils reads PDFs back in tests; Java runs the Nu Html Checker (npm vnu-jar).
# chromium is the browser the e2e tests drive through Playwright (which never downloads one).
SYSTEM_PACKAGES := gettext libharfbuzz-subset0 fonts-dejavu-core fonts-hosny-amiri poppler-utils chromium
# Commands we need, and the Debian package that brings each when the machine lacks it.
SYSTEM_COMMANDS := java:default-jre-headless npm:npm
STAMP_SYS := $(VENV)/.system-packages
STAMP_PY := $(VENV)/.installed
STAMP_NPM := node_modules/.installed

.PHONY: help screenshots run test test-tasks test-postgres lint format typecheck migrate seed sweep bench clean setup

help: ## List the targets
	@grep -E '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*?## "}; {printf "  \033[36m%-15s\033[0m %s\n", $$1, $$2}'

$(STAMP_SYS): Makefile
	@missing=$$(for p in $(SYSTEM_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done; \
	  for c in $(SYSTEM_COMMANDS); do command -v $${c%%:*} >/dev/null || echo $${c#*:}; done); \
	if [ -n "$$missing" ]; then \
	  echo "Installing system packages: $$missing"; \
	  SUDO=$$([ "$$(id -u)" = 0 ] || echo sudo); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing >/dev/null; \
	fi
	@mkdir -p $(VENV) && touch $@

$(STAMP_PY): requirements.txt requirements-dev.txt constraints.txt .python-version
	@test -n "$(PY313)" || { echo "Python 3.13 not found (pyenv install 3.13.0)"; exit 1; }
	@[ -x $(PY) ] && $(PY) -c 'import sys; sys.exit(sys.version_info[:2] != (3, 13))' || { rm -rf $(VENV); $(PY313) -m venv $(VENV); }
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r requirements-dev.txt -c constraints.txt
	@touch $@

$(STAMP_NPM): package.json package-lock.json
	npm ci --no-audit --no-fund --ignore-scripts --loglevel=error
	@touch $@

setup: $(STAMP_SYS) $(STAMP_PY) $(STAMP_NPM) ## Install system packages, the virtualenv and npm tools

migrate: setup ## Apply database migrations
	$(PY) manage.py migrate --noinput -v 0

seed: migrate ## Load the demo data (idempotent)
	$(PY) manage.py seed_demo

run: seed ## Serve on http://127.0.0.1:$(PORT) with demo data (SQLite by default)
	$(PY) manage.py collectstatic --noinput -v 0
	@echo ""
	@echo "  Republish page:  http://$(HOST):$(PORT)/republish/"
	@echo "  Staff admin:     http://$(HOST):$(PORT)/admin/"
	@echo "  API docs:        http://$(HOST):$(PORT)/api/docs/"
	@echo ""
	@echo "  Web server and task worker together; Ctrl-C stops both (docs/tasks.md)."
	$(PY) manage.py serve $(HOST):$(PORT)

test: setup ## Run the test suite on SQLite (DATABASE_URL=postgres://... for PostgreSQL)
	$(PY) -m pytest $(if $(DATABASE_URL),,-m "not postgres") $(PYTEST_ARGS)

test-tasks: setup ## Task tests on real workers (JOBS_TEST_ENGINE=rq, JOBS_TEST_WORKERS=2, DATABASE_URL)
	$(PY) -m pytest tests/jobs -m worker $(PYTEST_ARGS)

lint: setup ## ruff lint + format check, migrations check
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) manage.py makemigrations --check --dry-run

format: setup ## Format and autofix
	$(PY) -m ruff format .
	$(PY) -m ruff check --fix .

typecheck: setup ## mypy with django-stubs
	$(PY) -m mypy syndication licensing billing config

sweep: setup ## Lapse stale quotes and expire licences now
	$(PY) manage.py licensing_sweep

bench: setup ## Run the benchmarks in bench/
	@for f in bench/*.py; do echo "== $$f"; $(PY) $$f; done

clean: ## Remove the virtualenv and local data
	rm -rf $(VENV) var

screenshots: setup ## Save current screenshots of the main pages in docs/screenshots/ (docs/e2e.md)
	$(PY) -m pytest tests/e2e/screenshots.py $(PYTEST_ARGS)
