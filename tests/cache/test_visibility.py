"""A write invalidates exactly the pages and API reads whose output it changes: invisible writes leave them HIT."""

from decimal import Decimal

import pytest
from django.db import connection
from django.db.models import F
from django.test.utils import CaptureQueriesContext

from catalog import services as catalog_services
from catalog.models import Product
from orders.services import Contact, order_place
from shop.cache import backends, keys, stats, store
from shop.cart import CartLine
from tests.cache.conftest import api_url
from tests.factories import CategoryFactory, ProductFactory

KNIFE_PAGES = ["/products/chef-knife/", "/categories/knives/", "/categories/kitchen/", "/", "/search/?q=knife"]
OTHER_PAGES = ["/categories/garden/", "/search/?q=rake", "/products/rake/"]
# The JSON API's reads of the same data: stored under the same tags, so invalidated by exactly the same writes.
KNIFE_API = [api_url(url) for url in KNIFE_PAGES if api_url(url)]
OTHER_API = [api_url(url) for url in OTHER_PAGES]
SHOWING_KNIFE = ["/products/chef-knife/", "/categories/knives/", "/categories/kitchen/", "/search/?q=knife"]


@pytest.fixture
def shop(catalog):
    rake = ProductFactory(name="Rake", slug="rake", category=catalog.garden, description="A garden rake.")
    return catalog, rake


def _outcomes(client, urls) -> dict[str, str]:
    outcomes = {}
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        outcomes[url] = response["X-Cache"]
    return outcomes


def _warm(client, urls) -> None:
    _outcomes(client, urls)
    assert set(_outcomes(client, urls).values()) == {"HIT"}


def _sell(product: Product, quantity: int, token: str) -> None:
    product = Product.objects.get(pk=product.pk)
    line = CartLine(product=product, quantity=quantity, added_price=product.price)
    contact = Contact("s@example.com", "S", "1 St", "Town", "1", "Land")
    order_place(lines=[line], contact=contact, user=None, checkout_token=token)


def _misses() -> int:
    """Return the cache misses (recomputes) counted so far in Redis, over every stats hash.

    Counts made in Python (all of them in cluster mode) are sent first; on one node the fetch script counts.
    """
    backends.get().incr_stats(stats.take_pending())
    conn = store.client()
    counts = [conn.hgetall(key) for key in keys.stats_shards()]
    return sum(int(n) for shard in counts for field, n in shard.items() if field.endswith(b":miss"))


def test_a_sale_that_changes_no_label_invalidates_nothing(shop, client):
    catalog, _ = shop
    Product.objects.filter(pk=catalog.knife.pk).update(stock=40)
    _warm(client, KNIFE_PAGES + KNIFE_API)
    _sell(catalog.knife, 1, "t-1")  # 40 -> 39: "In stock" both times
    Product.objects.filter(pk=catalog.knife.pk).update(stock=F("stock") - 1)  # 39 -> 38 through update()
    knife = Product.objects.get(pk=catalog.knife.pk)
    catalog_services.product_update(product=knife, stock=37)  # and through save()
    assert set(_outcomes(client, KNIFE_PAGES + KNIFE_API).values()) == {"HIT"}


def test_a_label_change_shows_where_the_product_is_shown_and_nowhere_else(shop, client):
    catalog, _ = shop
    Product.objects.filter(pk=catalog.knife.pk).update(stock=3)
    _warm(client, KNIFE_PAGES + OTHER_PAGES + KNIFE_API + OTHER_API)
    _sell(catalog.knife, 1, "t-1")  # "Only 3 left" -> "Only 2 left"
    for url in SHOWING_KNIFE + [api_url(url) for url in SHOWING_KNIFE]:
        response = client.get(url)
        assert response["X-Cache"] == "MISS" and b"Only 2 left" in response.content, url
    assert set(_outcomes(client, OTHER_PAGES + OTHER_API).values()) == {"HIT"}


def test_the_last_unit_sold_is_sold_out_everywhere_at_once_and_leaves_featured(shop, client):
    catalog, _ = shop
    Product.objects.filter(pk=catalog.knife.pk).update(stock=1)
    _warm(client, KNIFE_PAGES + OTHER_PAGES + KNIFE_API + OTHER_API)
    _sell(catalog.knife, 1, "t-1")
    for url in SHOWING_KNIFE + [api_url(url) for url in SHOWING_KNIFE]:
        assert b"Sold out" in client.get(url).content, url
    featured = client.get("/").content.decode().split("Featured")[1].split("Best-sellers")[0]
    assert "Chef Knife" not in featured
    assert set(_outcomes(client, OTHER_PAGES + OTHER_API).values()) == {"HIT"}


def test_a_price_change_shows_on_every_page_of_the_product_and_no_other(shop, client):
    catalog, _ = shop
    _warm(client, KNIFE_PAGES + OTHER_PAGES + KNIFE_API + OTHER_API)
    catalog_services.product_update(product=catalog.knife, price=Decimal("57.00"))
    for url in KNIFE_PAGES:
        assert "€57.00" in client.get(url).content.decode(), url
    for url in KNIFE_API:
        assert '"57.00"' in client.get(url).content.decode(), url
    assert set(_outcomes(client, OTHER_PAGES + OTHER_API).values()) == {"HIT"}


