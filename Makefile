# Two commands on a fresh machine: `make run` and `make test` (see README).
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cat pyproject.toml constraints.txt | cksum | cut -d' ' -f1)
HOST   ?= 127.0.0.1
PORT   ?= 8000

.PHONY: install run test test-heavy test-prod lint messages migrate test-e2e-deps

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -c constraints.txt -e ".[dev]"
	rm -f $(VENV)/.installed-*
	touch $@

install: $(STAMP)

migrate: install
	$(BIN)/python manage.py migrate --noinput

messages: install
	$(BIN)/python manage.py makemessages -l zh_Hans --no-obsolete --ignore=.venv --ignore=var --ignore=tests --ignore=bench
	$(BIN)/python manage.py compilemessages --ignore=.venv

run: migrate
	$(BIN)/python manage.py seed_demo
	HOST=$(HOST) PORT=$(PORT) bash bin/run-dev.sh

lint: install
	$(BIN)/ruff check .
	$(BIN)/mypy .
	$(BIN)/lint-imports

test-e2e-deps:
	@bash bin/ensure-chromium.sh || true

test: install lint test-e2e-deps
	$(BIN)/pytest $(PYTEST_ARGS)

# Checks too long for `make test`; .ci/run calls this after the two suites. The fault tests stop and restart
# real processes (their own redis-server, Celery workers, gunicorn), each bounded well under a minute; the
# exam peak has 2,000 generated members answer and submit at once against gunicorn (a few minutes) and
# fails on a lost answer or an error.
test-heavy: install
	$(BIN)/pytest -m heavy $(PYTEST_ARGS)
	$(BIN)/python bench/exam_peak.py --check

# The production stack of deploy/ on this machine (gunicorn with the production settings, Celery default +
# media workers, nginx with a self-signed certificate, a private redis-server, a new PostgreSQL database),
# then a smoke journey over HTTPS, Redis stopped, backup and restore (tests/prod/journey.py, about 3 minutes).
# Needs PostgreSQL (PROD_TEST_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/postgres), nginx,
# redis-server and openssl.
test-prod: install
	$(BIN)/python -m tests.prod.journey
