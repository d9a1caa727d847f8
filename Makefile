# Zhizhi: two commands, `make run` and `make test`. Everything else is a helper.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
STAMP := $(VENV)/.installed

.PHONY: run test bootstrap migrate demo lint typecheck bench clean

$(STAMP): pyproject.toml requirements.lock
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "need $(PYTHON) (set PYTHON=...)"; exit 2; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade "pip>=24"
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c requirements.lock -e ".[dev]"
	touch $(STAMP)

bootstrap: $(STAMP)

migrate: bootstrap
	$(BIN)/zhizhi migrate --noinput

run: migrate
	$(BIN)/zhizhi demo --if-empty
	$(BIN)/zhizhi demo_logins
	$(BIN)/zhizhi runserver 127.0.0.1:$(PORT)

test: bootstrap
	$(BIN)/pytest -n 2 $(PYTEST_ARGS)

lint: bootstrap
	$(BIN)/ruff check src tests
	$(BIN)/ruff format --check src tests

typecheck: bootstrap
	$(BIN)/mypy src

bench: bootstrap
	$(BIN)/python -m bench $(BENCH_ARGS)

clean:
	rm -rf $(VENV) var/*.sqlite3* build src/*.egg-info
