"""Concurrency: no stale set, no stampede. Real Postgres, real Redis, real threads."""

import threading
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client

from catalog import selectors
from catalog import services as catalog_services
from shop.cache import backends, breaker, keys, stats, store
from shop.cache.invalidation import drain_outbox
from shop.cache.models import CacheInvalidation
from tests.support import wait_for


def _in_thread(fn, results: dict, name: str) -> threading.Thread:
    def run():
        try:
            results[name] = fn()
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def test_reader_that_read_the_old_row_never_stores_it(catalog, monkeypatch):
    """Reader misses → reads the old row → writer commits and invalidates → reader tries to store."""
    real = selectors._product_data
    read_old_row, writer_committed = threading.Event(), threading.Event()

    def paused_read(slug):
        data = real(slug)
        read_old_row.set()
        assert writer_committed.wait(10)
        return data

    monkeypatch.setattr(selectors, "_product_data", paused_read)
    selectors.category_tree()  # warm the tree so the reader's only miss is the product
    results = {}
    reader = _in_thread(lambda: selectors.product_page("chef-knife")[1], results, "reader")
    assert read_old_row.wait(10)
    monkeypatch.setattr(selectors, "_product_data", real)
    catalog_services.product_update(product=catalog.knife, price=Decimal("61.00"))  # commits, invalidates
    writer_committed.set()
    reader.join(10)

    assert results["reader"].value["price"] == "50.00"  # the reader did see the old row ...
    assert not store.client().exists(keys.entry("product", "chef-knife"))  # ... and it was never stored
    assert selectors.product_page("chef-knife")[1].value["price"] == "61.00"


def test_reader_that_filled_before_the_write_is_invalidated(catalog):
    """The other order: the old value is stored first, then the write commits: the entry dies."""
    assert selectors.product_page("chef-knife")[1].value["price"] == "50.00"
    assert selectors.product_page("chef-knife")[1].hit
    catalog_services.product_update(product=catalog.knife, price=Decimal("62.00"))
    result = selectors.product_page("chef-knife")[1]
    assert not result.hit and result.value["price"] == "62.00"


@pytest.mark.parametrize("how", ["cold", "expired"])
def test_fifty_concurrent_requests_on_a_cold_key_ask_the_database_once(catalog, monkeypatch, settings, how):
    settings.SHOP_CACHE = {**settings.SHOP_CACHE, "LOCK_WAIT_SECONDS": 60}  # waits end on the value, not a clock
    real = selectors._product_data
    calls = []
    lock = threading.Lock()
    waits_before = stats.local_totals["product:stampede_wait"]

    def held_until_all_wait(slug):
        with lock:
            calls.append(slug)
        # The compute holds the lock until the 49 other requests are waiting for it: the widest window.
        wait_for(lambda: stats.local_totals["product:stampede_wait"] - waits_before >= 49, 30, "49 waiters")
        return real(slug)

    selectors.category_tree()
    if how == "expired":
        selectors.product_page("chef-knife")
        store.client().pexpire(keys.entry("product", "chef-knife"), 1)
        wait_for(lambda: not store.client().exists(keys.entry("product", "chef-knife")), 5, "the entry to expire")
    monkeypatch.setattr(selectors, "_product_data", held_until_all_wait)
    start = threading.Barrier(50)
    results = {}

    def request(i):
        start.wait(10)
        return selectors.product_page("chef-knife")[1].value["price"]

    threads = [_in_thread(lambda i=i: request(i), results, i) for i in range(50)]
    for t in threads:
        t.join(60)
    assert len(results) == 50
    assert set(results.values()) == {"50.00"}
    assert len(calls) == 1, f"the database was asked {len(calls)} times"
    assert stats.local_totals["product:stampede_wait"] - waits_before == 49


def test_a_stale_entry_is_recomputed_by_its_first_reader_without_waiting(catalog):
    """After a write, the first reader of the entry it made stale takes the lock and stores the new value."""
    assert selectors.product_page("chef-knife")[1].value["price"] == "50.00"
    catalog_services.product_update(product=catalog.knife, price=Decimal("63.00"))
    waits_before = stats.local_totals["product:stampede_wait"]
    result = selectors.product_page("chef-knife")[1]
    assert not result.hit and result.value["price"] == "63.00"
    assert stats.local_totals["product:stampede_wait"] == waits_before  # nobody else held the lock
    assert selectors.product_page("chef-knife")[1].hit


def test_a_process_never_reads_before_an_invalidation_another_is_delivering_has_reached_redis(
    catalog, monkeypatch, client
):
    """A write whose fence and bump both missed Redis sits in the outbox. One drainer is delivering it, held
    inside the bump; a reader whose process must drain first (here: after its breaker's cool-down) has to
    wait for that delivery, not take "nothing left for me" for "delivered" and read the old page."""
    url = "/products/chef-knife/"
    client.get(url)
    assert client.get(url)["X-Cache"] == "HIT"
    breaker.get("default").trip()  # Redis is away for the whole write: the outbox keeps it
    catalog_services.product_update(product=catalog.knife, price=Decimal("61.00"))
    assert CacheInvalidation.objects.count() == 1
    later = breaker.now() + 3600
    monkeypatch.setattr(breaker, "now", lambda: later)  # the reader's cool-down is over

    backend = backends.get("default")
    real_bump, in_bump, release = backend.bump, threading.Event(), threading.Event()

    def held_bump(*args, **kwargs):
        in_bump.set()
        assert release.wait(30)
        return real_bump(*args, **kwargs)

    monkeypatch.setattr(backend, "bump", held_bump)
    results = {}
    drainer = _in_thread(lambda: drain_outbox("default"), results, "drainer")
    assert in_bump.wait(10)
    monkeypatch.setattr(backend, "bump", real_bump)
    reader = _in_thread(lambda: Client().get(url).content.decode(), results, "reader")

    def reader_waits_on_the_row() -> bool:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
            )
            return cursor.fetchone()[0] >= 1 or not reader.is_alive()

    wait_for(reader_waits_on_the_row, 30, "the reader to wait for the delivery (or to read without it)")
    release.set()
    drainer.join(30)
    reader.join(30)
    assert "€61.00" in results["reader"] and "€50.00" not in results["reader"]
    assert results["drainer"] == 1
