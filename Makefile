# Motcua Flow — the two commands: `make run` and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat setup.cfg pyproject.toml constraints.txt | sha1sum | cut -c1-12)
HOST ?= 127.0.0.1
PORT ?= 5000
export FLASK_APP := app

.PHONY: run test test-postgres install serve scheduler clean console console-optional lock

$(BIN)/python:
	@$(PYTHON) -c "import sys; assert sys.version_info[:2] == (3, 11)" 2>/dev/null || { echo "Python 3.11 is needed; set PYTHON=/path/to/python3.11"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): $(BIN)/python setup.cfg pyproject.toml constraints.txt
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[test]'
	@rm -f $(VENV)/.installed-*; touch $(STAMP)

install: $(STAMP)

## Set up and run the service on the embedded default (SQLite + in-process scheduler), demo data loaded.
run: install console-optional
	$(BIN)/flask db upgrade
	$(BIN)/flask bootstrap
	SCHEDULER_ENABLED=$${SCHEDULER_ENABLED:-true} $(BIN)/flask run --host $(HOST) --port $(PORT) --no-reload

## Set up and run the test suite (SQLite by default; TEST_DATABASE_URL=postgresql+psycopg://… for PostgreSQL).
test: install console-optional
	$(BIN)/python -m pytest $(PYTEST_ARGS)

## Production-style: gunicorn workers (scheduler as its own process: `make scheduler`).
serve: install
	$(BIN)/flask db upgrade
	$(BIN)/gunicorn --workers $${WORKERS:-4} --timeout $${GUNICORN_TIMEOUT:-300} --bind $(HOST):$(PORT) 'app:create_app()'

scheduler: install
	$(BIN)/flask scheduler run

## Re-resolve every dependency within setup.cfg's ranges into constraints.txt (review the diff, run the tests).
lock:
	rm -rf .venv-lock && $(PYTHON) -m venv .venv-lock
	.venv-lock/bin/python -m pip install --quiet --upgrade pip && .venv-lock/bin/python -m pip install --quiet -e '.[test]'
	{ sed -n '1,3p' constraints.txt; .venv-lock/bin/python -m pip freeze --exclude-editable | grep -v '^-e'; } > constraints.txt.new
	mv constraints.txt.new constraints.txt && rm -rf .venv-lock

clean:
	rm -rf $(VENV) *.egg-info .pytest_cache

## Web console assets: bpmn-js and the Camunda moddle descriptor from the npm registry (pinned by
## console/package-lock.json), copied under app/console/static/vendor/ (gitignored). Needs Node.js + npm.
CONSOLE_VENDOR := app/console/static/vendor
CONSOLE_STAMP := $(CONSOLE_VENDOR)/.installed-$(shell cat console/package-lock.json 2>/dev/null | sha1sum | cut -c1-12)

console: $(CONSOLE_STAMP)

$(CONSOLE_STAMP): console/package.json console/package-lock.json
	npm ci --prefix console --no-audit --no-fund
	rm -rf $(CONSOLE_VENDOR)/bpmn-js $(CONSOLE_VENDOR)/camunda-bpmn-moddle $(CONSOLE_VENDOR)/.installed-*
	mkdir -p $(CONSOLE_VENDOR)/bpmn-js $(CONSOLE_VENDOR)/camunda-bpmn-moddle
	cp -R console/node_modules/bpmn-js/dist/assets console/node_modules/bpmn-js/dist/*.production.min.js console/node_modules/bpmn-js/LICENSE $(CONSOLE_VENDOR)/bpmn-js/
	cp console/node_modules/camunda-bpmn-moddle/resources/camunda.json console/node_modules/camunda-bpmn-moddle/LICENSE $(CONSOLE_VENDOR)/camunda-bpmn-moddle/
	touch $@

## For `make run`: install the console assets when npm is present; never fails (the API works without them).
console-optional:
	@if command -v npm >/dev/null 2>&1; then $(MAKE) --no-print-directory console || echo "WARNING: make console failed; the BPMN editor is not installed (the API works)."; \
	else echo "WARNING: Node.js/npm not found; the BPMN editor is not installed (install Node.js, then: make console)."; fi
