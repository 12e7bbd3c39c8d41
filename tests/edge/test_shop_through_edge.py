"""The shop itself behind a real Varnish running the shipped VCL: shared pages from the edge, never personal."""

import re
from decimal import Decimal

import pytest
import requests

from catalog import services as catalog_services
from catalog.models import Product
from orders.models import Order
from tests.factories import UserFactory

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct horse battery staple"
SHARED = ["/", "/products/chef-knife/", "/categories/kitchen/", "/search/?q=knife"]
TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def _get(http: requests.Session, edge, path: str) -> requests.Response:
    response = http.get(edge.url + path, timeout=30, allow_redirects=False)
    assert response.status_code < 500, (path, response.status_code)
    return response


def _post(http: requests.Session, edge, path: str, data: dict) -> requests.Response:
    return http.post(edge.url + path, data=data, timeout=30, allow_redirects=False)


def _logged_in_with_cart(edge, catalog) -> tuple[requests.Session, str]:
    UserFactory(username="alice")
    alice = requests.Session()
    token = TOKEN.search(_get(alice, edge, "/accounts/login/").text).group(1)
    assert (
        _post(
            alice, edge, "/accounts/login/", {"username": "alice", "password": PASSWORD, "csrfmiddlewaretoken": token}
        ).status_code
        == 302
    )
    token = _get(alice, edge, "/visitor/").json()["csrf_token"]
    added = _post(
        alice, edge, "/cart/add/", {"product_id": catalog.knife.pk, "quantity": "2", "csrfmiddlewaretoken": token}
    )
    assert added.status_code == 302
    return alice, token


def test_two_shoppers_never_see_each_others_token_name_or_cart_through_the_edge(shop_edge, catalog):
    alice, alice_token = _logged_in_with_cart(shop_edge, catalog)
    bob = requests.Session()
    bob_token = _get(bob, shop_edge, "/visitor/").json()["csrf_token"]
    for path in SHARED:
        theirs = [_get(who, shop_edge, path) for who in (alice, bob, alice, bob)]
        assert len({r.content for r in theirs}) == 1, path  # the same bytes for everyone
        assert theirs[-1].headers["X-Edge-Cache"] == "HIT", path  # kept by the edge, whoever asked first
        for response in theirs:
            body = response.text
            assert alice_token not in body and bob_token not in body and "alice" not in body, path
            assert "Set-Cookie" not in response.headers and "Cookie" not in response.headers.get("Vary", ""), path
            assert "Cache-Tag" not in response.headers  # the tags are for the edge, not for browsers
    assert _get(alice, shop_edge, "/visitor/").json()["user"]["name"] == "alice"
    assert _get(alice, shop_edge, "/visitor/").json()["cart_count"] == 2
    assert _get(bob, shop_edge, "/visitor/").json() | {"csrf_token": ""} == {
        "cart_count": 0,
        "user": None,
        "messages": [],
        "csrf_token": "",
    }
    visitor = _get(alice, shop_edge, "/visitor/")
    assert "no-store" in visitor.headers["Cache-Control"] and visitor.headers["X-Edge-Cache"] == "PASS"


def test_a_shopper_without_javascript_adds_to_cart_and_checks_out_through_the_edge(shop_edge, catalog):
    http = requests.Session()  # no JavaScript: nothing fills in the token of the shared page's form
    page = _get(http, shop_edge, "/products/chef-knife/")
    assert 'name="csrfmiddlewaretoken" value=""' in page.text
    asked = _post(http, shop_edge, "/cart/add/", {"product_id": catalog.knife.pk, "quantity": "1"})
    assert asked.status_code == 403 and "Add to your cart?" in asked.text  # nothing added yet: confirm it
    confirmed = _post(
        http,
        shop_edge,
        "/cart/add/",
        {"product_id": catalog.knife.pk, "quantity": "1", "csrfmiddlewaretoken": TOKEN.search(asked.text).group(1)},
    )
    assert confirmed.status_code == 302 and confirmed.headers["Location"].endswith("/cart/")
    cart = _get(http, shop_edge, "/cart/")
    assert "Chef Knife" in cart.text and "private" in cart.headers["Cache-Control"]
    form = _get(http, shop_edge, "/checkout/").text
    data = {
        "email": "nojs@example.com",
        "full_name": "No Script",
        "address": "1 Plain St",
        "city": "Town",
        "postal_code": "1",
        "country": "Land",
        "csrfmiddlewaretoken": TOKEN.search(form).group(1),
        "checkout_token": form.split('name="checkout_token" value="')[1].split('"')[0],
    }
    placed = _post(http, shop_edge, "/checkout/", data)
    assert placed.status_code == 302 and re.search(r"/orders/\d+/$", placed.headers["Location"])
    assert Order.objects.get(email="nojs@example.com").lines.get().product_name == "Chef Knife"


def test_a_committed_price_change_is_shown_by_the_edge_on_the_next_read(shop_edge, catalog):
    http = requests.Session()
    for _ in range(2):
        _get(http, shop_edge, "/products/chef-knife/")
    assert _get(http, shop_edge, "/products/chef-knife/").headers["X-Edge-Cache"] == "HIT"
    catalog_services.product_update(product=catalog.knife, price=Decimal("57.00"))  # purged by tag on commit
    for path in SHARED:
        response = _get(http, shop_edge, path)
        assert "€57.00" in response.text and "€50.00" not in response.text, path


def test_a_sale_that_changes_nothing_visible_leaves_the_edge_alone(shop_edge, catalog):
    Product.objects.filter(pk=catalog.knife.pk).update(stock=40)
    http = requests.Session()
    for path in SHARED * 2:
        _get(http, shop_edge, path)
    knife = Product.objects.get(pk=catalog.knife.pk)
    catalog_services.product_update(product=knife, stock=39)  # "In stock" before and after
    assert {_get(http, shop_edge, path).headers["X-Edge-Cache"] for path in SHARED} == {"HIT"}
    catalog_services.product_update(product=knife, stock=3)  # "Only 3 left": shown, so purged
    product = _get(http, shop_edge, "/products/chef-knife/")
    assert product.headers["X-Edge-Cache"] == "MISS" and "Only 3 left" in product.text
