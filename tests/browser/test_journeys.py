"""Browser journeys in real Chromium: a shopper buys, a search finds, staff edit and the shop shows it at once."""

import re
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from playwright.sync_api import expect

from catalog import services as catalog_services
from orders.models import Order
from tests.factories import CategoryFactory, ProductFactory, StaffFactory, UserFactory

from .conftest import assert_accessible, assert_no_csp_violation, jpeg, wait_styled

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct horse battery staple"
MAIN_IMAGE_LOADED = "() => {const i=document.querySelector('.gallery img.main'); return i.complete && i.naturalWidth; }"


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


def test_shopper_buys_from_home_to_order_history(page, catalog, shoot):
    UserFactory(username="alice", email="alice@example.com")
    page.goto("/")
    expect(page.get_by_role("heading", name="Chef Knife").first).to_be_visible()
    shoot(page, "home")
    assert_accessible(page, "home")

    with page.expect_navigation(url=re.compile(r"/categories/kitchen/$")):
        page.get_by_role("navigation", name="Categories").get_by_role("link", name="Kitchen").click()
    # The select submits through static/js/shop.js (no inline handler under the CSP): await that navigation.
    with page.expect_navigation(url=re.compile(r"sort=price")):
        page.select_option("#sort", "price")
    expect(page.locator(".card h3")).to_have_text(["Bread Board", "Chef Knife"])
    shoot(page, "category")
    assert_accessible(page, "category")

    with page.expect_navigation(url=re.compile(r"/products/chef-knife/$")):
        page.get_by_role("link", name="Chef Knife").first.click()
    expect(page.locator("h1")).to_have_text("Chef Knife")
    page.wait_for_function(
        "() => { const i = document.querySelector('.gallery img.main'); return i.complete && i.naturalWidth > 0; }"
    )
    shoot(page, "product")
    assert_accessible(page, "product")
    # The schema.org JSON-LD is a data block, not a script: the CSP (script-src 'self') has nothing to block.
    assert page.locator('script[type="application/ld+json"]').count() == 1
    assert_no_csp_violation(page)

    page.fill("#qty", "2")
    with page.expect_navigation(url=re.compile(r"/cart/$")):
        page.get_by_role("button", name="Add to cart").click()
    expect(page.locator(".messages")).to_contain_text("Added 2 × Chef Knife")
    page.get_by_label("Quantity of Chef Knife").fill("3")
    with page.expect_navigation(url=re.compile(r"/cart/$")):
        page.get_by_role("button", name="Update").click()
    expect(page.get_by_label("Quantity of Chef Knife")).to_have_value("3")
    expect(page.locator("tfoot")).to_contain_text("€150.00")
    shoot(page, "cart")
    assert_accessible(page, "cart")

    with page.expect_navigation(url=re.compile(r"/accounts/login/")):
        page.get_by_role("link", name="Log in").click()
    shoot(page, "login")
    assert_accessible(page, "login")
    page.fill("#id_username", "alice")
    page.fill("#id_password", PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("button", name="Log out alice")).to_be_visible()
    with page.expect_navigation(url=re.compile(r"/cart/$")):
        page.get_by_role("link", name="Cart").click()
    expect(page.get_by_label("Quantity of Chef Knife")).to_have_value("3")  # the cart survived the login

    with page.expect_navigation(url=re.compile(r"/checkout/$")):
        page.get_by_role("link", name="Checkout").click()
    expect(page.locator("#id_email")).to_have_value("alice@example.com")  # prefilled from the account
    for field, value in {
        "full_name": "Alice Shopper",
        "address": "1 High Street",
        "city": "Springfield",
        "postal_code": "12345",
        "country": "Freedonia",
    }.items():
        page.fill(f"#id_{field}", value)
    shoot(page, "checkout")
    assert_accessible(page, "checkout")
    with page.expect_navigation(url=re.compile(r"/orders/\d+/$")):
        page.get_by_role("button", name=re.compile("Place order")).click()
    expect(page.locator(".messages")).to_contain_text("Thank you! Your order is placed.")
    order = Order.objects.get()
    assert order.user.username == "alice" and order.total == Decimal("150.00")
    shoot(page, "order")

    with page.expect_navigation(url=re.compile(r"/accounts/orders/$")):
        page.get_by_role("link", name="My orders").click()
    expect(page.get_by_role("link", name=f"#{order.pk}")).to_be_visible()
    expect(page.locator("table")).to_contain_text("€150.00")
    shoot(page, "order-history")
    assert page.problems == []


