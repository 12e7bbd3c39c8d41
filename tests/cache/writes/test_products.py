"""Every product write path invalidates every cached page that shows what it changed, after commit, and every JSON
API response that shows it (the API's reads are stored under the same tags)."""

import threading
from decimal import Decimal

import pytest
from django.db import transaction
from django.db.models import F

from catalog import services as catalog_services
from catalog.models import Product
from orders.services import Contact, order_place
from shop.cart import CartLine
from tests.cache.writes.checks import LISTS_SHOWING_KNIFE, api_json, assert_everywhere, assert_nowhere
from tests.support import admin_product_form


def test_service_price_change_is_visible_on_every_page(catalog, warm, page):
    warm()
    catalog_services.product_update(product=catalog.knife, price=Decimal("61.00"))
    assert_everywhere(page, "€61.00")
    assert_nowhere(page, "€50.00")


def test_admin_save_is_visible_on_every_page(catalog, warm, page, staff_client):
    warm()
    knife = catalog.knife
    image = {"id": str(catalog.image.pk), "alt": "knife photo"}
    data = admin_product_form(
        knife, [image], initial=1, name="Chef Knife Pro", price="75.50", stock="10", is_featured="on"
    )
    response = staff_client.post(f"/admin/catalog/product/{knife.pk}/change/", data)
    assert response.status_code == 302, response.content[:2000]
    assert_everywhere(page, "Chef Knife Pro")
    assert_everywhere(page, "€75.50")


def test_admin_list_editable_stock_change_updates_availability(catalog, warm, page, staff_client):
    warm()
    data = {
        "form-TOTAL_FORMS": "2",
        "form-INITIAL_FORMS": "2",
        "form-MIN_NUM_FORMS": "0",
        "form-MAX_NUM_FORMS": "1000",
        "_save": "Save",
    }
    for i, product in enumerate(Product.objects.order_by("name")):
        data |= {
            f"form-{i}-id": str(product.pk),
            f"form-{i}-price": str(product.price),
            f"form-{i}-stock": "2" if product == catalog.knife else str(product.stock),
        }
    response = staff_client.post("/admin/catalog/product/", data)
    assert response.status_code == 302
    assert_everywhere(page, "Only 2 left", ["/products/chef-knife/", "/categories/knives/"])


def test_admin_bulk_price_action_is_visible_on_every_page(catalog, warm, page, staff_client):
    warm()
    response = staff_client.post(
        "/admin/catalog/product/",
        {"action": "change_price", "_selected_action": [catalog.knife.pk], "apply": "1", "percent": "10"},
    )
    assert response.status_code == 302
    assert_everywhere(page, "€55.00")


def test_admin_mark_inactive_removes_product_everywhere(catalog, warm, page, api, staff_client):
    warm()
    response = staff_client.post(
        "/admin/catalog/product/", {"action": "mark_inactive", "_selected_action": [catalog.knife.pk]}
    )
    assert response.status_code == 302
    assert page("/products/chef-knife/") == "<404>" == api("/products/chef-knife/")
    assert_nowhere(page, "Chef Knife", LISTS_SHOWING_KNIFE)


def test_queryset_update_with_f_expression(catalog, warm, page):
    warm()
    assert Product.objects.filter(slug="chef-knife").update(price=F("price") + 1) == 1
    assert_everywhere(page, "€51.00")


def test_bulk_update(catalog, warm, page):
    warm()
    knife = Product.objects.get(slug="chef-knife")
    knife.price = Decimal("44.44")
    Product.objects.bulk_update([knife], ["price"])
    assert_everywhere(page, "€44.44")


def test_bulk_create_shows_new_product_in_lists(catalog, warm, page):
    warm()
    Product.objects.bulk_create(
        [
            Product(
                name="Bread Knife",
                slug="bread-knife",
                description="serrated knife",
                price=Decimal("30.00"),
                stock=5,
                category=catalog.knives,
                is_featured=True,
            )
        ]
    )
    assert_everywhere(page, "Bread Knife", ["/categories/knives/", "/categories/kitchen/", "/", "/search/?q=knife"])


