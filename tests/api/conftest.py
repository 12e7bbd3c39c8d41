"""API test helpers: JSON calls through the real middleware stack, a shopper with a token."""

import json

import pytest
from django.test import Client

from api import services
from tests.factories import UserFactory

PASSWORD = "correct horse battery staple"  # tests.factories.UserFactory's


class Api:
    """A client of the JSON API (django.test.Client: every middleware runs) sending JSON bodies."""

    def __init__(self, client: Client, **headers: str) -> None:
        self.client = client
        self.headers = headers

    def get(self, path: str, **headers: str):
        return self.client.get(path, headers={**self.headers, **headers})

    def send(self, method: str, path: str, body=None, **headers: str):
        call = getattr(self.client, method.lower())
        data = body if isinstance(body, (str, bytes)) or body is None else json.dumps(body)
        return call(path, data, content_type="application/json", headers={**self.headers, **headers})

    def post(self, path: str, body=None, **headers: str):
        return self.send("POST", path, body, **headers)

    def patch(self, path: str, body=None, **headers: str):
        return self.send("PATCH", path, body, **headers)

    def delete(self, path: str, **headers: str):
        return self.send("DELETE", path, None, **headers)


@pytest.fixture
def api(client) -> Api:
    """An anonymous client (a browser without a log-in, or an app before one): its cart is its session's."""
    return Api(client)


@pytest.fixture
def shopper(transactional_db):
    return UserFactory(username="ann", email="ann@example.com")


@pytest.fixture
def token_api(shopper) -> Api:
    """A mobile client: ``Authorization: Token …``, no cookies."""
    token = services.token_obtain(user=shopper)
    return Api(Client(), Authorization=f"Token {token.key}")


def assert_error(response, status: int, code: str | None = None) -> dict:
    """Check ``response`` is an API error: the status, a JSON body with a message and a code."""
    assert response.status_code == status, (response.status_code, response.content[:500])
    assert response["Content-Type"] == "application/json", response["Content-Type"]
    body = response.json()
    assert isinstance(body["detail"], str) and body["detail"]
    assert isinstance(body["code"], str) and body["code"]
    if code is not None:
        assert body["code"] == code, body
    return body


CONTACT = {
    "email": "ann@example.com",
    "full_name": "Ann Shopper",
    "address": "1 Main St",
    "city": "Ghent",
    "postal_code": "9000",
    "country": "BE",
}
