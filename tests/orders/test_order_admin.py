"""Staff change an order's status in the admin; the shopper sees it on their order pages."""

import re
from decimal import Decimal

import pytest
from django.test import Client

from orders.models import Order
from tests.factories import CHECKOUT_FORM, ProductFactory, StaffFactory, UserFactory

pytestmark = pytest.mark.django_db

CONTACT = CHECKOUT_FORM


@pytest.fixture
def placed(client) -> Order:
    """An order a logged-in shopper placed through the checkout form."""
    client.force_login(UserFactory(username="ada"))
    mug = ProductFactory(name="Blue Mug", price=Decimal("12.50"), stock=5)
    assert client.post("/cart/add/", {"product_id": str(mug.pk), "quantity": "2"}).status_code == 302
    token = client.get("/checkout/").context["checkout_token"]
    assert client.post("/checkout/", {**CONTACT, "checkout_token": token}).status_code == 302
    return Order.objects.get()


def _admin_form(staff: Client, order: Order) -> dict:
    """Return what the admin change form posts back unchanged: its inputs and selected options."""
    html = staff.get(f"/admin/orders/order/{order.pk}/change/").content.decode()
    data = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', html))
    data.pop("csrfmiddlewaretoken", None)
    return data


def test_status_changed_in_the_admin_is_shown_on_the_shoppers_order_pages(client, placed):
    assert "Placed" in client.get(placed.get_absolute_url()).content.decode()
    staff = Client()
    staff.force_login(StaffFactory())

    form = {**_admin_form(staff, placed), "status": Order.Status.SHIPPED, "_save": "Save"}
    response = staff.post(f"/admin/orders/order/{placed.pk}/change/", form)

    assert response.status_code == 302, response.content.decode()[:2000]
    detail = client.get(placed.get_absolute_url()).content.decode()
    assert f"Order #{placed.pk}" in detail and "· Shipped ·" in detail
    history = client.get("/accounts/orders/").content.decode()
    assert "<td>Shipped</td>" in history
    placed.refresh_from_db()
    assert placed.status == Order.Status.SHIPPED
    assert placed.total == Decimal("25.00") and placed.lines.get().quantity == 2  # what was bought is unchanged


def test_admin_refuses_an_unknown_status_and_the_shopper_still_sees_the_old_one(client, placed):
    staff = Client()
    staff.force_login(StaffFactory())

    form = {**_admin_form(staff, placed), "status": "refunded-twice", "_save": "Save"}
    response = staff.post(f"/admin/orders/order/{placed.pk}/change/", form)

    assert response.status_code == 200
    assert "Select a valid choice." in response.content.decode()
    assert "· Placed ·" in client.get(placed.get_absolute_url()).content.decode()
