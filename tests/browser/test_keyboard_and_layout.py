"""Keyboard-only shopping, the product gallery with and without JavaScript, and layouts at phone width."""

import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from orders.models import Order
from tests.factories import CategoryFactory, ProductFactory, ProductImageFactory

from .conftest import PHONE, wait_styled

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

FOCUSED = "() => document.activeElement && (document.activeElement.innerText || document.activeElement.value || '')"


@pytest.fixture
def lamp():
    lighting = CategoryFactory(name="Lighting", slug="lighting")
    lamp = ProductFactory(name="Brass Lamp", slug="brass-lamp", category=lighting, price=Decimal("30.00"), stock=5)
    ProductImageFactory(product=lamp, position=0, image__color="teal", alt="lamp, front")
    ProductImageFactory(product=lamp, position=1, image__color="orange", alt="lamp, side")
    return lamp


def _tab_to(page, pattern: str = "", element_id: str = "", limit: int = 60) -> None:
    """Press Tab until the focused element's text matches ``pattern`` (or its id is ``element_id``); no mouse."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if element_id and page.evaluate("document.activeElement.id") == element_id:
            return
        if pattern and re.search(pattern, page.evaluate(FOCUSED)):
            return
    pytest.fail(f"Tab never reached {pattern or element_id!r}")


def test_a_shopper_using_only_the_keyboard_adds_to_cart_and_checks_out(page, lamp):
    page.goto("/products/brass-lamp/")
    wait_styled(page)
    page.keyboard.press("Tab")
    assert page.evaluate(FOCUSED) == "Skip to content"  # the first stop skips the header
    _tab_to(page, r"^Add to cart$")
    with page.expect_navigation(url=re.compile(r"/cart/$")):
        page.keyboard.press("Enter")
    expect(page.locator(".messages")).to_contain_text("Added 1 × Brass Lamp")

    _tab_to(page, r"^Checkout$")
    with page.expect_navigation(url=re.compile(r"/checkout/$")):
        page.keyboard.press("Enter")
    _tab_to(page, element_id="id_email")
    for value in ["kb@example.com", "Kay Board", "2 Key Street", "Typeville", "4321", "Tabland"]:
        assert page.evaluate("document.activeElement.tagName") == "INPUT"
        page.keyboard.type(value)
        page.keyboard.press("Tab")
    assert re.match(r"Place order", page.evaluate(FOCUSED))
    with page.expect_navigation(url=re.compile(r"/orders/\d+/$")):
        page.keyboard.press("Enter")
    order = Order.objects.get()
    assert (order.email, order.country, order.total) == ("kb@example.com", "Tabland", Decimal("30.00"))
    assert page.problems == []


def _visible_view(page) -> str:
    return page.evaluate("Array.from(document.querySelectorAll('.view')).find(v => v.offsetParent !== null).id")


def test_gallery_thumbnails_switch_the_picture_with_javascript(page, lamp):
    page.goto("/products/brass-lamp/")
    wait_styled(page)
    page.wait_for_function("() => document.querySelector('[data-gallery]').classList.contains('js')")
    assert _visible_view(page) == "view-1"

    page.get_by_role("link", name=re.compile("Picture 2")).click()

    page.wait_for_function("() => document.getElementById('view-2').offsetParent !== null")
    assert _visible_view(page) == "view-2"
    assert page.evaluate("window.scrollY") == 0  # shown in place, the page did not jump
    expect(page.get_by_role("link", name=re.compile("Picture 2"))).to_have_attribute("aria-current", "true")
    assert page.problems == []


def test_gallery_thumbnails_switch_the_picture_without_javascript(page_without_js, lamp):
    page = page_without_js
    page.goto("/products/brass-lamp/")
    assert _visible_view(page) == "view-1"

    page.get_by_role("link", name=re.compile("Picture 2")).click()

    page.wait_for_url(re.compile(r"#view-2$"))
    page.wait_for_function("() => document.getElementById('view-2').offsetParent !== null")
    assert _visible_view(page) == "view-2"


def test_cart_fits_a_phone_with_remove_in_view(page, lamp):
    page.set_viewport_size(PHONE)
    page.goto("/products/brass-lamp/")
    with page.expect_navigation(url=re.compile(r"/cart/$")):
        page.get_by_role("button", name="Add to cart").click()
    wait_styled(page)

    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    remove = page.get_by_role("button", name="Remove Brass Lamp").bounding_box()
    assert remove["x"] >= 0 and remove["x"] + remove["width"] <= PHONE["width"]
    with page.expect_navigation(url=re.compile(r"/cart/$")):
        page.get_by_role("button", name="Remove Brass Lamp").click()
    expect(page.get_by_text("Your cart is empty.")).to_be_visible()


def test_footer_sits_at_the_bottom_of_a_short_page(page):
    page.goto("/accounts/login/")
    wait_styled(page)

    footer = page.locator(".site-footer").bounding_box()
    assert footer["y"] + footer["height"] == pytest.approx(page.viewport_size["height"], abs=1)
