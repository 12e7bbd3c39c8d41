"""A master fails over while shoppers read pages and staff change a price: no 5xx, and no page older than a
price committed before it was asked for, from the moment the cluster is ok again.

Three reader threads request the product page and two listings that show its price; a writer thread commits
a new, higher price over and over. The master serving the product's tag (and entry) is failed over, by
CLUSTER FAILOVER on its replica (graceful) or by killing it (its replica takes over after the node timeout).
A summary line (errors seen, breaker trips, recovery) is printed for docs/cluster.md (`pytest -s`).
"""

import re
import threading
import time
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client

from catalog import services as catalog_services
from catalog.cache import product_tag
from catalog.models import Product
from shop.cache import breaker, keys
from shop.cache.models import CacheInvalidation
from tests.support import wait_for

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

URLS = ["/products/chef-knife/", "/categories/knives/", "/categories/kitchen/"]
KNIFE_PRICE = [
    re.compile(r'class="price big">€([\d.]+)<'),
    re.compile(r'href="/products/chef-knife/".*?<p class="price">€([\d.]+)</p>', re.S),
]


@dataclass
class Seen:
    started: float
    ended: float
    url: str
    status: int
    cache: str
    price: Decimal | None


def _price(html: str) -> Decimal | None:
    for pattern in KNIFE_PRICE:
        found = pattern.search(html)
        if found:
            return Decimal(found.group(1))
    return None


class Load:
    """Reader threads and one writer thread until ``stop()``; everything they saw and committed is kept."""

    def __init__(self, product_id: int, readers: int = 3) -> None:
        self.product_id = product_id
        self.seen: list[Seen] = []
        self.commits: list[tuple[float, Decimal]] = []  # (when the commit returned, price)
        self.errors: list[BaseException] = []
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self._read, args=(i,)) for i in range(readers)]
        self._threads.append(threading.Thread(target=self._write))

    def _guarded(self, body) -> None:
        try:
            body()
        except BaseException as exc:  # reported by the test
            self.errors.append(exc)
        finally:
            connection.close()

    def _read(self, n: int) -> None:
        def body() -> None:
            shopper, i = Client(), n
            while not self._stop.is_set():
                url = URLS[i % len(URLS)]
                started = time.monotonic()
                response = shopper.get(url)
                html = response.content.decode() if response.status_code == 200 else ""
                cache = response.get("X-Cache", "")
                self.seen.append(Seen(started, time.monotonic(), url, response.status_code, cache, _price(html)))
                i += 1

        self._guarded(body)

    def _write(self) -> None:
        def body() -> None:
            price = Decimal("50.00")
            while not self._stop.is_set():
                price += Decimal("0.01")
                product = Product.objects.get(pk=self.product_id)
                catalog_services.product_update(product=product, price=price)
                self.commits.append((time.monotonic(), price))
                self._stop.wait(0.05)  # pacing: about 20 price changes a second

        self._guarded(body)

    def __enter__(self) -> "Load":
        for thread in self._threads:
            thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(60)

    def __exit__(self, *exc) -> None:
        self.stop()

    def hits_since(self, moment: float) -> int:
        return sum(1 for s in list(self.seen) if s.started >= moment and s.cache == "HIT")

    def committed_before(self, moment: float) -> Decimal:
        return max((price for at, price in self.commits if at < moment), default=Decimal("50.00"))


@pytest.mark.parametrize("kill", [False, True], ids=["graceful", "kill"])
def test_no_5xx_and_no_stale_page_through_a_failover_under_load(catalog, cluster_mode, kill, page):
    master = cluster_mode.master_of(keys.tag(product_tag("chef-knife")))
    with Load(catalog.knife.pk) as load:
        wait_for(lambda: load.hits_since(0) >= 30 or load.errors, 60, "the readers to be served from the cache")
        trips = breaker.get("default").trips
        began = time.monotonic()
        cluster_mode.failover(master, kill=kill)
        ok_at = time.monotonic()
        wait_for(lambda: load.hits_since(ok_at) >= 10 or load.errors, 60, "pages from the cache again")
        recovered = min(s.started for s in load.seen if s.started >= ok_at and s.cache == "HIT")
        load.stop()
    assert load.errors == []
    statuses = {s.status for s in load.seen}
    assert statuses == {200}, statuses
    stale = [s for s in load.seen if s.price is not None and s.price < load.committed_before(s.started)]
    after = [s for s in stale if s.started >= ok_at]
    assert after == [], after[:5]

    last = Product.objects.get(pk=catalog.knife.pk).price
    for url in URLS:  # the next read of every page shows the last price, and so does the one after
        assert _price(page(url)) == last == _price(page(url)), url
    assert CacheInvalidation.objects.count() == 0  # everything the failover held up was delivered
    catalog_services.product_update(product=Product.objects.get(pk=catalog.knife.pk), price=Decimal("77.00"))
    for url in URLS:  # the write path after it
        assert _price(page(url)) == Decimal("77.00"), url
    window = [s for s in load.seen if began <= s.started < recovered]
    print(
        f"\nfailover ({'kill' if kill else 'graceful'}): {ok_at - began:.2f} s to cluster ok, pages from the cache "
        f"again {recovered - ok_at:.2f} s after; {len(load.seen)} requests, {len(window)} in between "
        f"({sum(s.cache != 'HIT' for s in window)} not from the cache), 0 5xx; breaker trips "
        f"{breaker.get('default').trips - trips}; stale before ok {len(stale)}, after 0; {len(load.commits)} prices"
    )
