"""Hostile input at the API's cart: any JSON (or not JSON) as ids and quantities, any bytes as a body.

Whatever is sent, the answer is a JSON 2xx/4xx, never a 5xx, and the cart keeps its shape:
``{"<id of a product on sale>": {"q": 1..99, "p": "<decimal>"}}``.
"""

import json

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from shop.cart import SESSION_KEY
from tests.factories import CategoryFactory, ProductFactory
from tests.support import assert_cart_data_well_formed

from .conftest import Api

pytestmark = pytest.mark.django_db


@pytest.fixture
def goods():
    kitchen = CategoryFactory(name="Kitchen", slug="kitchen")
    on_sale = [ProductFactory(category=kitchen, stock=50) for _ in range(3)]
    inactive = ProductFactory(category=kitchen, is_active=False)
    return on_sale, inactive


@pytest.fixture
def rates(settings):
    # Hundreds of writes from one address in one test: the limits are not what is tested here.
    lifted = {"api_address_writes": "100000/min", "api_token": "100000/min"}
    rates = {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], **lifted}
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}


def assert_cart_well_formed(api: Api) -> None:
    assert_cart_data_well_formed(api.client.session.get(SESSION_KEY, {}))
    assert api.get("/api/v1/cart/").status_code == 200


def assert_json_answer(response, allowed: set[int]) -> None:
    assert response.status_code in allowed, (response.status_code, response.content[:300])
    assert response["Content-Type"] == "application/json"
    if response.status_code >= 400:
        assert response.json()["detail"]


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(st.characters(codec="utf-8"), max_size=30)
    | st.sampled_from(["1", "99", "100", "-0", "1e2", "0x1", "١", "1\x00", " 2 ", "1.0", "1.5"]),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=5), children, max_size=3),
    max_leaves=6,
)
REAL = ["real0", "real1", "real2", "inactive"]


def _named(goods, value):
    on_sale, inactive = goods
    names = {f"real{i}": p.pk for i, p in enumerate(on_sale)} | {"inactive": inactive.pk}
    return names.get(value, value) if isinstance(value, str) else value


@hsettings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    action=st.sampled_from(["add", "update", "remove"]),
    product=st.one_of(json_values, st.sampled_from(REAL)),
    path_id=st.one_of(st.integers(min_value=0, max_value=10**30), st.sampled_from(REAL), st.text(max_size=12)),
    quantity=json_values,
    extra=st.dictionaries(st.text(max_size=8), json_values, max_size=2),
)
def test_cart_writes_never_fail_and_keep_the_cart_well_formed(
    goods, rates, client, action, product, path_id, quantity, extra
):
    api = Api(client)
    body = {**extra, "product_id": _named(goods, product), "quantity": quantity}
    if action == "add":
        response = api.post("/api/v1/cart/items/", body)
    else:
        pk = _named(goods, path_id)
        path = f"/api/v1/cart/items/{pk}/"
        response = api.patch(path, body) if action == "update" else api.delete(path)
    # 405: text such as "?" in the id makes the path the collection's, which takes POST only.
    assert_json_answer(response, {200, 400, 404, 405, 409})
    assert_cart_well_formed(api)


@hsettings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    raw=st.one_of(st.binary(max_size=60), st.text(max_size=60).map(str.encode)),
    content_type=st.sampled_from(["application/json", "application/json; charset=latin-1", "text/plain", ""]),
    path=st.sampled_from(["/api/v1/cart/items/", "/api/v1/checkout/", "/api/v1/auth/token/"]),
)
def test_any_bytes_as_a_body_are_a_4xx(goods, rates, client, raw, content_type, path):
    response = client.generic("POST", path, raw, content_type=content_type)  # the bytes as they are
    assert_json_answer(response, {400, 409, 415})
    assert_cart_well_formed(Api(client))


NAMED = {
    # name: (body, status, expected quantity of real0 afterwards)
    "quantity zero": ({"product_id": "real0", "quantity": 0}, 400, 2),
    "quantity negative": ({"product_id": "real0", "quantity": -3}, 400, 2),
    "quantity huge": ({"product_id": "real0", "quantity": int("9" * 40)}, 400, 2),
    "quantity over the limit": ({"product_id": "real0", "quantity": 98}, 400, 2),
    "quantity fractional": ({"product_id": "real0", "quantity": 1.5}, 400, 2),
    "quantity exponent text": ({"product_id": "real0", "quantity": "1e1"}, 400, 2),
    "quantity NUL": ({"product_id": "real0", "quantity": "1\x00"}, 400, 2),
    "quantity a list": ({"product_id": "real0", "quantity": [1]}, 400, 2),
    "product id an object": ({"product_id": {"$gt": 0}, "quantity": 1}, 400, 2),
    "product id SQL": ({"product_id": "1 OR 1=1", "quantity": 1}, 400, 2),
    "product id beyond bigint": ({"product_id": 2**64, "quantity": 1}, 400, 2),
    "product inactive": ({"product_id": "inactive", "quantity": 1}, 400, 2),
    "a number as text is fine": ({"product_id": "real0", "quantity": "3"}, 200, 5),
}


@pytest.mark.parametrize("case", list(NAMED), ids=list(NAMED))
def test_named_hostile_additions(goods, client, case):
    api = Api(client)
    on_sale, _ = goods
    assert api.post("/api/v1/cart/items/", {"product_id": on_sale[0].pk, "quantity": 2}).status_code == 200
    body, status, left = NAMED[case]
    body = {key: _named(goods, value) for key, value in body.items()}
    response = api.post("/api/v1/cart/items/", json.loads(json.dumps(body)))
    assert_json_answer(response, {status})
    assert client.session[SESSION_KEY][str(on_sale[0].pk)]["q"] == left
    assert_cart_well_formed(api)
