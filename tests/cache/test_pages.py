"""Whole-page cache: the same HTML for every visitor; each visitor's own state and CSRF token from /visitor/."""

import re

import pytest
from django.test import Client

from shop.cache import keys, stats, store, trust
from shop.cache.entry import Entry

URL = "/products/chef-knife/"


def _token(html: str) -> str:
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)


def test_warm_page_is_one_round_trip_and_no_sql(catalog, client, django_assert_num_queries):
    client.get(URL)
    trust.reset()  # a process that has just looked at the outbox (it does so every 0.25 s)
    with django_assert_num_queries(0):
        warm = client.get(URL)
    assert warm["X-Cache"] == "HIT"
    assert "__shopfront_csrf_token__" not in warm.content.decode()


def test_each_visitor_gets_a_working_token_of_their_own(catalog):
    first, second = Client(enforce_csrf_checks=True), Client(enforce_csrf_checks=True)
    first.get(URL)  # fills the page
    a, b = first.get(URL), second.get(URL)
    assert a["X-Cache"] == b["X-Cache"] == "HIT"
    assert a.content == b.content and not re.search(r'name="csrfmiddlewaretoken" value="[^"]', a.content.decode())
    token_a, token_b = (c.get("/visitor/").json()["csrf_token"] for c in (first, second))
    assert token_a != token_b
    added = second.post("/cart/add/", {"product_id": catalog.knife.pk, "quantity": 1, "csrfmiddlewaretoken": token_b})
    assert added.status_code == 302


def test_visitor_with_a_session_gets_the_shared_page_and_their_own_state_apart(catalog, client):
    client.get(URL)
    assert client.get(URL)["X-Cache"] == "HIT"
    client.post("/cart/add/", {"product_id": catalog.knife.pk, "quantity": 2})
    mine = client.get(URL)
    assert mine["X-Cache"] == "HIT" and mine.content == Client().get(URL).content  # the same bytes as anyone's
    assert client.cookies["sf_v"].value == "1"  # tells shop.js to ask /visitor/
    assert client.get("/visitor/").json()["cart_count"] == 2


def test_missing_product_is_404_and_appears_once_created(catalog, client):
    from catalog.models import Product

    assert client.get("/products/soon/").status_code == 404
    assert client.get("/products/soon/").status_code == 404
    Product.objects.create(name="Soon", slug="soon", price="3.00", category=catalog.garden)
    assert "Soon" in client.get("/products/soon/").content.decode()


def test_a_failed_compute_releases_the_lock(catalog):
    def boom():
        raise RuntimeError("database hiccup")

    waits_before = stats.local_totals["product:stampede_wait"]
    spec = Entry("product", ("boom",), ("product:boom",), 60, boom)
    with pytest.raises(RuntimeError):
        store.read(spec)
    assert not store.client().exists(keys.lock(spec.key))
    ok = Entry("product", spec.parts, spec.tags, 60, lambda: {"ok": True})
    assert store.read(ok).value == {"ok": True}
    assert stats.local_totals["product:stampede_wait"] == waits_before  # the second read did not wait


def test_a_new_release_never_serves_pages_rendered_by_the_old_one(catalog, client, settings):
    settings.SHOP_CACHE = {**settings.SHOP_CACHE, "RELEASE": "build-1"}
    client.get(URL)
    assert client.get(URL)["X-Cache"] == "HIT"
    settings.SHOP_CACHE = {**settings.SHOP_CACHE, "RELEASE": "build-2"}
    assert client.get(URL)["X-Cache"] == "MISS"


def test_the_default_release_follows_the_templates(settings, tmp_path):
    from shop.cache import release

    (tmp_path / "page.html").write_text("<p>one</p>")
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [tmp_path]}]
    settings.SHOP_CACHE = {**settings.SHOP_CACHE, "RELEASE": ""}
    settings.DEBUG = True
    before = release.release()
    (tmp_path / "page.html").write_text("<p>two</p>")
    assert release.release() != before
