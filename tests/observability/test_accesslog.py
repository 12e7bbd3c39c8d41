"""One JSON access-log line per request: request id, status, duration, cache outcome, SQL count."""

import json
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest

from shop.observability.accesslog import JsonFormatter
from tests.factories import ProductFactory

pytestmark = pytest.mark.django_db(transaction=True)


def access_lines(caplog) -> list[dict]:
    formatter = JsonFormatter()
    return [json.loads(formatter.format(r)) for r in caplog.records if r.name == "shop.access"]


def test_each_request_logs_one_json_line_with_cache_outcome_and_query_count(client, caplog):
    ProductFactory(slug="chef-knife")
    caplog.set_level(logging.INFO, logger="shop.access")

    cold = client.get("/products/chef-knife/", HTTP_X_REQUEST_ID="req-123")
    warm = client.get("/products/chef-knife/")

    first, second = access_lines(caplog)
    assert cold["X-Request-ID"] == "req-123"
    assert first["request_id"] == "req-123"
    assert (first["method"], first["path"], first["status"], first["cache"]) == (
        "GET",
        "/products/chef-knife/",
        200,
        "MISS",
    )
    assert first["sql_queries"] > 0
    assert second["cache"] == "HIT" and second["sql_queries"] == 0
    assert second["request_id"] == warm["X-Request-ID"] and len(second["request_id"]) == 32
    assert isinstance(second["duration_ms"], float) and second["level"] == "INFO"


def test_alb_trace_id_is_used_and_hostile_ids_are_replaced(client, caplog):
    caplog.set_level(logging.INFO, logger="shop.access")
    trace = "Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1"

    client.get("/cart/", HTTP_X_AMZN_TRACE_ID=trace)
    client.get("/cart/", HTTP_X_REQUEST_ID='x"}\n{"forged": 1')

    traced, hostile = access_lines(caplog)
    assert traced["request_id"] == trace
    assert hostile["request_id"] != 'x"}\n{"forged": 1' and "forged" not in hostile


def test_health_checks_are_not_access_logged(client, caplog):
    caplog.set_level(logging.INFO, logger="shop.access")
    client.get("/healthz")
    assert access_lines(caplog) == []


def test_django_log_format_json_switches_the_console_to_json():
    code = "import logging; logging.getLogger('shop.access').info('hi', extra={'fields': {'status': 200}})"
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test", "DJANGO_LOG_FORMAT": "json"}
    root = Path(__file__).resolve().parents[2]
    run = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", code],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )

    line = json.loads(run.stderr.strip().splitlines()[-1])
    assert (line["logger"], line["message"], line["status"]) == ("shop.access", "hi", 200)
