# realty-crm: `make demo` runs the app with demo data; `make test` runs the whole suite.
VENV ?= .venv
BIN := $(VENV)/bin
PYTHON ?= python3
HOST ?= 127.0.0.1
PORT ?= 5000
PG_ADMIN_URL ?= postgresql://postgres@127.0.0.1:5432/postgres

.PHONY: install system-deps demo test test-sqlite test-postgres lint translations bench

$(BIN)/realty-crm: setup.cfg pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip setuptools wheel
	$(BIN)/pip install --quiet -e ".[test]"
	touch $@

install: $(BIN)/realty-crm ## Python packages into .venv

system-deps: ## Debian packages the browser tests need (Chromium)
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; fi; }

demo: install ## Install, create the SQLite database, load the demo agency and serve it
	$(BIN)/realty-crm demo
	$(BIN)/realty-crm serve --host $(HOST) --port $(PORT)

lint: install
	$(BIN)/ruff check $$(ls -d realty_crm plugins tests bench .ci 2>/dev/null)

test-sqlite: install system-deps
	$(BIN)/pytest -q -p no:cacheprovider

test-postgres: install system-deps
	@db=realty_crm_test_$$$$_$$(date +%s); \
	$(BIN)/python .ci/pgdb.py create "$(PG_ADMIN_URL)" $$db && \
	REALTY_CRM_TEST_DATABASE_URL="$$($(BIN)/python .ci/pgdb.py url "$(PG_ADMIN_URL)" $$db)" \
	  $(BIN)/pytest -q -p no:cacheprovider; status=$$?; \
	$(BIN)/python .ci/pgdb.py drop "$(PG_ADMIN_URL)" $$db; exit $$status

test: lint test-sqlite test-postgres ## Lint, then the whole suite on SQLite, then on PostgreSQL

translations: install ## Extract, update and compile the message catalogues
	$(BIN)/pybabel extract -F babel.cfg -k _l -o realty_crm/translations/messages.pot realty_crm templates plugins
	$(BIN)/pybabel update -i realty_crm/translations/messages.pot -d realty_crm/translations --no-fuzzy-matching
	$(BIN)/pybabel compile -d realty_crm/translations
