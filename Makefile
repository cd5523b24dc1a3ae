# One Bromley Recovery Dashboard — `make run` serves the dashboard, `make test` runs every test.
# Works on a fresh Debian/Ubuntu machine with Python 3.11+ (and apt for Chromium, used by the
# browser tests and the capacity page's chart export, and for npm, which fetches axe-core for the
# accessibility tests).

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8501
STAMP := $(VENV)/.installed-$(shell sha256sum requirements.txt | cut -c1-12)
# The store `make run` serves: RECOVERY_DB if set (a file, or a postgresql:// URL whose empty store the
# dashboard fills with the demonstration on first start), else the path in config.yaml.
DB := $(or $(RECOVERY_DB),data/recovery.duckdb)
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: run test lint unit app e2e bench screenshots demo browser postgres clean

$(STAMP): requirements.txt
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
		{ echo "Python 3.11 or newer is needed (found $$($(PYTHON) --version))."; exit 1; }
	@[ -x $(BIN)/python ] || $(PYTHON) -m venv $(VENV) || \
		{ echo "Could not create a virtual environment: install python3-venv (apt-get install -y python3-venv)."; exit 1; }
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.txt
	@rm -f $(VENV)/.installed-* && touch $@

# npm fetches the pinned axe-core for the accessibility tests (tests/e2e/axe.py).
DEBIAN_PACKAGES := chromium fonts-dejavu-core npm

browser:
	@[ -x /usr/bin/chromium ] && [ -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] && command -v npm >/dev/null || \
		{ echo "Installing $(DEBIAN_PACKAGES) from Debian (browser tests, chart export, fonts, npm for axe-core)…"; \
		$(SUDO) apt-get install -y $(DEBIAN_PACKAGES) || \
		{ $(SUDO) apt-get update && $(SUDO) apt-get install -y $(DEBIAN_PACKAGES); }; }

# The store tests run on PostgreSQL too: they start a throw-away cluster from Debian's server binaries.
postgres:
	@ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || command -v initdb >/dev/null || \
		{ echo "Installing postgresql from Debian (the store tests on the second engine start their own cluster)…"; \
		$(SUDO) apt-get install -y postgresql || { $(SUDO) apt-get update && $(SUDO) apt-get install -y postgresql; }; }

demo: $(STAMP)
	$(BIN)/python -m data demo --force

run: $(STAMP) browser
	@case "$(DB)" in postgres*://*) ;; *) [ -f "$(DB)" ] || $(BIN)/python -m data demo ;; esac
	$(BIN)/python -m streamlit run app.py --server.port $(PORT) --server.address 127.0.0.1

lint: $(STAMP)
	$(BIN)/ruff check .

# The tests run in parallel, one worker per CPU (pytest-xdist), each test file kept on one worker so a
# module's shared server, browser or store is set up once. TEST_WORKERS=0 runs them in this process.
TEST_WORKERS ?= auto
PYTEST := $(BIN)/python -m pytest -q -n $(TEST_WORKERS) --dist loadfile

test: $(STAMP) browser postgres lint
	$(PYTEST)

unit: $(STAMP)
	$(PYTEST) tests/unit

app: $(STAMP)
	$(PYTEST) tests/app

e2e: $(STAMP) browser
	$(PYTEST) tests/e2e

bench: $(STAMP)
	$(BIN)/python -m bench.bench_overview
	$(BIN)/python -m bench.bench_pages
	$(BIN)/python -m bench.bench_ingest
	$(BIN)/python -m bench.bench_validation
	$(BIN)/python -m bench.bench_spc
	$(BIN)/python -m bench.bench_pack
	$(BIN)/python -m bench.bench_capacity
	$(BIN)/python -m bench.bench_review
	$(BIN)/python -m bench.bench_cold_start
	$(BIN)/python -m bench.bench_load --cache both

screenshots: $(STAMP) browser
	SHOT_HEIGHT=2600 $(BIN)/python -m tests.e2e.harness overview elective outpatients \
		"my_service?service=cardiology&site=PRUH" discharges primary_care inequalities assessment capacity upload coverage \
		urgent_care cancer_waits community mental_health prevention \
		screenshots

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache screenshots
