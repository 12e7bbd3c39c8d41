"""Page helpers for the invalidation tests, over the shared ``catalog`` fixture (tests/conftest.py)."""

import re

import pytest

PAGES = ["/products/chef-knife/", "/categories/knives/", "/categories/kitchen/", "/", "/search/?q=knife"]
# The JSON API's read of the same data as a page (home has none).
_API = re.compile(r"^/(products|categories)/([^/]+)/(\?.*)?$|^/search/(\?.*)$")


def api_url(url: str) -> str | None:
    """Return the API URL showing what page ``url`` shows, or None (home)."""
    match = _API.match(url)
    if match is None:
        return None
    kind, slug, query, search = match.groups()
    return f"/api/v1/search/{search}" if kind is None else f"/api/v1/{kind}/{slug}/{query or ''}"


@pytest.fixture
def warm(client):
    """Load each page twice and check the second load came from the cache."""

    def _warm(*urls: str) -> None:
        for url in urls or PAGES:
            assert client.get(url).status_code == 200, url
            again = client.get(url)
            assert again["X-Cache"] == "HIT", url

    return _warm


@pytest.fixture
def page(client):
    """Return a page's HTML, or "<status>" for a 4xx; a 5xx fails the test, so "text absent" means absent."""

    def _page(url: str) -> str:
        response = client.get(url)
        assert response.status_code < 500, f"{url} answered {response.status_code}"
        return response.content.decode() if response.status_code == 200 else f"<{response.status_code}>"

    return _page
