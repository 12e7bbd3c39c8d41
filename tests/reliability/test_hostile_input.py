"""Hostile input: arbitrary bytes at the cart and search endpoints, and a table of named nasty cases.

Whatever is posted, the answer is never a 5xx and the session cart keeps its shape:
``{"<id of a product>": {"q": 1..99, "p": "<decimal>"}}``.
"""

import io
import json
import os
import re
from pathlib import Path
from urllib.parse import quote_from_bytes

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st
from PIL import Image

from catalog.models import Product, ProductImage
from shop.cart import SESSION_KEY
from tests.factories import CategoryFactory, ProductFactory, StaffFactory, UserFactory
from tests.support import admin_product_form, assert_cart_data_well_formed

pytestmark = pytest.mark.django_db

FORM = "application/x-www-form-urlencoded"


@pytest.fixture
def goods():
    kitchen = CategoryFactory(name="Kitchen", slug="kitchen")
    on_sale = [ProductFactory(category=kitchen, stock=50) for _ in range(3)]
    inactive = ProductFactory(category=kitchen, is_active=False)
    deleted = ProductFactory(category=kitchen)
    deleted_id = deleted.pk
    deleted.delete()
    return on_sale, inactive, deleted_id


def _encode(value: str | bytes) -> str:
    raw = value if isinstance(value, bytes) else value.encode("utf-8", "surrogatepass")
    return quote_from_bytes(raw)


def _post(client: Client, path: str, **fields: str | bytes):
    body = "&".join(f"{name}={_encode(value)}" for name, value in fields.items())
    return client.post(path, body, content_type=FORM)


def assert_cart_well_formed(client: Client) -> None:
    assert_cart_data_well_formed(client.session.get(SESSION_KEY, {}))
    page = client.get("/cart/")
    assert page.status_code == 200


hostile_text = st.one_of(
    st.text(st.characters(codec=None), max_size=40),  # includes NUL and lone surrogates
    st.binary(max_size=40),  # invalid UTF-8
    st.integers().map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.decimals(allow_nan=False).map(str),
    st.sampled_from(["", " ", "1", "99", "100", "-0", "1e2", "0x1", "١", "1\x00"]),
)


@hsettings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    action=st.sampled_from(["/cart/add/", "/cart/update/", "/cart/remove/"]),
    product=st.one_of(hostile_text, st.sampled_from(["real0", "real1", "real2", "inactive", "deleted"])),
    quantity=hostile_text,
)
def test_cart_endpoints_never_fail_and_keep_the_cart_well_formed(goods, client, action, product, quantity):
    on_sale, inactive, deleted_id = goods
    named = {f"real{i}": str(p.pk) for i, p in enumerate(on_sale)} | {
        "inactive": str(inactive.pk),
        "deleted": str(deleted_id),
    }
    product_id = named.get(product, product) if isinstance(product, str) else product
    response = _post(client, action, product_id=product_id, quantity=quantity)
    assert response.status_code in (302, 400), response.status_code
    assert_cart_well_formed(client)


@hsettings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(q=st.one_of(st.text(st.characters(codec=None)), st.binary(), st.text(min_size=150, max_size=600)))
def test_search_never_fails_on_any_query(goods, client, q):
    response = client.get(f"/search/?q={_encode(q)}")
    assert response.status_code in (200, 400), response.status_code
    assert b"Traceback" not in response.content


# Named cases -------------------------------------------------------------------------------

