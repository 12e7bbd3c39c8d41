"""What shared responses tell an edge, and what personal ones never let it keep."""

import pytest

from catalog.cache import card_tag
from tests.factories import UserFactory

SHARED = ["/", "/products/chef-knife/", "/categories/knives/", "/search/?q=knife", "/sitemap.xml", "/robots.txt"]
PERSONAL = ["/cart/", "/checkout/", "/accounts/login/", "/accounts/signup/", "/accounts/orders/", "/visitor/"]


@pytest.mark.parametrize("url", SHARED)
def test_a_shared_response_carries_edge_headers_and_nothing_personal(catalog, client, url):
    client.get(url)
    response = client.get(url)
    assert response["X-Cache"] == "HIT"
    assert response["Cache-Control"] == (
        "public, max-age=0, s-maxage=300, stale-while-revalidate=60, stale-if-error=86400"
    )
    if url == "/robots.txt":
        assert "Cache-Tag" not in response  # built from no cached value: nothing to purge it by (a deploy does)
    else:
        tags = response["Cache-Tag"].split(",")
        assert 0 < len(tags) <= 50 and all(t.isascii() and " " not in t for t in tags)
    assert response["ETag"].startswith('"') and not response.cookies and "Vary" not in response


def test_a_page_is_tagged_with_what_it_shows(catalog, client):
    tags = set(client.get("/categories/knives/")["Cache-Tag"].split(","))
    assert {"tree", "category:knives", "listing:knives:newest:1", card_tag(catalog.knife.pk)} <= tags
    assert card_tag(catalog.spare.pk) in tags and "search" not in tags


def test_if_none_match_gets_304_until_what_the_page_shows_changes(catalog, client):
    from catalog import services

    etag = client.get("/products/chef-knife/")["ETag"]
    assert client.get("/products/chef-knife/", HTTP_IF_NONE_MATCH=etag).status_code == 304
    services.product_update(product=catalog.knife, price="70.00")
    fresh = client.get("/products/chef-knife/", HTTP_IF_NONE_MATCH=etag)
    assert fresh.status_code == 200 and fresh["ETag"] != etag and "€70.00" in fresh.content.decode()


@pytest.mark.parametrize("url", PERSONAL)
def test_personal_pages_are_never_kept_by_a_shared_cache(catalog, client, url):
    client.force_login(UserFactory())
    client.post("/cart/add/", {"product_id": catalog.knife.pk, "quantity": 1})
    response = client.get(url)
    control = response["Cache-Control"]
    assert "private" in control and "no-store" in control, (url, control)
    assert "Cache-Tag" not in response


def test_an_error_from_a_shared_view_is_not_kept_either(catalog, client):
    response = client.get("/products/no-such-thing/")
    assert response.status_code == 404 and response["Cache-Control"] == "no-store"


@pytest.mark.django_db
def test_if_none_match_on_an_entry_whose_header_is_over_a_kilobyte(settings):
    """The fetch reads only the first KB of an entry for an ETag check; a longer header is read whole."""
    from shop.cache.composite import read_composite
    from shop.cache.entry import Entry
    from shop.cache.invalidation import invalidate

    tags = tuple(f"card:{n}" for n in range(100, 160))  # 60 tags: a header of about 2 KB
    entry = Entry("page", ("long-header",), tags, 60, None)
    built = []

    def build():
        built.append(1)
        return b"<p>body</p>" * 200

    first = read_composite(entry, build)
    assert first.shared and len(first.etag) > 0 and built == [1]

    same = read_composite(entry, build, if_none_match=first.etag)
    assert same.not_modified and same.value is None

    other = read_composite(entry, build, if_none_match="not-this-one")
    assert not other.not_modified and other.value == b"<p>body</p>" * 200 and built == [1]

    invalidate(["card:159"])  # the last tag of the header, beyond the first KB
    changed = read_composite(entry, build, if_none_match=first.etag)
    assert not changed.not_modified and built == [1, 1] and changed.etag != first.etag
