"""Catalog reads: the tree, listings, product detail and search, as the pages show them; their 4xx."""

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from catalog import services as catalog_services
from catalog.models import Product
from tests.conftest import CDN_DOMAIN
from tests.factories import CategoryFactory, ProductFactory

from .conftest import assert_error


def test_category_tree_nests_subcategories(catalog, api):
    response = api.get("/api/v1/categories/")
    assert response.status_code == 200
    roots = response.json()["categories"]
    assert [r["slug"] for r in roots] == ["garden", "kitchen"]  # the tree's order: position, then name
    kitchen = roots[1]
    assert kitchen["url"] == "/api/v1/categories/kitchen/"
    assert [(c["slug"], c["children"]) for c in kitchen["children"]] == [("knives", [])]


def test_listing_shows_a_category_and_its_descendants_products(catalog, api):
    body = api.get("/api/v1/categories/kitchen/").json()
    assert body["category"]["slug"] == "kitchen"
    assert [c["slug"] for c in body["breadcrumbs"]] == ["kitchen"]
    assert [c["slug"] for c in body["subcategories"]] == ["knives"]
    assert {p["slug"] for p in body["results"]} == {"chef-knife", "paring-knife"}
    assert (body["count"], body["page"], body["num_pages"], body["page_size"]) == (2, 1, 1, 24)
    assert body["next"] is None and body["previous"] is None and body["sort"] == "newest"
    knife = next(p for p in body["results"] if p["slug"] == "chef-knife")
    assert knife["price"] == "50.00" and knife["currency"] == "EUR"
    assert knife["availability"] == {"label": "In stock", "state": "in"}
    assert knife["url"] == "/api/v1/products/chef-knife/"
    assert knife["image"]["alt"] == "knife photo"


@pytest.fixture
def shelf(transactional_db):
    """60 products priced 1..60: three pages of 24."""
    category = CategoryFactory(name="Shelf", slug="shelf")
    for i in range(1, 61):
        ProductFactory(name=f"Item {i:02d}", slug=f"item-{i}", price=Decimal(i), category=category)
    return category


@pytest.mark.parametrize(
    ("sort", "first"),
    [("price", "item-1"), ("-price", "item-60"), ("name", "item-1"), ("newest", "item-60")],
)
def test_listing_sorts_as_the_html_listing(shelf, api, sort, first):
    body = api.get(f"/api/v1/categories/shelf/?sort={sort}").json()
    assert body["results"][0]["slug"] == first
    assert body["sort"] == sort


def test_listing_pages_and_links(shelf, api):
    first = api.get("/api/v1/categories/shelf/?sort=price").json()
    assert (first["count"], first["num_pages"], len(first["results"])) == (60, 3, 24)
    assert first["previous"] is None
    assert first["next"] == "/api/v1/categories/shelf/?sort=price&page=2"
    second = api.get(first["next"]).json()
    assert second["results"][0]["slug"] == "item-25"
    assert second["previous"] == "/api/v1/categories/shelf/?sort=price&page=1"
    last = api.get(second["next"]).json()
    assert (last["page"], len(last["results"]), last["next"]) == (3, 12, None)


def test_listing_answers_the_same_bytes_for_equivalent_queries(shelf, api):
    plain = api.get("/api/v1/categories/shelf/")
    same = api.get("/api/v1/categories/shelf/?page=01&sort=&utm_source=mail")
    assert same["X-Cache"] == "HIT" and same.content == plain.content


@pytest.mark.parametrize(
    ("query", "field"),
    [("sort=cheapest", "sort"), ("page=0", "page"), ("page=-1", "page"), ("page=abc", "page"), ("page=1.5", "page")],
)
def test_listing_refuses_bad_parameters_with_400(catalog, api, query, field):
    body = assert_error(api.get(f"/api/v1/categories/kitchen/?{query}"), 400, "invalid")
    assert field in body["errors"]


