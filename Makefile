# Two commands on a fresh Debian/Ubuntu machine:
#   make run    set up everything and start the app
#   make test   set up everything and run the whole test suite
PYTHON ?= python3
VENV   := .venv
STAMP  := $(VENV)/.setup-done
SETUP_INPUTS := pyproject.toml installer/debian-packages.txt installer/system_packages.sh installer/setup_venv.sh \
                installer/web_setup.sh installer/replay_viewer_setup.sh

.PHONY: setup run demo test test-under-load lint bench screenshots bundle clean

setup: $(STAMP)

$(STAMP): $(SETUP_INPUTS)
	installer/system_packages.sh
	PYTHON=$(PYTHON) installer/setup_venv.sh
	installer/web_setup.sh
	installer/replay_viewer_setup.sh || echo "setup: the WACZ viewer for the replay tests is not installed (its tests will try again)" >&2
	touch $@

run: setup
	$(VENV)/bin/forensics-app

demo: setup
	$(VENV)/bin/forensics demo

test: setup
	$(VENV)/bin/python -m pytest

# The suite with stress-ng hogging every core (installer/test_under_load.sh); ARGS narrows it, e.g. ARGS=tests/web
test-under-load: setup
	installer/test_under_load.sh $(ARGS)

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy

bench: setup
	$(VENV)/bin/python bench/vault_ingest.py

# The self-contained Linux build, its tarball and .deb, all under dist/ (installer/build_bundle.py)
bundle: setup
	$(VENV)/bin/python installer/build_bundle.py

screenshots: setup
	xvfb-run -a -s "-screen 0 1366x768x24" $(VENV)/bin/python -m forensics_app.gui.screenshots docs/screenshots

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache .mypy_cache .ruff_cache
