"""Storefront catalog pages: home, category listing and product detail."""

import re
from decimal import Decimal

import pytest

from catalog import services
from catalog.selectors import PAGE_SIZE
from catalog.services import sales_ranking_refresh
from tests.factories import CategoryFactory, OrderLineFactory, ProductFactory, ProductImageFactory

pytestmark = pytest.mark.django_db


def _sell(product, quantity: int) -> None:
    """Record ``quantity`` units of ``product`` as sold in a placed order."""
    OrderLineFactory(product=product, quantity=quantity)


def _names_in_order(content: bytes, names: list[str]) -> list[str]:
    """Return ``names`` in the order they first appear in ``content``."""
    text = content.decode()
    found = [(text.index(f"<h3>{name}</h3>"), name) for name in names if f"<h3>{name}</h3>" in text]
    return [name for _, name in sorted(found)]


def _section(content: bytes, heading: str) -> str:
    text = content.decode()
    start = text.index(f"<h2>{heading}</h2>")
    end = text.find("</section>", start)
    return text[start:end]


# Home ---------------------------------------------------------------------------------------


def test_home_shows_featured_products_only_in_featured_section(client):
    ProductFactory(name="Shiny Kettle", is_featured=True)
    ProductFactory(name="Plain Spoon", is_featured=False)

    response = client.get("/")

    assert response.status_code == 200
    featured = _section(response.content, "Featured")
    assert "Shiny Kettle" in featured
    assert "Plain Spoon" not in featured


def test_home_best_sellers_are_ranked_by_units_sold(client):
    few = ProductFactory(name="Few Sold")
    many = ProductFactory(name="Many Sold")
    ProductFactory(name="None Sold")
    _sell(few, 2)
    _sell(many, 7)
    sales_ranking_refresh()  # the periodic ranking (beat), never per order

    response = client.get("/")

    best = _section(response.content, "Best-sellers")
    assert "None Sold" not in best
    assert best.index("Many Sold") < best.index("Few Sold")
    assert "7 sold" in best and "2 sold" in best


def test_home_hides_inactive_products(client):
    ProductFactory(name="Retired Teapot", is_featured=True, is_active=False)

    response = client.get("/")

    assert b"Retired Teapot" not in response.content


# Category listing ---------------------------------------------------------------------------


def test_category_page_includes_products_of_descendant_categories(client):
    kitchen = CategoryFactory(name="Kitchen", slug="kitchen")
    knives = CategoryFactory(name="Knives", slug="knives", parent=kitchen)
    paring = CategoryFactory(name="Paring", slug="paring", parent=knives)
    ProductFactory(name="Top Pan", category=kitchen)
    ProductFactory(name="Deep Paring Knife", category=paring)
    ProductFactory(name="Garden Hose")

    response = client.get("/categories/kitchen/")

    assert response.status_code == 200
    assert b"Top Pan" in response.content
    assert b"Deep Paring Knife" in response.content
    assert b"Garden Hose" not in response.content
    assert b"(2 products)" in response.content


def test_category_page_paginates_the_product_grid(client):
    category = CategoryFactory(slug="many")
    ProductFactory.create_batch(PAGE_SIZE + 1, category=category)

    first = client.get("/categories/many/")
    second = client.get("/categories/many/?page=2")

    assert first.content.count(b'class="card"') == PAGE_SIZE
    assert b"Page 1 of 2" in first.content
    assert second.status_code == 200
    assert second.content.count(b'class="card"') == 1
    assert b"Page 2 of 2" in second.content


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("price", ["Cheap", "Middle", "Newest", "Dear"]),
        ("-price", ["Dear", "Newest", "Middle", "Cheap"]),
        ("newest", ["Newest", "Dear", "Cheap", "Middle"]),
    ],
)
def test_category_page_sorts_by_price_and_newest(client, sort, expected):
    category = CategoryFactory(slug="sorted")
    ProductFactory(name="Middle", price=Decimal("20.00"), category=category)
    ProductFactory(name="Cheap", price=Decimal("5.00"), category=category)
    ProductFactory(name="Dear", price=Decimal("90.00"), category=category)
    ProductFactory(name="Newest", price=Decimal("50.00"), category=category)

    response = client.get(f"/categories/sorted/?sort={sort}")

    assert response.status_code == 200
    assert _names_in_order(response.content, ["Cheap", "Middle", "Dear", "Newest"]) == expected


def test_unknown_sort_falls_back_to_newest(client):
    category = CategoryFactory(slug="fallback")
    ProductFactory(name="Older", category=category)
    ProductFactory(name="Younger", category=category)

    response = client.get("/categories/fallback/?sort=%3Cscript%3E")

    assert response.status_code == 200
    assert _names_in_order(response.content, ["Older", "Younger"]) == ["Younger", "Older"]


def test_unknown_category_is_404(client):
    assert client.get("/categories/no-such-thing/").status_code == 404


@pytest.mark.parametrize("page", ["3", "0", "-1", "abc", "1.5", "%00", "99999999999999999999", "%EF%BC%91"])
def test_out_of_range_or_junk_page_number_is_404(client, page):
    category = CategoryFactory(slug="paged")
    ProductFactory.create_batch(PAGE_SIZE + 1, category=category)

    response = client.get(f"/categories/paged/?page={page}")

    assert response.status_code == 404


def test_empty_category_page_one_is_shown(client):
    CategoryFactory(name="Empty Shelf", slug="empty")

    response = client.get("/categories/empty/")

    assert response.status_code == 200
    assert b"No products here yet." in response.content


# Product detail -----------------------------------------------------------------------------


def test_product_page_shows_name_price_description_and_every_image(client):
    product = ProductFactory(
        name="Copper Pot", slug="copper-pot", price=Decimal("49.90"), description="Hammered by hand."
    )
    for position in range(3):
        ProductImageFactory(product=product, position=position, alt=f"view {position}")

    response = client.get("/products/copper-pot/")

    assert response.status_code == 200
    content = response.content.decode()
    assert "<h1>Copper Pot</h1>" in content
    assert "€49.90" in content
    assert "Hammered by hand." in content
    assert re.findall(r'alt="(view \d)"', content) == ["view 0", "view 1", "view 2"]


@pytest.mark.parametrize(
    ("stock", "label", "can_add"),
    [(20, "In stock", True), (3, "Only 3 left", True), (0, "Sold out", False)],
)
def test_product_page_shows_availability(client, stock, label, can_add):
    ProductFactory(slug="lamp", stock=stock)

    response = client.get("/products/lamp/")

    assert label.encode() in response.content
    assert (b"Add to cart" in response.content) is can_add


def test_inactive_product_page_is_404(client):
    ProductFactory(slug="hidden", is_active=False)

    assert client.get("/products/hidden/").status_code == 404


def test_unknown_product_page_is_404(client):
    assert client.get("/products/nothing-here/").status_code == 404


@pytest.mark.django_db(transaction=True)
def test_deactivated_product_page_is_404_on_next_read(client):
    product = ProductFactory(slug="going-away")
    assert client.get("/products/going-away/").status_code == 200

    services.product_update(product=product, is_active=False)

    assert client.get("/products/going-away/").status_code == 404


def test_featured_shows_only_products_in_stock(client):
    ProductFactory(name="Shiny Kettle", is_featured=True, stock=3)
    ProductFactory(name="Gone Kettle", is_featured=True, stock=0)

    featured = _section(client.get("/").content, "Featured")

    assert "Shiny Kettle" in featured and "Gone Kettle" not in featured
