"""The cache engine's cluster backend on the local cluster: key layout, the store's two steps, scripts a node
has never seen, request sizes, and counts spread over shards that a publish takes exactly once."""

import threading
from decimal import Decimal

import pytest
from redis.connection import Connection
from redis.crc import key_slot

from catalog import selectors
from catalog import services as catalog_services
from catalog.cache import product_tag
from shop.cache import backends, breaker, keys, stats, store
from shop.cache.backends import cluster as cluster_backend
from shop.cache.entry import Entry
from shop.cache.invalidation import invalidate
from shop.observability import metrics

pytestmark = pytest.mark.slow


def _slot(key: str) -> int:
    return key_slot(key.encode())


def test_an_entry_shares_a_slot_with_its_lock_and_a_tag_with_its_fence(cluster_mode):
    entry, tag = keys.entry("page", "r1", "127.0.0.1", "product", "chef-knife"), keys.tag("tree")
    assert _slot(entry) == _slot(keys.lock(entry))
    assert _slot(tag) == _slot(keys.fence(tag))
    assert _slot(entry) != _slot(tag)
    # An entry named like its own tag shares that tag's slot: one product's keys on one node.
    assert _slot(keys.entry("product", "chef-knife")) == _slot(keys.tag(product_tag("chef-knife")))
    shards = keys.stats_shards()
    assert len(shards) == keys.STATS_SHARDS and len({_slot(s) for s in shards}) == keys.STATS_SHARDS
    assert len({cluster_mode.master_of(s).port for s in shards}) == 3  # no single hot slot, every master


def test_entries_and_tags_of_a_catalog_spread_evenly_over_the_masters(cluster_mode):
    names = [keys.entry("product", f"item-{i}") for i in range(3000)] + [keys.tag(f"card:{i}") for i in range(3000)]
    ranges = {m.port: cluster_mode.slot_ranges(m) for m in cluster_mode.masters()}
    per_master = dict.fromkeys(ranges, 0)
    for name in names:
        slot = _slot(name)
        (port,) = [p for p, spans in ranges.items() if any(lo <= slot <= hi for lo, hi in spans)]
        per_master[port] += 1
    for count in per_master.values():
        assert abs(count - 2000) <= 400, per_master  # within ±20 % of an even share


def test_a_value_stored_after_a_write_changed_its_tags_is_never_served(catalog, cluster_mode, monkeypatch):
    """The store checks the versions, then SETs: a write commits in between, and the stored value is dead."""
    selectors.category_tree()
    real_store = cluster_backend._store
    wrote = []

    def write_between_check_and_set(*args, **kwargs):
        if not wrote:
            wrote.append(1)
            catalog_services.product_update(product=catalog.knife, price=Decimal("61.00"))  # fence, commit, bump
        return real_store(*args, **kwargs)

    monkeypatch.setattr(cluster_backend, "_store", write_between_check_and_set)
    first = selectors.product_page("chef-knife")[1]
    assert wrote and first.value["price"] == "50.00"  # read before the write, as the reader saw it
    assert store.client().exists(keys.entry("product", "chef-knife"))  # ... and it did reach Redis
    monkeypatch.setattr(cluster_backend, "_store", real_store)
    again = selectors.product_page("chef-knife")[1]
    assert not again.hit and again.value["price"] == "61.00"  # but was never served
    assert selectors.product_page("chef-knife")[1].hit


def test_a_fenced_miss_hands_its_lock_back_even_on_nodes_that_lost_their_scripts(cluster_mode):
    spec = Entry("product", ("fenced",), (product_tag("fenced"),), 60, lambda: {"v": 1})
    conn = store.client()
    for node in conn.get_nodes():  # as on a replica just promoted, or a restarted node
        conn.get_redis_connection(node).script_flush()
    backends.get().fence([keys.tag(product_tag("fenced"))], "writer", tag_ttl=60, fence_ttl=30)
    rows = store.fetch([spec], store.new_token(), count=False)
    assert rows[0][:2] == [0, -1]  # a write is in flight: compute, store nothing
    assert not conn.exists(keys.lock(spec.key))  # the lock taken alongside was handed back
    backends.get().bump([([keys.tag(product_tag("fenced"))], "writer")], store.new_token(), tag_ttl=60)
    assert store.read(spec).value == {"v": 1} and store.read(spec).hit


