"""Checkout through the API: the HTML checkout's stock guarantees, idempotent token and "price changed" 409."""

import threading
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client

from catalog import services as catalog_services
from catalog.models import Product
from orders.models import Order

from .conftest import CONTACT, Api, assert_error

pytestmark = pytest.mark.django_db(transaction=True)


def _fill(api: Api, *items) -> str:
    for product, quantity in items:
        assert api.post("/api/v1/cart/items/", {"product_id": product.pk, "quantity": quantity}).status_code == 200
    return api.get("/api/v1/checkout/").json()["checkout_token"]


def test_an_order_is_placed_once_per_token(catalog, api):
    token = _fill(api, (catalog.knife, 2), (catalog.spare, 1))
    placed = api.post("/api/v1/checkout/", {**CONTACT, "checkout_token": token})
    assert placed.status_code == 201, placed.content
    order = placed.json()
    assert (order["total"], order["status"], order["email"]) == ("120.00", "placed", "ann@example.com")
    assert [(line["product_name"], line["quantity"]) for line in order["lines"]] == [
        ("Chef Knife", 2),
        ("Paring Knife", 1),
    ]
    assert Product.objects.get(pk=catalog.knife.pk).stock == 8
    assert api.get("/api/v1/cart/").json()["lines"] == []
    again = api.post("/api/v1/checkout/", {**CONTACT, "checkout_token": token})  # a retry after a lost answer
    assert again.status_code == 200 and again.json()["id"] == order["id"]
    assert Order.objects.filter(checkout_token=token).count() == 1
    assert api.get(order["url"]).json()["id"] == order["id"]  # placed in this session: visible to it
    assert api.client.get(f"/orders/{order['id']}/").status_code == 200  # and to its pages
    assert_error(Api(Client()).get(order["url"]), 404, "not_found")  # to nobody else


def test_a_concurrent_repeat_places_one_order(catalog, api):
    token = _fill(api, (catalog.knife, 1))
    cookie = api.client.cookies
    answers = []

    def submit():
        twin = Client()
        twin.cookies = cookie
        answers.append(Api(twin).post("/api/v1/checkout/", {**CONTACT, "checkout_token": token}))
        connection.close()

    threads = [threading.Thread(target=submit) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(a.status_code for a in answers) in ([200, 201], [201, 201])
    assert len({a.json()["id"] for a in answers}) == 1
    assert Product.objects.get(pk=catalog.knife.pk).stock == 9


def test_a_price_change_is_a_409_listing_it_and_the_next_call_orders_at_the_new_price(catalog, api):
    token = _fill(api, (catalog.knife, 1), (catalog.spare, 1))
    catalog_services.product_update(product=catalog.knife, price=Decimal("61.00"))
    error = assert_error(api.post("/api/v1/checkout/", {**CONTACT, "checkout_token": token}), 409, "price_changed")
    assert error["changes"] == [{"product_id": catalog.knife.pk, "name": "Chef Knife", "was": "50.00", "now": "61.00"}]
    assert not Order.objects.filter(checkout_token=token).exists()
    (knife, _) = api.get("/api/v1/cart/").json()["lines"]
    assert (knife["added_price"], knife["price_changed"]) == ("61.00", False)  # accepted
    placed = api.post("/api/v1/checkout/", {**CONTACT, "checkout_token": token})
    assert placed.status_code == 201 and placed.json()["total"] == "81.00"


def test_stock_that_ran_out_since_is_a_409_and_nothing_is_sold(catalog, api):
    token = _fill(api, (catalog.knife, 3), (catalog.spare, 1))
    Product.objects.filter(pk=catalog.knife.pk).update(stock=2)
    error = assert_error(api.post("/api/v1/checkout/", {**CONTACT, "checkout_token": token}), 409, "out_of_stock")
    assert (error["product"], error["available"]) == ("Chef Knife", 2)
    assert Product.objects.get(pk=catalog.spare.pk).stock == 20 and not Order.objects.filter(checkout_token=token)


def test_a_product_gone_from_sale_is_removed_and_named_in_a_409(catalog, api):
    token = _fill(api, (catalog.knife, 1), (catalog.spare, 1))
    Product.objects.filter(pk=catalog.spare.pk).update(is_active=False)
    error = assert_error(api.post("/api/v1/checkout/", {**CONTACT, "checkout_token": token}), 409, "unavailable")
    assert error["removed"] == ["Paring Knife"]
    assert [line["product"]["slug"] for line in api.get("/api/v1/cart/").json()["lines"]] == ["chef-knife"]
    assert api.post("/api/v1/checkout/", {**CONTACT, "checkout_token": token}).status_code == 201


def test_an_empty_cart_or_a_stale_token_is_a_409(catalog, api):
    token = api.get("/api/v1/checkout/").json()["checkout_token"]
    assert_error(api.post("/api/v1/checkout/", {**CONTACT, "checkout_token": token}), 409, "empty_cart")
    _fill(api, (catalog.knife, 1))
    stale = assert_error(api.post("/api/v1/checkout/", {**CONTACT, "checkout_token": "someone-else"}), 409)
    assert stale["code"] == "stale_checkout_token" and stale["checkout_token"] == token
    assert api.post("/api/v1/checkout/", {**CONTACT, "checkout_token": stale["checkout_token"]}).status_code == 201


def test_a_token_copied_from_another_shopper_reveals_nothing(catalog, api):
    token = _fill(api, (catalog.knife, 1))
    assert api.post("/api/v1/checkout/", {**CONTACT, "checkout_token": token}).status_code == 201
    stranger = Api(Client())
    _fill(stranger, (catalog.spare, 1))
    error = assert_error(stranger.post("/api/v1/checkout/", {**CONTACT, "checkout_token": token}), 409)
    assert error["code"] == "stale_checkout_token" and "Chef Knife" not in str(error)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"email": "not-an-address"}, "email"),
        ({"full_name": "   "}, "full_name"),
        ({"city": "x" * 101}, "city"),
        ({"country": "B\x00E"}, "country"),
        ({"checkout_token": "has spaces"}, "checkout_token"),
        ({"checkout_token": None}, "checkout_token"),
    ],
)
def test_bad_contact_details_are_400(catalog, api, change, field):
    token = _fill(api, (catalog.knife, 1))
    body = {**CONTACT, "checkout_token": token, **change}
    assert field in assert_error(api.post("/api/v1/checkout/", body), 400, "invalid")["errors"]
    assert Product.objects.get(pk=catalog.knife.pk).stock == 10


