# caudal: two commands from a fresh clone. `make up` runs the main job, `make test` the suite.
# Both bootstrap .venv from nothing.

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp

# The reference library for `make compat`: Prefect 0.15.9 on Python 3.9 (pyenv has it here).
PY39 ?= $(firstword $(wildcard $(HOME)/.pyenv/versions/3.9*/bin/python3.9) $(shell command -v python3.9 2>/dev/null))
COMPAT_VENV := .compat-venv
COMPAT_STAMP := $(COMPAT_VENV)/.installed-stamp
# Azurite, the Azure Blob Storage emulator the Azure storage tests start (an npm package).
AZURITE := .tools/node_modules/.bin/azurite-blob

.PHONY: up test lint compat bench clean graphviz chromium

$(STAMP): pyproject.toml constraints.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check -c constraints.txt -e '.[dev]'
	touch $@

$(COMPAT_STAMP):
	@test -n "$(PY39)" || { echo "make compat needs Python 3.9 (pyenv install 3.9) for Prefect 0.15.9"; exit 1; }
	test -x $(COMPAT_VENV)/bin/python || $(PY39) -m venv $(COMPAT_VENV)
	$(COMPAT_VENV)/bin/python -m pip install -q --disable-pip-version-check \
		prefect==0.15.9 'marshmallow<3.20' 'pendulum<3' pandas requests
	touch $@

$(AZURITE):
	@command -v npm >/dev/null || { echo "make test needs npm (Node.js) for Azurite, the Azure storage emulator"; exit 1; }
	npm install --prefix .tools --no-audit --no-fund --silent azurite@3.35.0

# Graphviz's `dot`, which Flow.visualize renders with (a Debian package): installed when this
# runs as root with apt, else the rendering test is skipped with a note.
graphviz:
	@command -v dot >/dev/null || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null && \
		{ apt-get install -y -q graphviz >/dev/null 2>&1 || \
		  { apt-get update -q >/dev/null 2>&1 && apt-get install -y -q graphviz >/dev/null 2>&1; }; }; } || \
		echo "note: Graphviz's dot is not installed; the Flow.visualize rendering test will be skipped"

# Debian's Chromium, which the web UI's browser tests drive headless through Playwright
# (Playwright's own browser download is never used): installed when this runs as root with
# apt, else the browser tests are skipped with a note (and fail under CI=true).
chromium:
	@test -x /usr/bin/chromium || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null && \
		{ apt-get install -y -q chromium >/dev/null 2>&1 || \
		  { apt-get update -q >/dev/null 2>&1 && apt-get install -y -q chromium >/dev/null 2>&1; }; }; } || \
		echo "note: Chromium is not installed; the web UI's browser tests will be skipped (under CI=true they fail)"

up: $(STAMP)
	$(PY) examples/users_report/up.py

test: $(STAMP) $(COMPAT_STAMP) $(AZURITE) graphviz chromium
	$(PY) -m ruff check src tests examples benchmarks compat
	CAUDAL_COMPAT_PYTHON=$(CURDIR)/$(COMPAT_VENV)/bin/python $(PY) -m pytest

lint: $(STAMP)
	$(PY) -m ruff check src tests examples benchmarks compat

compat: $(STAMP) $(COMPAT_STAMP)
	$(PY) compat/run.py --prefect-python $(COMPAT_VENV)/bin/python
	CAUDAL_COMPAT_PYTHON=$(CURDIR)/$(COMPAT_VENV)/bin/python $(PY) -m pytest -q -p no:cacheprovider \
		tests/schedules/test_compat_with_prefect.py

bench: $(STAMP) $(COMPAT_STAMP)
	$(PY) benchmarks/engine.py --prefect-python $(COMPAT_VENV)/bin/python
	$(PY) benchmarks/server.py --scale 0.1

clean:
	rm -rf $(VENV) $(COMPAT_VENV) .tools build dist src/*.egg-info