@pytest.fixture
def largest_request(monkeypatch):
    """Record the most arguments any single command sent to Redis had."""
    seen = [0]
    real = Connection.pack_commands

    def packing(self, commands):
        seen[0] = max([seen[0], *(len(c) for c in commands)])
        return real(self, commands)

    real_one = Connection.pack_command

    def packing_one(self, *args):
        seen[0] = max(seen[0], len(args))
        return real_one(self, *args)

    monkeypatch.setattr(Connection, "pack_commands", packing)
    monkeypatch.setattr(Connection, "pack_command", packing_one)
    return seen


def test_no_request_carries_more_than_serverless_accepts(cluster_mode, largest_request, transactional_db):
    many = [Entry("product", (f"p{i}",), (f"product:p{i}", f"card:{i}"), 60, lambda i=i: {"i": i}) for i in range(2000)]
    assert [r.value for r in store.read_many(many)] == [{"i": i} for i in range(2000)]
    assert all(r.hit for r in store.read_many(many))
    invalidate([f"card:{i}" for i in range(2000)])  # outside a transaction: fence and bump at once
    for i in range(2000):
        stats.incr(f"ns{i}:hit")
    assert sum(metrics.take_delta(store.client()).values()) >= 2000
    assert 0 < largest_request[0] <= cluster_backend.MAX_REQUEST_ARGS


def test_counts_spread_over_shards_are_published_exactly_once(catalog, cluster_mode, client):
    """Readers count while publishes take every shard: each count lands in exactly one period."""
    client.get("/products/chef-knife/")
    metrics.take_delta(store.client())  # start from nothing
    stop, errors, read = threading.Event(), [], [0]

    def reader():
        from django.db import connection
        from django.test import Client

        shopper = Client()
        try:
            while not stop.is_set():
                assert shopper.get("/products/chef-knife/").status_code == 200
                read[0] += 1
        except BaseException as exc:  # reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=reader) for _ in range(3)]
    for thread in threads:
        thread.start()
    taken = []
    while (read[0] < 60 or len(taken) < 10) and not errors and all(t.is_alive() for t in threads):
        taken.append(metrics.take_delta(store.client()))  # publishes interleaved with the readers' counts
    stop.set()
    for thread in threads:
        thread.join(30)
    assert errors == []
    backends.get().incr_stats(stats.take_pending())  # what the readers counted since their last fetch
    taken.append(metrics.take_delta(store.client()))
    pages = sum(delta["page:hit"] + delta["page:miss"] for delta in taken)
    assert pages == read[0]
    counts = [store.client().exists(s) for s in keys.stats_shards()]
    assert sum(counts) == 0  # every shard was taken


@pytest.mark.parametrize("kill", [False, True], ids=["moved", "refused"])
def test_a_read_follows_its_master_to_the_replica_that_replaced_it_without_an_error(cluster_mode, kill, db):
    """The client's slot map still names the old master: MOVED is followed, a refused connection reloads
    the map and tries again; either way the read is a hit and the breaker never opens."""
    spec = Entry("product", ("moving",), (product_tag("moving"),), 600, lambda: {"v": 1})
    store.read(spec)
    assert store.read(spec).hit
    master = cluster_mode.master_of(spec.key)
    assert master.client().wait(1, 5000) == 1  # the entry reached the replica before the master goes
    cluster_mode.failover(master, kill=kill, restart=False)
    try:
        assert store.read(spec).hit
        assert breaker.get("default").trips == 0
    finally:
        if kill:
            cluster_mode.restart(master)
