# One command to run, one to test. Everything installs into .venv; nothing needs Redis or
# PostgreSQL except `make test-pg` (and `make bench`).
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
PYTEST := $(PY) -m pytest
-include .env
export

PG_URL ?= postgres://postgres@127.0.0.1:5432/zmd_portal
REDIS_URL ?= redis://127.0.0.1:6379/0
XDIST ?= -n auto --dist loadfile

.PHONY: help install assets migrate seed run test test-pg test-faults test-browser fuzz lint format bench clean

help:
	@echo "make run           install, build assets, migrate, load demo data, start worker+beat+server"
	@echo "make test          the whole suite on SQLite (no outside service)"
	@echo "make test-pg       the suite on PostgreSQL + Redis, plus tests marked pg/redis"
	@echo "make test-faults   fault tests: private PostgreSQL/Redis started, stopped and restarted"
	@echo "make test-browser  browser tests (Playwright driving Debian's chromium)"
	@echo "make fuzz          schemathesis against /api/schema/ (FUZZ_EXAMPLES per operation, default 25)"
	@echo "make lint          ruff + mypy (rules/services)"
	@echo "make bench         city-scale benchmarks (PostgreSQL)"

$(VENV)/.installed: pyproject.toml requirements.lock
	@command -v $(PYTHON) >/dev/null || { echo "需要 Python 3.11（$(PYTHON) 未找到）"; exit 1; }
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet -r requirements.lock
	$(PIP) install --quiet --no-deps -e .
	touch $@

install: $(VENV)/.installed

node_modules/.package-lock.json: package.json package-lock.json
	@command -v npm >/dev/null || { echo "需要 Node.js/npm 来安装前端依赖"; exit 1; }
	npm ci --no-audit --no-fund
	touch $@

static/vendor/.built: node_modules/.package-lock.json scripts/build-assets.mjs
	npm run --silent build
	touch $@

assets: static/vendor/.built

migrate: install
	DEBUG=$${DEBUG:-true} $(PY) manage.py migrate --noinput

seed: migrate
	DEBUG=$${DEBUG:-true} $(PY) manage.py seed_demo

run: install assets seed
	@DEBUG=$${DEBUG:-true} bash scripts/run.sh

test: install assets
	$(PYTEST) $(XDIST) -m "not pg and not redis and not browser and not faults and not fuzz" $(PYTEST_ARGS)

test-pg: install assets
	DATABASE_URL=$(PG_URL) CELERY_BROKER_URL=$(REDIS_URL) $(PYTEST) $(XDIST) -m "not browser and not faults and not fuzz" $(PYTEST_ARGS)

# Starts its own PostgreSQL (initdb/pg_ctl) and Redis on free ports in a temporary folder and
# breaks them; never touches the shared services. One process: the scenarios share the servers.
test-faults: install
	$(PYTEST) -p no:xdist -m faults tests/faults $(PYTEST_ARGS)

test-browser: install assets
	$(PYTEST) -m browser -p no:xdist tests/browser $(PYTEST_ARGS)

# API fuzzing (tests/fuzz, marker `fuzz`): in-process against the WSGI app on SQLite; the
# Hypothesis examples are derandomised so a run is reproducible.
fuzz: install
	$(PYTEST) -p no:xdist -m fuzz tests/fuzz $(PYTEST_ARGS)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy portal/workcal.py portal/deadlines.py portal/rulesets.py portal/audit.py $$(ls */rules.py */services.py */rules/*.py */services/*.py 2>/dev/null | grep -v '^portal/')

format: install
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

bench: install
	$(PY) -m bench $(BENCH_ARGS)

clean:
	rm -rf var/ static/vendor/ .pytest_cache
