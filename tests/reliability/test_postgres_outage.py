"""Postgres unreachable: /readyz says 503, pages fail with the plain error page, and recover without a restart.

The shared Postgres is never touched: the live server's new connections go through a TCP proxy this test owns
and cuts (established connections reset, new ones refused).
"""

import pytest
from django.conf import settings
from django.db import connections

PRIVATE = ["Traceback", "OperationalError", "psycopg", "settings.py", "DATABASE", "5432"]


@pytest.fixture
def db_through_proxy(shop, tcp_proxy):
    conf = connections.settings["default"]  # the dict every thread's new connection is made from
    saved = conf["HOST"], conf["PORT"]
    socket_dir = (conf.get("OPTIONS") or {}).get("host") if not conf["HOST"] else None
    proxy = tcp_proxy(conf["HOST"] or socket_dir or "127.0.0.1", int(conf["PORT"] or 5432))
    conf["HOST"], conf["PORT"] = "127.0.0.1", str(proxy.port)
    yield proxy
    conf["HOST"], conf["PORT"] = saved


def _assert_plain_error(response) -> None:
    assert response.status_code in (500, 503), response.status_code
    body = response.text
    assert "Sorry, something went wrong." in body
    for word in [*PRIVATE, settings.SECRET_KEY, connections.settings["default"]["NAME"]]:
        assert word not in body, word


def test_postgres_cut_makes_readyz_503_pages_fail_cleanly_and_recover(shop, db_through_proxy, browserless):
    guest = browserless()
    ready = guest.get("/readyz")
    assert ready.status_code == 200 and ready.json() == {"postgres": "ok", "redis": "ok"}
    assert guest.post_form("/products/chef-knife/", "/cart/add/", {"product_id": shop.knife.pk, "quantity": "2"}).ok
    assert db_through_proxy.connections > 0  # the live server really goes through the proxy
    token = guest.token("/products/chef-knife/")

    db_through_proxy.cut()

    ready = guest.get("/readyz")
    assert ready.status_code == 503
    assert ready.json() == {"postgres": "error: OperationalError", "redis": "ok"}
    for path in ["/cart/", "/products/bowl-2/", "/categories/kitchen/?page=1&sort=price", "/checkout/"]:
        _assert_plain_error(guest.get(path))
    added = guest.post("/cart/add/", {"product_id": shop.knife.pk, "quantity": "1", "csrfmiddlewaretoken": token})
    _assert_plain_error(added)

    db_through_proxy.restore()

    assert guest.get("/readyz").status_code == 200
    cart = guest.get("/cart/")
    assert cart.status_code == 200
    assert "Chef Knife" in cart.text and 'value="2"' in cart.text  # the cart outlived the outage
    for path in ["/products/bowl-2/", "/categories/kitchen/?page=1&sort=price", "/accounts/login/"]:
        assert guest.get(path).status_code == 200, path
