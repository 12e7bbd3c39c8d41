"""The OpenAPI schema at /api/schema/ is valid and describes every endpoint; the docs keep to the CSP."""

import json
import re

import pytest
import yaml
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from openapi_spec_validator import validate

pytestmark = pytest.mark.django_db

OPERATIONS = {
    ("get", "/api/v1/categories/"),
    ("get", "/api/v1/categories/{slug}/"),
    ("get", "/api/v1/products/{slug}/"),
    ("get", "/api/v1/search/"),
    ("get", "/api/v1/cart/"),
    ("post", "/api/v1/cart/items/"),
    ("patch", "/api/v1/cart/items/{product_id}/"),
    ("delete", "/api/v1/cart/items/{product_id}/"),
    ("get", "/api/v1/checkout/"),
    ("post", "/api/v1/checkout/"),
    ("get", "/api/v1/orders/"),
    ("get", "/api/v1/orders/{order_id}/"),
    ("post", "/api/v1/auth/token/"),
    ("delete", "/api/v1/auth/token/"),
}


@pytest.fixture
def served(client) -> dict:
    response = client.get("/api/schema/?format=json")
    assert response.status_code == 200
    return response.json()


def test_the_schema_is_valid_openapi_3(served):
    assert served["openapi"].startswith("3.")
    validate(served)


def test_the_schema_describes_every_endpoint_once(served):
    found = {(method, path) for path, item in served["paths"].items() for method in item if method != "parameters"}
    assert sorted(found) == sorted(OPERATIONS)
    operation_ids = [op["operationId"] for item in served["paths"].values() for op in item.values()]
    assert len(operation_ids) == len(set(operation_ids))


def test_yaml_by_default_and_the_same_schema_the_property_run_uses(client, served):
    as_yaml = client.get("/api/schema/")
    assert as_yaml["Content-Type"].startswith("application/vnd.oai.openapi")
    assert yaml.safe_load(as_yaml.content) == served
    assert json.loads(OpenApiJsonRenderer().render(SchemaGenerator().get_schema(request=None, public=True))) == served


def test_catalog_reads_document_conditional_gets_and_personal_ones_authentication(served):
    product = served["paths"]["/api/v1/products/{slug}/"]["get"]
    assert "304" in product["responses"] and any(p["name"] == "If-None-Match" for p in product["parameters"])
    assert product["security"] == [{}]
    cart = served["paths"]["/api/v1/cart/items/"]["post"]
    assert {"tokenAuth": []} in cart["security"] and {"cookieAuth": []} in cart["security"]
    assert {"400", "401", "403", "409", "429"} <= set(cart["responses"])


def test_the_docs_page_loads_its_scripts_from_files_only(client):
    page = client.get("/api/docs/")
    assert page.status_code == 200 and page["Content-Type"].startswith("text/html")
    html = page.content.decode()
    assert "script-src 'self'" in page["Content-Security-Policy"]
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), "an inline script"
    assert "<style" not in html and " style=" not in html
    sources = re.findall(r'<(?:script|link)[^>]+(?:src|href)="([^"]+)"', html)
    assert len(sources) == 5  # icon, stylesheet, two Swagger UI bundles, the start-up script
    for source in sources:
        assert source.startswith("/"), f"{source} is not served by this site"
        asset = client.get(source)
        assert asset.status_code == 200, source
        body = b"".join(asset.streaming_content) if asset.streaming else asset.content
        assert body, source
    start = client.get(next(s for s in sources if "script" in s and "?" in s))
    assert start["Content-Type"].startswith("application/javascript")
    assert b"SwaggerUIBundle" in start.content and b"/api/schema/" in start.content
