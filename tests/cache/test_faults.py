"""Redis failures: lost invalidations stay lost to nobody, and pages keep coming from Postgres.

Each test runs its own redis-server (the `redis_server` fixture) and pauses or kills that one.
"""

from decimal import Decimal

import pytest
from django.db import transaction

from catalog import services as catalog_services
from catalog.cache import product_tag
from shop.cache import backends, breaker, keys, store
from shop.cache.entry import Entry
from shop.cache.models import CacheInvalidation
from shop.tasks import drain_invalidation_outbox

URL = "/products/chef-knife/"


@pytest.fixture
def own_redis(redis_server, use_redis, settings):
    use_redis(redis_server)
    # These tests prove the fence and the breaker's drain on their own: no outbox look-ups in between.
    settings.SHOP_CACHE = {
        **settings.SHOP_CACHE,
        "BREAKER_COOLDOWN_SECONDS": 60,
        "OUTBOX_CHECK_SECONDS": 3600,
        "OUTBOX_BACKSTOP_SECONDS": 3600,
    }
    return redis_server


def _price_and_outcome(client) -> tuple[str, str]:
    response = client.get(URL)
    assert response.status_code == 200
    html = response.content.decode()
    price = html.split('class="price big">')[1].split("<")[0]
    return price, response["X-Cache"]


def test_bump_lost_after_commit_is_not_served_by_any_process(catalog, own_redis, warm, client):
    warm(URL)
    with transaction.atomic():
        catalog_services.product_update(product=catalog.knife, price=Decimal("61.00"))  # fenced in Redis
        breaker.get("default").trip()  # Redis failed just before commit: the after-commit bump is lost
    assert CacheInvalidation.objects.count() == 1  # the outbox kept it

    # A process that never saw the failure: the fence still stands, so it reads Postgres and stores nothing.
    breaker.reset_all()
    assert _price_and_outcome(client) == ("€61.00", "MISS")
    assert _price_and_outcome(client) == ("€61.00", "MISS")

    # Even when the fence mark has expired, the versions it set match no cached entry.
    own_redis.client().delete(keys.fence(keys.tag(product_tag("chef-knife"))))
    assert _price_and_outcome(client) == ("€61.00", "MISS")
    assert _price_and_outcome(client) == ("€61.00", "HIT")

    assert drain_invalidation_outbox() == 1
    assert CacheInvalidation.objects.count() == 0


def test_drain_lifts_the_fence_of_a_lost_bump(catalog, own_redis, warm, client):
    warm(URL)
    with transaction.atomic():
        catalog_services.product_update(product=catalog.knife, price=Decimal("62.00"))
        breaker.get("default").trip()
    breaker.reset_all()
    assert drain_invalidation_outbox() == 1
    assert not own_redis.client().exists(keys.fence(keys.tag(product_tag("chef-knife"))))
    assert _price_and_outcome(client) == ("€62.00", "MISS")
    assert _price_and_outcome(client) == ("€62.00", "HIT")


def test_fence_and_bump_both_lost_are_delivered_before_redis_is_trusted_again(
    catalog, own_redis, warm, client, after_cooldown
):
    warm(URL)
    own_redis.pause()  # Redis hangs for the whole write: neither fence nor bump reaches it
    catalog_services.product_update(product=catalog.knife, price=Decimal("63.00"))
    assert CacheInvalidation.objects.count() == 1
    # While Redis is away, pages come from Postgres.
    assert _price_and_outcome(client) == ("€63.00", "MISS")
    own_redis.resume()
    after_cooldown()
    # The first call after the cool-down drains the outbox before it reads anything.
    assert _price_and_outcome(client) == ("€63.00", "MISS")
    assert CacheInvalidation.objects.count() == 0
    assert _price_and_outcome(client) == ("€63.00", "HIT")


def test_outbox_drain_task_delivers_for_processes_that_saw_no_failure(catalog, own_redis, warm, client):
    warm(URL)
    own_redis.pause()
    catalog_services.product_update(product=catalog.knife, price=Decimal("64.00"))
    own_redis.resume()
    assert drain_invalidation_outbox() == 1  # Celery beat runs this every CACHE_OUTBOX_DRAIN_SECONDS
    breaker.reset_all()
    assert _price_and_outcome(client) == ("€64.00", "MISS")


def test_redis_down_pages_render_from_postgres_with_one_trip_of_the_breaker(
    catalog, own_redis, warm, client, after_cooldown
):
    warm()
    own_redis.stop()
    for url in ["/", "/categories/knives/", URL, "/search/?q=knife", "/cart/"] * 6:
        response = client.get(url)
        assert response.status_code == 200, url
        assert response.get("X-Cache", "MISS") == "MISS"
    assert breaker.get("default").trips == 1  # one failed attempt, then the breaker kept requests away

    catalog_services.product_update(product=catalog.knife, price=Decimal("65.00"))  # a write while Redis is down
    own_redis.start()  # an empty Redis comes back (restart)
    after_cooldown()
    assert _price_and_outcome(client) == ("€65.00", "MISS")
    assert _price_and_outcome(client) == ("€65.00", "HIT")  # caching resumed
    assert CacheInvalidation.objects.count() == 0


def test_paused_redis_costs_one_timeout_then_the_breaker_answers(catalog, own_redis, warm, client):
    warm(URL)
    own_redis.pause()
    outcomes = [_price_and_outcome(client) for _ in range(20)]
    assert set(outcomes) == {("€50.00", "MISS")}
    assert breaker.get("default").trips == 1
    own_redis.resume()


def test_store_refuses_values_computed_under_old_versions(catalog):
    spec = Entry("product", ("x",), (product_tag("x"),), 60, lambda: {"v": 1})
    token = store.new_token()
    rows = store.fetch([spec], token, count=False)
    versions = [v.decode() for v in rows[0][2:]]
    backends.get().bump([([keys.tag(product_tag("x"))], None)], store.new_token(), tag_ttl=60)
    assert store._store(spec, versions, {"v": "old"}, token) is False
    assert store.read(spec).value == {"v": 1}
