"""Catalog reads are shared responses: answered from Redis before sessions run, with the pages' edge headers,
conditional GETs (ETag, 304) and the tags of everything they show."""

from collections import Counter
from decimal import Decimal

import pytest
from django.conf import settings
from django.test import Client

from api import services
from catalog import services as catalog_services
from shop.cache import trust
from shop.management.commands.cache_figures import counting_round_trips
from tests.factories import UserFactory

from .conftest import Api

READS = [
    "/api/v1/categories/",
    "/api/v1/categories/kitchen/",
    "/api/v1/products/chef-knife/",
    "/api/v1/search/?q=knife",
]


def _shared(response) -> None:
    assert response.status_code == 200
    cache_control = {part.strip() for part in response["Cache-Control"].split(",")}
    edge = settings.EDGE
    assert {
        "public",
        "max-age=0",
        f"s-maxage={edge['S_MAXAGE']}",
        f"stale-while-revalidate={edge['STALE_WHILE_REVALIDATE']}",
        f"stale-if-error={edge['STALE_IF_ERROR']}",
    } <= cache_control
    assert response["ETag"].startswith('"') and response["Cache-Tag"]
    assert not response.cookies and "Cookie" not in response.get("Vary", "")


@pytest.mark.parametrize("url", READS)
def test_catalog_reads_carry_the_edge_headers_and_are_hits_the_second_time(catalog, api, url):
    first = api.get(url)
    _shared(first)
    assert first["X-Cache"] == "MISS"
    again = api.get(url)
    _shared(again)
    assert again["X-Cache"] == "HIT"
    assert (again.content, again["ETag"], again["Cache-Tag"]) == (first.content, first["ETag"], first["Cache-Tag"])


def test_tags_name_everything_the_response_shows(catalog, api):
    tags = lambda url: set(api.get(url)["Cache-Tag"].split(","))  # noqa: E731
    assert tags("/api/v1/products/chef-knife/") == {"product:chef-knife", "tree"}
    listing = tags("/api/v1/categories/knives/?sort=price")
    knife, spare = catalog.knife.pk, catalog.spare.pk
    assert {"tree", "category:knives", "listing:knives:price:1", f"card:{knife}", f"card:{spare}"} <= listing
    assert {"search", f"card:{knife}"} <= tags("/api/v1/search/?q=forged")


@pytest.mark.parametrize(
    ("page", "url"),
    [
        ("/products/chef-knife/", "/api/v1/products/chef-knife/"),
        ("/categories/kitchen/?sort=price", "/api/v1/categories/kitchen/?sort=price"),
        ("/search/?q=knife", "/api/v1/search/?q=knife"),
    ],
)
def test_the_same_tags_as_the_html_page(catalog, api, client, page, url):
    html = client.get(page)
    assert html.status_code == 200
    assert set(api.get(url)["Cache-Tag"].split(",")) == set(html["Cache-Tag"].split(","))


@pytest.mark.parametrize("url", READS)
def test_if_none_match_is_answered_304_without_a_body(catalog, api, url):
    etag = api.get(url)["ETag"]
    response = api.get(url, If_None_Match=etag)
    assert response.status_code == 304 and response.content == b""
    assert response["ETag"] == etag and response["X-Cache"] == "HIT"
    assert f"s-maxage={settings.EDGE['S_MAXAGE']}" in response["Cache-Control"]
    assert api.get(url, If_None_Match='"something-else"').status_code == 200


def test_a_price_change_changes_the_etag_of_every_response_showing_the_product(catalog, api):
    urls = ["/api/v1/products/chef-knife/", "/api/v1/categories/knives/", "/api/v1/categories/kitchen/"]
    urls.append("/api/v1/search/?q=knife")
    before = {url: api.get(url)["ETag"] for url in urls}
    garden = api.get("/api/v1/categories/garden/")["ETag"]
    catalog_services.product_update(product=catalog.knife, price=Decimal("61.00"))
    for url, etag in before.items():
        response = api.get(url, If_None_Match=etag)
        assert response.status_code == 200 and response["ETag"] != etag, url
        assert b'"61.00"' in response.content, url
    assert api.get("/api/v1/categories/garden/", If_None_Match=garden).status_code == 304


def test_warm_product_detail_costs_no_sql_and_one_redis_round_trip(catalog, api, django_assert_num_queries):
    assert api.get("/api/v1/products/chef-knife/")["X-Cache"] == "MISS"
    sent = Counter()
    trust.reset()  # a process that has just looked at the outbox (it does so every 0.25 s)
    with django_assert_num_queries(0), counting_round_trips(sent):
        warm = api.get("/api/v1/products/chef-knife/")
    assert warm["X-Cache"] == "HIT" and warm.json()["slug"] == "chef-knife"
    assert sent["round_trips"] == 1
    trust.reset()
    with django_assert_num_queries(0), counting_round_trips(sent):
        assert api.get("/api/v1/products/chef-knife/", If_None_Match=warm["ETag"]).status_code == 304
    assert sent["round_trips"] == 2


@pytest.fixture
def logged_in_browser(transactional_db):
    client = Client()
    client.force_login(UserFactory())
    session = client.session
    session["_touched"] = 0  # due for a sliding-expiry touch on its next request
    session.save()
    return Api(client)


def test_credentials_are_ignored_and_the_shared_response_given(catalog, api, logged_in_browser):
    token = services.token_obtain(user=UserFactory(username="bob"))
    anonymous = api.get("/api/v1/products/chef-knife/")
    for caller in (Api(Client(), Authorization=f"Token {token.key}"), Api(Client(), Authorization="Token bad")):
        response = caller.get("/api/v1/products/chef-knife/")
        _shared(response)
        assert response.content == anonymous.content and response["X-Cache"] == "HIT"


def test_a_session_cookie_on_a_miss_is_neither_read_nor_touched(catalog, logged_in_browser, api):
    response = logged_in_browser.get("/api/v1/categories/kitchen/")
    _shared(response)
    assert response["X-Cache"] == "MISS"
    assert not any(tag.startswith("session:") for tag in response["Cache-Tag"].split(","))
    assert api.get("/api/v1/categories/kitchen/")["X-Cache"] == "HIT"  # it was stored for everyone


def test_invalid_input_is_answered_uncached(catalog, api):
    for _ in range(2):
        response = api.get("/api/v1/categories/kitchen/?page=0")
        assert response.status_code == 400
        assert "X-Cache" not in response and response["Cache-Control"] == "private, no-store"


def test_head_is_answered_from_the_cache_too(catalog, api):
    api.get("/api/v1/products/chef-knife/")
    response = api.client.head("/api/v1/products/chef-knife/")
    assert response.status_code == 200 and response["X-Cache"] == "HIT"


def test_personal_endpoints_are_private(catalog, api):
    for url in ["/api/v1/cart/", "/api/v1/checkout/", "/api/v1/orders/"]:
        assert api.get(url)["Cache-Control"] == "private, no-store", url


def test_with_redis_down_catalog_reads_come_from_postgres_and_no_edge_keeps_them(catalog, api, redis_server, use_redis):
    use_redis(redis_server)
    assert api.get("/api/v1/products/chef-knife/").status_code == 200
    redis_server.stop()
    response = api.get("/api/v1/products/chef-knife/")
    assert response.status_code == 200 and response.json()["price"] == "50.00"
    assert "no-store" in response["Cache-Control"] and "ETag" not in response
