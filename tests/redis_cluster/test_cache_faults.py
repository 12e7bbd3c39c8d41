"""Cluster analogues of tests/cache/test_faults.py and test_sessions.py: a master of the local cluster is paused
(SIGSTOP) or killed instead of the one redis-server those tests own. Pages keep coming from Postgres, and no
invalidation or session change made meanwhile is lost once the cluster answers again."""

from contextlib import contextmanager
from decimal import Decimal

import pytest

from catalog import services as catalog_services
from catalog.cache import product_tag
from shop.cache import breaker, keys, trust
from shop.cache.models import CacheInvalidation
from tests.cache.test_sessions import _log_in_with_cart, _state
from tests.cluster_node import FAILOVER_TIMEOUT

pytestmark = pytest.mark.slow

URL = "/products/chef-knife/"


@pytest.fixture
def cluster(cluster_mode, settings):
    settings.SHOP_CACHE = {**settings.SHOP_CACHE, "BREAKER_COOLDOWN_SECONDS": 60}
    return cluster_mode


@contextmanager
def paused(cluster, master):
    """Pause ``master`` and its replica for the block (so no failover brings its slots back meanwhile, however
    slow the block), then wait until the cluster is whole again."""
    nodes = [master, *cluster.replicas_of(master)]
    for node in nodes:
        node.pause()
    try:
        yield
    finally:
        for node in nodes:
            node.resume()
        cluster.wait_ok(timeout=FAILOVER_TIMEOUT)


def _product_master(cluster):
    """The master serving the product's tag (and its entry: they share a slot)."""
    return cluster.master_of(keys.tag(product_tag("chef-knife")))


def _price_and_outcome(client) -> tuple[str, str]:
    response = client.get(URL)
    assert response.status_code == 200
    return response.content.decode().split('class="price big">')[1].split("<")[0], response["X-Cache"]


def test_a_paused_master_costs_one_trip_of_the_breaker_then_pages_come_from_postgres(
    catalog, cluster, warm, client, after_cooldown
):
    warm(URL)
    with paused(cluster, _product_master(cluster)):
        outcomes = [_price_and_outcome(client) for _ in range(20)]
    assert set(outcomes) == {("€50.00", "MISS")}
    assert breaker.get("default").trips == 1  # one cluster, one breaker: the first failure keeps the rest away
    after_cooldown()
    assert _price_and_outcome(client)[0] == "€50.00"
    assert _price_and_outcome(client) == ("€50.00", "HIT")


def test_a_write_while_its_tags_master_is_paused_reaches_every_process_before_it_trusts_redis(
    catalog, cluster, warm, client
):
    warm(URL)
    with paused(cluster, _product_master(cluster)):
        catalog_services.product_update(product=catalog.knife, price=Decimal("63.00"))  # fence and bump time out
        assert CacheInvalidation.objects.count() == 1
        assert _price_and_outcome(client) == ("€63.00", "MISS")
    # A process that never saw the failure: its first cache call looks at the outbox and delivers the row.
    breaker.reset_all()
    trust.reset(checked=False)
    assert _price_and_outcome(client) == ("€63.00", "MISS")
    assert CacheInvalidation.objects.count() == 0
    assert _price_and_outcome(client) == ("€63.00", "HIT")


def test_a_write_while_its_tags_master_is_dead_is_delivered_after_the_failover(
    catalog, cluster, warm, client, after_cooldown
):
    warm(URL)
    master = _product_master(cluster)
    master.kill()
    catalog_services.product_update(product=catalog.knife, price=Decimal("64.00"))
    assert CacheInvalidation.objects.count() == 1
    assert _price_and_outcome(client) == ("€64.00", "MISS")
    cluster.failover(master, kill=True)  # the replica takes the dead master's slots; the old one rejoins
    after_cooldown()
    assert _price_and_outcome(client) == ("€64.00", "MISS")  # drained before anything was read
    assert CacheInvalidation.objects.count() == 0
    assert _price_and_outcome(client) == ("€64.00", "HIT")


def test_a_dead_session_master_keeps_login_and_cart_and_accepts_changes(cluster, client, transactional_db):
    product = _log_in_with_cart(client)
    assert _state(client) == (True, True)
    key = keys.entry("session", client.cookies["sessionid"].value)
    master = cluster.master_of(key)
    master.kill()
    assert _state(client) == (True, True)
    assert client.post("/cart/update/", {"product_id": product.pk, "quantity": 3}).status_code == 302
    assert 'value="3"' in client.get("/cart/").content.decode()
    cluster.failover(master, kill=True)
    breaker.reset_all()
    trust.reset(checked=False)  # a process that never saw the failure
    assert 'value="3"' in client.get("/cart/").content.decode()
    assert _state(client) == (True, True)
