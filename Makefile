# Kinlink: `make run` serves a demonstration node; `make test` runs the whole suite on SQLite and
# PostgreSQL. Both set up everything they need first (virtual environment, pinned packages,
# compiled translations, and for the tests a PostgreSQL cluster).
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: system-test-deps system-pdf-deps bench-dashboard bench-load run network test test-sqlite test-postgres test-browser lint check-deploy api-check bench bench-exchange bench-tracing bench-api messages makemessages clean setup

$(VENV)/.installed: requirements.txt requirements-dev.txt pyproject.toml
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet -r requirements-dev.txt
	$(PIP) install --quiet --no-deps --no-build-isolation -e .
	touch $@

# Compiled translations are built, never committed.
messages: $(VENV)/.installed
	$(VENV)/bin/pybabel compile --domain=django --directory=locale --statistics 2>&1 | tail -n 4
	# French and Arabic for django-otp-webauthn's scripts (the package ships Spanish itself).
	$(VENV)/bin/pybabel compile --domain=djangojs --directory=locale --statistics 2>&1 | tail -n 2

setup: $(VENV)/.installed messages

# What PDF documents need from Debian: Pango (WeasyPrint's text layout and Arabic shaping)
# and fonts with Latin and Arabic letters (DejaVu; Amiri, a Naskh face, for Arabic).
PDF_PACKAGES := libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core fonts-hosny-amiri
system-pdf-deps:
	bash scripts/ensure-debian-packages.sh $(PDF_PACKAGES)

# What the tests need from Debian: xgettext for the translation check, and the PDF packages.
system-test-deps: system-pdf-deps
	bash scripts/ensure-debian-packages.sh xgettext:gettext msgfmt:gettext

run: setup system-pdf-deps
	mkdir -p var
	KINLINK_DEBUG=1 KINLINK_DEMO=1 $(PY) manage.py migrate --no-input
	KINLINK_DEBUG=1 KINLINK_DEMO=1 $(PY) manage.py directory_load --if-empty
	KINLINK_DEBUG=1 KINLINK_DEMO=1 $(PY) manage.py load_demo
	# The worker keeps deadlines and overdue states current while the server runs.
	KINLINK_DEBUG=1 KINLINK_DEMO=1 $(PY) manage.py worker & worker=$$!; \
	  trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	  KINLINK_DEBUG=1 KINLINK_DEMO=1 $(PY) manage.py runserver 127.0.0.1:8000

# Three demonstration nodes (Morocco, Guinea, Italy) on 127.0.0.1:8001-8003, exchanging requests.
network: setup system-pdf-deps
	$(PY) scripts/network.py

test: test-sqlite test-postgres

test-sqlite: setup system-test-deps
	$(PY) -m pytest -m "not browser"

test-postgres: setup system-test-deps
	source scripts/postgres-test-cluster.sh && \
	  KINLINK_DB=postgresql $(PY) -m pytest -m "not browser"

# axe-core (pinned in tests/browser/axe/package-lock.json) is installed by npm from its registry.
AXE := tests/browser/axe/node_modules/axe-core/axe.min.js
$(AXE): tests/browser/axe/package.json tests/browser/axe/package-lock.json
	bash scripts/ensure-debian-packages.sh npm:npm
	npm ci --prefix tests/browser/axe --no-audit --no-fund --loglevel=error
	touch $@

test-browser: setup system-pdf-deps $(AXE)
	bash scripts/ensure-debian-packages.sh chromium:chromium pdftoppm:poppler-utils
	$(PY) -m pytest -m browser

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	KINLINK_DEBUG=1 $(VENV)/bin/mypy .
	KINLINK_DEBUG=1 $(PY) manage.py check --fail-level WARNING
	KINLINK_DEBUG=1 $(PY) manage.py makemigrations --check --dry-run
	# Security linter: any high-severity finding fails the gate.
	$(VENV)/bin/bandit --quiet --recursive kinlink config --severity-level high --confidence-level medium

# manage.py check --deploy with the environment a production node runs with.
check-deploy: setup
	env -u KINLINK_DEBUG -u KINLINK_DEMO \
	  KINLINK_SECRET_KEY="$$($(PY) -c 'import secrets; print(secrets.token_urlsafe(50))')" \
	  KINLINK_ALLOWED_HOSTS=kinlink.example.org \
	  $(PY) manage.py check --deploy --fail-level WARNING

# schemathesis against the OpenAPI description of a fresh demonstration node (~3 minutes).
api-check: setup
	bash scripts/api-check.sh

bench: setup
	$(PY) bench/page_weight.py

# 100,000 cases on PostgreSQL (a throw-away cluster), then the dashboards' render time.
bench-dashboard: setup system-test-deps
	source scripts/postgres-test-cluster.sh && KINLINK_DB=postgresql $(PY) bench/dashboard.py

# 200 caseworkers on a node on PostgreSQL with 100,000 cases (seeded once; tens of minutes).
bench-load: setup
	$(PIP) install --quiet -r requirements-bench.txt
	source scripts/postgres-test-cluster.sh && $(PY) bench/load.py

# Kinlink's matcher and Splink side by side (bench/tracing.py); SCALE=1 adds 100k × 20k.
bench-tracing: setup
	$(PIP) install --quiet -r bench/requirements-tracing.txt
	$(PY) bench/tracing.py $(if $(SCALE),--scale)

# Nodes on loopback, 10,000 envelopes, processes killed at random (several minutes).
bench-exchange: setup
	$(PY) bench/exchange_soak.py

# 50 writers x 200 edits of one case through the API on PostgreSQL: none lost.
bench-api: setup
	source scripts/postgres-test-cluster.sh && KINLINK_DB=postgresql $(PY) bench/api_concurrency.py

makemessages: setup
	KINLINK_DEBUG=1 $(PY) manage.py makemessages --all --no-location --no-obsolete \
	  --ignore=.venv --ignore=var --ignore=bench --ignore=tests

clean:
	rm -rf $(VENV) var .mypy_cache .ruff_cache
