# Everything a fresh machine needs, from the project's own files.
# The install is editable in "compat" mode (the project folder on sys.path), so the `db`
# package is found even where the current folder has a `db/` folder of libraries.
#   make demo   install, load the fictional council's library, list it
#   make test   install what the tests need, run them
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
DEMO_DB := db/demo/evidence.db

.PHONY: demo test bench install clean

demo: $(VENV)/.installed
	$(BIN)/evidence demo --db $(DEMO_DB)
	$(BIN)/evidence list --db $(DEMO_DB)

test: $(VENV)/.installed-test
	$(BIN)/python -m pytest

bench: $(VENV)/.installed
	$(BIN)/python bench/add_latency.py

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
	rm -rf $(VENV) $(DEMO_DB) $(DEMO_DB)-wal $(DEMO_DB)-shm
