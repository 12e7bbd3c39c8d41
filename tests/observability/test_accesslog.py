"""One JSON access-log line per request (python-json-logger): request id, status, duration, cache, SQL count."""

import json
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.utils.module_loading import import_string

from tests.factories import ProductFactory
from tests.support import child_database_url

pytestmark = pytest.mark.django_db(transaction=True)


def json_formatter() -> logging.Formatter:
    """Return the formatter production's DJANGO_LOG_FORMAT=json selects, built from LOGGING as dictConfig would."""
    conf = dict(settings.LOGGING["formatters"]["json"])
    return import_string(conf.pop("()"))(**conf)


def access_lines(caplog) -> list[dict]:
    formatter = json_formatter()
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


CHILD = """
from django.test import Client
Client(HTTP_HOST="127.0.0.1").get("/products/chef-knife/", HTTP_X_REQUEST_ID="child-1")
"""


def test_django_log_format_json_writes_every_console_line_as_json_with_the_access_fields():
    ProductFactory(slug="chef-knife")
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DJANGO_LOG_FORMAT": "json",
        "DATABASE_URL": child_database_url(),
        "SHOP_CACHE_PREFIX": settings.SHOP_CACHE["PREFIX"],
    }
    root = Path(__file__).resolve().parents[2]
    run = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", CHILD],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert run.returncode == 0, run.stderr
    lines = [json.loads(line) for line in run.stderr.splitlines()]  # every line parses
    (access,) = [line for line in lines if line["logger"] == "shop.access"]
    assert access["message"] == f"GET /products/chef-knife/ 200 {access['duration_ms']}ms"
    assert access["request_id"] == "child-1" and access["level"] == "INFO"
    assert (access["method"], access["path"], access["status"], access["cache"]) == (
        "GET",
        "/products/chef-knife/",
        200,
        "MISS",
    )
    assert access["sql_queries"] > 0 and isinstance(access["duration_ms"], float)
    assert access["time"].startswith("20") and access["time"].endswith("+00:00")
