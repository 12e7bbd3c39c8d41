"""Every write path invalidates every cached page that shows what it changed, after commit."""

import re
import threading
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.db.models import F

from catalog import services as catalog_services
from catalog.models import Category, Product, ProductImage
from orders.services import Contact, order_place
from shop.cart import CartLine
from tests.cache.conftest import PAGES
from tests.factories import StaffFactory

LISTS_SHOWING_KNIFE = ["/categories/knives/", "/categories/kitchen/", "/", "/search/?q=knife"]


def _jpeg(name="new.jpg", color=(200, 30, 30)) -> SimpleUploadedFile:
    import io

    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (32, 32), color).save(buf, "JPEG")
    return SimpleUploadedFile(name, buf.getvalue(), content_type="image/jpeg")


@pytest.fixture
def staff_client(client):
    client.force_login(StaffFactory())
    return client


def assert_everywhere(page, text: str, urls=PAGES) -> None:
    for url in urls:
        assert text in page(url), f"{text!r} missing from {url}"


def assert_nowhere(page, text: str, urls=PAGES) -> None:
    for url in urls:
        assert text not in page(url), f"{text!r} still on {url}"


def test_service_price_change_is_visible_on_every_page(catalog, warm, page):
    warm()
    catalog_services.product_update(product=catalog.knife, price=Decimal("61.00"))
    assert_everywhere(page, "€61.00")
    assert_nowhere(page, "€50.00")


def test_admin_save_is_visible_on_every_page(catalog, warm, page, staff_client):
    warm()
    knife = catalog.knife
    data = {
        "name": "Chef Knife Pro",
        "slug": knife.slug,
        "description": knife.description,
        "price": "75.50",
        "stock": "10",
        "is_active": "on",
        "is_featured": "on",
        "category": str(catalog.knives.pk),
        "images-TOTAL_FORMS": "1",
        "images-INITIAL_FORMS": "1",
        "images-MIN_NUM_FORMS": "0",
        "images-MAX_NUM_FORMS": "1000",
        "images-0-id": str(catalog.image.pk),
        "images-0-product": str(knife.pk),
        "images-0-alt": "knife photo",
        "images-0-position": "0",
        "_save": "Save",
    }
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
    assert "Only 2 left" in page("/products/chef-knife/")
    assert "Only 2 left" in page("/categories/knives/")


def test_admin_bulk_price_action_is_visible_on_every_page(catalog, warm, page, staff_client):
    warm()
    response = staff_client.post(
        "/admin/catalog/product/",
        {"action": "change_price", "_selected_action": [catalog.knife.pk], "apply": "1", "percent": "10"},
    )
    assert response.status_code == 302
    assert_everywhere(page, "€55.00")


def test_admin_mark_inactive_removes_product_everywhere(catalog, warm, page, staff_client):
    warm()
    response = staff_client.post(
        "/admin/catalog/product/", {"action": "mark_inactive", "_selected_action": [catalog.knife.pk]}
    )
    assert response.status_code == 302
    assert page("/products/chef-knife/") == "<404>"
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


def test_negative_cache_of_missing_product_is_invalidated_by_create(catalog, client, page):
    assert client.get("/products/new-thing/").status_code == 404
    assert client.get("/products/new-thing/").status_code == 404
    Product.objects.create(name="New Thing", slug="new-thing", price=Decimal("1.00"), category=catalog.garden)
    assert "New Thing" in page("/products/new-thing/")


def test_delete_single_product(catalog, warm, page):
    warm("/products/paring-knife/", "/categories/knives/", "/search/?q=paring")
    catalog.spare.delete()
    assert page("/products/paring-knife/") == "<404>"
    assert "Paring Knife" not in page("/categories/knives/")
    assert "Paring Knife" not in page("/search/?q=paring")


def test_delete_queryset(catalog, warm, page):
    warm("/products/paring-knife/", "/categories/kitchen/")
    Product.objects.filter(slug__startswith="paring").delete()
    assert page("/products/paring-knife/") == "<404>"
    assert "Paring Knife" not in page("/categories/kitchen/")


def _image_urls(html: str) -> list[str]:
    """Return the stored names (without extension) of the product images a page shows, in order."""
    views = re.findall(r'<figure class="view"[^>]*>\s*<img src="([^"]+)"', html)
    return [re.sub(r"(\.[a-z]+)+$", "", src.split("/media/")[-1]) for src in views]


def _stem(image: ProductImage) -> str:
    return image.image.name.rsplit(".", 1)[0]


