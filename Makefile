# Shopfront. `make run` and `make test` work on a fresh machine with only Python 3.11+:
# with DATABASE_URL / REDIS_URL unset they start embedded real PostgreSQL and Redis servers.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
SERVICES := $(PY) scripts/services.py --
SEED_PRODUCTS ?= 300

.PHONY: run test lint format bench soak clean edge

$(VENV)/.installed: requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

run: $(VENV)/.installed
	$(SERVICES) $(PY) scripts/run.py --seed $(SEED_PRODUCTS)

test: $(VENV)/.installed
	DJANGO_SETTINGS_MODULE=config.settings.test $(SERVICES) $(PY) -m pytest $(PYTEST_ARGS)

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(VENV)/.installed
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

# A bounded load run (loopback only) against gunicorn + a Celery worker; prints requests, errors and RSS.
soak: $(VENV)/.installed
	$(SERVICES) $(PY) scripts/soak.py $(SOAK_ARGS)

# Benchmark (bench/README.md): not part of `make test`; needs wrk (apt-get install -y wrk). BENCH_ARGS e.g. --cycles 1.
bench: $(VENV)/.installed
	$(SERVICES) $(PY) bench/run.py $(BENCH_ARGS)

# Local edge (docs/edge.md): Varnish on 127.0.0.1:8080 in front of `make run`; start that one with
# EDGE_PURGE_URL=http://127.0.0.1:8080 so that writes purge the edge. Needs apt-get install varnish varnish-modules.
edge: $(VENV)/.installed
	$(PY) scripts/edge.py $(EDGE_ARGS)

clean:
	rm -rf .services staticfiles
