"""Category and image writes the other cache tests do not walk: each is visible on the next page read."""

import io

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from PIL import Image

from catalog.models import Category, ProductImage
from tests.factories import StaffFactory

NAV_PAGES = ["/", "/categories/kitchen/", "/products/chef-knife/", "/search/?q=knife"]


@pytest.fixture
def staff():
    from django.test import Client

    client = Client()
    client.force_login(StaffFactory())
    return client


def _nav(html: str) -> str:
    """Return the category navigation of a page (every page shows it)."""
    return html.split('<nav class="categories')[1].split("</nav>")[0]


def _crumbs(html: str) -> str:
    return html.split('class="breadcrumbs"')[1].split("</ol>")[0]


def test_category_added_in_the_admin_appears_in_navigation_on_the_next_read(catalog, warm, page, staff):
    warm(*NAV_PAGES)
    response = staff.post(
        "/admin/catalog/category/add/",
        {"name": "Cookware", "slug": "cookware", "parent": str(catalog.kitchen.pk), "position": "0", "_save": "Save"},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    for url in NAV_PAGES:
        assert "Cookware" in _nav(page(url)), url
    assert "Cookware" in page("/categories/kitchen/").split('class="subcats"')[1]
    assert "<h1>Cookware" in page("/categories/cookware/")


def test_category_deleted_in_the_admin_leaves_navigation_and_its_page_is_404(catalog, warm, page, staff):
    warm(*NAV_PAGES, "/categories/garden/")
    response = staff.post(f"/admin/catalog/category/{catalog.garden.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302, response.content.decode()[:2000]
    assert not Category.objects.filter(pk=catalog.garden.pk).exists()
    for url in NAV_PAGES:
        assert "Garden" not in _nav(page(url)), url
    assert page("/categories/garden/") == "<404>"


def test_category_renamed_in_the_admin_shows_in_navigation_breadcrumbs_and_heading(catalog, warm, page, staff):
    warm(*NAV_PAGES, "/categories/knives/")
    data = {"name": "Blades", "slug": "knives", "parent": str(catalog.kitchen.pk), "position": "0", "_save": "Save"}
    response = staff.post(f"/admin/catalog/category/{catalog.knives.pk}/change/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    for url in NAV_PAGES:
        nav = _nav(page(url))
        assert "Blades" in nav and "Knives" not in nav, url
    crumbs = _crumbs(page("/products/chef-knife/"))
    assert "Blades" in crumbs and "Knives" not in crumbs
    assert "<h1>Blades" in page("/categories/knives/")


def test_bulk_created_categories_appear_in_navigation(catalog, warm, page):
    warm(*NAV_PAGES)
    Category.objects.bulk_create(
        [Category(name="Pantry", slug="pantry"), Category(name="Bakeware", slug="bakeware", parent=catalog.kitchen)]
    )
    for url in NAV_PAGES:
        nav = _nav(page(url))
        assert "Pantry" in nav and "Bakeware" in nav, url
    assert "<h1>Pantry" in page("/categories/pantry/")


def _stored_jpeg(name: str) -> str:
    buf = io.BytesIO()
    Image.new("RGB", (40, 40), (20, 90, 200)).save(buf, "JPEG")
    return default_storage.save(f"products/{name}", ContentFile(buf.getvalue()))


def test_bulk_created_images_appear_on_the_product_page(catalog, warm, page):
    warm("/products/chef-knife/", "/products/paring-knife/", "/categories/knives/")
    side = _stored_jpeg("side.jpg")
    paring = _stored_jpeg("paring.jpg")
    ProductImage.objects.bulk_create(
        [
            ProductImage(product=catalog.knife, image=side, alt="side view", position=5),
            ProductImage(product=catalog.spare, image=paring, alt="paring knife photo", position=0),
        ]
    )
    knife = page("/products/chef-knife/")
    assert 'alt="side view"' in knife and 'alt="knife photo"' in knife
    assert 'alt="paring knife photo"' in page("/products/paring-knife/")
    assert paring.rsplit(".", 1)[0] in page("/categories/knives/")  # the listing card shows a product's first image


def test_page_fetcher_fails_loudly_on_a_server_error(db, page, redis_server, use_redis):
    use_redis(redis_server)
    redis_server.stop()  # /readyz answers 503 while Redis is down
    with pytest.raises(AssertionError, match="answered 503"):
        page("/readyz")
