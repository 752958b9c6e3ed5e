# Two commands for a fresh clone: `make demo` and `make test`. Both build .venv as needed.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
DEMO_PASSWORD ?= raise-the-bar
DEMO_DATABASE ?= sqlite:///$(CURDIR)/instance/demo.db
PORT ?= 5000

.PHONY: demo test lint install install-test

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[postgres,server,redis]'
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[postgres,server,redis,test]'
	touch $@ $(VENV)/.installed

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

## Build a fresh demo organisation in instance/demo.db and serve it on http://127.0.0.1:$(PORT)
demo: $(VENV)/.installed
	DATABASE_URL='$(DEMO_DATABASE)' $(BIN)/flask --app wsgi demo --reset \
		--password '$(DEMO_PASSWORD)' --port $(PORT) --serve

lint: $(VENV)/.installed-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

## The whole suite: lint and types, unit and HTTP tests, browser tests (SQLite unless TEST_DATABASE_URL is set),
## in one process per core (TEST_WORKERS=0 runs it in this one)
TEST_WORKERS ?= auto
test: lint
	$(BIN)/pytest -n $(TEST_WORKERS) --dist loadfile
