"""Checkout: atomic orders, stock that never goes negative, and the price-changed notice."""

import threading
from decimal import Decimal

import pytest
from django.db import connection

from catalog import services as catalog_services
from catalog.models import Product
from orders.exceptions import OutOfStock
from orders.models import Order
from orders.services import Contact, order_place
from shop.cart import CartLine
from tests.factories import CHECKOUT_FORM, ProductFactory, UserFactory

pytestmark = pytest.mark.django_db

CONTACT = CHECKOUT_FORM


def _add(client, product, quantity: int = 1) -> None:
    response = client.post("/cart/add/", {"product_id": str(product.pk), "quantity": str(quantity)})
    assert response.status_code == 302


def _checkout_form(client) -> dict:
    """Open the checkout page and return the form data a shopper would submit."""
    page = client.get("/checkout/")
    assert page.status_code == 200
    return {**CONTACT, "checkout_token": page.context["checkout_token"]}


def test_checkout_places_the_order_and_decrements_stock(client):
    mug = ProductFactory(name="Blue Mug", price=Decimal("12.50"), stock=5)
    plate = ProductFactory(name="White Plate", price=Decimal("7.25"), stock=2)
    _add(client, mug, 2)
    _add(client, plate, 2)

    response = client.post("/checkout/", _checkout_form(client))

    order = Order.objects.get()
    assert response.status_code == 302
    assert response["Location"] == order.get_absolute_url()
    assert order.total == Decimal("39.50")
    assert order.email == "ada@example.com"
    assert [(line.product_id, line.quantity, line.unit_price) for line in order.lines.all()] == [
        (mug.pk, 2, Decimal("12.50")),
        (plate.pk, 2, Decimal("7.25")),
    ]
    assert Product.objects.get(pk=mug.pk).stock == 3
    assert Product.objects.get(pk=plate.pk).stock == 0
    assert client.session.get("cart") == {}


def test_order_page_shows_what_was_bought_at_which_price(client):
    mug = ProductFactory(name="Blue Mug", price=Decimal("12.50"), stock=5)
    _add(client, mug, 2)

    response = client.post("/checkout/", _checkout_form(client), follow=True)

    content = response.content.decode()
    assert response.status_code == 200
    assert "Thank you! Your order is placed." in content
    assert "<td>Blue Mug</td><td>€12.50</td><td>2</td><td>€25.00</td>" in content
    assert "€25.00</th>" in content


def test_order_keeps_its_price_after_the_product_price_changes(client):
    mug = ProductFactory(name="Blue Mug", price=Decimal("12.50"), stock=5)
    _add(client, mug, 1)
    client.post("/checkout/", _checkout_form(client))
    order = Order.objects.get()

    catalog_services.product_update(product=mug, price=Decimal("99.00"))

    response = client.get(order.get_absolute_url())
    assert "€12.50".encode() in response.content
    assert "€99.00".encode() not in response.content


def test_checkout_with_empty_cart_redirects_to_the_cart(client):
    response = client.get("/checkout/", follow=True)

    assert response.redirect_chain == [("/cart/", 302)]
    assert b"Your cart is empty." in response.content


def test_invalid_contact_details_are_shown_and_no_order_is_placed(client):
    mug = ProductFactory(stock=5)
    _add(client, mug, 1)
    form = {**_checkout_form(client), "email": "not-an-email", "city": ""}

    response = client.post("/checkout/", form)

    assert response.status_code == 400
    assert b"Enter a valid email address." in response.content
    assert Order.objects.count() == 0
    assert Product.objects.get(pk=mug.pk).stock == 5


def test_nul_character_in_contact_details_is_refused(client):
    mug = ProductFactory(stock=5)
    _add(client, mug, 1)

    response = client.post("/checkout/", {**_checkout_form(client), "full_name": "Ada\x00"})

    assert response.status_code == 400
    assert Order.objects.count() == 0


