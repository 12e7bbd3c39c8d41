"""Tokens for mobile clients, session log-ins for the web; the token endpoint's limits."""

import pytest
from django.test import Client
from rest_framework.authtoken.models import Token

from .conftest import PASSWORD, Api, assert_error

pytestmark = pytest.mark.django_db(transaction=True)

LOGIN = {"username": "ann", "password": PASSWORD}


def test_a_token_for_a_username_and_password(shopper, api):
    response = api.post("/api/v1/auth/token/", LOGIN)
    assert response.status_code == 200 and response["Cache-Control"] == "private, no-store"
    token = response.json()["token"]
    assert Token.objects.get(user=shopper).key == token
    assert api.post("/api/v1/auth/token/", LOGIN).json()["token"] == token  # one per account
    shopper.refresh_from_db()
    assert shopper.last_login is not None  # a log-in like any other
    assert Api(Client(), Authorization=f"Token {token}").get("/api/v1/orders/").status_code == 200


@pytest.mark.parametrize(
    "body",
    [{"username": "ann", "password": "wrong"}, {"username": "nobody", "password": PASSWORD}, {"username": "ann"}, {}],
)
def test_wrong_or_missing_credentials_are_400(shopper, api, body):
    assert_error(api.post("/api/v1/auth/token/", body), 400, "invalid")


def test_a_revoked_token_no_longer_works(shopper, token_api):
    assert token_api.delete("/api/v1/auth/token/").status_code == 204
    assert_error(token_api.get("/api/v1/cart/"), 401, "authentication_failed")
    assert_error(Api(Client()).delete("/api/v1/auth/token/"), 401, "not_authenticated")


@pytest.mark.parametrize("header", ["Token nonsense", "Token", "Token a b", "Token \u00e9t\u00e9"])
def test_a_bad_token_is_401_with_the_scheme_to_use(shopper, api, header):
    response = Api(Client(), Authorization=header).get("/api/v1/cart/")
    assert_error(response, 401, "authentication_failed")
    assert response["WWW-Authenticate"] == "Token"


def test_a_session_log_in_sees_its_orders(shopper, client):
    client.force_login(shopper)
    assert Api(client).get("/api/v1/orders/").json()["count"] == 0


def test_token_requests_are_throttled_per_address(shopper, api, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "api_token": "3/min"},
    }
    for _ in range(3):
        assert api.post("/api/v1/auth/token/", LOGIN).status_code == 200
    refused = api.post("/api/v1/auth/token/", LOGIN)
    assert_error(refused, 429, "throttled")
    assert 0 < int(refused["Retry-After"]) <= 60
    # Another client address (as the trusted proxy reports it) has its own count.
    assert api.post("/api/v1/auth/token/", LOGIN, X_Forwarded_For="203.0.113.9").status_code == 200


def test_repeated_wrong_passwords_lock_the_username_out_with_a_json_429(shopper, api):
    wrong = {"username": "ann", "password": "wrong"}
    statuses = [api.post("/api/v1/auth/token/", wrong).status_code for _ in range(5)]
    assert statuses == [400] * 4 + [429]  # AXES_FAILURE_LIMIT, as the log-in page counts
    locked = api.post("/api/v1/auth/token/", LOGIN)  # even the right password, from this address
    body = assert_error(locked, 429, "throttled")
    assert "failed log-ins" in body["detail"] and int(locked["Retry-After"]) > 0
    # The owner, from another address, still gets a token (the pair username + address is locked).
    assert api.post("/api/v1/auth/token/", LOGIN, X_Forwarded_For="198.51.100.4").status_code == 200


def test_a_successful_token_clears_earlier_failures(shopper, api):
    for _ in range(4):
        api.post("/api/v1/auth/token/", {"username": "ann", "password": "wrong"})
    assert api.post("/api/v1/auth/token/", LOGIN).status_code == 200
    for _ in range(4):
        api.post("/api/v1/auth/token/", {"username": "ann", "password": "wrong"})
    assert api.post("/api/v1/auth/token/", LOGIN).status_code == 200