CART_CASES = {
    # name: (endpoint, product, quantity, expected status, expected quantity of real0 afterwards)
    "quantity zero": ("/cart/add/", "real0", "0", 400, 2),
    "quantity negative": ("/cart/add/", "real0", "-3", 400, 2),
    "quantity huge": ("/cart/add/", "real0", "9" * 40, 400, 2),
    "quantity over the limit": ("/cart/add/", "real0", "98", 400, 2),
    "quantity fractional": ("/cart/add/", "real0", "1.5", 400, 2),
    "quantity non-numeric": ("/cart/add/", "real0", "two", 400, 2),
    "quantity exponent": ("/cart/add/", "real0", "1e1", 400, 2),
    "quantity NUL": ("/cart/add/", "real0", "1\x00", 400, 2),
    "product unknown": ("/cart/add/", "999999999", "1", 400, 2),
    "product id not a number": ("/cart/add/", "1 OR 1=1", "1", 400, 2),
    "product inactive": ("/cart/add/", "inactive", "1", 400, 2),
    "product deleted": ("/cart/add/", "deleted", "1", 400, 2),
    "update to zero removes the line": ("/cart/update/", "real0", "0", 302, 0),
    "update to negative": ("/cart/update/", "real0", "-1", 400, 2),
    "update to fractional": ("/cart/update/", "real0", "2.5", 400, 2),
    "update a product not in the cart": ("/cart/update/", "real1", "1", 400, 2),
    "update an inactive product": ("/cart/update/", "inactive", "1", 400, 2),
    "remove an unknown product": ("/cart/remove/", "999999999", "", 302, 2),
    "remove with a junk id": ("/cart/remove/", "../../etc", "", 400, 2),
}


@pytest.mark.parametrize("case", list(CART_CASES), ids=list(CART_CASES))
def test_named_hostile_cart_input_is_refused_with_a_message(goods, client, case):
    on_sale, inactive, deleted_id = goods
    endpoint, product, quantity, status, left = CART_CASES[case]
    named = {f"real{i}": str(p.pk) for i, p in enumerate(on_sale)} | {
        "inactive": str(inactive.pk),
        "deleted": str(deleted_id),
    }
    assert _post(client, "/cart/add/", product_id=str(on_sale[0].pk), quantity="2").status_code == 302

    response = _post(client, endpoint, product_id=named.get(product, product), quantity=quantity)

    assert response.status_code == status
    if status == 400:
        assert b'class="msg msg-error"' in response.content  # the shopper is told why
    assert client.session[SESSION_KEY].get(str(on_sale[0].pk), {}).get("q", 0) == left
    assert_cart_well_formed(client)


def test_product_deleted_while_in_the_cart_drops_out_of_it(goods, client):
    on_sale, _, _ = goods
    _post(client, "/cart/add/", product_id=str(on_sale[1].pk), quantity="1")
    _post(client, "/cart/add/", product_id=str(on_sale[2].pk), quantity="1")
    Product.objects.filter(pk=on_sale[1].pk).delete()
    page = client.get("/cart/")
    assert page.status_code == 200
    html = page.content.decode()
    assert on_sale[1].get_absolute_url() not in html and on_sale[2].get_absolute_url() in html
    assert client.get("/checkout/").status_code == 200


@pytest.mark.parametrize("cookie", ["garbage", "x" * 300, "../../etc/passwd", "' OR 1=1 --", "%00%ff"])
def test_tampered_session_cookie_gets_a_fresh_empty_session(goods, client, cookie):
    client.cookies[settings.SESSION_COOKIE_NAME] = cookie
    page = client.get("/cart/")
    assert page.status_code == 200
    assert b"Your cart is empty" in page.content
    assert _post(client, "/cart/add/", product_id=str(goods[0][0].pk), quantity="1").status_code == 302
    assert client.cookies[settings.SESSION_COOKIE_NAME].value != cookie
    assert_cart_well_formed(client)


def test_expired_session_cookie_is_an_anonymous_empty_session(goods, client):
    user = UserFactory()
    client.force_login(user)
    _post(client, "/cart/add/", product_id=str(goods[0][0].pk), quantity="1")
    key = client.cookies[settings.SESSION_COOKIE_NAME].value
    Session.objects.filter(session_key=key).update(expire_date=timezone.now() - timezone.timedelta(seconds=1))
    # Its Redis copy is still there: the copy carries the expiry, so it is not trusted past it either.

    assert client.get("/accounts/orders/").status_code == 302  # to the log-in page
    page = client.get("/cart/")
    assert page.status_code == 200 and b"Your cart is empty" in page.content