@pytest.mark.parametrize(
    ("in_cart", "left", "message"),
    [(3, 1, b"Desk Lamp is only 1 left."), (1, 0, b"Desk Lamp is sold out.")],
    ids=["too-few-left", "sold-out"],
)
def test_stock_gone_at_checkout_shows_a_message_and_places_no_order(client, in_cart, left, message):
    lamp = ProductFactory(name="Desk Lamp", stock=3)
    _add(client, lamp, in_cart)
    form = _checkout_form(client)
    Product.objects.filter(pk=lamp.pk).update(stock=left)

    response = client.post("/checkout/", form)

    assert response.status_code == 409
    assert message in response.content
    assert Order.objects.count() == 0
    assert Product.objects.get(pk=lamp.pk).stock == left


def test_a_failing_line_leaves_every_other_line_untouched(client):
    mug = ProductFactory(name="Blue Mug", stock=5)
    lamp = ProductFactory(name="Desk Lamp", stock=3)
    _add(client, mug, 2)
    _add(client, lamp, 2)
    form = _checkout_form(client)
    Product.objects.filter(pk=lamp.pk).update(stock=1)

    client.post("/checkout/", form)

    assert Order.objects.count() == 0
    assert Product.objects.get(pk=mug.pk).stock == 5


def test_double_submitted_checkout_creates_one_order(client):
    mug = ProductFactory(stock=5)
    _add(client, mug, 2)
    form = _checkout_form(client)

    first = client.post("/checkout/", form)
    second = client.post("/checkout/", form)

    order = Order.objects.get()
    assert first["Location"] == second["Location"] == order.get_absolute_url()
    assert Product.objects.get(pk=mug.pk).stock == 3


@pytest.mark.parametrize("token", ["\x00", "x" * 65, "", "../../etc/passwd", None])
def test_junk_checkout_token_never_breaks_checkout(client, token):
    mug = ProductFactory(stock=5)
    _add(client, mug, 1)
    form = _checkout_form(client)
    if token is None:
        del form["checkout_token"]
    else:
        form["checkout_token"] = token

    response = client.post("/checkout/", form)

    assert response.status_code == 302
    assert Order.objects.count() == 1
    assert Product.objects.get(pk=mug.pk).stock == 4


def test_checkout_token_is_single_use_at_the_service(client):
    mug = ProductFactory(stock=5)
    line = CartLine(product=mug, quantity=1, added_price=mug.price)
    contact = Contact(**CONTACT)

    first = order_place(lines=[line], contact=contact, user=None, checkout_token="tok-1")
    second = order_place(lines=[line], contact=contact, user=None, checkout_token="tok-1")

    assert first.pk == second.pk
    assert Product.objects.get(pk=mug.pk).stock == 4


def test_token_of_another_shoppers_order_does_not_reveal_it(client, django_user_model):
    owner = ProductFactory(stock=5)
    line = CartLine(product=owner, quantity=1, added_price=owner.price)
    theirs = order_place(lines=[line], contact=Contact(**CONTACT), user=None, checkout_token="their-token")
    _add(client, owner, 1)
    form = {**_checkout_form(client), "checkout_token": "their-token"}

    client.post("/checkout/", form)

    assert client.get(theirs.get_absolute_url()).status_code == 404


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("added", "now", "total"),
    [("10.00", "12.00", "24.00"), ("12.00", "10.00", "20.00")],
    ids=["increase", "decrease"],
)
def test_price_changed_since_adding_shows_a_notice_and_the_order_takes_the_new_price(client, added, now, total):
    mug = ProductFactory(name="Blue Mug", price=Decimal(added), stock=5)
    _add(client, mug, 2)
    catalog_services.product_update(product=mug, price=Decimal(now))

    page = client.get("/checkout/")
    assert f"Price changed from \u20ac{added} to \u20ac{now}.".encode() in page.content
    form = {**CONTACT, "checkout_token": page.context["checkout_token"]}

    refused = client.post("/checkout/", form)

    assert refused.status_code == 409
    assert b"Some prices changed since you added the products." in refused.content
    assert f"Place order \u00b7 \u20ac{total}".encode() in refused.content  # the total the shopper now agrees to
    assert b"Price changed from" not in refused.content  # the cart took the new price
    assert Order.objects.count() == 0
    assert Product.objects.get(pk=mug.pk).stock == 5

    placed = client.post("/checkout/", form)

    order = Order.objects.get()
    assert placed.status_code == 302 and placed["Location"] == order.get_absolute_url()
    assert order.lines.get().unit_price == Decimal(now)
    assert order.total == Decimal(total)
    assert Product.objects.get(pk=mug.pk).stock == 3


