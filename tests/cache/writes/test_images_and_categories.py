"""Image and category writes invalidate every cached page and API read that shows what they changed."""

import re

from catalog import services as catalog_services
from catalog.models import Category, ProductImage
from tests.cache.writes.checks import LISTS_SHOWING_KNIFE, api_json, assert_everywhere, assert_nowhere, jpeg


def _image_urls(html: str) -> list[str]:
    """Return the stored names (without extension) of the product images a page shows, in order."""
    views = re.findall(r'<figure class="view"[^>]*>\s*<img src="([^"]+)"', html)
    return [re.sub(r"(\.[a-z]+)+$", "", src.split("/media/")[-1]) for src in views]


def _stem(image: ProductImage) -> str:
    return image.image.name.rsplit(".", 1)[0]


def _api_images(api) -> list[str]:
    """Return the stored names (without extension) of the pictures the API's product detail lists, in order."""
    images = api_json(api, "/products/chef-knife/")["images"]
    return [re.sub(r"(\.[a-z]+)+$", "", image["url"].split("/media/")[-1]) for image in images]


def test_image_add_replace_delete_and_reorder(catalog, warm, page, api):
    warm()
    before = _image_urls(page("/products/chef-knife/"))
    assert _api_images(api) == before
    added = catalog_services.product_image_add(product=catalog.knife, image=jpeg("second.jpg"), alt="second")
    after_add = _image_urls(page("/products/chef-knife/"))
    assert len(after_add) == len(before) + 1
    assert _api_images(api) == after_add

    catalog_services.product_images_reorder(product=catalog.knife, image_ids=[added.pk, catalog.image.pk])
    reordered_main = _image_urls(page("/products/chef-knife/"))[0]
    assert reordered_main == _stem(added) == _api_images(api)[0]
    assert_everywhere(page, _stem(added), ["/categories/knives/"])  # the listing card shows the first image

    replacement = ProductImage.objects.get(pk=added.pk)
    replacement.image = jpeg("third.jpg", (10, 200, 10))
    catalog_services.product_image_store(image=replacement)
    assert_everywhere(page, _stem(replacement), ["/products/chef-knife/"])
    assert_nowhere(page, _stem(added), ["/products/chef-knife/"])

    replacement.delete()
    assert _image_urls(page("/products/chef-knife/")) == before == _api_images(api)


def test_image_reorder_through_queryset_update(catalog, warm, page, api):
    second = catalog_services.product_image_add(product=catalog.knife, image=jpeg("b.jpg"), alt="b")
    warm()
    ProductImage.objects.filter(pk=second.pk).update(position=0)
    ProductImage.objects.filter(pk=catalog.image.pk).update(position=5)
    assert _image_urls(page("/products/chef-knife/"))[0] == _stem(second) == _api_images(api)[0]


def test_category_rename(catalog, warm, page, api):
    warm()
    warm("/api/v1/categories/")
    Category.objects.filter(pk=catalog.knives.pk).update(name="Blades")
    assert "Blades" in page("/products/chef-knife/")  # breadcrumb
    assert "Blades" in page("/categories/knives/")  # heading
    assert "Blades" in page("/")  # navigation
    assert [c["name"] for c in api_json(api, "/products/chef-knife/")["breadcrumbs"]] == ["Kitchen", "Blades"]
    assert api_json(api, "/categories/knives/")["category"]["name"] == "Blades"
    assert "Blades" in page("/api/v1/categories/")  # the tree


def test_category_move(catalog, warm, page, api):
    warm("/categories/kitchen/", "/categories/garden/", "/products/chef-knife/")
    catalog_services.category_move(category=catalog.knives, parent=catalog.garden)
    assert_everywhere(page, "Chef Knife", ["/categories/garden/"])
    assert_nowhere(page, "Chef Knife", ["/categories/kitchen/"])
    crumbs = page("/products/chef-knife/").split('class="breadcrumbs"')[1].split("</ol>")[0]
    assert "Garden" in crumbs and "Kitchen" not in crumbs
    assert [c["slug"] for c in api_json(api, "/products/chef-knife/")["breadcrumbs"]] == ["garden", "knives"]


def test_product_moved_between_categories(catalog, warm, page, api):
    warm("/categories/knives/", "/categories/garden/", "/products/chef-knife/")
    catalog_services.product_update(product=catalog.knife, category=catalog.garden)
    assert_everywhere(page, "Chef Knife", ["/categories/garden/"])
    assert_nowhere(page, "Chef Knife", ["/categories/knives/"])
    assert "Garden" in page("/products/chef-knife/")
    assert api_json(api, "/products/chef-knife/")["category"]["slug"] == "garden"


def test_slug_change_frees_old_url(catalog, warm, page, api):
    warm()
    catalog_services.product_update(product=catalog.knife, slug="chefs-knife")
    assert page("/products/chef-knife/") == "<404>" == api("/products/chef-knife/")
    assert_everywhere(page, "Chef Knife", ["/products/chefs-knife/"])
    assert "/products/chefs-knife/" in page("/categories/knives/")
    assert "/api/v1/products/chefs-knife/" in api("/categories/knives/")


def test_deactivation_via_save(catalog, warm, page, api):
    warm()
    catalog_services.product_update(product=catalog.knife, is_active=False)
    assert page("/products/chef-knife/") == "<404>" == api("/products/chef-knife/")
    assert_nowhere(page, "Chef Knife", LISTS_SHOWING_KNIFE)
