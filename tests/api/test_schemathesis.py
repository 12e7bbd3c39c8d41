"""A property-based run of the API against its own OpenAPI schema (schemathesis), on a small seeded catalog.

Every operation of /api/schema/ gets generated requests, sent to the real WSGI application (the whole
middleware stack), anonymously and with a token; no answer may be a 5xx, or have a status, content type
or body the schema does not describe. Bounded (``MAX_EXAMPLES`` per operation) and derandomized, so the
suite stays fast and a failure is reproducible.
"""

import json
from types import SimpleNamespace

import pytest
import schemathesis
from django.test import Client
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from api import services
from config.wsgi import application
from tests.factories import CategoryFactory, OrderLineFactory, ProductFactory, ProductImageFactory, UserFactory

from .conftest import Api

MAX_EXAMPLES = 25
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


def _schema() -> dict:
    """Return the schema /api/schema/ serves (test_schema.py checks they are the same), without a request."""
    raw = SchemaGenerator().get_schema(request=None, public=True)
    return json.loads(OpenApiJsonRenderer().render(raw))


# Loaded when the module is collected (schemathesis' lazy fixture loader does not run on this pytest); the
# calls go to the real WSGI application, the whole middleware stack, in the test's database.
schema = schemathesis.openapi.from_dict(_schema())
schema.app = application
# Credentials are ours to send (a real token below), not random strings.
schema.config.generation.update(with_security_parameters=False)


@pytest.fixture
def seeded(catalog, settings):
    """The shared catalog plus a category of 30 products (two pages), some sold out, some with a picture;
    a shopper with a token, a cart and an order."""
    # Many writes from one address: the limits are tested elsewhere (test_throttles.py).
    unlimited = dict.fromkeys(settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "100000/min")
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": unlimited}
    shelf = CategoryFactory(name="Shelf", slug="shelf", parent=catalog.garden)
    products = [catalog.knife, catalog.spare]
    for i in range(30):
        products.append(ProductFactory(name=f"Item {i}", slug=f"item-{i}", category=shelf, stock=i % 7))
        if i % 3 == 0:
            ProductImageFactory(product=products[-1])
    shopper = UserFactory(username="schemathesis")
    token = services.token_obtain(user=shopper).key
    app = Api(Client(), Authorization=f"Token {token}")
    for product in [p for p in products if p.stock][:3]:
        assert app.post("/api/v1/cart/items/", {"product_id": product.pk}).status_code == 200
    order = OrderLineFactory(order__user=shopper, product=catalog.spare).order
    return SimpleNamespace(
        token=token,
        products=[p.slug for p in products],
        categories=["kitchen", "knives", "garden", "shelf"],
        product_ids=[p.pk for p in products],
        order_ids=[order.pk, catalog.order.pk],
    )


bounded = settings(max_examples=MAX_EXAMPLES, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))


def _aim(case, pick: int, seeded) -> None:
    """Point the generated ids and terms at rows that exist, so the answers with a body get checked too."""

    def one(values: list):
        return values[pick % len(values)]

    if "slug" in case.path_parameters:
        case.path_parameters["slug"] = one(seeded.products if "/products/" in case.path else seeded.categories)
    if "product_id" in case.path_parameters:
        case.path_parameters["product_id"] = one(seeded.product_ids)
    if "order_id" in case.path_parameters:
        case.path_parameters["order_id"] = one(seeded.order_ids)
    if isinstance(case.body, dict) and "product_id" in case.body:
        case.body["product_id"] = one(seeded.product_ids)
    if isinstance(case.query, dict) and "q" in case.query:
        case.query["q"] = one(["knife", "item", "forged steel", "nothing-matches"])


@schema.parametrize()
@schema.given(aim=st.booleans(), pick=st.integers(min_value=0, max_value=1000))
@bounded
def test_anonymous_calls_conform_to_the_schema(case, aim, pick, seeded):
    if aim:
        _aim(case, pick, seeded)
    case.call_and_validate(checks=CHECKS)


@schema.parametrize()
@schema.given(aim=st.booleans(), pick=st.integers(min_value=0, max_value=1000))
@bounded
def test_token_calls_conform_to_the_schema(case, aim, pick, seeded):
    if aim:
        _aim(case, pick, seeded)
    case.call_and_validate(headers={"Authorization": f"Token {seeded.token}"}, checks=CHECKS)
