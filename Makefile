# Motcua Flow — the two commands: `make run` and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat setup.cfg pyproject.toml | sha1sum | cut -c1-12)
HOST ?= 127.0.0.1
PORT ?= 5000
export FLASK_APP := app

.PHONY: run test test-postgres install serve scheduler clean

$(BIN)/python:
	@$(PYTHON) -c "import sys; assert sys.version_info[:2] == (3, 11)" 2>/dev/null || { echo "Python 3.11 is needed; set PYTHON=/path/to/python3.11"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): $(BIN)/python setup.cfg pyproject.toml
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@rm -f $(VENV)/.installed-*; touch $(STAMP)

install: $(STAMP)

## Set up and run the service on the embedded default (SQLite + in-process scheduler), demo data loaded.
run: install
	$(BIN)/flask db upgrade
	$(BIN)/flask bootstrap
	SCHEDULER_ENABLED=$${SCHEDULER_ENABLED:-true} $(BIN)/flask run --host $(HOST) --port $(PORT) --no-reload

## Set up and run the test suite (SQLite by default; TEST_DATABASE_URL=postgresql+psycopg://… for PostgreSQL).
test: install
	$(BIN)/python -m pytest $(PYTEST_ARGS)

## Production-style: gunicorn workers (scheduler as its own process: `make scheduler`).
serve: install
	$(BIN)/flask db upgrade
	$(BIN)/gunicorn --workers $${WORKERS:-4} --bind $(HOST):$(PORT) 'app:create_app()'

scheduler: install
	$(BIN)/flask scheduler run

clean:
	rm -rf $(VENV) *.egg-info .pytest_cache
