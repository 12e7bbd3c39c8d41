"""Every error under /api/ is JSON with a message and the right status; never HTML, never a 5xx for bad input."""

import pytest
from django.test import Client

from .conftest import Api, assert_error

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize(
    "path", ["/api/", "/api/v1/", "/api/v2/products/chef-knife/", "/api/v1/products/", "/api/v1/products/a b/"]
)
@pytest.mark.parametrize("method", ["GET", "POST", "DELETE"])
def test_unknown_api_urls_are_a_json_404(catalog, api, path, method):
    response = api.get(path) if method == "GET" else api.send(method, path, {})
    assert "/api/schema/" in assert_error(response, 404, "not_found")["detail"]


def test_the_storefront_keeps_its_html_404(catalog, client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404 and response["Content-Type"].startswith("text/html")


@pytest.mark.parametrize(
    ("method", "path"),
    [("PUT", "/api/v1/cart/"), ("POST", "/api/v1/cart/"), ("GET", "/api/v1/cart/items/"), ("PUT", "/api/v1/checkout/")],
)
def test_a_wrong_method_is_a_json_405(catalog, api, method, path):
    response = api.get(path) if method == "GET" else api.send(method, path, {})
    assert_error(response, 405, "method_not_allowed")


def test_html_is_never_negotiated(catalog, api):
    for path in ["/api/v1/products/chef-knife/", "/api/v1/cart/", "/api/v1/products/nope/"]:
        assert api.get(path, Accept="text/html")["Content-Type"] == "application/json", path


def test_an_unexpected_failure_is_a_json_500(catalog, monkeypatch):
    from catalog import selectors

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(selectors, "product_page", broken)
    response = Api(Client(raise_request_exception=False)).get("/api/v1/products/chef-knife/")
    body = assert_error(response, 500, "server_error")
    assert "boom" not in body["detail"]


def test_a_bad_host_is_a_json_400(catalog):
    response = Client(HTTP_HOST="evil.example").get("/api/v1/cart/")
    assert_error(response, 400, "bad_request")


def test_options_describes_an_endpoint_in_json(catalog, api):
    response = api.client.options("/api/v1/cart/items/")
    assert response.status_code == 200 and response.json()["name"]