def test_listing_of_an_unknown_category_or_page_is_404(catalog, api):
    assert assert_error(api.get("/api/v1/categories/nope/"), 404, "not_found")["detail"] == "No such category."
    assert "last is 1" in assert_error(api.get("/api/v1/categories/kitchen/?page=2"), 404)["detail"]


def test_product_detail_shows_what_the_page_shows(catalog, api, client):
    Product.objects.filter(pk=catalog.knife.pk).update(stock=3)
    body = api.get("/api/v1/products/chef-knife/").json()
    assert body["availability"] == {"label": "Only 3 left", "state": "low"}
    assert b"Only 3 left" in client.get("/products/chef-knife/").content
    assert (body["name"], body["price"], body["currency"]) == ("Chef Knife", "50.00", "EUR")
    assert body["description"] == "A forged steel knife for every kitchen."
    assert body["category"]["slug"] == "knives"
    assert [c["slug"] for c in body["breadcrumbs"]] == ["kitchen", "knives"]
    assert body["web_url"] == "/products/chef-knife/"
    assert [(i["alt"], i["position"]) for i in body["images"]] == [("knife photo", 0)]


def test_sold_out_product_says_so(catalog, api):
    Product.objects.filter(pk=catalog.knife.pk).update(stock=0)
    body = api.get("/api/v1/products/chef-knife/").json()
    assert body["availability"] == {"label": "Sold out", "state": "out"}


def test_unknown_or_inactive_product_is_404(catalog, api):
    assert_error(api.get("/api/v1/products/nope/"), 404, "not_found")
    Product.objects.filter(pk=catalog.spare.pk).update(is_active=False)
    assert_error(api.get("/api/v1/products/paring-knife/"), 404, "not_found")


def _jpeg() -> SimpleUploadedFile:
    import io

    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (1200, 900), (200, 30, 30)).save(buf, "JPEG")
    return SimpleUploadedFile("big.jpg", buf.getvalue(), content_type="image/jpeg")


def test_images_come_with_their_renditions_cdn_urls(aws, catalog, api):
    catalog.image.delete()
    catalog_services.product_image_add(product=catalog.knife, image=_jpeg(), alt="big")
    (image,) = api.get("/api/v1/products/chef-knife/").json()["images"]
    assert image["url"].startswith(f"https://{CDN_DOMAIN}/media/products/")
    assert set(image["renditions"]) == {"thumb", "listing", "detail"}
    for url in image["renditions"].values():
        assert url.startswith(f"https://{CDN_DOMAIN}/media/products/")
    card = api.get("/api/v1/categories/knives/").json()["results"]
    assert next(c for c in card if c["slug"] == "chef-knife")["image"]["renditions"] == image["renditions"]


def test_search_finds_by_name_and_description(catalog, api):
    body = api.get("/api/v1/search/?q=Forged%20%20STEEL").json()
    assert body["query"] == "forged steel"
    assert [p["slug"] for p in body["results"]] == ["chef-knife"]
    assert (body["count"], body["page"], body["num_pages"]) == (1, 1, 1)
    assert api.get("/api/v1/search/?q=rake").json()["results"] == []


def test_search_pages_link_with_the_normalised_query(shelf, api):
    body = api.get("/api/v1/search/?q=Item").json()
    assert (body["count"], body["num_pages"]) == (60, 3)
    assert body["next"] == "/api/v1/search/?q=item&page=2"
    assert "last is 3" in assert_error(api.get("/api/v1/search/?q=item&page=4"), 404)["detail"]


@pytest.mark.parametrize("query", ["", "q=", "q=%20%20", "q=a%00b", "q=" + "x" * 201, "q=knife&page=0"])
def test_search_refuses_bad_input_with_400(catalog, api, query):
    assert_error(api.get(f"/api/v1/search/?{query}"), 400, "invalid")


def test_catalog_reads_accept_no_writes(catalog, api):
    body = assert_error(api.post("/api/v1/products/chef-knife/", {}), 405, "method_not_allowed")
    assert "POST" in body["detail"]
