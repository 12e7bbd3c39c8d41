# Shopfront. `make run` and `make test` work on a fresh machine with only Python 3.11+:
# with DATABASE_URL / REDIS_URL unset they start embedded real PostgreSQL and Redis servers.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
SERVICES := $(PY) scripts/services.py --
SEED_PRODUCTS ?= 300
# make run ADDR=0.0.0.0:8080 (or SHOPFRONT_ADDR); default 127.0.0.1:8000.
ADDR ?=

.PHONY: run superuser test lint format bench soak clean audit outdated edge lighthouse

$(VENV)/.installed: requirements.txt requirements-dev.txt
	@echo "== creating $(VENV) and installing requirements-dev.txt (first time: a few minutes)"
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

run: $(VENV)/.installed
	@$(SERVICES) $(PY) scripts/run.py --seed $(SEED_PRODUCTS) $(if $(ADDR),--addr $(ADDR))

# Another staff log-in (make run creates "staff" with the demo catalog and shows its password once).
superuser: $(VENV)/.installed
	@$(SERVICES) $(PY) manage.py createsuperuser

# The cache, freshness, fault and session tests again in cluster mode, on a local Redis Cluster the tests
# start (docs/cluster.md#tests-in-both-modes). CLUSTER_TESTS= leaves the pass out.
CLUSTER_TESTS ?= tests/cache tests/shop tests/orders tests/observability tests/reliability/test_blip.py

test: $(VENV)/.installed
	@echo "== make test: Postgres and Redis: DATABASE_URL / REDIS_URL, else embedded servers under .services/"
	@$(PY) -m tests.browser.chromium
	@echo "== make test: pytest $(PYTEST_ARGS)"
	@DJANGO_SETTINGS_MODULE=config.settings.test $(SERVICES) $(PY) -m pytest $(PYTEST_ARGS)
	$(if $(CLUSTER_TESTS),@echo "== make test: again in cluster mode (--redis-cluster): $(CLUSTER_TESTS)")
	$(if $(CLUSTER_TESTS),@DJANGO_SETTINGS_MODULE=config.settings.test $(SERVICES) $(PY) -m pytest -p no:cacheprovider --redis-cluster $(CLUSTER_TESTS))

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

# Known vulnerabilities (pip-audit, PyPI's advisory data) in the pins, then in everything installed from them.
audit: $(VENV)/.installed
	$(VENV)/bin/pip-audit -s pypi --progress-spinner off --no-deps --disable-pip -r requirements.txt -r requirements-dev.txt
	$(VENV)/bin/pip-audit -s pypi --progress-spinner off --skip-editable

# Pins behind their latest release.
outdated: $(VENV)/.installed
	$(PY) scripts/outdated.py requirements-dev.txt

# Local edge (docs/edge.md): Varnish on 127.0.0.1:8080 in front of `make run`; start that one with
# EDGE_PURGE_URL=http://127.0.0.1:8080 so that writes purge the edge. Needs apt-get install varnish varnish-modules.
edge: $(VENV)/.installed
	$(PY) scripts/edge.py $(EDGE_ARGS)

# Lighthouse scores of home, a listing and a product page (docs/testing.md#lighthouse); needs npm and a Chromium.
lighthouse: $(VENV)/.installed
	@$(SERVICES) $(PY) scripts/lighthouse.py

clean:
	rm -rf .services staticfiles
