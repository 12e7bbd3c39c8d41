"""Sessions: Redis copies of Postgres rows; a flush, restart or outage logs nobody out."""

from urllib.parse import urlsplit

import pytest
from django.conf import settings as django_settings
from django.contrib.sessions.models import Session
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_redis import get_redis_connection

from tests.factories import ProductFactory, UserFactory


def _log_in_with_cart(client):
    """Put a mug in an anonymous cart, then log in as ann; return the product."""
    product = ProductFactory(slug="mug", name="Mug", stock=10)
    UserFactory(username="ann")
    client.post("/cart/add/", {"product_id": product.pk, "quantity": 2})
    login = client.post("/accounts/login/", {"username": "ann", "password": "correct horse battery staple"})
    assert login.status_code == 302
    return product


@pytest.fixture
def shopper(client, transactional_db):
    _log_in_with_cart(client)
    return client


def _state(client):
    page = client.get("/cart/").content.decode()
    return ("Log out ann" in page, "Mug" in page)


def test_emptying_the_product_cache_costs_no_session_a_database_read(redis_server, settings, client, transactional_db):
    """Sessions live in a Redis database of their own: product-cache eviction never drops a session copy."""
    # The configured aliases, moved to this test's own server with their database numbers kept.
    settings.CACHES = {
        alias: {
            **conf,
            "LOCATION": urlsplit(conf["LOCATION"])._replace(netloc=f"127.0.0.1:{redis_server.port}").geturl(),
        }
        for alias, conf in django_settings.CACHES.items()
    }
    settings.SESSION_TOUCH_INTERVAL = 3600  # no sliding-expiry write in the reads below
    _log_in_with_cart(client)
    assert _state(client) == (True, True)  # a session save invalidates its copy ...
    assert _state(client) == (True, True)  # ... and the next read stores it again

    get_redis_connection("default").flushdb()  # everything the product cache holds is gone, as under eviction

    with CaptureQueriesContext(connection) as ctx:
        assert _state(client) == (True, True)
    assert [q["sql"] for q in ctx.captured_queries if "django_session" in q["sql"]] == []


def test_redis_flush_keeps_login_and_cart(redis_server, use_redis, client, transactional_db):
    use_redis(redis_server)
    _log_in_with_cart(client)
    assert _state(client) == (True, True)
    redis_server.client().flushall()
    assert _state(client) == (True, True)
    redis_server.stop()
    redis_server.start()  # a restart: empty again
    assert _state(client) == (True, True)


def test_redis_down_keeps_login_and_cart_and_accepts_changes(redis_server, use_redis, client, transactional_db):
    use_redis(redis_server)
    product = _log_in_with_cart(client)
    redis_server.stop()
    assert _state(client) == (True, True)
    assert client.post("/cart/update/", {"product_id": product.pk, "quantity": 3}).status_code == 302
    assert 'value="3"' in client.get("/cart/").content.decode()


def test_active_session_is_not_written_on_every_request(shopper, settings):
    client = shopper
    settings.SESSION_TOUCH_INTERVAL = 60
    client.get("/cart/")
    with CaptureQueriesContext(connection) as ctx:
        for _ in range(5):
            client.get("/cart/")
    writes = [
        q["sql"] for q in ctx.captured_queries if "django_session" in q["sql"] and not q["sql"].startswith("SELECT")
    ]
    assert writes == []


def test_idle_expiry_slides_with_activity(shopper, settings):
    client = shopper
    session_key = client.cookies[settings.SESSION_COOKIE_NAME].value
    first = Session.objects.get(session_key=session_key).expire_date
    settings.SESSION_TOUCH_INTERVAL = 0
    client.get("/cart/")
    assert Session.objects.get(session_key=session_key).expire_date > first
    assert client.cookies[settings.SESSION_COOKIE_NAME]["max-age"] == settings.SESSION_COOKIE_AGE
