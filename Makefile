# Everything a fresh machine needs, from the project's own files.
# The install is editable in "compat" mode (the project folder on sys.path), so the `db`
# package is found even where the current folder has a `db/` folder of libraries.
#   make demo   install, load the fictional council's library, show it and its readiness,
#               print its briefing pack, and serve it at http://127.0.0.1:8001 (Ctrl-C stops)
#   make test   install what the tests need, run them on every core (pytest-xdist)
#   make test-quick   the same but for the slow and browser tests: about a minute
#   make lint   ruff: the lint rules and the formatting pyproject.toml sets
#   make bench  run every benchmark (about 20 minutes), print each ratio against its goal,
#               and write the README's Guarantees from the figures
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
DEMO_DB := db/demo/evidence.db
# Debian packages: WeasyPrint lays out the briefing pack with Pango, in fonts with
# Arial's metrics (and DejaVu for every other character); the tests also drive headless
# Chromium, to render what a person would see, and read PDF pages as images. tzdata
# holds UK time (Europe/London), in which the inspection week's times are kept.
DEBIAN_PACKAGES := libpango-1.0-0 libpangoft2-1.0-0 fonts-liberation fonts-dejavu-core tzdata
DEBIAN_TEST_PACKAGES := $(DEBIAN_PACKAGES) chromium poppler-utils

.PHONY: demo test test-quick lint bench install system-packages test-system-packages apt-install clean

demo: $(VENV)/.installed system-packages
	$(BIN)/evidence demo --db $(DEMO_DB)
	$(BIN)/evidence list --db $(DEMO_DB)
	$(BIN)/evidence grades --db $(DEMO_DB)
	$(BIN)/evidence action list --open --as-of 2018-03-31 --db $(DEMO_DB)
	$(BIN)/evidence measure list --as-of 2018-03-31 --db $(DEMO_DB)
	$(BIN)/evidence readiness --as-of 2018-03-31 --db $(DEMO_DB)
	$(BIN)/evidence pack --as-of 2018-03-31 --out db/demo/pack.pdf --db $(DEMO_DB)
	$(BIN)/evidence serve --as-of 2018-03-31 --db $(DEMO_DB)

test: $(VENV)/.installed-test test-system-packages
	$(BIN)/python -m pytest -n auto --dist loadfile

# Everything but the slow tests (commands killed mid-way, many processes at once) and the
# browser's: about a minute, for the loop of changing and checking.
test-quick: $(VENV)/.installed-test
	$(BIN)/python -m pytest -n auto --dist loadfile -m "not slow and not browser"

# ruff: the lint rules and the formatting pyproject.toml sets.
lint: $(VENV)/.installed-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# Every benchmark; the README's Guarantees are written again from their figures.
bench: $(VENV)/.installed-test
	$(BIN)/python bench/run_all.py

system-packages:
	@$(MAKE) --no-print-directory apt-install PACKAGES="$(DEBIAN_PACKAGES)"

test-system-packages:
	@$(MAKE) --no-print-directory apt-install PACKAGES="$(DEBIAN_TEST_PACKAGES)"

apt-install:
	@missing=$$(for package in $(PACKAGES); do \
		dpkg -s $$package >/dev/null 2>&1 || echo $$package; done); \
	if [ -n "$$missing" ]; then \
		echo "Installing Debian packages: $$missing"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	fi

install: $(VENV)/.installed

$(VENV)/.created:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	touch $@

$(VENV)/.installed: pyproject.toml $(VENV)/.created
	$(BIN)/python -m pip install --quiet --config-settings editable_mode=compat --editable .
	touch $@

$(VENV)/.installed-test: pyproject.toml $(VENV)/.installed
	$(BIN)/python -m pip install --quiet --config-settings editable_mode=compat --editable '.[test]'
	touch $@

clean:
	rm -rf $(VENV) db/demo
