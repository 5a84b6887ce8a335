# OneStop — the two commands are `make run` and `make test` (see README.md).
#
# Every target is idempotent and cheap when its work is already done: the virtualenv is only
# (re)installed when pyproject.toml is newer than .venv/.installed, and apt-get only runs when a
# system package is missing.  Works as root, or as a user with sudo.

SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= $(shell command -v python3.11 2>/dev/null || command -v python3 2>/dev/null)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
FLASK := $(BIN)/flask --app wsgi
TRANSLATIONS := workflow/translations
POT := $(TRANSLATIONS)/messages.pot

# System packages: graphviz (`dot`, workflow diagram), CJK fonts and HarfBuzz subsetting (Chinese documents;
# without libharfbuzz-subset0 a Chinese PDF takes ~30x longer), poppler-utils (`pdftoppm`, document
# samples), redis-server (the RQ job runner of production set-ups; the tests run it too),
# fonts-dejavu-core (a font without CJK glyphs: the test that a missing CJK font fails rendering).
SYS_PACKAGES := graphviz fonts-noto-cjk libharfbuzz-subset0 poppler-utils redis-server fonts-dejavu-core

# gunicorn bind address for `make run`.
HOST ?= 127.0.0.1
PORT ?= 5000
WORKERS ?= 2

# Extra arguments for pytest, e.g. `make test PYTEST_ARGS="-x -k guards"`.
PYTEST_ARGS ?=

ifeq ($(shell id -u),0)
SUDO :=
else
SUDO := sudo
endif

APT_INSTALL := $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends

.PHONY: help venv sysdeps translations babel-extract db seed run test diagram samples bench-registry bench-audit clean distclean

help:
	@echo "make run            install what is missing, migrate, load demo data, serve http://$(HOST):$(PORT)"
	@echo "make test           install what is missing and run the test suite (PYTEST_ARGS=... for pytest)"
	@echo "make venv           create .venv and install the Python packages"
	@echo "make sysdeps        apt-get install the system packages that are missing: $(SYS_PACKAGES)"
	@echo "make translations   compile the message catalogs"
	@echo "make babel-extract  extract messages and update the catalogs"
	@echo "make db             upgrade the database (DATABASE_URL, default instance/onestop.sqlite)"
	@echo "make seed           load the demo data (once) and print the demo logins"
	@echo "make diagram        regenerate docs/workflow.svg and docs/aid.svg"
	@echo "make samples        regenerate docs/samples/*.png (every document, from a fresh demo database)"
	@echo "make bench-registry register benchmark: batch screening vs a plain SQL join, inquiry latency (installs wrk)"
	@echo "make bench-audit    what auditing and sealing cost: case page, case API, inbox, on vs off (installs wrk)"
	@echo "make clean          remove caches and compiled catalogs; distclean also removes .venv"

# ---------------------------------------------------------------------------------------------
# Python virtualenv

venv: $(STAMP)

$(STAMP): pyproject.toml
	@if [ -z "$(PYTHON)" ]; then echo "error: python3.11 (or python3) not found" >&2; exit 1; fi
	@if [ ! -x $(BIN)/python ]; then \
	  if ! $(PYTHON) -c 'import ensurepip, venv' >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1; then \
	    echo "==> installing python3-venv"; \
	    $(SUDO) apt-get update && $(APT_INSTALL) python3-venv; \
	  fi; \
	  echo "==> creating $(VENV) with $(PYTHON)"; \
	  $(PYTHON) -m venv $(VENV); \
	fi
	@echo "==> installing Python packages into $(VENV)"
	$(BIN)/python -m pip install --disable-pip-version-check -e '.[test]'
	@touch $(STAMP)

# ---------------------------------------------------------------------------------------------
# System packages (Debian/Ubuntu)

