# qaeci: `make demo` installs everything and brings the demo environment up; `make test` runs the suite.
PYTHON ?= python3
VENV := .venv
ST2LITE := $(VENV)/bin/st2lite
DEMO_STATE ?= $(HOME)/.local/state/qaeci-demo
DEMO_ENV ?= demo
# The real `st2` CLI for tests/api, in a virtualenv of its own: st2client pins exact versions
# (jsonschema 3.2, cryptography 43, requests...) that clash with st2lite's.
ST2CLIENT_VENV := .venv-st2
ST2CLIENT_VERSION := 3.9.0
ERRBOT_VENV := .venv-errbot
ERRBOT_VERSION := 6.2.1
ERR_STACKSTORM_VERSION := 2.3.2

.PHONY: system venv st2client errbot demo demo-down test test-fast bench

system:
	bash scripts/install-system-deps.sh

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -e '.[test]' --config-settings editable_mode=compat
	touch $@

venv: $(VENV)/.installed

$(ST2CLIENT_VENV)/.installed:
	$(PYTHON) -m venv $(ST2CLIENT_VENV)
	$(ST2CLIENT_VENV)/bin/pip install --quiet st2client==$(ST2CLIENT_VERSION)
	touch $@

st2client: $(ST2CLIENT_VENV)/.installed

# Errbot with the err-stackstorm plugin, the chat bot of tests/api/test_errbot.py, in its own
# virtualenv too (its test back end imports pytest).
$(ERRBOT_VENV)/.installed:
	$(PYTHON) -m venv $(ERRBOT_VENV)
	$(ERRBOT_VENV)/bin/pip install --quiet errbot==$(ERRBOT_VERSION) err-stackstorm==$(ERR_STACKSTORM_VERSION) pytest
	touch $@

errbot: $(ERRBOT_VENV)/.installed

demo: system venv
	$(VENV)/bin/python scripts/demo.py up --state $(DEMO_STATE) --env $(DEMO_ENV)

demo-down: venv
	$(VENV)/bin/python scripts/demo.py down --state $(DEMO_STATE) --env $(DEMO_ENV)

test: system venv st2client errbot
	$(VENV)/bin/pytest -q -p no:cacheprovider tests packs/qaeci/tests

test-fast: venv st2client errbot
	$(VENV)/bin/pytest -q -p no:cacheprovider -m "not e2e" tests packs/qaeci/tests

bench: system venv
	$(VENV)/bin/python bench/st2lite_engine.py
	$(VENV)/bin/python bench/env_up.py
	$(VENV)/bin/python bench/db_snapshot.py
	$(VENV)/bin/python bench/sensors.py
	$(VENV)/bin/python bench/autoscale.py
	$(VENV)/bin/python bench/api.py
