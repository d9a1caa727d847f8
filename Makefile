# Zhizhi: two commands, `make run` and `make test`. Everything else is a helper.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
STAMP := $(VENV)/.installed

.PHONY: run test bootstrap migrate demo lint typecheck bench clean assets messages

$(STAMP): pyproject.toml requirements.lock
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "need $(PYTHON) (set PYTHON=...)"; exit 2; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade "pip>=24"
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c requirements.lock -e ".[dev]"
	touch $(STAMP)

bootstrap: $(STAMP)

migrate: bootstrap
	$(BIN)/zhizhi migrate --noinput

run: migrate assets
	$(BIN)/zhizhi demo --if-empty
	$(BIN)/zhizhi demo_logins
	$(BIN)/zhizhi runserver 127.0.0.1:$(PORT)

# Browser assets (htmx, ECharts, Leaflet, Bootstrap) from npm into src/zhizhi/web/static/vendor/.
# Without npm (or offline) the workbench still runs: plain styling, tables instead of charts, no map.
VENDOR_MANIFEST := src/zhizhi/web/static/vendor/manifest.json
assets:
	@if ! command -v npm >/dev/null 2>&1; then \
	  echo "warning: npm not found: the workbench runs without its browser assets (no charts, no map); install Node.js and run 'make assets'"; \
	elif [ -f $(VENDOR_MANIFEST) ] && [ $(VENDOR_MANIFEST) -nt frontend/package-lock.json ] && [ $(VENDOR_MANIFEST) -nt frontend/build.mjs ]; then \
	  echo "assets: up to date"; \
	else \
	  (cd frontend && npm ci --no-audit --no-fund && node build.mjs) || \
	  echo "warning: 'make assets' failed: the workbench runs without its browser assets"; \
	fi

test: bootstrap
	$(BIN)/pytest -n 2 $(PYTEST_ARGS)

lint: bootstrap
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

typecheck: bootstrap
	$(BIN)/mypy src

bench: bootstrap
	$(BIN)/python -m bench $(BENCH_ARGS)

# English translations (docs/i18n.md): refresh the .po from the source, then compile the committed .mo.
# Needs GNU gettext (msgfmt, xgettext). Translate any new or fuzzy entry in the .po and run it again.
messages: bootstrap
	cd src/zhizhi && ../../$(BIN)/zhizhi makemessages -l en --ignore "static/*" --ignore "node_modules/*"
	cd src/zhizhi && ../../$(BIN)/zhizhi compilemessages -l en

clean:
	rm -rf $(VENV) var/*.sqlite3* build src/*.egg-info