def test_negative_cache_of_missing_product_is_invalidated_by_create(catalog, client, page, api):
    for url in ["/products/new-thing/", "/api/v1/products/new-thing/"] * 2:
        assert client.get(url).status_code == 404
    Product.objects.create(name="New Thing", slug="new-thing", price=Decimal("1.00"), category=catalog.garden)
    assert "New Thing" in page("/products/new-thing/")
    assert api_json(api, "/products/new-thing/")["name"] == "New Thing"


def test_delete_single_product(catalog, warm, page, api):
    warm("/products/paring-knife/", "/categories/knives/", "/search/?q=paring")
    catalog.spare.delete()
    assert page("/products/paring-knife/") == "<404>" == api("/products/paring-knife/")
    assert_nowhere(page, "Paring Knife", ["/categories/knives/", "/search/?q=paring"])


def test_delete_queryset(catalog, warm, page, api):
    warm("/products/paring-knife/", "/categories/kitchen/")
    Product.objects.filter(slug__startswith="paring").delete()
    assert page("/products/paring-knife/") == "<404>" == api("/products/paring-knife/")
    assert_nowhere(page, "Paring Knife", ["/categories/kitchen/"])


def test_checkout_stock_decrement_updates_availability(catalog, warm, page):
    warm()
    knife = Product.objects.get(pk=catalog.knife.pk)
    line = CartLine(product=knife, quantity=8, added_price=knife.price)
    contact = Contact("b@example.com", "B", "2 St", "Town", "2", "Land")
    order_place(lines=[line], contact=contact, user=None, checkout_token="t-1")
    assert_everywhere(page, "Only 2 left", ["/products/chef-knife/", "/categories/knives/"])
    # Best-sellers are periodic by design (never per order): the scheduled refresh brings the new units.
    assert "10 sold" not in page("/")
    catalog_services.sales_ranking_refresh()
    assert "10 sold" in page("/")


def test_checkout_through_the_api_updates_availability(catalog, warm, page, client):
    warm()
    cart = {"product_id": catalog.knife.pk, "quantity": 8}
    assert client.post("/api/v1/cart/items/", cart, content_type="application/json").status_code == 200
    token = client.get("/api/v1/checkout/").json()["checkout_token"]
    contact = {"email": "b@example.com", "full_name": "B", "address": "2 St", "city": "T", "postal_code": "2"}
    order = {**contact, "country": "Land", "checkout_token": token}
    assert client.post("/api/v1/checkout/", order, content_type="application/json").status_code == 201
    assert_everywhere(page, "Only 2 left", ["/products/chef-knife/", "/categories/knives/"])


def test_write_in_flight_is_not_cached_and_shows_after_commit(catalog, warm, page):
    warm("/products/chef-knife/")
    seen = {}

    def other_shopper():
        from django.db import connection
        from django.test import Client

        for url in ("/products/chef-knife/", "/api/v1/products/chef-knife/"):
            response = Client().get(url)
            seen[url] = response.content.decode(), response["X-Cache"]
        connection.close()

    with transaction.atomic():
        catalog_services.product_update(product=catalog.knife, price=Decimal("99.00"))
        reader = threading.Thread(target=other_shopper)
        reader.start()
        reader.join()
    # Another connection saw the committed price, read from Postgres because the write was in flight ...
    assert "€50.00" in seen["/products/chef-knife/"][0] and seen["/products/chef-knife/"][1] == "MISS"
    assert '"50.00"' in seen["/api/v1/products/chef-knife/"][0] and seen["/api/v1/products/chef-knife/"][1] == "MISS"
    # ... and what it read was not cached: the next read shows the new price.
    assert_everywhere(page, "€99.00", ["/products/chef-knife/"])


def test_rolled_back_write_changes_nothing_shoppers_see(catalog, warm, page):
    warm("/products/chef-knife/")
    with pytest.raises(RuntimeError), transaction.atomic():
        catalog_services.product_update(product=catalog.knife, price=Decimal("1.00"))
        raise RuntimeError("abort")
    assert_everywhere(page, "€50.00", ["/products/chef-knife/"])
