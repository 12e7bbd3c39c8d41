"""Search: Postgres full-text over name and description, ranked, and safe with any query."""

import pytest

from catalog.selectors import MAX_QUERY_LENGTH
from tests.factories import ProductFactory

pytestmark = pytest.mark.django_db


def _position(content: bytes, name: str) -> int:
    return content.decode().index(f"<h3>{name}</h3>")


def test_search_finds_products_by_name_and_by_description(client):
    ProductFactory(name="Walnut Board", description="A sturdy board for bread.")
    ProductFactory(name="Oak Stool", description="Three legs of oiled walnut.")
    ProductFactory(name="Glass Jar", description="Keeps things fresh.")

    response = client.get("/search/", {"q": "walnut"})

    assert response.status_code == 200
    assert b"Walnut Board" in response.content
    assert b"Oak Stool" in response.content
    assert b"Glass Jar" not in response.content
    assert b"2 results" in response.content


def test_name_match_outranks_description_only_match(client):
    # Created first, so an id tie-break alone would put it first.
    ProductFactory(name="Oak Stool", description="Three legs of oiled walnut.")
    ProductFactory(name="Walnut Board", description="A sturdy board for bread.")

    response = client.get("/search/", {"q": "walnut"})

    assert _position(response.content, "Walnut Board") < _position(response.content, "Oak Stool")


def test_search_matches_word_stems(client):
    ProductFactory(name="Running Shoe", description="Light.")

    response = client.get("/search/", {"q": "runs"})

    assert b"Running Shoe" in response.content


def test_search_hides_inactive_products(client):
    ProductFactory(name="Retired Walnut Tray", is_active=False)

    response = client.get("/search/", {"q": "walnut"})

    assert response.status_code == 200
    assert b"Retired Walnut Tray" not in response.content
    assert b"No products match your search." in response.content


def test_empty_query_shows_the_search_page_without_results(client):
    response = client.get("/search/", {"q": "   "})

    assert response.status_code == 200
    assert b"No products match" not in response.content


def test_query_of_maximum_length_is_accepted(client):
    response = client.get("/search/", {"q": "a" * MAX_QUERY_LENGTH})

    assert response.status_code == 200


def test_over_long_query_is_refused_with_a_message(client):
    response = client.get("/search/", {"q": "walnut " * 40})

    assert response.status_code == 400
    assert f"at most {MAX_QUERY_LENGTH} characters".encode() in response.content


def test_query_with_nul_character_is_refused_with_a_message(client):
    ProductFactory(name="Walnut Board")

    response = client.get("/search/", {"q": "wal\x00nut"})

    assert response.status_code == 400
    assert b"Search terms must be" in response.content


@pytest.mark.parametrize(
    "query",
    ['"unclosed', "-", "or", "!!", "walnut:*", "a & | b", "(()", "'; drop table", "\u202e\u0301", "🙂 walnut"],
)
def test_query_syntax_never_breaks_search(client, query):
    ProductFactory(name="Walnut Board")

    response = client.get("/search/", {"q": query})

    assert response.status_code == 200


@pytest.mark.parametrize("page", ["0", "-2", "abc", "1e3", "１"])
def test_junk_search_page_number_is_400_with_a_message(client, page):
    response = client.get("/search/", {"q": "walnut", "page": page})

    assert response.status_code == 400
    assert b"That page number is not valid." in response.content


def test_search_results_are_paginated(client):
    ProductFactory.create_batch(30, description="walnut")

    first = client.get("/search/", {"q": "walnut"})
    second = client.get("/search/", {"q": "walnut", "page": "2"})

    assert b"30 results" in first.content
    assert b"Page 1 of 2" in first.content
    assert second.status_code == 200
    assert b"Page 2 of 2" in second.content
    assert second.content.count(b'class="card"') == 6
