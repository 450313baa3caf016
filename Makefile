# Two commands matter: `make run` serves the site with the demo data on
# http://127.0.0.1:8000, and `make test` runs the whole suite.

SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV := .venv
VPY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000
# Links in the site's emails point here; a site served on 0.0.0.0 (every
# address) is named by 127.0.0.1, or by SITE_URL=... given on the line.
SITE_URL ?= http://$(if $(filter 0.0.0.0,$(HOST)),127.0.0.1,$(HOST)):$(PORT)
# Tests run in parallel on every core; the browser tests on their own after.
JOBS ?= auto
# Debian's Chromium runs the browser tests (a test tool's own browser
# download does not work on a closed network).
CHROMIUM ?= $(shell command -v chromium 2>/dev/null || command -v chromium-browser 2>/dev/null)
export CHROMIUM_PATH := $(CHROMIUM)

# A Python 3.12 or newer that really runs. PYTHON=... wins; otherwise try the
# usual names, then any pyenv-installed 3.12+ (its shims refuse to run a
# version that is not selected).
define find_python
for p in $(PYTHON) python3.13 python3.12 python3 $$(ls -d $${PYENV_ROOT:-$$HOME/.pyenv}/versions/3.1[2-9]*/bin/python3 2>/dev/null | sort -rV); do \
  if "$$p" -c 'import sys; sys.exit(sys.version_info < (3, 12))' >/dev/null 2>&1; then command -v "$$p" || echo "$$p"; exit 0; fi; \
done; exit 1
endef

.PHONY: help install run test test-unit test-browser lint format check-migrations superuser demo bench load clean

help:
	@echo "make run          serve the site with the demo data on http://$(HOST):$(PORT) (SQLite unless DATABASE_URL is set),"
	@echo "                  with the task worker and the scheduler; Ctrl-C stops all three"
	@echo "make test         run the whole test suite (SQLite unless DATABASE_URL is set);"
	@echo "                  the browser tests are part of it where Chromium is installed"
	@echo "make test-browser run only the browser tests (Chromium, axe-core, Lighthouse)"
	@echo "make lint         ruff check, format check and the import contracts"
	@echo "make bench        time the site at 1,000 and 100,000 initiatives on PostgreSQL"
	@echo "                  against its targets (BENCH_ARGS=--quick for a short run)"
	@echo "make load         restart its own PostgreSQL under load and check that nothing"
	@echo "                  is lost (LOAD_ARGS=--quick for a short run)"
	@echo "make superuser    create a staff account for the admin"
	@echo "make clean        remove the virtualenv and local data in var/"

$(VENV)/.installed: pyproject.toml
	@python=$$($(find_python)) || { \
	  echo "error: no Python 3.12 or newer found. Install one, or name it: make PYTHON=/path/to/python3.12 ..." >&2; exit 1; }; \
	if [ ! -x $(VPY) ] || ! $(VPY) -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null; then \
	  echo "Creating $(VENV) with $$python"; rm -rf $(VENV); "$$python" -m venv $(VENV); \
	fi
	$(VPY) -m pip install --quiet --disable-pip-version-check --upgrade "pip>=25.1"
	$(VPY) -m pip install --quiet --disable-pip-version-check . --group dev
	@touch $@

install: $(VENV)/.installed

# The web server, the task worker and the scheduler (Procfile), stopped
# together by Ctrl-C. honcho's own PORT is not ours: RUN_ADDRESS carries it.
run: install
	DEBUG=$${DEBUG:-true} $(VPY) manage.py migrate --no-input
	DEBUG=$${DEBUG:-true} $(VPY) manage.py load_demo_data
	DEBUG=$${DEBUG:-true} SITE_URL=$(SITE_URL) RUN_ADDRESS=$(HOST):$(PORT) PATH=$(CURDIR)/$(VENV)/bin:$$PATH \
	  $(VENV)/bin/honcho start --env /dev/null

demo: install
	DEBUG=$${DEBUG:-true} $(VPY) manage.py migrate --no-input
	DEBUG=$${DEBUG:-true} $(VPY) manage.py load_demo_data

node_modules/.package-lock.json: package.json package-lock.json
	@command -v npm >/dev/null || { echo "error: the browser tests need Node.js and npm" >&2; exit 1; }
	npm ci --no-audit --no-fund --ignore-scripts
	@touch $@

node_modules: node_modules/.package-lock.json

test-unit: install
	$(VPY) -m pytest -n $(JOBS) --ignore=tests/browser $(PYTEST_ARGS)

test-browser: install node_modules
	@[ -n "$(CHROMIUM)" ] || { echo "error: the browser tests need Chromium (apt-get install chromium chromium-driver)" >&2; exit 1; }
	$(VPY) -m pytest tests/browser $(PYTEST_ARGS)

ifneq ($(CHROMIUM),)
test: test-unit test-browser
else
test: test-unit
	@echo "Chromium is not installed: the browser tests did not run (make test-browser)."
endif

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports --no-cache

format: install
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

check-migrations: install
	DEBUG=true $(VPY) manage.py makemigrations --check --dry-run

# Needs PostgreSQL (BENCH_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/)
# and Redis (BENCH_REDIS_URL, default redis://127.0.0.1:6379/15, which it empties);
# wrk for the throughput part. Fails when a target is missed.
bench: install
	$(VPY) -m bench.run $(BENCH_ARGS)

# Needs the PostgreSQL server programs (initdb, pg_ctl): it runs a server of
# its own on a free port, and leaves the machine's PostgreSQL alone.
load: install
	$(VPY) -m reliability.load $(LOAD_ARGS)

superuser: install
	DEBUG=$${DEBUG:-true} $(VPY) manage.py createsuperuser

clean:
	rm -rf $(VENV) var/ *.egg-info
