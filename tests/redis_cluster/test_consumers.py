"""Everything outside the cache engine that talks to Redis, in cluster mode on the local cluster."""

import json
import uuid

import pytest
from django.core.cache import caches
from django.test import Client

from shop.cache import breaker, clients, keys
from tests.cache.test_sessions import _log_in_with_cart, _state

pytestmark = pytest.mark.slow


def test_django_cache_api_works_across_hash_slots(cluster_mode):
    cache = caches["default"]
    data = {f"{uuid.uuid4().hex}:{i}": i for i in range(60)}  # spread over every master's slots
    cache.set_many(data, 60)
    assert cache.get_many(list(data)) == data
    assert cache.add("counter-" + next(iter(data)), 1, 60) is True
    assert cache.incr("counter-" + next(iter(data)), 4) == 5
    cache.delete_many(list(data)[:30])
    assert cache.get_many(list(data)) == dict(list(data.items())[30:])
    owners = {cluster_mode.master_of(cache.make_key(k)).port for k in data}
    assert len(owners) == 3


def test_django_cache_clear_empties_every_master(cluster_mode):
    cache = caches["default"]
    keys = [f"{uuid.uuid4().hex}:{i}" for i in range(30)]
    cache.set_many(dict.fromkeys(keys, "x"), 60)
    assert cache.clear() is True
    assert all(m.client().dbsize() == 0 for m in cluster_mode.masters())


def test_sessions_live_on_the_cluster_and_survive_a_flush_and_a_failover(
    cluster_mode, client, settings, transactional_db
):
    """The session engine's copies are entries on the cluster; Postgres keeps every session through both."""
    settings.SESSION_TOUCH_INTERVAL = 3600  # no sliding-expiry write in the reads below
    product = _log_in_with_cart(client)
    assert _state(client) == (True, True)
    key = keys.entry("session", client.cookies[settings.SESSION_COOKIE_NAME].value)
    assert cluster_mode.master_of(key).client().exists(key)  # the copy, on the master serving its slot

    cluster_mode.flush()
    assert _state(client) == (True, True)
    assert cluster_mode.master_of(key).client().exists(key)  # stored again by that read

    cluster_mode.failover(cluster_mode.master_of(key), kill=True)  # the copy's master dies; a replica takes over
    assert _state(client) == (True, True)
    assert client.post("/cart/update/", {"product_id": product.pk, "quantity": 3}).status_code == 302
    assert 'value="3"' in client.get("/cart/").content.decode()
    breaker.reset_all()  # a process that never saw the failover
    assert 'value="3"' in client.get("/cart/").content.decode()


def test_readyz_checks_every_primary_of_the_cluster(cluster_mode, db):
    response = Client().get("/readyz")
    assert response.status_code == 200
    assert json.loads(response.content)["redis"] == "ok"


def test_readyz_reports_an_unreachable_cluster_as_not_ready(cluster_mode, settings, db):
    from tests.cluster_node import free_cluster_port

    dead = f"redis://127.0.0.1:{free_cluster_port()}/0"
    settings.CACHES = {alias: {**conf, "LOCATION": dead} for alias, conf in settings.CACHES.items()}
    response = Client().get("/readyz")
    assert response.status_code == 503
    # The cluster client's "no node reachable" error is not a RedisError: clients.ERRORS catches it.
    assert json.loads(response.content)["redis"].startswith("error: ")
    with pytest.raises(clients.ERRORS):
        clients.client("default")