def test_a_token_client_checks_out_and_finds_its_orders(catalog, shopper, token_api, api):
    token = _fill(token_api, (catalog.knife, 1))
    order = token_api.post("/api/v1/checkout/", {**CONTACT, "checkout_token": token}).json()
    assert Order.objects.get(pk=order["id"]).user == shopper
    listed = token_api.get("/api/v1/orders/").json()
    assert [o["id"] for o in listed["results"]] == [order["id"]]
    assert (listed["count"], listed["page"], listed["num_pages"], listed["next"]) == (1, 1, 1, None)
    assert token_api.get(f"/api/v1/orders/{order['id']}/").json()["total"] == "50.00"
    assert_error(token_api.get("/api/v1/orders/?page=2"), 404)
    assert_error(token_api.get("/api/v1/orders/?page=x"), 400, "invalid")
    assert_error(token_api.get(f"/api/v1/orders/{catalog.order.pk}/"), 404)  # somebody else's
    assert_error(api.get("/api/v1/orders/"), 401, "not_authenticated")
    assert_error(api.get(f"/api/v1/orders/{order['id']}/"), 404)


def test_a_logged_in_browser_checks_out_with_its_csrf_token_and_sees_the_order(catalog, shopper):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(shopper)
    browser.get("/accounts/login/")  # the page sets the CSRF cookie
    csrf = browser.cookies["csrftoken"].value
    api = Api(browser)
    api.post("/api/v1/cart/items/", {"product_id": catalog.knife.pk}, X_CSRFToken=csrf)
    token = api.get("/api/v1/checkout/").json()["checkout_token"]
    body = {**CONTACT, "checkout_token": token}
    assert "CSRF" in assert_error(api.post("/api/v1/checkout/", body), 403, "permission_denied")["detail"]
    order = api.post("/api/v1/checkout/", body, X_CSRFToken=csrf).json()
    assert Order.objects.get(pk=order["id"]).user == shopper
    assert [o["id"] for o in api.get("/api/v1/orders/").json()["results"]] == [order["id"]]
    assert api.get(order["url"]).json()["id"] == order["id"]