def test_image_add_replace_delete_and_reorder(catalog, warm, page):
    warm()
    before = _image_urls(page("/products/chef-knife/"))
    added = catalog_services.product_image_add(product=catalog.knife, image=_jpeg("second.jpg"), alt="second")
    after_add = _image_urls(page("/products/chef-knife/"))
    assert len(after_add) == len(before) + 1

    catalog_services.product_images_reorder(product=catalog.knife, image_ids=[added.pk, catalog.image.pk])
    reordered_main = _image_urls(page("/products/chef-knife/"))[0]
    assert reordered_main == _stem(added)
    assert _stem(added) in page("/categories/knives/")  # the listing card shows the first image

    replacement = ProductImage.objects.get(pk=added.pk)
    replacement.image = _jpeg("third.jpg", (10, 200, 10))
    catalog_services.product_image_store(image=replacement)
    assert _stem(replacement) in page("/products/chef-knife/")
    assert _stem(added) not in page("/products/chef-knife/")

    replacement.delete()
    assert _image_urls(page("/products/chef-knife/")) == before


def test_image_reorder_through_queryset_update(catalog, warm, page):
    second = catalog_services.product_image_add(product=catalog.knife, image=_jpeg("b.jpg"), alt="b")
    warm()
    ProductImage.objects.filter(pk=second.pk).update(position=0)
    ProductImage.objects.filter(pk=catalog.image.pk).update(position=5)
    assert _image_urls(page("/products/chef-knife/"))[0] == _stem(second)


def test_category_rename(catalog, warm, page):
    warm()
    Category.objects.filter(pk=catalog.knives.pk).update(name="Blades")
    assert "Blades" in page("/products/chef-knife/")  # breadcrumb
    assert "Blades" in page("/categories/knives/")  # heading
    assert "Blades" in page("/")  # navigation


def test_category_move(catalog, warm, page):
    warm("/categories/kitchen/", "/categories/garden/", "/products/chef-knife/")
    catalog_services.category_move(category=catalog.knives, parent=catalog.garden)
    assert "Chef Knife" in page("/categories/garden/")
    assert "Chef Knife" not in page("/categories/kitchen/")
    crumbs = page("/products/chef-knife/").split('class="breadcrumbs"')[1].split("</ol>")[0]
    assert "Garden" in crumbs and "Kitchen" not in crumbs


def test_product_moved_between_categories(catalog, warm, page):
    warm("/categories/knives/", "/categories/garden/", "/products/chef-knife/")
    catalog_services.product_update(product=catalog.knife, category=catalog.garden)
    assert "Chef Knife" in page("/categories/garden/")
    assert "Chef Knife" not in page("/categories/knives/")
    assert "Garden" in page("/products/chef-knife/")


def test_slug_change_frees_old_url(catalog, warm, page):
    warm()
    catalog_services.product_update(product=catalog.knife, slug="chefs-knife")
    assert page("/products/chef-knife/") == "<404>"
    assert "Chef Knife" in page("/products/chefs-knife/")
    assert "/products/chefs-knife/" in page("/categories/knives/")


def test_deactivation_via_save(catalog, warm, page):
    warm()
    catalog_services.product_update(product=catalog.knife, is_active=False)
    assert page("/products/chef-knife/") == "<404>"
    assert_nowhere(page, "Chef Knife", LISTS_SHOWING_KNIFE)


def test_checkout_stock_decrement_updates_availability(catalog, warm, page):
    warm()
    knife = Product.objects.get(pk=catalog.knife.pk)
    line = CartLine(product=knife, quantity=8, added_price=knife.price)
    contact = Contact("b@example.com", "B", "2 St", "Town", "2", "Land")
    order_place(lines=[line], contact=contact, user=None, checkout_token="t-1")
    assert "Only 2 left" in page("/products/chef-knife/")
    assert "Only 2 left" in page("/categories/knives/")
    # Best-sellers are periodic by design (never per order): the scheduled refresh brings the new units.
    assert "10 sold" not in page("/")
    catalog_services.sales_ranking_refresh()
    assert "10 sold" in page("/")


def test_write_in_flight_is_not_cached_and_shows_after_commit(catalog, warm, page):
    warm("/products/chef-knife/")
    seen = {}

    def other_shopper():
        from django.db import connection
        from django.test import Client

        response = Client().get("/products/chef-knife/")
        seen["html"], seen["x_cache"] = response.content.decode(), response["X-Cache"]
        connection.close()

    with transaction.atomic():
        catalog_services.product_update(product=catalog.knife, price=Decimal("99.00"))
        reader = threading.Thread(target=other_shopper)
        reader.start()
        reader.join()
    # Another connection saw the committed price, read from Postgres because the write was in flight ...
    assert "€50.00" in seen["html"] and seen["x_cache"] == "MISS"
    # ... and what it read was not cached: the next read shows the new price.
    assert "€99.00" in page("/products/chef-knife/")


def test_rolled_back_write_changes_nothing_shoppers_see(catalog, warm, page):
    warm("/products/chef-knife/")
    with pytest.raises(RuntimeError), transaction.atomic():
        catalog_services.product_update(product=catalog.knife, price=Decimal("1.00"))
        raise RuntimeError("abort")
    assert "€50.00" in page("/products/chef-knife/")
