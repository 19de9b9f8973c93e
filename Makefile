# netsite: `make run` serves the site, `make test` runs the whole suite.
# Both set everything up on a fresh machine (a virtualenv in .venv).

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test lint format migrate superuser bench bench-quick screenshot clean
# A recipe that fails leaves no half-made target behind to be trusted later.
.DELETE_ON_ERROR:

# .venv is made once and kept while its interpreter runs and is new enough. A
# missing, broken or too old one (a first install that failed, a Python that
# was upgraded or removed) makes the stamp below out of date, so the next make
# builds .venv again instead of failing the same way for ever.
VENV_OK := $(shell $(BIN)/python -c "import sys; print(sys.version_info >= (3, 11))" 2>/dev/null)
ifneq ($(VENV_OK),True)
.PHONY: $(VENV)/.created
endif

$(VENV)/.created:
ifneq ($(VENV_OK),True)
	@if ! $(PYTHON) -c "import sys; sys.exit(sys.version_info < (3, 11))" 2>/dev/null; then \
	  found=$$(command -v $(PYTHON) >/dev/null && $(PYTHON) -V 2>&1 || echo "not found"); \
	  echo "netsite needs Python 3.11 or newer ($(PYTHON): $$found): install it, then run make PYTHON=python3.11" >&2; \
	  exit 1; \
	fi
	rm -rf $(VENV)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
endif
	@touch $@

# Stamps are touched only after their install succeeded.
$(VENV)/.requirements: $(VENV)/.created requirements.txt
	$(BIN)/pip install --quiet -r requirements.txt
	@touch $@

$(VENV)/.requirements-dev: $(VENV)/.requirements requirements-dev.txt
	$(BIN)/pip install --quiet -r requirements-dev.txt
	@touch $@

# A secret key of this machine's own, written once and never committed.
.env: | $(VENV)/.created
	@$(BIN)/python -c "import secrets; print('DJANGO_SECRET_KEY=' + secrets.token_urlsafe(50))" > .env
	@echo "Wrote a new secret key to .env"

# A setting netsite cannot parse stops here with one line naming it.
run: $(VENV)/.requirements .env
	@$(BIN)/python manage.py migrate --noinput
	@$(BIN)/python manage.py collectstatic --noinput --verbosity 0
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

# netsite beside small peers (bench/README.md): writes BENCHMARKS.md and
# docs/benchmarks.png. `bench` is the full run (1,000,000 posts, 5 rounds,
# about 25 minutes); `bench-quick` takes under 5 minutes on a quiet machine.
bench: $(VENV)/.requirements-dev
	$(BIN)/python -m bench.run $(BENCH_ARGS)

bench-quick: $(VENV)/.requirements-dev
	$(BIN)/python -m bench.run --quick $(BENCH_ARGS)

# Attack real serve processes (kill -9, SIGTERM, floods, stalled readers,
# hostile requests, Autobahn|Testsuite): RELIABILITY.md. Full mode takes about
# 12 minutes; stress-quick is the CI-sized run (under 5 minutes).
.PHONY: stress stress-quick
stress: $(VENV)/.requirements-dev
	$(BIN)/python -m stress $(STRESS_ARGS)

stress-quick: $(VENV)/.requirements-dev
	$(BIN)/python -m stress --quick $(STRESS_ARGS)

# The non-browser suite once more against a throwaway PostgreSQL (the
# scale-out tier starts it; needs the postgresql Debian package).
.PHONY: test-postgres
test-postgres: $(VENV)/.requirements-dev
	$(BIN)/python -m pytest tests/scaleout/test_suite_on_postgresql.py $(PYTEST_ARGS)

# docs/board.png, drawn by the browser tier's tooling (needs chromium).
screenshot: $(VENV)/.requirements-dev
	$(BIN)/python -m tests.e2e.screenshot
