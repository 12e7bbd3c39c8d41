"""The session cart: add, change, remove, Decimal totals, and refusal of hostile input."""

from decimal import Decimal

import pytest

from shop.cart import SESSION_KEY, Cart, cart_total
from tests.factories import ProductFactory

pytestmark = pytest.mark.django_db

HOSTILE_QUANTITIES = ["0", "-1", "-99999", str(10**30), "1.5", "1e3", "abc", "", " ", "１", "٣", "0x10", "1\x00"]
HOSTILE_PRODUCT_IDS = ["abc", "", "-1", "1.0", "１", str(10**30), "1 OR 1=1", "\x00"]


@pytest.fixture
def mug():
    return ProductFactory(name="Blue Mug", price=Decimal("12.50"), stock=10)


@pytest.fixture
def plate():
    return ProductFactory(name="White Plate", price=Decimal("7.25"), stock=10)


def _cart(client) -> dict:
    return client.session.get(SESSION_KEY, {})


def _add(client, product, quantity="1"):
    return client.post("/cart/add/", {"product_id": str(product.pk), "quantity": quantity})


def test_adding_a_product_puts_it_in_the_cart(client, mug):
    response = _add(client, mug, "2")

    assert response.status_code == 302
    assert _cart(client) == {str(mug.pk): {"q": 2, "p": "12.50"}}
    page = client.get("/cart/")
    assert b"Blue Mug" in page.content
    assert b"\xe2\x82\xac25.00" in page.content  # €25.00


def test_adding_the_same_product_twice_adds_up(client, mug):
    _add(client, mug, "2")
    _add(client, mug, "3")

    assert _cart(client)[str(mug.pk)]["q"] == 5


def test_cart_total_is_an_exact_decimal(client, mug, plate):
    _add(client, mug, "3")
    _add(client, plate, "1")

    response = client.get("/cart/")

    total = response.context["total"]
    assert isinstance(total, Decimal)
    assert total == Decimal("44.75")
    assert b"\xe2\x82\xac44.75" in response.content


def test_cart_total_of_cents_does_not_drift(client):
    cheap = ProductFactory(price=Decimal("0.10"), stock=50)
    _add(client, cheap, "3")

    lines = Cart(client.session).lines()

    assert cart_total(lines) == Decimal("0.30")


def test_changing_quantity_updates_the_line(client, mug):
    _add(client, mug, "2")

    response = client.post("/cart/update/", {"product_id": str(mug.pk), "quantity": "4"})

    assert response.status_code == 302
    assert _cart(client)[str(mug.pk)]["q"] == 4


def test_changing_quantity_to_zero_removes_the_line(client, mug, plate):
    _add(client, mug)
    _add(client, plate)

    client.post("/cart/update/", {"product_id": str(mug.pk), "quantity": "0"})

    assert list(_cart(client)) == [str(plate.pk)]


def test_removing_a_line_leaves_the_others(client, mug, plate):
    _add(client, mug)
    _add(client, plate)

    response = client.post("/cart/remove/", {"product_id": str(mug.pk)})

    assert response.status_code == 302
    assert list(_cart(client)) == [str(plate.pk)]
    assert [line.product for line in client.get("/cart/").context["lines"]] == [plate]


def test_empty_cart_page_says_so(client):
    response = client.get("/cart/")

    assert response.status_code == 200
    assert b"Your cart is empty." in response.content


def test_cart_pages_refuse_get_on_write_urls(client, mug):
    for url in ["/cart/add/", "/cart/update/", "/cart/remove/"]:
        assert client.get(url, {"product_id": mug.pk, "quantity": "1"}).status_code == 405


@pytest.mark.parametrize("quantity", HOSTILE_QUANTITIES)
def test_hostile_quantity_on_add_is_refused_and_cart_unchanged(client, mug, plate, quantity):
    _add(client, plate, "1")
    before = _cart(client)

    response = _add(client, mug, quantity)

    assert response.status_code == 400
    assert b"Quantity must be a whole number from 1 to 99." in response.content
    assert _cart(client) == before


@pytest.mark.parametrize("quantity", [q for q in HOSTILE_QUANTITIES if q != "0"])
def test_hostile_quantity_on_update_is_refused_and_cart_unchanged(client, mug, quantity):
    _add(client, mug, "2")
    before = _cart(client)

    response = client.post("/cart/update/", {"product_id": str(mug.pk), "quantity": quantity})

    assert response.status_code == 400
    assert b"Quantity must be a whole number from 0 to 99." in response.content
    assert _cart(client) == before


