"""The shopper and staff journeys again, in Chromium, through a real Varnish running the shipped VCL."""

import pytest

from tests.edge.conftest import shop_edge  # noqa: F401 (fixture)

from .test_journeys import (  # noqa: F401 (the fixture and the journeys, collected here too)
    catalog,
    test_shopper_buys_from_home_to_order_history,
    test_staff_price_and_image_change_shows_on_the_next_storefront_load,
)

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def site(request) -> str:
    """The browser talks to the edge; the edge to the shop (live_server)."""
    return request.getfixturevalue("shop_edge").url
