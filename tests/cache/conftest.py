"""A small catalog whose every page is cached, for the invalidation tests."""

from decimal import Decimal
from types import SimpleNamespace

import pytest

from tests.factories import CategoryFactory, OrderLineFactory, ProductFactory, ProductImageFactory

PAGES = ["/products/chef-knife/", "/categories/knives/", "/categories/kitchen/", "/", "/search/?q=knife"]


@pytest.fixture
def catalog(transactional_db):
    kitchen = CategoryFactory(name="Kitchen", slug="kitchen")
    knives = CategoryFactory(name="Knives", slug="knives", parent=kitchen)
    garden = CategoryFactory(name="Garden", slug="garden")
    knife = ProductFactory(
        name="Chef Knife",
        slug="chef-knife",
        category=knives,
        price=Decimal("50.00"),
        stock=10,
        is_featured=True,
        description="A forged steel knife for every kitchen.",
    )
    spare = ProductFactory(name="Paring Knife", slug="paring-knife", category=knives, price=Decimal("20.00"))
    image = ProductImageFactory(product=knife, position=0, alt="knife photo")
    OrderLineFactory(product=knife, quantity=2)  # a best-seller
    return SimpleNamespace(kitchen=kitchen, knives=knives, garden=garden, knife=knife, spare=spare, image=image)


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
