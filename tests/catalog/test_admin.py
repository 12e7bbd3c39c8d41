"""Staff admin: pages load for staff, refuse anonymous users, and the bulk actions work."""

from decimal import Decimal

import pytest

from catalog.models import Product
from orders.models import Order
from tests.factories import ProductFactory, StaffFactory, UserFactory

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/catalog/product/"


@pytest.fixture
def staff_client(client):
    client.force_login(StaffFactory())
    return client


def _admin_urls(catalog) -> list[str]:
    return [
        "/admin/",
        CHANGELIST,
        f"{CHANGELIST}{catalog.knife.pk}/change/",
        f"{CHANGELIST}add/",
        f"{CHANGELIST}?q=knife&is_active__exact=1",
        "/admin/catalog/category/",
        f"/admin/catalog/category/{catalog.knives.pk}/change/",
        "/admin/catalog/category/add/",
        "/admin/orders/order/",
        f"/admin/orders/order/{catalog.order.pk}/change/",
        "/admin/orders/order/?q=a%40example.com&status__exact=placed",
    ]


def test_admin_pages_load_for_staff(staff_client, catalog):
    for url in _admin_urls(catalog):
        response = staff_client.get(url)
        assert response.status_code == 200, url


def test_admin_pages_redirect_anonymous_users_to_the_admin_login(client, catalog):
    for url in _admin_urls(catalog):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/admin/login/"), url


def test_admin_pages_refuse_logged_in_non_staff(client, catalog):
    client.force_login(UserFactory())

    response = client.get(CHANGELIST)

    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_orders_cannot_be_added_or_deleted_in_the_admin(staff_client, catalog):
    assert staff_client.get("/admin/orders/order/add/").status_code == 403
    assert staff_client.get(f"/admin/orders/order/{catalog.order.pk}/delete/").status_code == 403


def _action(client, action: str, products, **extra):
    data = {"action": action, "_selected_action": [str(p.pk) for p in products], "index": "0", **extra}
    return client.post(CHANGELIST, data, follow="apply" in extra)


def _prices(products) -> list[Decimal]:
    return [Product.objects.get(pk=p.pk).price for p in products]


def test_change_price_action_shows_an_intermediate_form(staff_client):
    products = [ProductFactory(name="Fork", price=Decimal("10.00")), ProductFactory(price=Decimal("20.00"))]

    response = _action(staff_client, "change_price", products)

    assert response.status_code == 200
    assert b'name="percent"' in response.content
    assert b"Fork" in response.content
    assert _prices(products) == [Decimal("10.00"), Decimal("20.00")]


@pytest.mark.parametrize(
    ("percent", "expected"),
    [("10", ["11.00", "22.00"]), ("-12.5", ["8.75", "17.50"]), (" 5.5 ", ["10.55", "21.10"])],
)
def test_change_price_action_changes_selected_prices_by_percent(staff_client, percent, expected):
    products = [ProductFactory(price=Decimal("10.00")), ProductFactory(price=Decimal("20.00"))]
    untouched = ProductFactory(price=Decimal("30.00"))

    response = _action(staff_client, "change_price", products, apply="1", percent=percent)

    assert response.status_code == 200
    assert b"Changed the price of 2 products" in response.content
    assert _prices(products) == [Decimal(e) for e in expected]
    assert _prices([untouched]) == [Decimal("30.00")]


@pytest.mark.parametrize(
    ("percent", "message"),
    [
        ("abc", "is not a percentage"),
        ("", "is not a percentage"),
        ("NaN", "is not a percentage"),
        ("-95", "between -90% and 500%"),
        ("501", "between -90% and 500%"),
        ("1e9", "between -90% and 500%"),
        ("Infinity", "between -90% and 500%"),
    ],
)
def test_change_price_action_refuses_bad_input_and_changes_nothing(staff_client, percent, message):
    products = [ProductFactory(price=Decimal("10.00")), ProductFactory(price=Decimal("20.00"))]

    response = _action(staff_client, "change_price", products, apply="1", percent=percent)

    assert response.status_code == 200
    assert message.encode() in response.content
    assert b'name="percent"' in response.content
    assert _prices(products) == [Decimal("10.00"), Decimal("20.00")]


def test_change_price_that_would_overflow_the_price_column_is_refused(staff_client):
    products = [ProductFactory(price=Decimal("10.00")), ProductFactory(price=Decimal("50000000.00"))]

    response = _action(staff_client, "change_price", products, apply="1", percent="500")

    assert response.status_code == 200
    assert b"would take a price above 99999999.99" in response.content
    assert _prices(products) == [Decimal("10.00"), Decimal("50000000.00")]


def test_mark_inactive_action_hides_products(staff_client):
    products = [ProductFactory(), ProductFactory()]
    kept = ProductFactory()

    response = staff_client.post(
        CHANGELIST,
        {"action": "mark_inactive", "_selected_action": [str(p.pk) for p in products], "index": "0"},
        follow=True,
    )

    assert response.status_code == 200
    assert b"Marked 2 products inactive." in response.content
    assert list(Product.objects.filter(is_active=False).order_by("pk")) == products
    assert Product.objects.get(pk=kept.pk).is_active


@pytest.mark.django_db(transaction=True)
def test_marked_inactive_product_leaves_the_storefront(client):
    staff = StaffFactory()
    product = ProductFactory(slug="old-knife")
    assert client.get("/products/old-knife/").status_code == 200

    client.force_login(staff)
    client.post(CHANGELIST, {"action": "mark_inactive", "_selected_action": [str(product.pk)], "index": "0"})
    client.logout()

    assert client.get("/products/old-knife/").status_code == 404


@pytest.mark.django_db(transaction=True)
def test_price_change_action_is_visible_on_the_next_product_read(client):
    staff = StaffFactory()
    product = ProductFactory(slug="pan", price=Decimal("10.00"))
    assert b"\xe2\x82\xac10.00" in client.get("/products/pan/").content

    client.force_login(staff)
    _action(client, "change_price", [product], apply="1", percent="10")

    assert b"\xe2\x82\xac11.00" in client.get("/products/pan/").content


def test_staff_cannot_delete_an_order_by_a_confirmed_post_or_the_bulk_action(staff_client, catalog):
    order = catalog.order

    confirmed = staff_client.post(f"/admin/orders/order/{order.pk}/delete/", {"post": "yes"})
    bulk = staff_client.post(
        "/admin/orders/order/",
        {"action": "delete_selected", "_selected_action": [str(order.pk)], "index": "0", "post": "yes"},
        follow=True,
    )

    assert confirmed.status_code == 403
    assert bulk.status_code == 200
    assert b'value="delete_selected"' not in bulk.content  # the bulk delete is not even offered
    assert Order.objects.filter(pk=order.pk).exists()
    assert Order.objects.get(pk=order.pk).lines.count() == 1
