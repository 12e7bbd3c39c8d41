"""Fixtures of the write-path tests: pages and their API reads warmed together."""

import pytest

from tests.cache.conftest import PAGES, api_url
from tests.factories import StaffFactory


@pytest.fixture
def staff_client(client):
    client.force_login(StaffFactory())
    return client


@pytest.fixture
def warm(warm):
    """Warm the pages and their API reads (each served from the cache the second time)."""

    def _warm(*urls: str) -> None:
        urls = urls or tuple(PAGES)
        warm(*urls, *filter(None, map(api_url, urls)))

    return _warm


@pytest.fixture
def api(page):
    """Return the API read of page ``url``: its JSON text, or "<status>" for a 4xx."""
    return lambda url: page(api_url(url))