@pytest.mark.django_db(transaction=True)
def test_product_deactivated_after_the_checkout_page_is_named_and_left_out_only_on_a_second_submit(client):
    mug = ProductFactory(name="Blue Mug", price=Decimal("10.00"), stock=5)
    lamp = ProductFactory(name="Desk Lamp", price=Decimal("30.00"), stock=5)
    _add(client, mug, 2)
    _add(client, lamp, 1)
    form = _checkout_form(client)  # the shopper sees both lines and a total of 50.00
    catalog_services.products_deactivate(products=Product.objects.filter(pk=lamp.pk))

    refused = client.post("/checkout/", form)

    assert refused.status_code == 409
    assert b"Desk Lamp is no longer available" in refused.content
    assert b"Place order \xc2\xb7 \xe2\x82\xac20.00" in refused.content
    assert Order.objects.count() == 0  # never an order for less than the shopper reviewed, without a word
    assert Product.objects.get(pk=mug.pk).stock == 5

    placed = client.post("/checkout/", form)

    order = Order.objects.get()
    assert placed.status_code == 302
    assert [(line.product_id, line.quantity) for line in order.lines.all()] == [(mug.pk, 2)]
    assert order.total == Decimal("20.00")
    assert Product.objects.get(pk=lamp.pk).stock == 5


@pytest.mark.django_db(transaction=True)
def test_only_product_deactivated_before_checkout_sends_the_shopper_to_the_cart_with_the_reason(client):
    lamp = ProductFactory(name="Desk Lamp", stock=5)
    _add(client, lamp, 1)
    form = _checkout_form(client)
    catalog_services.product_update(product=lamp, is_active=False)

    response = client.post("/checkout/", form, follow=True)

    assert response.redirect_chain == [("/cart/", 302)]
    assert b"Desk Lamp is no longer available" in response.content
    assert b"data-cart-count>0<" in response.content
    assert Order.objects.count() == 0
    assert Product.objects.get(pk=lamp.pk).stock == 5


def test_checkout_prefills_email_for_a_logged_in_user_and_links_the_order(client):
    user = UserFactory(email="grace@example.com")
    client.force_login(user)
    mug = ProductFactory(stock=5)
    _add(client, mug, 1)

    page = client.get("/checkout/")
    assert page.context["form"]["email"].value() == "grace@example.com"
    client.post("/checkout/", {**CONTACT, "checkout_token": page.context["checkout_token"]})

    assert Order.objects.get().user == user


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_checkouts_of_the_last_unit_sell_it_once():
    last = ProductFactory(name="Last One", stock=1)
    barrier = threading.Barrier(2, timeout=10)
    outcomes: list[object] = []

    def buy(token: str) -> None:
        try:
            product = Product.objects.get(pk=last.pk)
            line = CartLine(product=product, quantity=1, added_price=product.price)
            barrier.wait()
            outcomes.append(order_place(lines=[line], contact=Contact(**CONTACT), user=None, checkout_token=token))
        except Exception as exc:  # noqa: BLE001 (collected and asserted on below)
            outcomes.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=buy, args=(f"token-{i}",)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(type(o).__name__ for o in outcomes) == ["Order", "OutOfStock"]
    assert isinstance(next(o for o in outcomes if not isinstance(o, Order)), OutOfStock)
    assert Order.objects.count() == 1
    assert Product.objects.get(pk=last.pk).stock == 0


def test_stock_constraint_refuses_negative_stock_in_the_database():
    from django.db import IntegrityError, transaction

    mug = ProductFactory(stock=1)

    with pytest.raises(IntegrityError), transaction.atomic():
        Product.objects.filter(pk=mug.pk).update(stock=-1)