sysdeps:
	@if ! command -v dpkg >/dev/null 2>&1; then \
	  echo "warning: no dpkg; install these yourself if missing: $(SYS_PACKAGES)" >&2; exit 0; \
	fi; \
	missing=""; \
	for pkg in $(SYS_PACKAGES); do \
	  dpkg -s "$$pkg" 2>/dev/null | grep -q '^Status: install ok installed' || missing="$$missing $$pkg"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "==> installing system packages:$$missing"; \
	  $(SUDO) apt-get update && $(APT_INSTALL) $$missing; \
	fi

# ---------------------------------------------------------------------------------------------
# Translations

translations: $(STAMP)
	@if [ -d $(TRANSLATIONS) ]; then $(BIN)/pybabel -q compile -d $(TRANSLATIONS) -f; fi

babel-extract: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -o $(POT) .
	$(BIN)/pybabel update -i $(POT) -d $(TRANSLATIONS)

# ---------------------------------------------------------------------------------------------
# Database and demo data

instance:
	@mkdir -p instance

db: $(STAMP) | instance
	$(FLASK) db upgrade
	$(FLASK) calendar-load

seed: db
	$(FLASK) seed-demo

# ---------------------------------------------------------------------------------------------
# The two commands

run: venv sysdeps translations db seed
	@echo
	@echo "==> OneStop is starting on http://$(HOST):$(PORT)  (Ctrl-C to stop)"
	@echo
	exec $(BIN)/gunicorn -w $(WORKERS) -b $(HOST):$(PORT) --access-logfile - wsgi:app

test: venv sysdeps translations | instance
	$(BIN)/pytest $(PYTEST_ARGS)

# ---------------------------------------------------------------------------------------------

diagram: venv sysdeps
	@mkdir -p docs
	ONESTOP_LOCALE=en $(FLASK) workflow-diagram --out docs/workflow.svg
	ONESTOP_LOCALE=en $(FLASK) workflow-diagram --process aid --out docs/aid.svg

samples: venv sysdeps translations
	@tmp=$$(mktemp -d) && trap 'rm -rf "$$tmp"' EXIT && \
	  export DATABASE_URL="sqlite:///$$tmp/samples.sqlite" ONESTOP_ESCALATION_RUNNER=off && \
	  $(FLASK) db upgrade >/dev/null && $(FLASK) calendar-load >/dev/null && $(FLASK) seed-demo >/dev/null && \
	  $(FLASK) document-samples --out docs/samples

# The register's benchmark (bench/registry.py: ~5 minutes, 1M synthetic entries in a temp dir; with
# DATABASE_URL set to an empty PostgreSQL database it runs there too). wrk is the load generator.
BENCH_ARGS ?=

bench-registry: venv sysdeps translations
	@if ! command -v wrk >/dev/null 2>&1; then \
	  if command -v apt-get >/dev/null 2>&1; then \
	    echo "==> installing wrk"; \
	    $(SUDO) apt-get update && $(APT_INSTALL) wrk; \
	  else \
	    echo "warning: wrk is missing; the single-inquiry load test will be skipped" >&2; \
	  fi; \
	fi
	$(BIN)/python bench/registry.py $(BENCH_ARGS)

# What auditing and sealing cost (bench/audit_cost.py: ~8 minutes per database; two demo databases in
# a temp dir, and two more beside DATABASE_URL's when it names a PostgreSQL database its role may
# create databases beside). wrk is the load generator, as above.
bench-audit: venv sysdeps translations
	@if ! command -v wrk >/dev/null 2>&1; then \
	  if command -v apt-get >/dev/null 2>&1; then \
	    echo "==> installing wrk"; \
	    $(SUDO) apt-get update && $(APT_INSTALL) wrk; \
	  else \
	    echo "error: wrk is missing and apt-get is not available" >&2; exit 1; \
	  fi; \
	fi
	$(BIN)/python bench/audit_cost.py $(BENCH_ARGS)

clean:
	find . -path ./$(VENV) -prune -o -type d -name __pycache__ -exec rm -rf {} +
	rm -rf .pytest_cache build *.egg-info
	find $(TRANSLATIONS) -name '*.mo' -delete 2>/dev/null || true

distclean: clean
	rm -rf $(VENV)
