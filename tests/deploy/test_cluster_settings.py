"""config.settings.production with REDIS_CLUSTER=True (ElastiCache Serverless), booted as a container starts it."""

import json

import pytest

from .test_production_settings import COMPLETE_ENV, _run

# What the stack's user data writes in serverless mode (CacheMode=serverless, CeleryBroker=sqs).
QUEUE_URL = "https://sqs.eu-west-1.amazonaws.com/123456789012/production-shopfront-celery"
CLUSTER_ENV = {
    **COMPLETE_ENV,
    "REDIS_URL": "rediss://shop-abc123.serverless.euw1.cache.amazonaws.com:6379/0",
    "REDIS_CLUSTER": "True",
    "CELERY_BROKER_URL": "sqs://",
    "CELERY_BROKER_TRANSPORT_OPTIONS": json.dumps(
        {"region": "eu-west-1", "predefined_queues": {"celery": {"url": QUEUE_URL}}, "visibility_timeout": 3600}
    ),
}

INSPECT = """
import json, django
django.setup()
from django.conf import settings
from config.celery_app import app
from shop.cache import clients
out = {}
for alias in ("default", "sessions"):
    conf = settings.CACHES[alias]
    kwargs = clients.redis_kwargs(conf["OPTIONS"])
    kwargs = {k: str(v) for k, v in kwargs.items()}
    out[alias] = {"backend": conf["BACKEND"], "location": conf["LOCATION"], "kwargs": kwargs}
out["broker_url"] = app.conf.broker_url
out["backend"] = app.conf.result_backend
out["transport_options"] = app.conf.broker_transport_options
print(json.dumps(out))
"""


def test_check_deploy_passes_in_cluster_mode_with_an_sqs_broker():
    result = _run(CLUSTER_ENV, "manage.py", "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stdout + result.stderr


def test_cluster_mode_puts_both_aliases_on_the_cluster_over_tls_with_the_token():
    result = _run(CLUSTER_ENV, "-c", INSPECT)
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout.strip().splitlines()[-1])
    for alias in ("default", "sessions"):
        assert out[alias]["backend"] == "shop.cache.django_cluster.RedisClusterCache"
        assert out[alias]["location"] == CLUSTER_ENV["REDIS_URL"]  # database 0: the only one a cluster has
        kwargs = out[alias]["kwargs"]
        assert kwargs["password"] == CLUSTER_ENV["REDIS_AUTH_TOKEN"]
        assert kwargs["ssl_cert_reqs"] == "required"
        assert kwargs["socket_timeout"] == kwargs["socket_connect_timeout"] == "0.25"
    # SQS: credentials from the instance role, the stack's queue named, no result backend.
    assert out["broker_url"] == "sqs://"
    assert out["backend"] is None
    assert out["transport_options"]["predefined_queues"]["celery"]["url"] == QUEUE_URL


def test_cluster_mode_without_a_broker_stops_start_up_naming_celery_broker_url():
    env = {k: v for k, v in CLUSTER_ENV.items() if k != "CELERY_BROKER_URL"}
    result = _run(env, "manage.py", "check")
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "REDIS_CLUSTER=True needs CELERY_BROKER_URL" in result.stderr


@pytest.mark.parametrize(
    "broker",
    [
        "rediss://shop-abc123.serverless.euw1.cache.amazonaws.com:6379/0",
        "rediss://:token@shop-abc123.serverless.euw1.cache.amazonaws.com:6379/2",
    ],
)
def test_cluster_mode_refuses_the_cluster_itself_as_broker(broker):
    result = _run({**CLUSTER_ENV, "CELERY_BROKER_URL": broker}, "manage.py", "check")
    assert result.returncode != 0
    assert "CELERY_BROKER_URL must not name the cache's Redis Cluster" in result.stderr


def test_cluster_mode_accepts_a_separate_non_cluster_redis_broker():
    broker = "rediss://:broker-token@broker.abc123.euw1.cache.amazonaws.com:6379/0"
    env = {**CLUSTER_ENV, "CELERY_BROKER_URL": broker}
    env.pop("CELERY_BROKER_TRANSPORT_OPTIONS")
    result = _run(env, "-c", INSPECT)
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout.strip().splitlines()[-1])
    # Celery reads CELERY_BROKER_URL from the environment as given: the broker's own password travels in it.
    assert out["broker_url"] == broker
    assert out["backend"] is None


@pytest.mark.parametrize("variable", ["REDIS_URL", "REDIS_SESSION_URL"])
def test_cluster_mode_refuses_a_database_other_than_0(variable):
    env = {**CLUSTER_ENV, variable: "rediss://shop-abc123.serverless.euw1.cache.amazonaws.com:6379/1"}
    result = _run(env, "manage.py", "check")
    assert result.returncode != 0
    assert f"{variable} must use database 0 with REDIS_CLUSTER=True" in result.stderr
