"""Browser journeys in real Chromium: a shopper buys, a search finds, staff edit and the shop shows it at once."""

import re
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from playwright.sync_api import expect

from catalog import services as catalog_services
from orders.models import Order
from tests.factories import CategoryFactory, ProductFactory, StaffFactory, UserFactory

from .conftest import jpeg

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct horse battery staple"


@pytest.fixture
def catalog():
    kitchen = CategoryFactory(name="Kitchen", slug="kitchen")
    knife = ProductFactory(
        name="Chef Knife",
        slug="chef-knife",
        category=kitchen,
        price=Decimal("50.00"),
        stock=10,
        is_featured=True,
        description="A forged carbon steel blade, honed by hand.",
    )
    ProductFactory(name="Bread Board", slug="bread-board", category=kitchen, price=Decimal("20.00"))
    image = catalog_services.product_image_add(
        product=knife, image=SimpleUploadedFile("knife.jpg", jpeg("teal")), alt="knife photo"
    )
    return knife, image


def _assert_styled(page) -> None:
    """The stylesheet was served and applied (the header is laid out by shop.css, not the browser default)."""
    rules = page.evaluate("Array.from(document.styleSheets).reduce((n, s) => n + s.cssRules.length, 0)")
    assert rules > 20
    assert page.evaluate("getComputedStyle(document.querySelector('.price, h1')).fontWeight") in ("700", "bold")


def _image_loaded(page, selector: str) -> bool:
    return page.eval_on_selector(selector, "img => img.complete && img.naturalWidth > 0")


def test_shopper_buys_from_home_to_order_history(page, catalog, screenshot):
    UserFactory(username="alice")
    page.goto("/")
    expect(page.get_by_role("heading", name="Chef Knife").first).to_be_visible()
    _assert_styled(page)
    screenshot(page, "1-home")

    page.get_by_role("navigation", name="Categories").get_by_role("link", name="Kitchen").click()
    expect(page).to_have_url(re.compile(r"/categories/kitchen/$"))
    page.select_option("#sort", "price")  # submitted by static/js/shop.js: no inline handler under the CSP
    expect(page).to_have_url(re.compile(r"sort=price"))
    cards = page.locator(".card h3").all_inner_texts()
    assert cards == ["Bread Board", "Chef Knife"]
    screenshot(page, "2-category")

    page.get_by_role("link", name="Chef Knife").first.click()
    expect(page.locator("h1")).to_have_text("Chef Knife")
    assert _image_loaded(page, ".gallery img.main")
    screenshot(page, "3-product")

    page.fill("#qty", "2")
    page.get_by_role("button", name="Add to cart").click()
    expect(page).to_have_url(re.compile(r"/cart/$"))
    expect(page.locator(".messages")).to_contain_text("Added 2 × Chef Knife")
    page.get_by_label("Quantity of Chef Knife").fill("3")
    page.get_by_role("button", name="Update").click()
    expect(page.get_by_label("Quantity of Chef Knife")).to_have_value("3")
    expect(page.locator("tfoot")).to_contain_text("€150.00")
    screenshot(page, "4-cart")

    page.get_by_role("link", name="Log in").click()
    page.fill("#id_username", "alice")
    page.fill("#id_password", PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("button", name="Log out alice")).to_be_visible()
    page.get_by_role("link", name="Cart").click()
    expect(page.get_by_label("Quantity of Chef Knife")).to_have_value("3")  # the cart survived the login

    page.get_by_role("link", name="Checkout").click()
    for field, value in {
        "email": "alice@example.com",
        "full_name": "Alice Shopper",
        "address": "1 High Street",
        "city": "Springfield",
        "postal_code": "12345",
        "country": "Freedonia",
    }.items():
        page.fill(f"#id_{field}", value)
    screenshot(page, "5-checkout")
    page.get_by_role("button", name=re.compile("Place order")).click()
    expect(page.locator(".messages")).to_contain_text("Thank you! Your order is placed.")
    order = Order.objects.get()
    assert order.user.username == "alice" and order.total == Decimal("150.00")
    screenshot(page, "6-order")

    page.get_by_role("link", name="My orders").click()
    expect(page.get_by_role("link", name=f"#{order.pk}")).to_be_visible()
    expect(page.locator("table")).to_contain_text("€150.00")
    screenshot(page, "7-history")
    assert page.problems == []


def test_search_finds_a_product_by_a_word_of_its_description(page, catalog, screenshot):
    page.goto("/")
    page.get_by_role("searchbox", name="Search products").fill("honed")
    page.get_by_role("searchbox", name="Search products").press("Enter")
    expect(page).to_have_url(re.compile(r"/search/\?q=honed"))
    expect(page.get_by_role("heading", name="Chef Knife")).to_be_visible()
    expect(page.get_by_role("heading", name="Bread Board")).to_have_count(0)
    _assert_styled(page)
    screenshot(page, "search")
    assert page.problems == []


def test_staff_price_and_image_change_shows_on_the_next_storefront_load(page, catalog, screenshot, tmp_path):
    knife, old_image = catalog
    StaffFactory(username="boss")
    # A shopper has the product page cached.
    page.goto("/products/chef-knife/")
    page.goto("/products/chef-knife/")
    old_src = page.get_attribute(".gallery img.main", "src")
    assert "€50.00" in page.inner_text(".price.big")

    page.goto("/admin/")
    page.fill("#id_username", "boss")
    page.fill("#id_password", PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.locator("#site-name")).to_be_visible()
    page.goto(f"/admin/catalog/product/{knife.pk}/change/")
    page.fill("#id_price", "77.00")
    new_file = tmp_path / "red-knife.jpg"
    new_file.write_bytes(jpeg("red"))
    page.set_input_files("input[name='images-0-image']", str(new_file))
    screenshot(page, "1-admin-edit")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".messagelist")).to_contain_text("was changed successfully")

    page.goto("/products/chef-knife/")  # no cache clear in between
    expect(page.locator(".price.big")).to_have_text("€77.00")
    new_src = page.get_attribute(".gallery img.main", "src")
    assert new_src != old_src and "red-knife" in new_src
    assert _image_loaded(page, ".gallery img.main")
    red, green, blue = page.evaluate(
        """() => { const img = document.querySelector('.gallery img.main');
                   const c = document.createElement('canvas'); c.width = c.height = 1;
                   const g = c.getContext('2d'); g.drawImage(img, 0, 0, 1, 1);
                   return Array.from(g.getImageData(0, 0, 1, 1).data.slice(0, 3)); }"""
    )
    assert red > 200 and green < 60 and blue < 60  # the new red picture, not the old teal one
    screenshot(page, "2-storefront-after")
    page.goto("/categories/kitchen/")
    expect(page.locator(".card", has_text="Chef Knife").locator(".price")).to_have_text("€77.00")
    assert "red-knife" in page.get_attribute(".card:has-text('Chef Knife') img", "src")
    knife.refresh_from_db()
    old_image.refresh_from_db()
    assert knife.price == Decimal("77.00") and "red-knife" in old_image.image.name
    assert page.problems == []