@pytest.mark.parametrize(
    "query",
    ["k" * 201, "k" * 100_000, "\x00", "knife\x00", "%ff%fe%00", "%ed%a0%80", "<script>alert(1)</script>"],
    ids=["201 chars", "100k chars", "NUL", "NUL inside", "binary", "lone surrogate", "html"],
)
def test_over_long_and_binary_search_queries_get_a_clear_answer(goods, client, query):
    encoded = query if query.startswith("%") else _encode(query)
    response = client.get(f"/search/?q={encoded}")
    assert response.status_code in (200, 400)
    assert b"<script>alert(1)</script>" not in response.content
    if len(query) > 200 or "\x00" in query:
        assert response.status_code == 400 and b"at most 200 characters" in response.content


# Markup in catalog data -------------------------------------------------------------------

XSS_NAME = "<script>alert('name')</script> Zebra Mug"
XSS_DESCRIPTION = 'Holds tea. <img src=x onerror="alert(1)"> quagga'


def test_html_in_product_names_and_descriptions_is_escaped_everywhere(client):
    category = CategoryFactory(name="<b>Cups</b>", slug="cups")
    product = ProductFactory(name=XSS_NAME, slug="zebra-mug", description=XSS_DESCRIPTION, category=category)
    _post(client, "/cart/add/", product_id=str(product.pk), quantity="1")
    pages = {
        "product": client.get("/products/zebra-mug/"),
        "listing": client.get("/categories/cups/"),
        "search by name": client.get("/search/?q=zebra"),
        "search by description": client.get("/search/?q=quagga"),
        "cart": client.get("/cart/"),
        "checkout": client.get("/checkout/"),
    }
    for name, response in pages.items():
        html = response.content.decode()
        # The product's JSON-LD holds the raw text as data, with "<" escaped: checked below.
        html, structured = re.subn(r'<script type="application/ld\+json">[^<]*</script>', "", html)
        assert structured == (name == "product"), name
        assert response.status_code == 200, name
        assert "<script>alert(" not in html, name
        assert "onerror=" not in html.replace("onerror=&quot;", ""), name
        assert "&lt;script&gt;alert(" in html, name
        assert "<b>Cups</b>" not in html, name
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in pages["product"].content.decode()
    data = re.search(r'<script type="application/ld\+json">([^<]*)</script>', pages["product"].content.decode())[1]
    assert json.loads(data)["name"] == XSS_NAME


# Uploaded file names -------------------------------------------------------------------------


def _jpeg() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (32, 32), "red").save(buf, "JPEG")
    return buf.getvalue()


@pytest.mark.parametrize("name", ["../../etc/passwd.jpg", "..\\..\\evil.jpg", "/etc/shadow.jpg", "a\x00b.jpg"])
def test_path_traversal_in_an_uploaded_image_name_stays_under_media_root(client, name):
    product = ProductFactory()
    client.force_login(StaffFactory())
    media = Path(settings.MEDIA_ROOT).resolve()
    naive = (media / "products" / name.replace("\\", "/").replace("\x00", "")).resolve()  # a plain join's target
    form = admin_product_form(product, [{"image": SimpleUploadedFile(name, _jpeg(), "image/jpeg"), "alt": "evil"}])

    response = client.post(f"/admin/catalog/product/{product.pk}/change/", form)

    assert response.status_code == 302, response.content.decode()[:2000]
    image = ProductImage.objects.get(product=product)
    stored = image.image.name
    assert stored.startswith("products/") and ".." not in stored and "\\" not in stored and "\x00" not in stored
    assert "/" not in stored.removeprefix("products/")
    path = Path(image.image.path).resolve()
    assert path.is_relative_to(media) and path.exists()
    assert naive.is_relative_to(media) or not naive.exists()  # nothing written where the name pointed
    assert not os.path.exists("/etc/passwd.jpg") and not os.path.exists("/etc/shadow.jpg")
