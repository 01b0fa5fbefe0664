# Two commands for a newcomer (see README): `make run` and `make test`.
PYTHON ?= python3
# make run HOST=0.0.0.0 PORT=8080 serves the development server to the LAN (a phone or
# an emulator); loopback is the default, because the development server is not hardened.
HOST ?= 127.0.0.1
PORT ?= 5000
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: setup db run serve test test-sqlite test-postgres lint bench bench-load bench-crash bench-disk-full security \
	sqlmap system-deps-bench system-deps-run system-deps-test clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

## setup: virtualenv with the app and its test tools
setup: $(STAMP)

## db: create the embedded SQLite database and load geodata/ (idempotent)
db: setup
	$(BIN)/flask --app trailapp init-db
	$(BIN)/flask --app trailapp load-geodata geodata/

## run: set up, load the real data and serve on http://$(HOST):$(PORT) (127.0.0.1:5000)
run: db system-deps-run
	$(BIN)/flask --app trailapp run --host $(HOST) --port $(PORT)

## serve: the production recipe on loopback (gunicorn; see README)
serve: db system-deps-run
	$(BIN)/gunicorn --config gunicorn.conf.py wsgi:app

## test: set up and run the whole test suite on both stores: the embedded SQLite, then
## PostgreSQL + PostGIS (installs Debian's chromium and PostgreSQL 15 if missing). The
## second pass leaves out the tests marked store_independent (axe in chromium, the
## source tree's shape): what they check is the same on either store.
test: setup system-deps-test
	$(BIN)/python -m pytest -n 2
	TRAILAPP_TEST_STORE=postgresql $(BIN)/python -m pytest -n 2 -m "not store_independent"

## test-sqlite: the whole suite on the SQLite store only (the first half of make test)
test-sqlite: setup system-deps-test
	$(BIN)/python -m pytest -n 2

## test-postgres: the whole suite on the PostgreSQL + PostGIS store only (a throwaway
## cluster per test process; tests that look into the SQLite file itself are skipped)
test-postgres: setup system-deps-test
	TRAILAPP_TEST_STORE=postgresql $(BIN)/python -m pytest -n 2

# The steering group's PDF report is made by WeasyPrint on Debian's pango.
system-deps-run:
	@ldconfig -p 2>/dev/null | grep -q libpango-1.0 || ($(SUDO) apt-get update -qq && \
		$(SUDO) apt-get install -y -qq libpango-1.0-0 libpangoft2-1.0-0)

# The dashboard's browser tests drive Debian's chromium (never `playwright install`);
# the audio tests read stored files with exiftool (libimage-exiftool-perl) and strings;
# the report's PDF is made by WeasyPrint on Debian's pango and read back in its tests
# with pdftotext and pdftoppm (poppler-utils).
system-deps-test:
	@command -v chromium >/dev/null || ($(SUDO) apt-get update -qq && \
		$(SUDO) apt-get install -y -qq chromium)
	@(command -v pdftotext && command -v pdftoppm && ldconfig -p | grep -q libpango-1.0) \
		>/dev/null || ($(SUDO) apt-get update -qq && \
		$(SUDO) apt-get install -y -qq poppler-utils libpango-1.0-0 libpangoft2-1.0-0 \
		fonts-dejavu-core)
	@(command -v exiftool && command -v strings) >/dev/null || \
		($(SUDO) apt-get update -qq && \
		$(SUDO) apt-get install -y -qq libimage-exiftool-perl binutils)
	@# The PostgreSQL store's tests start a throwaway PostgreSQL 15 + PostGIS 3 cluster
	@# (tests/helpers/pg.py): the server programs only, no service is started.
	@[ -x /usr/lib/postgresql/15/bin/initdb ] && \
		[ -f /usr/share/postgresql/15/extension/postgis.control ] || \
		($(SUDO) apt-get update -qq && \
		$(SUDO) apt-get install -y -qq postgresql-15 postgresql-15-postgis-3 \
		postgresql-contrib)

lint: setup
	$(BIN)/ruff check trailapp tests bench

## bench: the benchmarks (install wrk from Debian if missing); figures, never pass/fail
bench: setup system-deps-bench
	$(BIN)/python bench/read_api.py
	$(BIN)/python bench/submissions.py
	$(BIN)/python bench/sync_packs.py
	$(BIN)/python bench/report.py
	$(BIN)/python bench/exchange.py

## bench-load: 50 readers and 10 writers for 60 s against gunicorn; every 201 checked
bench-load: setup
	$(BIN)/python bench/load.py --readers 50 --writers 10 --seconds 60

## bench-crash: kill -9 the server in 20 rounds while clients submit
bench-crash: setup
	$(BIN)/python bench/crash.py --rounds 20

## bench-disk-full: fill a small tmpfs (needs root to mount it)
bench-disk-full: setup
	$(SUDO) $(BIN)/python bench/disk_full.py

## security: bandit (fails on any high finding) and pip-audit (needs its advisory service)
security: setup
	$(BIN)/python -m pip install --quiet bandit pip-audit
	$(BIN)/bandit -q -r trailapp -lll
	$(BIN)/pip-audit --skip-editable --strict || echo "pip-audit could not check every package (no advisory service reachable?)"

## sqlmap: Debian's sqlmap against a local server (minutes; outside CI)
sqlmap: setup
	@command -v sqlmap >/dev/null || ($(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq sqlmap)
	bench/sqlmap_scan.sh

system-deps-bench:
	@command -v wrk >/dev/null || (apt-get update -qq && apt-get install -y -qq wrk)

## clean: the virtualenv and caches (never instance/: the database and media live there)
clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis
