"""Concurrent checkouts over HTTP: the last units are never oversold and a double submit places one order."""

import threading
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import pytest
from django.db import connection

from catalog.models import Product
from orders.models import Order, OrderLine
from tests.factories import CHECKOUT_FORM

from .conftest import csrf_token

pytestmark = pytest.mark.slow

CONTACT = CHECKOUT_FORM | {"email": "buyer@example.com"}


def _ready_to_check_out(browserless, product: Product):
    """Return a shopper with one unit in the cart and the checkout form's fields."""
    shopper = browserless()
    added = shopper.post_form(product.get_absolute_url(), "/cart/add/", {"product_id": product.pk, "quantity": "1"})
    assert added.status_code == 302
    form = shopper.get("/checkout/")
    assert form.status_code == 200
    token = form.text.split('name="checkout_token" value="')[1].split('"')[0]
    return shopper, {**CONTACT, "csrfmiddlewaretoken": csrf_token(form.text), "checkout_token": token}


def test_twenty_concurrent_checkouts_for_the_last_five_units_place_exactly_five_orders(shop, browserless):
    product = shop.knife
    Product.objects.filter(pk=product.pk).update(stock=20)  # enough for every cart to be filled
    shoppers = [_ready_to_check_out(browserless, product) for _ in range(20)]
    Product.objects.filter(pk=product.pk).update(stock=5)  # then only five are left
    start = threading.Barrier(20)
    seen_stock: list[int] = []

    def checkout(shopper_and_form):
        shopper, form = shopper_and_form
        start.wait()
        response = shopper.post("/checkout/", form)
        seen_stock.append(Product.objects.get(pk=product.pk).stock)
        connection.close()  # this thread's own connection
        return response

    with ThreadPoolExecutor(20) as pool:
        responses = list(pool.map(checkout, shoppers))

    statuses = sorted(r.status_code for r in responses)
    assert statuses == [302] * 5 + [409] * 15
    assert all("/orders/" in r.headers["Location"] for r in responses if r.status_code == 302)
    assert all("Chef Knife is sold out." in r.text for r in responses if r.status_code == 409)
    assert Order.objects.count() == 5
    assert OrderLine.objects.filter(product=product).count() == 5
    assert Product.objects.get(pk=product.pk).stock == 0
    assert min(seen_stock) >= 0


def test_the_same_checkout_form_posted_twice_at_once_places_one_order(shop, browserless):
    product = shop.others[0]
    shopper, form = _ready_to_check_out(browserless, product)
    start = threading.Barrier(2)

    def submit(_):
        start.wait()
        return shopper.post("/checkout/", form)

    with ThreadPoolExecutor(2) as pool:
        responses = list(pool.map(submit, range(2)))

    assert Order.objects.count() == 1
    order = Order.objects.get()
    assert order.total == Decimal("9.00")
    assert [r.status_code for r in responses] == [302, 302]
    assert {r.headers["Location"] for r in responses} == {f"/orders/{order.pk}/"}
    product.refresh_from_db()
    assert product.stock == 999  # decremented once
    page = shopper.get(f"/orders/{order.pk}/")
    assert page.status_code == 200 and "Bowl 0" in page.text
