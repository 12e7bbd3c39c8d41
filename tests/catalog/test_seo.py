"""What search engines read: meta tags, canonical links, JSON-LD, sitemap.xml and robots.txt, as fresh as the pages."""

import json
import re
from decimal import Decimal
from xml.etree import ElementTree

import pytest

from catalog import services
from tests.factories import CategoryFactory, ProductFactory, ProductImageFactory

# Committed writes, as in production: the cache layer bumps tags after commit.
pytestmark = pytest.mark.django_db(transaction=True)

SITEMAP_NS = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}


@pytest.fixture
def knife():
    kitchen = CategoryFactory(name="Kitchen", slug="kitchen")
    knives = CategoryFactory(name="Knives", slug="knives", parent=kitchen)
    product = ProductFactory(
        name="Chef Knife", slug="chef-knife", category=knives, price=Decimal("50.00"), stock=10, description="Sharp."
    )
    ProductImageFactory(product=product, position=0)
    return product


def _ld(html: str) -> dict:
    blocks = re.findall(r'<script type="application/ld\+json">([^<]*)</script>', html)
    assert len(blocks) == 1
    return json.loads(blocks[0])


def _meta(html: str, attr: str, name: str) -> str:
    return re.search(rf'<meta {attr}="{re.escape(name)}" content="([^"]*)"', html)[1]


def _canonical(html: str) -> str:
    return re.search(r'<link rel="canonical" href="([^"]*)"', html)[1]


def _sitemap(client) -> dict[str, str]:
    response = client.get("/sitemap.xml")
    assert response.status_code == 200
    root = ElementTree.fromstring(response.content)  # noqa: S314 (our own server's response)
    return {
        url.findtext("s:loc", namespaces=SITEMAP_NS): url.findtext("s:lastmod", namespaces=SITEMAP_NS)
        for url in root.findall("s:url", SITEMAP_NS)
    }


def test_product_page_has_description_canonical_open_graph_and_product_json_ld(client, knife):
    html = client.get("/products/chef-knife/").content.decode()

    assert _meta(html, "name", "description") == "Sharp."
    assert _canonical(html) == "http://testserver/products/chef-knife/"
    assert _meta(html, "property", "og:type") == "product"
    assert _meta(html, "property", "og:url") == "http://testserver/products/chef-knife/"
    assert _meta(html, "property", "og:image").startswith("http://testserver/media/")
    data = _ld(html)
    assert data["@type"] == "Product" and data["name"] == "Chef Knife"
    assert (data["offers"]["price"], data["offers"]["priceCurrency"]) == ("50.00", "EUR")
    assert data["offers"]["availability"] == "https://schema.org/InStock"
    assert data["image"][0].startswith("http://testserver/media/")


def test_price_and_stock_changes_show_in_the_json_ld_on_the_next_read(client, knife):
    assert client.get("/products/chef-knife/")["X-Cache"] == "MISS"
    assert client.get("/products/chef-knife/")["X-Cache"] == "HIT"

    services.product_update(product=knife, price=Decimal("44.90"), stock=0)

    data = _ld(client.get("/products/chef-knife/").content.decode())
    assert data["offers"]["price"] == "44.90"
    assert data["offers"]["availability"] == "https://schema.org/OutOfStock"


def test_listing_canonical_drops_the_sort_and_keeps_the_page(client, knife):
    ProductFactory.create_batch(30, category=knife.category)

    first = client.get("/categories/knives/?sort=price").content.decode()
    second = client.get("/categories/knives/?sort=-price&page=2").content.decode()

    assert _canonical(first) == "http://testserver/categories/knives/"
    assert _canonical(second) == "http://testserver/categories/knives/?page=2"
    assert _meta(first, "name", "description") != _meta(second, "name", "description")


def test_every_page_kind_has_a_description_and_a_canonical_link(client, knife):
    for path in [
        "/",
        "/categories/kitchen/",
        "/products/chef-knife/",
        "/search/?q=knife",
        "/cart/",
        "/accounts/login/",
    ]:
        html = client.get(path).content.decode()
        assert _meta(html, "name", "description"), path
        assert _canonical(html).startswith("http://testserver/"), path
    assert 'content="noindex, follow"' in client.get("/search/?q=knife").content.decode()


def test_site_url_setting_is_used_for_absolute_links(client, knife, settings):
    settings.SITE_URL = "https://shop.example.com"

    html = client.get("/products/chef-knife/").content.decode()

    assert _canonical(html) == "https://shop.example.com/products/chef-knife/"
    assert _ld(html)["url"] == "https://shop.example.com/products/chef-knife/"
    assert "https://shop.example.com/products/chef-knife/" in _sitemap(client)


def test_sitemap_lists_home_categories_and_active_products_with_lastmod(client, knife):
    ProductFactory(name="Old Knife", slug="old-knife", category=knife.category, is_active=False)

    urls = _sitemap(client)

    assert set(urls) == {
        "http://testserver/",
        "http://testserver/categories/kitchen/",
        "http://testserver/categories/knives/",
        "http://testserver/products/chef-knife/",
    }
    assert all(urls.values())


def test_a_price_change_shows_in_the_sitemap_lastmod_on_the_next_read(client, knife):
    before = _sitemap(client)

    services.product_update(product=knife, price=Decimal("61.00"))

    after = _sitemap(client)
    for loc in ["/products/chef-knife/", "/categories/knives/", "/categories/kitchen/", "/"]:
        assert after[f"http://testserver{loc}"] > before[f"http://testserver{loc}"], loc


def test_a_bulk_price_change_shows_in_the_sitemap_lastmod_too(client, knife):
    before = _sitemap(client)["http://testserver/products/chef-knife/"]

    services.products_change_price(products=type(knife).objects.filter(pk=knife.pk), percent=Decimal("10"))

    assert _sitemap(client)["http://testserver/products/chef-knife/"] > before


def test_robots_txt_points_to_the_sitemap_and_keeps_personal_pages_out(client):
    response = client.get("/robots.txt")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    lines = response.content.decode().splitlines()
    assert "Sitemap: http://testserver/sitemap.xml" in lines
    assert {"Disallow: /cart/", "Disallow: /checkout/", "Disallow: /accounts/", "Disallow: /admin/"} <= set(lines)


def test_favicon_is_linked_and_favicon_ico_redirects_to_it(client):
    html = client.get("/").content.decode()
    icon = re.search(r'<link rel="icon" href="([^"]+)"', html)[1]

    assert client.get(icon).status_code == 200
    response = client.get("/favicon.ico")
    assert response.status_code == 301 and response["Location"] == icon