def test_search_finds_a_product_by_a_word_of_its_description(page, catalog, shoot):
    page.goto("/")
    page.get_by_role("searchbox", name="Search products").fill("honed")
    with page.expect_navigation(url=re.compile(r"/search/\?q=honed")):
        page.get_by_role("searchbox", name="Search products").press("Enter")
    wait_styled(page)  # the stylesheet is applied, not merely requested
    expect(page.get_by_role("heading", name="Chef Knife")).to_be_visible()
    expect(page.get_by_role("heading", name="Bread Board")).to_have_count(0)
    shoot(page, "search")
    assert_accessible(page, "search")
    assert page.problems == []


def test_sign_up_page_is_accessible_and_signs_up_with_an_email(page, shoot):
    page.goto("/accounts/signup/")
    shoot(page, "signup")
    assert_accessible(page, "signup")
    page.fill("#id_username", "newbie")
    page.fill("#id_email", "newbie@example.com")
    page.fill("#id_password1", PASSWORD)
    page.fill("#id_password2", PASSWORD)
    with page.expect_navigation(url=re.compile(r"/$")):
        page.get_by_role("button", name="Sign up").click()
    expect(page.get_by_role("button", name="Log out newbie")).to_be_visible()
    assert page.problems == []


def test_staff_price_and_image_change_shows_on_the_next_storefront_load(page, catalog, tmp_path):
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
    with page.expect_navigation(url=re.compile(r"/admin/$")):
        page.get_by_role("button", name="Log in").click()
    expect(page.locator("#site-name")).to_be_visible()
    page.goto(f"/admin/catalog/product/{knife.pk}/change/")
    page.fill("#id_price", "77.00")
    new_file = tmp_path / "red-knife.jpg"
    new_file.write_bytes(jpeg("red"))
    page.set_input_files("input[name='images-0-image']", str(new_file))
    with page.expect_navigation(url=re.compile(r"/admin/catalog/product/$")):
        page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".messagelist")).to_contain_text("was changed successfully")

    page.goto("/products/chef-knife/")  # no cache clear in between
    expect(page.locator(".price.big")).to_have_text("€77.00")
    new_src = page.get_attribute(".gallery img.main", "src")
    assert new_src != old_src and "red-knife" in new_src
    page.wait_for_function(
        "() => { const i = document.querySelector('.gallery img.main'); return i.complete && i.naturalWidth > 0; }"
    )
    red, green, blue = page.evaluate(
        """() => { const img = document.querySelector('.gallery img.main');
                   const c = document.createElement('canvas'); c.width = c.height = 1;
                   const g = c.getContext('2d'); g.drawImage(img, 0, 0, 1, 1);
                   return Array.from(g.getImageData(0, 0, 1, 1).data.slice(0, 3)); }"""
    )
    assert red > 200 and green < 60 and blue < 60  # the new red picture, not the old teal one
    page.goto("/categories/kitchen/")
    expect(page.locator(".card", has_text="Chef Knife").locator(".price")).to_have_text("€77.00")
    assert "red-knife" in page.get_attribute(".card:has-text('Chef Knife') img", "src")
    knife.refresh_from_db()
    old_image.refresh_from_db()
    assert knife.price == Decimal("77.00") and "red-knife" in old_image.image.name
    assert page.problems == []
