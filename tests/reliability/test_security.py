"""Security: CSRF on every POST, staff-only admin, session rotation, headers, no leaks (log-in limit: tests/shop)."""

from decimal import Decimal

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.test import Client

from orders.models import Order
from tests.factories import CategoryFactory, ProductFactory, StaffFactory, UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"
REQUIRED_CSP = [
    "default-src 'self'",
    "img-src 'self' data:",
    "style-src 'self'",
    "script-src 'self'",
    "frame-ancestors 'none'",
    "base-uri 'self'",
    "form-action 'self'",
]


@pytest.fixture
def mug():
    return ProductFactory(
        name="Blue Mug", slug="blue-mug", category=CategoryFactory(slug="cups"), price=Decimal("12.50")
    )


# CSRF ---------------------------------------------------------------------------------------

CSRF_POSTS = {
    # path: who is logged in (None, "user", "staff")
    "/cart/add/": None,
    "/cart/update/": None,
    "/cart/remove/": None,
    "/checkout/": "user",
    "/accounts/login/": None,
    "/accounts/signup/": None,
    "/accounts/logout/": "user",
    "/accounts/password_change/": "user",
    "/admin/login/": None,
    "/admin/logout/": "staff",
    "/admin/catalog/product/add/": "staff",
    "/admin/catalog/product/": "staff",
    "/admin/cache/": "staff",
}


@pytest.mark.parametrize("path", list(CSRF_POSTS))
def test_every_post_without_the_csrf_token_is_refused(mug, path):
    client = Client(enforce_csrf_checks=True)
    who = CSRF_POSTS[path]
    if who:
        client.force_login(StaffFactory() if who == "staff" else UserFactory())
    client.get("/")  # a csrftoken cookie exists; only the form field is missing
    data = {"product_id": str(mug.pk), "quantity": "1", "username": "x", "password": "y", "slug": "blue-mug"}
    response = client.post(path, data)
    assert response.status_code == 403, (path, response.status_code)
    assert not Order.objects.exists()


def test_the_same_post_with_the_token_is_accepted(mug):
    client = Client(enforce_csrf_checks=True)
    assert client.get("/products/blue-mug/").status_code == 200  # a shared page: no token in it ...
    token = client.get("/visitor/").json()["csrf_token"]  # ... shop.js asks for the visitor's own
    response = client.post("/cart/add/", {"product_id": mug.pk, "quantity": "1", "csrfmiddlewaretoken": token})
    assert response.status_code == 302


# Admin access -------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/admin/", "/admin/catalog/product/", "/admin/cache/", "/admin/auth/user/"])
@pytest.mark.parametrize("who", ["anonymous", "customer"])
def test_admin_and_cache_panel_are_refused_to_non_staff(client, path, who):
    if who == "customer":
        client.force_login(UserFactory())
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_non_staff_cannot_purge_from_the_cache_panel(client, mug):
    client.force_login(UserFactory())
    response = client.post("/admin/cache/", {"slug": "blue-mug", "purge_cache": "1"})
    assert response.status_code == 302 and response["Location"].startswith("/admin/login/")


# Sessions and login -------------------------------------------------------------------------


def test_session_key_is_rotated_on_login_and_the_cart_kept(client, mug):
    user = UserFactory()
    client.post("/cart/add/", {"product_id": mug.pk, "quantity": "2"})
    before = client.cookies[settings.SESSION_COOKIE_NAME].value

    response = client.post("/accounts/login/", {"username": user.username, "password": PASSWORD})

    assert response.status_code == 302
    after = client.cookies[settings.SESSION_COOKIE_NAME].value
    assert after != before
    assert not Session.objects.filter(session_key=before).exists()
    assert client.session["cart"][str(mug.pk)]["q"] == 2


# Headers ------------------------------------------------------------------------------------


def _page_kinds() -> dict[str, str]:
    return {
        "home": "/",
        "category": "/categories/cups/",
        "product": "/products/blue-mug/",
        "search": "/search/?q=mug",
        "cart": "/cart/",
        "login": "/accounts/login/",
        "signup": "/accounts/signup/",
        "not found": "/no-such-page/",
        "static": "/static/css/shop.css",
        "admin login": "/admin/login/",
    }


@pytest.mark.parametrize("who", ["anonymous", "staff"])
def test_security_headers_are_on_every_page_kind(client, mug, who):
    paths = _page_kinds()
    if who == "staff":
        client.force_login(StaffFactory())
        client.post("/cart/add/", {"product_id": mug.pk, "quantity": "1"})
        paths |= {
            "checkout": "/checkout/",
            "order history": "/accounts/orders/",
            "admin index": "/admin/",
            "admin change": f"/admin/catalog/product/{mug.pk}/change/",
            "cache panel": "/admin/cache/",
            "redirect": "/admin/login/",
        }
    for kind, path in paths.items():
        response = client.get(path)
        assert response.status_code < 500, (kind, response.status_code)
        csp = response.get("Content-Security-Policy", "")
        for directive in REQUIRED_CSP:
            assert directive in csp, (kind, directive, csp)
        assert response.get("X-Content-Type-Options") == "nosniff", kind
        assert response.get("Referrer-Policy") == "strict-origin-when-cross-origin", kind
        if kind != "static":  # WhiteNoise answers before XFrameOptionsMiddleware; frame-ancestors covers it
            assert response.get("X-Frame-Options") == "DENY", kind


def test_storefront_templates_have_no_inline_scripts_or_handlers(client, mug):
    client.force_login(StaffFactory())
    client.post("/cart/add/", {"product_id": mug.pk, "quantity": "1"})
    for path in ["/", "/categories/cups/", "/products/blue-mug/", "/search/?q=mug", "/cart/", "/checkout/"]:
        html = client.get(path).content.decode()
        assert "<script>" not in html and " onchange=" not in html and " onclick=" not in html, path
        assert " style=" not in html, path
    assert 'src="/static/js/shop.js"' in client.get("/categories/cups/").content.decode()


# No leaks -------------------------------------------------------------------------------------


def test_an_error_shows_the_plain_page_without_trace_or_settings(mug, monkeypatch):
    from shop import views

    def explode():
        raise RuntimeError(f"boom {settings.SECRET_KEY} {settings.DATABASES['default']['NAME']}")

    monkeypatch.setattr(views.catalog_selectors, "home_page", explode)
    client = Client(raise_request_exception=False)
    response = client.get("/")
    body = response.content.decode()
    assert response.status_code == 500
    assert "Sorry, something went wrong." in body
    for secret in ["Traceback", "boom", "RuntimeError", settings.SECRET_KEY, settings.DATABASES["default"]["NAME"]]:
        assert secret not in body, secret
    assert "Content-Security-Policy" in response


def test_not_found_page_reveals_no_url_patterns(client):
    response = client.get("/no/such/page/")
    body = response.content.decode()
    assert response.status_code == 404
    assert "URLconf" not in body and "admin/" not in body and "Traceback" not in body
    assert settings.DEBUG is False