def test_missing_quantity_on_update_is_refused(client, mug):
    _add(client, mug, "2")

    response = client.post("/cart/update/", {"product_id": str(mug.pk)})

    assert response.status_code == 400
    assert _cart(client)[str(mug.pk)]["q"] == 2


@pytest.mark.parametrize(
    ("before", "path", "quantity"), [(None, "/cart/add/", "4"), ("2", "/cart/update/", "5")], ids=["add", "update"]
)
def test_quantity_above_stock_is_refused_with_what_is_left_and_cart_unchanged(client, before, path, quantity):
    lamp = ProductFactory(name="Desk Lamp", stock=3)
    if before:
        _add(client, lamp, before)

    response = client.post(path, {"product_id": str(lamp.pk), "quantity": quantity})

    assert response.status_code == 400
    assert b"Only 3 of Desk Lamp left." in response.content
    assert {pk: item["q"] for pk, item in _cart(client).items()} == ({str(lamp.pk): 2} if before else {})


def test_sold_out_product_cannot_be_added(client):
    gone = ProductFactory(name="Rare Vase", stock=0)

    response = _add(client, gone, "1")

    assert response.status_code == 400
    assert b"Rare Vase is sold out." in response.content
    assert _cart(client) == {}


def test_adding_beyond_the_per_product_maximum_is_refused(client):
    bulk = ProductFactory(stock=500)
    _add(client, bulk, "60")

    response = _add(client, bulk, "60")

    assert response.status_code == 400
    assert b"at most 99" in response.content
    assert _cart(client)[str(bulk.pk)]["q"] == 60


@pytest.mark.parametrize("product_id", HOSTILE_PRODUCT_IDS)
def test_hostile_product_id_on_add_is_refused_and_cart_unchanged(client, mug, product_id):
    _add(client, mug, "1")
    before = _cart(client)

    response = client.post("/cart/add/", {"product_id": product_id, "quantity": "1"})

    assert response.status_code == 400
    assert b"That product does not exist." in response.content
    assert _cart(client) == before


@pytest.mark.parametrize("url", ["/cart/add/", "/cart/update/", "/cart/remove/"])
@pytest.mark.parametrize("product_id", HOSTILE_PRODUCT_IDS)
def test_hostile_product_id_never_breaks_a_cart_url(client, mug, url, product_id):
    _add(client, mug, "1")
    before = _cart(client)

    response = client.post(url, {"product_id": product_id, "quantity": "1"})

    assert response.status_code == 400
    assert _cart(client) == before


def test_unknown_product_is_refused(client, mug):
    response = client.post("/cart/add/", {"product_id": str(mug.pk + 1000), "quantity": "1"})

    assert response.status_code == 400
    assert b"That product is not available." in response.content
    assert _cart(client) == {}


def test_largest_accepted_product_id_is_refused_cleanly(client):
    response = client.post("/cart/add/", {"product_id": "9" * 18, "quantity": "1"})

    assert response.status_code == 400
    assert _cart(client) == {}


def test_inactive_product_is_refused(client):
    hidden = ProductFactory(is_active=False)

    response = _add(client, hidden, "1")

    assert response.status_code == 400
    assert b"That product is not available." in response.content
    assert _cart(client) == {}


def test_updating_a_product_not_in_the_cart_is_refused(client, mug, plate):
    _add(client, mug, "1")

    response = client.post("/cart/update/", {"product_id": str(plate.pk), "quantity": "2"})

    assert response.status_code == 400
    assert b"That product is not in your cart." in response.content
    assert list(_cart(client)) == [str(mug.pk)]


def test_product_deactivated_after_adding_leaves_the_cart_page_working(client, mug, plate):
    _add(client, mug, "1")
    _add(client, plate, "1")
    mug.is_active = False
    mug.save()

    response = client.get("/cart/")

    assert response.status_code == 200
    assert [line.product for line in response.context["lines"]] == [plate]
    assert response.context["total"] == Decimal("7.25")


def test_cart_count_shows_in_the_header(client, mug):
    _add(client, mug, "3")

    response = client.get("/cart/")

    assert b"data-cart-count>3</span>" in response.content
