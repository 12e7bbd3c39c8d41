"""Redis round trips per page: one on a single node, two on a cluster (the entry, then its tags' versions).

A round trip is one exchange the request waits for: a command, a script, a pipeline or a cluster step (which
sends each node its share at once, so it is one wait however many nodes it reaches). Requests
count what each node receives.
"""

from collections import Counter
from contextlib import contextmanager

import pytest
import redis
from django.conf import settings
from django.test import Client
from redis.cluster import ClusterPipeline, RedisCluster
from redis.connection import Connection

from shop.cache import trust
from shop.cache.backends import slots

WARM = ["/products/chef-knife/", "/categories/knives/", "/", "/search/?q=knife"]


@contextmanager
def counting():
    """Count round trips and per-node requests of every redis-py client while open."""
    counts: Counter[str] = Counter()
    patched = [
        (redis.Redis, "execute_command"),
        (redis.client.Pipeline, "execute"),
        (RedisCluster, "execute_command"),
        (ClusterPipeline, "execute"),
        (slots, "send"),  # the cluster backend's steps
    ]
    originals = [(cls, name, cls.__dict__[name]) for cls, name in patched]

    def wrap(real, what: str):
        def counted(*args, **kwargs):
            counts[what] += 1
            return real(*args, **kwargs)

        return counted

    for cls, name, real in originals:
        setattr(cls, name, wrap(real, "round_trips"))
    real_send = Connection.send_packed_command
    Connection.send_packed_command = wrap(real_send, "requests")
    try:
        yield counts
    finally:
        for cls, name, real in originals:
            setattr(cls, name, real)
        Connection.send_packed_command = real_send


def _get(client: Client, url: str) -> tuple[str, Counter]:
    trust.reset()  # a process that has just looked at the outbox: no SQL, no Redis for it
    with counting() as counts:
        response = client.get(url)
    assert response.status_code == 200, url
    return response["X-Cache"], counts


@pytest.mark.parametrize("url", WARM)
def test_a_warm_page_costs_one_round_trip_on_a_node_and_two_on_a_cluster(catalog, url):
    client = Client()
    client.get(url)
    outcome, counts = _get(client, url)
    assert outcome == "HIT"
    if settings.REDIS_CLUSTER:
        assert counts["round_trips"] == 2, counts
        assert counts["requests"] <= 1 + 3, counts  # the entry's node, then at most every master
    else:
        assert counts == {"round_trips": 1, "requests": 1}


def test_a_cold_product_page_is_bounded(catalog):
    outcome, counts = _get(Client(), "/products/chef-knife/")
    assert outcome == "MISS"
    # The page's fetch and store, one fetch of its product and the tree, a store of each: 5 on a node; on a
    # cluster each fetch of a miss and each store is two.
    assert counts["round_trips"] <= (10 if settings.REDIS_CLUSTER else 5), counts
