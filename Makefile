# Ratusz – the two commands: `make demo` and `make test`. See README.md.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
PORT ?= 8000
export PYTHON

.PHONY: demo test test-sqlite test-postgres lint audit format lock screenshots messages clean \
	cluster cluster-down

$(VENV)/bin/python:
	./scripts/install-system-packages.sh runtime
	$(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade pip

$(VENV)/.base-installed: requirements/base.txt | $(VENV)/bin/python
	$(PIP) install -q -r requirements/base.txt
	touch $@

$(VENV)/.test-installed: requirements/test.txt requirements/base.txt | $(VENV)/bin/python
	$(PIP) install -q -r requirements/test.txt
	touch $(VENV)/.base-installed $@

## Start the platform with demo data at http://127.0.0.1:$(PORT) (web server + task worker).
demo: $(VENV)/.base-installed
	PORT=$(PORT) $(PY) manage.py rundemo

## Run the whole suite: on SQLite, then on a real PostgreSQL and Redis started for it.
test: $(VENV)/.test-installed
	./scripts/install-system-packages.sh test
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports
	$(MAKE) --no-print-directory test-sqlite
	$(MAKE) --no-print-directory test-postgres

test-sqlite: $(VENV)/.test-installed
	$(PY) -m pytest -q -n 2

test-postgres: $(VENV)/.test-installed
	$(PY) -m ratusz.testing.services -- $(PY) -m pytest -q -n 2

## Ratusz as a cluster on this machine (root): HAProxy, 3 web and 2 worker hosts, Redis,
## PostgreSQL primary + streaming replica, PgBouncer, each in its own network namespace;
## the demo loaded, at http://10.22.0.10/. See docs/scaling.md.
cluster: $(VENV)/.base-installed
	./scripts/install-system-packages.sh cluster
	$(PY) scripts/cluster/cluster.py up

## Stop the cluster's processes and remove its namespaces and var/cluster.
cluster-down:
	$(PYTHON) scripts/cluster/cluster.py down

lint: $(VENV)/.test-installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports

## Check the pinned dependencies against the advisory database (needs the network to PyPI).
audit: $(VENV)/.test-installed
	$(VENV)/bin/pip-audit --strict --disable-pip --no-deps -r requirements/base.txt -r requirements/test.txt

format: $(VENV)/.test-installed
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

## Take the screenshots of the three layouts into docs/screenshots/.
screenshots: $(VENV)/.test-installed
	RATUSZ_SCREENSHOT_DIR=docs/screenshots $(PY) -m pytest -q -k screenshots

## Recompile the translations (needs gettext's msgfmt).
messages: $(VENV)/.test-installed
	$(PY) manage.py makemessages -l pl --ignore=.venv --ignore=var
	$(PY) manage.py compilemessages --ignore=.venv

lock:
	rm -rf /tmp/ratusz-lock && $(PYTHON) -m venv /tmp/ratusz-lock
	/tmp/ratusz-lock/bin/pip install -q -e '.[test]'
	@echo "Compare /tmp/ratusz-lock/bin/pip freeze with requirements/*.txt"

clean:
	rm -rf $(VENV) var
