"""Write throttles: per account and per client address; reads are never throttled; Redis down: they step aside."""

import pytest
from django.test import Client

from .conftest import Api, assert_error

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def rates(settings):
    def _set(**rates: str) -> None:
        current = settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]
        settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {**current, **rates}}

    return _set


def _add(api: Api, product, **headers):
    return api.post("/api/v1/cart/items/", {"product_id": product.pk}, **headers)


def test_writes_are_limited_per_account_whatever_the_address(catalog, token_api, rates):
    rates(api_user_writes="3/min")
    statuses = [_add(token_api, catalog.knife, X_Forwarded_For=f"203.0.113.{i}").status_code for i in range(4)]
    assert statuses == [200, 200, 200, 429]
    refused = token_api.delete(f"/api/v1/cart/items/{catalog.knife.pk}/", X_Forwarded_For="203.0.113.99")
    assert_error(refused, 429, "throttled")
    assert token_api.get("/api/v1/cart/").json()["count"] == 3  # reads are not limited


def test_writes_are_limited_per_client_address_across_clients(catalog, rates):
    rates(api_address_writes="2/min")
    shoppers = [Api(Client()) for _ in range(3)]
    assert [_add(s, catalog.knife).status_code for s in shoppers] == [200, 200, 429]
    # Behind the trusted proxy (127.0.0.1 here) each client address has its own count ...
    other = [_add(shoppers[2], catalog.knife, X_Forwarded_For="198.51.100.4").status_code for _ in range(3)]
    assert other == [200, 200, 429]
    # ... and an address the client writes in front of the one the proxy saw is not believed.
    spoofed = _add(shoppers[2], catalog.knife, X_Forwarded_For="192.0.2.1, 198.51.100.4")
    assert_error(spoofed, 429, "throttled")


def test_catalog_reads_are_never_throttled(catalog, api, rates):
    rates(api_user_writes="1/min", api_address_writes="1/min")
    assert {api.get("/api/v1/products/chef-knife/").status_code for _ in range(5)} == {200}


def test_with_redis_down_writes_go_through_unthrottled(catalog, api, rates, redis_server, use_redis):
    use_redis(redis_server)
    rates(api_address_writes="1/min")
    assert _add(api, catalog.knife).status_code == 200
    redis_server.stop()
    for quantity in (2, 3):
        response = _add(api, catalog.knife)
        assert response.status_code == 200, response.content
        assert response.json()["count"] == quantity
