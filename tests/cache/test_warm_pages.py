"""Warm pages cost no SQL and at most one Redis round trip for the cache layer."""

import pytest

from shop.cache import trust
from tests.factories import CategoryFactory, ProductFactory, ProductImageFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def product():
    parent = CategoryFactory(name="Kitchen", slug="kitchen")
    child = CategoryFactory(name="Knives", slug="knives", parent=parent)
    p = ProductFactory(name="Chef Knife", slug="chef-knife", category=child, stock=3)
    ProductImageFactory(product=p, position=0)
    ProductImageFactory(product=p, position=1)
    return p


def test_warm_product_page_costs_no_sql(client, product, django_assert_num_queries):
    first = client.get("/products/chef-knife/")
    assert first.status_code == 200
    assert first["X-Cache"] == "MISS"
    trust.reset()  # a process that has just looked at the outbox (it does so every 0.25 s)
    with django_assert_num_queries(0):
        warm = client.get("/products/chef-knife/")
    assert warm["X-Cache"] == "HIT"
    assert b"Only 3 left" in warm.content
    assert warm.content.count(b'<figure class="view"') == 2  # both pictures; thumbnails link to them


def test_warm_listing_page_costs_no_sql(client, product, django_assert_num_queries):
    assert client.get("/categories/kitchen/?sort=price").status_code == 200
    trust.reset()  # a process that has just looked at the outbox (it does so every 0.25 s)
    with django_assert_num_queries(0):
        warm = client.get("/categories/kitchen/?sort=price")
    assert warm["X-Cache"] == "HIT"
    assert b"Chef Knife" in warm.content


def test_warm_home_and_search_cost_no_sql(client, product, django_assert_num_queries):
    client.get("/")
    client.get("/search/?q=knife")
    trust.reset()  # a process that has just looked at the outbox (it does so every 0.25 s)
    with django_assert_num_queries(0):
        home = client.get("/")
        found = client.get("/search/?q=knife")
    assert home["X-Cache"] == "HIT" and found["X-Cache"] == "HIT"
    assert b"Chef Knife" in found.content
