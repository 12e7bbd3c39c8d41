"""While Redis does not answer, concurrent requests for one cold page share one database compute per process."""

import threading

import pytest
from django.db import connection
from django.test import Client

from catalog import selectors

URL = "/products/chef-knife/"


def test_thirty_concurrent_cold_requests_with_redis_paused_compute_once(
    catalog, redis_server, use_redis, monkeypatch, settings
):
    use_redis(redis_server)
    # Every request must have started before the first one gives up on Redis (its timeout), however slowly
    # this machine schedules 30 threads: otherwise a late one rightly refuses the earlier compute.
    settings.CACHES = {
        alias: {**conf, "OPTIONS": {**conf["OPTIONS"], "SOCKET_TIMEOUT": 3.0}}
        for alias, conf in settings.CACHES.items()
    }
    real, calls = selectors._product_data, []

    def counted(slug):
        calls.append(slug)
        return real(slug)

    monkeypatch.setattr(selectors, "_product_data", counted)
    redis_server.pause()
    start, statuses, bodies = threading.Barrier(30), [], []

    def shopper():
        try:
            start.wait(10)
            response = Client().get(URL)
            statuses.append(response.status_code)
            bodies.append(response.content)
        finally:
            connection.close()

    threads = [threading.Thread(target=shopper) for _ in range(30)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    redis_server.resume()
    assert statuses == [200] * 30
    assert all(b"\xe2\x82\xac50.00" in body for body in bodies)
    assert len(calls) == 1, f"{len(calls)} database computes for 30 requests"


def test_a_request_never_gets_a_value_computed_before_it_arrived(catalog, monkeypatch):
    """A compute already running when a request arrives is not shared with it: the next one is."""
    from shop.cache import flight

    entered, release_first = threading.Event(), threading.Event()
    results, computes = [], []

    def slow_compute():
        computes.append(1)
        if len(computes) == 1:
            entered.set()
            assert release_first.wait(10)
        return len(computes)

    first = threading.Thread(target=lambda: results.append(flight.run("default", "k", slow_compute)))
    first.start()
    assert entered.wait(10)
    late = threading.Thread(target=lambda: results.append(flight.run("default", "k", slow_compute)))
    late.start()
    release_first.set()
    first.join(10)
    late.join(10)
    assert sorted(results) == [1, 2]  # the late request got the compute that started after it


@pytest.fixture(autouse=True)
def _fast_breaker(settings):
    settings.SHOP_CACHE = {**settings.SHOP_CACHE, "BREAKER_COOLDOWN_SECONDS": 60}
