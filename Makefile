# realty-crm: `make demo` runs the app with demo data; `make test` runs the whole suite.
VENV ?= .venv
BIN := $(VENV)/bin
PYTHON ?= python3
HOST ?= 127.0.0.1
PORT ?= 5000
PG_ADMIN_URL ?= postgresql://postgres@127.0.0.1:5432/postgres
# message catalogues: `make translations` (babel.cfg paths are relative to the project root)
TRANSLATIONS := realty_crm/translations
TRANSLATED_LANGUAGES := es

.PHONY: install system-deps demo test test-sqlite test-postgres lint translations bench docs

# the example plugin (docs/example-plugin) is installed too, as any plugin package would be,
# so the suite and the demo run with it (its tests: tests/plugins_example)
EXAMPLE_PLUGIN := docs/example-plugin
# first-party plugins, each its own package (plugins/<name>)
CALENDAR_SYNC_PLUGIN := plugins/calendar_sync
MARKETING_FORMS_PLUGIN := plugins/marketing_forms

$(BIN)/realty-crm: setup.cfg pyproject.toml $(EXAMPLE_PLUGIN)/pyproject.toml $(CALENDAR_SYNC_PLUGIN)/pyproject.toml \
		$(MARKETING_FORMS_PLUGIN)/pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip setuptools wheel
	$(BIN)/pip install --quiet -e ".[test]" -e $(EXAMPLE_PLUGIN) -e $(CALENDAR_SYNC_PLUGIN) \
		-e $(MARKETING_FORMS_PLUGIN)
	touch $@

install: $(BIN)/realty-crm ## Python packages into .venv

# Debian packages: chromium for the browser tests, postgresql-client (pg_dump, pg_restore, psql) for
# backup and restore on PostgreSQL
DEBIAN_PACKAGES := chromium postgresql-client
system-deps: ## Debian packages the tests need (Chromium; the PostgreSQL client tools)
	@command -v chromium >/dev/null 2>&1 && command -v pg_dump >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(DEBIAN_PACKAGES) >/dev/null; \
	  else sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(DEBIAN_PACKAGES) >/dev/null; fi; }

demo: install ## Install, create the SQLite database, load the demo agency (with its enquiry form) and serve it (with the scheduler)
	$(BIN)/realty-crm demo --host $(HOST) --port $(PORT)
	$(BIN)/realty-crm scheduler & scheduler=$$!; trap 'kill $$scheduler' EXIT INT TERM; \
	  $(BIN)/realty-crm serve --host $(HOST) --port $(PORT)

lint: install
	$(BIN)/ruff check $$(ls -d realty_crm plugins tests bench .ci docs 2>/dev/null)

docs: install ## Regenerate the plugin API list and the hook reference of docs/plugins.md
	$(BIN)/python docs/plugin_api_reference.py
	$(BIN)/python docs/hook_reference.py

test-sqlite: install system-deps
	$(BIN)/pytest -q -p no:cacheprovider

test-postgres: install system-deps
	@db=realty_crm_test_$$$$_$$(date +%s); \
	$(BIN)/python .ci/pgdb.py create "$(PG_ADMIN_URL)" $$db && \
	REALTY_CRM_TEST_DATABASE_URL="$$($(BIN)/python .ci/pgdb.py url "$(PG_ADMIN_URL)" $$db)" \
	  $(BIN)/pytest -q -p no:cacheprovider; status=$$?; \
	$(BIN)/python .ci/pgdb.py drop "$(PG_ADMIN_URL)" $$db; exit $$status

test: lint test-sqlite test-postgres ## Lint, then the whole suite on SQLite, then on PostgreSQL

translations: install ## Extract the messages, merge them into each catalogue and compile the .mo files
	@mkdir -p $(TRANSLATIONS)
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -k lazy_ngettext:1,2 -k _lp:1c,2 -k lazy_pgettext:1c,2 \
	  --project=realty-crm --copyright-holder="realty-crm contributors" --add-comments=TRANSLATORS: \
	  -o $(TRANSLATIONS)/messages.pot .
	@for lang in $(TRANSLATED_LANGUAGES); do \
	  test -f $(TRANSLATIONS)/$$lang/LC_MESSAGES/messages.po || \
	    $(BIN)/pybabel init -i $(TRANSLATIONS)/messages.pot -d $(TRANSLATIONS) -l $$lang || exit 1; \
	done
	$(BIN)/pybabel update -i $(TRANSLATIONS)/messages.pot -d $(TRANSLATIONS) --no-fuzzy-matching --ignore-obsolete
	$(BIN)/pybabel compile -d $(TRANSLATIONS) --statistics
