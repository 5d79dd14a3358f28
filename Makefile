# Backoffice — `make run` starts everything; `make test` runs the whole suite.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-dev
RUN_STAMP := $(VENV)/.installed

.PHONY: run test test-fast lint typecheck format bench clean chromium nginx soak

$(RUN_STAMP): requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $(RUN_STAMP)

$(STAMP): $(RUN_STAMP) requirements-dev.txt
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

run: $(RUN_STAMP)
	$(PY) -m app.devserver

chromium:
	@command -v chromium >/dev/null 2>&1 || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null)

nginx:
	@command -v nginx >/dev/null 2>&1 || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx-light >/dev/null)

test: $(STAMP) chromium nginx
	$(PY) -m ruff check .
	$(PY) -m mypy
	$(PY) -m pytest -p no:cacheprovider -n 2 --dist loadfile tests

test-fast: $(STAMP)
	$(PY) -m pytest -p no:cacheprovider -x -q tests/unit tests/integration

lint: $(STAMP)
	$(PY) -m ruff check .
	$(PY) -m mypy
	$(PY) -m ruff format --check .

typecheck: $(STAMP)
	$(PY) -m mypy

format: $(STAMP)
	$(PY) -m ruff format .
	$(PY) -m ruff check --fix .


# Not part of `make test`: about 20 minutes of traffic and injected faults on a private stack;
# writes bench/SOAK.md (SOAK_MINUTES=4 for a quick pass). Needs the dev requirements (aiosmtpd, requests).
soak:
	$(PY) -m bench.soak

clean:
	rm -rf $(VENV) .pytest_cache
