# netsite: `make run` serves the site, `make test` runs the whole suite.
# Both set everything up on a fresh machine (a virtualenv in .venv).

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test lint format migrate superuser bench screenshot clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.requirements: $(BIN)/python requirements.txt
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.requirements-dev: $(VENV)/.requirements requirements-dev.txt
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@

# A secret key of this machine's own, written once and never committed.
.env:
	@$(PYTHON) -c "import secrets; print('DJANGO_SECRET_KEY=' + secrets.token_urlsafe(50))" > .env
	@echo "Wrote a new secret key to .env"

run: $(VENV)/.requirements .env
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py collectstatic --noinput --verbosity 0
	@exec $(BIN)/python manage.py serve --host $(HOST) --port $(PORT)

test: $(VENV)/.requirements-dev
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(VENV)/.requirements-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-logo --no-cache

format: $(VENV)/.requirements-dev
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

superuser: $(VENV)/.requirements .env
	$(BIN)/python manage.py createsuperuser

clean:
	rm -rf $(VENV) staticfiles .pytest_cache .ruff_cache

# Channel-layer fan-out benchmark (docs/performance.md): netsite vs websockets.
bench: $(VENV)/.requirements-dev
	$(BIN)/python bench/fanout.py $(BENCH_ARGS)

# The non-browser suite once more against a throwaway PostgreSQL (the
# scale-out tier starts it; needs the postgresql Debian package).
.PHONY: test-postgres
test-postgres: $(VENV)/.requirements-dev
	$(BIN)/python -m pytest tests/scaleout/test_suite_on_postgresql.py $(PYTEST_ARGS)

# docs/board.png, drawn by the browser tier's tooling (needs chromium).
screenshot: $(VENV)/.requirements-dev
	$(BIN)/python -m tests.e2e.screenshot
