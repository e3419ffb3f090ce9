# Named chores. Each is one command you could also type; `make help` lists them.
PYTHON ?= .venv/bin/python

.PHONY: help venv run test test-fast lint format types schema check-queries bench

help:  ## list the chores
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/'

venv:  ## create .venv with the development requirements
	python3 -m venv .venv && .venv/bin/pip install -r requirements-dev.txt

run:  ## serve the site (embedded PostgreSQL with demo data unless DATABASE_URL is set)
	$(PYTHON) -m carsite serve

test:  ## the whole suite, as CI runs it (needs Debian's chromium for the browser tests)
	$(PYTHON) -m pytest

test-fast:  ## the suite without the browser, stopping at the first failure
	$(PYTHON) -m pytest -x -m "not browser"

lint:  ## ruff: lint and formatting
	$(PYTHON) -m ruff check . && $(PYTHON) -m ruff format --check .

format:  ## ruff: fix what can be fixed and format
	$(PYTHON) -m ruff check --fix . && $(PYTHON) -m ruff format .

types:  ## mypy over carsite/ and bench/
	$(PYTHON) -m mypy

schema:  ## migrate the development database and rewrite schema/schema.sql
	$(PYTHON) -m carsite db migrate && $(PYTHON) -m carsite db dump-schema

check-queries:  ## prepare every named query against the development database
	$(PYTHON) -m carsite queries check

bench:  ## the benchmarks (each prints its figures)
	$(PYTHON) bench/query_overhead.py && $(PYTHON) bench/db_outage.py && $(PYTHON) bench/search.py
