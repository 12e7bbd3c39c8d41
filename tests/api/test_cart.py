"""The cart through the API: read, add, change, remove; refusals as 4xx; where each client's cart lives."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.sessions.models import Session
from django.test import Client
from django.utils import timezone

from api.models import AccountCart
from catalog import services as catalog_services
from catalog.models import Product
from shop.cart import SESSION_KEY
from shop.sessions import SessionStore

from .conftest import PASSWORD, Api, assert_error

pytestmark = pytest.mark.django_db(transaction=True)


def _lines(response) -> dict[str, int]:
    assert response.status_code == 200, response.content
    return {line["product"]["slug"]: line["quantity"] for line in response.json()["lines"]}


def test_add_change_and_remove(catalog, api):
    assert api.get("/api/v1/cart/").json() == {"lines": [], "count": 0, "total": "0.00", "currency": "EUR"}
    body = api.post("/api/v1/cart/items/", {"product_id": catalog.knife.pk, "quantity": 2}).json()
    (line,) = body["lines"]
    assert (line["quantity"], line["unit_price"], line["line_total"], line["price_changed"]) == (
        2,
        "50.00",
        "100.00",
        False,
    )
    assert line["availability"] == {"label": "In stock", "state": "in"}
    assert line["product"]["image"]["alt"] == "knife photo"
    assert (body["count"], body["total"]) == (2, "100.00")
    assert _lines(api.post("/api/v1/cart/items/", {"product_id": catalog.spare.pk})) == {
        "chef-knife": 2,
        "paring-knife": 1,
    }
    assert _lines(api.post("/api/v1/cart/items/", {"product_id": catalog.knife.pk, "quantity": 1}))["chef-knife"] == 3
    assert _lines(api.patch(f"/api/v1/cart/items/{catalog.knife.pk}/", {"quantity": 5}))["chef-knife"] == 5
    assert _lines(api.patch(f"/api/v1/cart/items/{catalog.knife.pk}/", {"quantity": 0})) == {"paring-knife": 1}
    assert _lines(api.delete(f"/api/v1/cart/items/{catalog.spare.pk}/")) == {}
    assert _lines(api.delete(f"/api/v1/cart/items/{catalog.spare.pk}/")) == {}  # done already: still 200
    assert _lines(api.get("/api/v1/cart/")) == {}


def test_a_browsers_api_cart_is_the_cart_its_pages_show(catalog, api):
    api.post("/api/v1/cart/items/", {"product_id": catalog.knife.pk, "quantity": 2})
    assert b"Chef Knife" in api.client.get("/cart/").content
    api.client.post("/cart/add/", {"product_id": catalog.spare.pk, "quantity": "1"})
    assert _lines(api.get("/api/v1/cart/")) == {"chef-knife": 2, "paring-knife": 1}


def test_a_price_change_shows_in_the_cart_and_the_added_price_is_kept(catalog, api):
    api.post("/api/v1/cart/items/", {"product_id": catalog.knife.pk})
    catalog_services.product_update(product=catalog.knife, price=Decimal("55.00"))
    (line,) = api.get("/api/v1/cart/").json()["lines"]
    assert (line["added_price"], line["unit_price"], line["price_changed"]) == ("50.00", "55.00", True)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "product_id"),
        ({"product_id": "knife"}, "product_id"),
        ({"product_id": 0}, "product_id"),
        ({"product_id": 2**63}, "product_id"),
        ({"product_id": 999999}, "product_id"),
        ({"product_id": "KNIFE", "quantity": 1}, "product_id"),
        ({"product_id": "KNIFE", "quantity": 0}, "quantity"),
        ({"product_id": "KNIFE", "quantity": 100}, "quantity"),
        ({"product_id": "KNIFE", "quantity": 1.5}, "quantity"),
        ({"product_id": "KNIFE", "quantity": "two"}, "quantity"),
        ({"product_id": "KNIFE", "quantity": True}, "quantity"),
        ({"product_id": "KNIFE", "quantity": None}, "quantity"),
    ],
)
def test_bad_additions_are_400_with_the_field_named(catalog, api, body, field):
    body = {k: (catalog.spare.pk if v == "KNIFE" and k == "product_id" else v) for k, v in body.items()}
    if body.get("product_id") == catalog.spare.pk and body.get("quantity") == 1:
        Product.objects.filter(pk=catalog.spare.pk).update(is_active=False)
    error = assert_error(api.post("/api/v1/cart/items/", body), 400, "invalid")
    assert field in error["errors"] and error["detail"].startswith(f"{field}: ")
    assert _lines(api.get("/api/v1/cart/")) == {}


def test_more_than_the_stock_is_a_409_conflict(catalog, api):
    Product.objects.filter(pk=catalog.knife.pk).update(stock=3)
    error = assert_error(api.post("/api/v1/cart/items/", {"product_id": catalog.knife.pk, "quantity": 4}), 409)
    assert (error["code"], error["detail"]) == ("out_of_stock", "Only 3 of Chef Knife left.")
    api.post("/api/v1/cart/items/", {"product_id": catalog.knife.pk, "quantity": 3})
    assert_error(api.patch(f"/api/v1/cart/items/{catalog.knife.pk}/", {"quantity": 4}), 409, "out_of_stock")
    Product.objects.filter(pk=catalog.knife.pk).update(stock=0)
    assert "sold out" in assert_error(api.post("/api/v1/cart/items/", {"product_id": catalog.knife.pk}), 409)["detail"]


def test_more_than_99_of_one_product_is_400(catalog, api):
    Product.objects.filter(pk=catalog.knife.pk).update(stock=500)
    api.post("/api/v1/cart/items/", {"product_id": catalog.knife.pk, "quantity": 98})
    error = assert_error(api.post("/api/v1/cart/items/", {"product_id": catalog.knife.pk, "quantity": 2}), 400)
    assert "at most 99" in error["detail"]


def test_changing_a_line_that_is_not_there_is_404_and_a_vanished_product_409(catalog, api):
    assert_error(api.patch(f"/api/v1/cart/items/{catalog.knife.pk}/", {"quantity": 1}), 404, "not_found")
    assert_error(api.patch("/api/v1/cart/items/99999999999999999999999/", {"quantity": 1}), 404, "not_found")
    api.post("/api/v1/cart/items/", {"product_id": catalog.spare.pk})
    Product.objects.filter(pk=catalog.spare.pk).update(is_active=False)
    assert_error(api.patch(f"/api/v1/cart/items/{catalog.spare.pk}/", {"quantity": 2}), 409, "unavailable")
    assert_error(api.patch(f"/api/v1/cart/items/{catalog.spare.pk}/", {"quantity": -1}), 400, "invalid")


def test_bodies_must_be_json(catalog, api):
    form = api.client.post("/api/v1/cart/items/", {"product_id": str(catalog.knife.pk)})  # a form post
    assert_error(form, 415, "unsupported_media_type")
    text = api.client.post("/api/v1/cart/items/", '{"product_id": 1}', content_type="text/plain")
    assert_error(text, 415, "unsupported_media_type")
    assert_error(api.post("/api/v1/cart/items/", '{"product_id": '), 400, "parse_error")
    assert_error(api.post("/api/v1/cart/items/", "[1, 2]"), 400, "invalid")
    assert _lines(api.get("/api/v1/cart/")) == {}


# Session log-in: CSRF as DRF applies it -----------------------------------------------------------------


@pytest.fixture
def browser(shopper):
    client = Client(enforce_csrf_checks=True)
    assert client.post("/accounts/login/", {"username": "ann", "password": PASSWORD}).status_code == 403  # no token
    client.get("/accounts/login/")  # sets the CSRF cookie, as the page does
    token = client.cookies["csrftoken"].value
    response = client.post("/accounts/login/", {"username": "ann", "password": PASSWORD, "csrfmiddlewaretoken": token})
    assert response.status_code == 302
    return Api(client)


def test_a_logged_in_browser_needs_the_csrf_token_to_write(catalog, browser):
    refused = browser.post("/api/v1/cart/items/", {"product_id": catalog.knife.pk})
    assert "CSRF" in assert_error(refused, 403, "permission_denied")["detail"]
    assert _lines(browser.get("/api/v1/cart/")) == {}  # reads need none
    token = browser.client.cookies["csrftoken"].value
    assert _lines(browser.post("/api/v1/cart/items/", {"product_id": catalog.knife.pk}, X_CSRFToken=token)) == {
        "chef-knife": 1
    }


def test_an_anonymous_json_write_needs_no_csrf_token(catalog):
    anonymous = Api(Client(enforce_csrf_checks=True))
    assert _lines(anonymous.post("/api/v1/cart/items/", {"product_id": catalog.knife.pk})) == {"chef-knife": 1}


def test_a_cart_filled_before_logging_in_through_the_pages_is_kept(catalog, shopper):
    api = Api(Client())
    api.post("/api/v1/cart/items/", {"product_id": catalog.knife.pk, "quantity": 2})
    assert api.client.post("/accounts/login/", {"username": "ann", "password": PASSWORD}).status_code == 302
    assert _lines(api.get("/api/v1/cart/")) == {"chef-knife": 2}


# Token clients: the cart lives in a session bound to the account ------------------------------------------


def test_a_token_clients_cart_lives_with_the_account(catalog, shopper, token_api):
    token_api.post("/api/v1/cart/items/", {"product_id": catalog.knife.pk, "quantity": 2})
    assert not token_api.client.cookies  # nothing to keep but the token
    bound = AccountCart.objects.get(user=shopper)
    row = Session.objects.get(session_key=bound.session_key)
    assert row.get_decoded()[SESSION_KEY] == {str(catalog.knife.pk): {"q": 2, "p": "50.00"}}
    assert row.expire_date > timezone.now() + timedelta(days=13)  # API_CART_IDLE_SECONDS: 14 days
    other_device = Api(Client(), Authorization=token_api.headers["Authorization"])
    assert _lines(other_device.get("/api/v1/cart/")) == {"chef-knife": 2}
    assert _lines(other_device.patch(f"/api/v1/cart/items/{catalog.knife.pk}/", {"quantity": 1})) == {"chef-knife": 1}
    assert _lines(token_api.get("/api/v1/cart/")) == {"chef-knife": 1}


def test_a_token_clients_cart_outlives_its_token_and_an_expired_one_starts_afresh(catalog, shopper, token_api):
    token_api.post("/api/v1/cart/items/", {"product_id": catalog.knife.pk})
    assert token_api.delete("/api/v1/auth/token/").status_code == 204
    again = Api(Client()).post("/api/v1/auth/token/", {"username": "ann", "password": PASSWORD}).json()["token"]
    fresh = Api(Client(), Authorization=f"Token {again}")
    assert _lines(fresh.get("/api/v1/cart/")) == {"chef-knife": 1}
    SessionStore().delete(AccountCart.objects.get(user=shopper).session_key)  # as if it had expired
    assert _lines(fresh.get("/api/v1/cart/")) == {}
    assert _lines(fresh.post("/api/v1/cart/items/", {"product_id": catalog.spare.pk})) == {"paring-knife": 1}
    assert _lines(fresh.get("/api/v1/cart/")) == {"paring-knife": 1}


def test_obtaining_a_token_carries_the_cookie_cart_over(catalog, shopper, token_api):
    token_api.post("/api/v1/cart/items/", {"product_id": catalog.knife.pk, "quantity": 5})
    app = Api(Client())  # the same shopper's app before log-in: its cart is in its session cookie
    app.post("/api/v1/cart/items/", {"product_id": catalog.knife.pk, "quantity": 2})
    app.post("/api/v1/cart/items/", {"product_id": catalog.spare.pk})
    token = app.post("/api/v1/auth/token/", {"username": "ann", "password": PASSWORD}).json()["token"]
    logged_in = Api(Client(), Authorization=f"Token {token}")
    assert _lines(logged_in.get("/api/v1/cart/")) == {"chef-knife": 2, "paring-knife": 1}  # the newer lines win
    assert _lines(app.get("/api/v1/cart/")) == {}  # moved, not copied
