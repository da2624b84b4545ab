# qaeci: `make demo` installs everything and brings the demo environment up; `make test` runs the suite.
PYTHON ?= python3
VENV := .venv
ST2LITE := $(VENV)/bin/st2lite
DEMO_STATE ?= $(HOME)/.local/state/qaeci-demo
DEMO_ENV ?= demo

.PHONY: system venv demo demo-down test test-fast bench

system:
	bash scripts/install-system-deps.sh

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -e '.[test]' --config-settings editable_mode=compat
	touch $@

venv: $(VENV)/.installed

demo: system venv
	$(VENV)/bin/python scripts/demo.py up --state $(DEMO_STATE) --env $(DEMO_ENV)

demo-down: venv
	$(VENV)/bin/python scripts/demo.py down --state $(DEMO_STATE) --env $(DEMO_ENV)

test: system venv
	$(VENV)/bin/pytest -q -p no:cacheprovider tests packs/qaeci/tests

test-fast: venv
	$(VENV)/bin/pytest -q -p no:cacheprovider -m "not e2e" tests packs/qaeci/tests

bench: system venv
	$(VENV)/bin/python bench/st2lite_engine.py
	$(VENV)/bin/python bench/env_up.py
	$(VENV)/bin/python bench/db_snapshot.py
	$(VENV)/bin/python bench/sensors.py
	$(VENV)/bin/python bench/autoscale.py