def test_a_description_change_reaches_its_page_and_search_but_no_listing(shop, client):
    catalog, _ = shop
    _warm(client, KNIFE_PAGES + KNIFE_API)
    catalog_services.product_update(product=catalog.knife, description="Hand-forged from Damascus steel.")
    for url in ["/products/chef-knife/", "/api/v1/products/chef-knife/"]:
        assert b"Damascus" in client.get(url).content, url
    for url in ["/search/?q=damascus", "/api/v1/search/?q=damascus"]:
        assert b"Chef Knife" in client.get(url).content, url
    listings = [
        "/categories/knives/",
        "/categories/kitchen/",
        "/api/v1/categories/knives/",
        "/api/v1/categories/kitchen/",
    ]
    assert set(_outcomes(client, listings).values()) == {"HIT"}


def test_a_product_moving_category_changes_those_listings_and_not_others(shop, client):
    catalog, _ = shop
    tools = CategoryFactory(name="Tools", slug="tools")
    listings = ["/categories/knives/", "/categories/kitchen/", "/categories/garden/", "/categories/tools/"]
    _warm(client, listings + [api_url(url) for url in listings])
    catalog_services.product_update(product=catalog.spare, category=catalog.garden)
    for prefix in ("", "/api/v1"):
        assert b"Paring Knife" not in client.get(f"{prefix}/categories/knives/").content
        assert b"Paring Knife" not in client.get(f"{prefix}/categories/kitchen/").content
        assert b"Paring Knife" in client.get(f"{prefix}/categories/garden/").content
        assert client.get(f"{prefix}/categories/{tools.slug}/")["X-Cache"] == "HIT"


def test_a_new_product_appears_in_the_searches_it_matches_on_the_next_read(shop, client):
    catalog, _ = shop
    reads = ["/search/?q=knife", "/categories/garden/"]
    _warm(client, reads + [api_url(url) for url in reads])
    ProductFactory(name="Bread Knife", slug="bread-knife", category=catalog.knives)
    for url in ["/search/?q=knife", "/api/v1/search/?q=knife"]:
        assert b"Bread Knife" in client.get(url).content, url
    assert set(_outcomes(client, ["/categories/garden/", "/api/v1/categories/garden/"]).values()) == {"HIT"}


@pytest.fixture
def long_listing(transactional_db):
    """One category with 60 products priced 1..60: three pages of 24 in the price sort."""
    shelf = CategoryFactory(name="Shelf", slug="shelf")
    items = [
        ProductFactory(name=f"Item {i:02d}", slug=f"item-{i}", price=Decimal(i), category=shelf) for i in range(1, 61)
    ]
    return shelf, items


def test_a_price_change_reorders_only_the_listing_pages_it_moves_across(long_listing, client):
    _, items = long_listing
    urls = [f"/categories/shelf/?sort=price&page={n}" for n in (1, 2, 3)] + ["/categories/shelf/?sort=name&page=3"]
    _warm(client, urls + [api_url(url) for url in urls])
    catalog_services.product_update(product=items[29], price=Decimal("5.50"))  # item 30: page 2 -> page 1
    for shown in (urls, [api_url(url) for url in urls]):
        page1 = client.get(shown[0])
        assert page1["X-Cache"] == "MISS" and b"Item 30" in page1.content
        assert b"Item 30" not in client.get(shown[1]).content
        assert set(_outcomes(client, shown[2:]).values()) == {"HIT"}  # pages it never shows


def test_checkout_decrements_stock_in_one_statement_without_reading_categories(shop):
    catalog, rake = shop
    Product.objects.filter(pk=catalog.knife.pk).update(stock=3)
    knife, rake = Product.objects.get(pk=catalog.knife.pk), Product.objects.get(pk=rake.pk)
    lines = [CartLine(product=p, quantity=1, added_price=p.price) for p in (knife, rake)]
    contact = Contact("s@example.com", "S", "1 St", "Town", "1", "Land")
    with CaptureQueriesContext(connection) as queries:
        order_place(lines=lines, contact=contact, user=None, checkout_token="t-one")
    sql = [q["sql"] for q in queries.captured_queries]
    assert sum(s.startswith('UPDATE "catalog_product"') for s in sql) == 1
    assert not any('FROM "catalog_category"' in s for s in sql)
    assert Product.objects.get(pk=knife.pk).stock == 2 and Product.objects.get(pk=rake.pk).stock == 19


def test_an_invisible_sale_recomputes_nothing(shop, client):
    catalog, _ = shop
    Product.objects.filter(pk=catalog.knife.pk).update(stock=40)
    _warm(client, KNIFE_PAGES + KNIFE_API)
    before = _misses()
    for n in range(5):
        _sell(catalog.knife, 1, f"t-{n}")
    assert set(_outcomes(client, KNIFE_PAGES + KNIFE_API).values()) == {"HIT"}
    assert _misses() == before
    catalog_services.product_update(product=Product.objects.get(pk=catalog.knife.pk), price=Decimal("51.00"))
    _outcomes(client, KNIFE_PAGES)
    assert _misses() > before  # the count does move when something visible changes
