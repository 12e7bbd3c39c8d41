"""Redis blips: what a shopper or staff did while Redis did not answer is what every server shows afterwards.

Two gunicorn servers, A and B (one worker process each), share this test's own redis-server (product cache and
sessions) and the test database. Redis is paused (SIGSTOP: connections hang, as with CLIENT PAUSE ALL) while the
blip's request is answered and resumed right after, so the pause lasts exactly as long as the blip needs however
slow the machine is (Redis 7.0 pauses CLIENT UNPAUSE too, so a CLIENT PAUSE could only end after a fixed time).
B gets no request during the blip, so it never sees Redis fail. No Celery worker or beat runs: nothing drains
the invalidation outbox unless a web process does. In the cluster pass (``--redis-cluster``) the servers and this
process run in cluster mode on the local Redis Cluster, and a blip pauses every master (``PausedCluster``).

Postgres is the record and Redis only a copy: a copy must never win over a newer record, on any server.
"""

import re
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from decimal import Decimal
from types import SimpleNamespace

import pytest
import requests

from catalog import services as catalog_services
from tests.cluster_node import wait as cluster_wait
from tests.conftest import cluster_pass

from .conftest import CSRF_RE, PASSWORD, csrf_token
from .servers import HTTP_TIMEOUT, WebServer

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

# The longest a server that never saw Redis fail may serve a product entry older than a commit made during the
# blip, counted from the moment Redis answers again. Shorter than the breaker cool-down and the outbox drain
# interval (5 s each by default), so neither waiting out a cool-down nor Celery beat can meet it by accident;
# long enough for a periodic check of about a second plus a request on a loaded two-core machine.
BLIP_BOUND_SECONDS = 2.0
COOLDOWN = 1.0  # the servers' CACHE_BREAKER_COOLDOWN_SECONDS: a server that saw the failure asks Redis again after it
POLL_TIMEOUT = 15.0  # bounds every wait; far above BLIP_BOUND_SECONDS so a failure says how stale, not "timeout"
PRODUCT = "/products/chef-knife/"
QUANTITY_RE = r'name="product_id" value="{pk}">\s*<input type="number" name="quantity" value="(\d+)"'


class Visitor:
    """A browser: one cookie jar, whichever server it talks to (both are 127.0.0.1)."""

    def __init__(self, session_cookie: str | None = None) -> None:
        self.http = requests.Session()
        if session_cookie is not None:
            self.http.cookies.set("sessionid", session_cookie)

    def get(self, server: WebServer, path: str) -> requests.Response:
        return self.http.get(server.url + path, timeout=HTTP_TIMEOUT, allow_redirects=False)

    def token(self, server: WebServer, path: str) -> str:
        page = self.get(server, path)
        assert page.status_code == 200, (path, page.status_code)
        if CSRF_RE.search(page.text):
            return csrf_token(page.text)
        return self.get(server, "/visitor/").json()["csrf_token"]  # a shared page: as shop.js does

    def post(self, server: WebServer, path: str, data: dict, token: str) -> requests.Response:
        data = {**data, "csrfmiddlewaretoken": token}
        return self.http.post(server.url + path, data=data, timeout=HTTP_TIMEOUT, allow_redirects=False)

    @property
    def session_cookie(self) -> str:
        return self.http.cookies["sessionid"]


class PausedCluster:
    """The local Redis Cluster as the blip's Redis (the cluster pass, ``--redis-cluster``).

    A blip stops every master answering clients (CLIENT PAUSE ALL) while the cluster bus goes on, so no
    replica takes over and the cluster's shape does not change. Redis 7.0 pauses CLIENT UNPAUSE too, so the
    pause lasts PAUSE_MS (well past what a request answered during it needs) and ``resume`` waits until every
    master answers again.
    """

    PAUSE_MS = 5000
    # Celery cannot use a cluster as its broker (start-up refuses to): no task is sent in these tests.
    env = {"REDIS_CLUSTER": "True", "CELERY_BROKER_URL": "memory://"}

    def __init__(self, cluster) -> None:
        self.cluster = cluster
        self.url = cluster.url
        self._paused: list = []

    def pause(self) -> None:
        self._paused = self.cluster.masters()
        for master in self._paused:
            master.client().execute_command("CLIENT", "PAUSE", self.PAUSE_MS, "ALL")

    def resume(self) -> None:
        for master in self._paused:
            cluster_wait(master.client().ping, POLL_TIMEOUT, f"{master} to answer again", self.cluster.logs)


@pytest.fixture
def blip_redis(request):
    """The Redis a blip stops: this test's own redis-server, or in the cluster pass the local cluster."""
    if cluster_pass(request.config):
        return PausedCluster(request.getfixturevalue("redis_cluster"))
    server = request.getfixturevalue("redis_server")
    request.getfixturevalue("use_redis")(server)
    return server


@pytest.fixture
def servers(shop, blip_redis, settings, tmp_path):
    """Servers A and B on this test's Redis and cache prefix; the test process writes to the same Redis."""
    env = {
        "SHOP_CACHE_PREFIX": settings.SHOP_CACHE["PREFIX"],
        "SHOPFRONT_RELEASE": "blip-test",
        "CACHE_BREAKER_COOLDOWN_SECONDS": str(COOLDOWN),
        **getattr(blip_redis, "env", {}),
    }
    a, b = WebServer("a", blip_redis.url, tmp_path, env), WebServer("b", blip_redis.url, tmp_path, env)
    try:
        a.start()
        b.start()
        yield SimpleNamespace(a=a, b=b)
    finally:
        a.stop()
        b.stop()


@contextmanager
def blip(redis) -> Iterator[SimpleNamespace]:
    """Redis stops answering for the block; ``resumed_at`` is when it answers again (time.monotonic)."""
    state = SimpleNamespace(resumed_at=None)
    redis.pause()
    try:
        yield state
    finally:
        redis.resume()
        state.resumed_at = time.monotonic()


def wait_until(predicate: Callable[[], object], what: str, servers) -> object:
    deadline = time.monotonic() + POLL_TIMEOUT
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    logs = "\n".join(f"--- {s.name}:\n{s.log_tail()}" for s in (servers.a, servers.b))
    pytest.fail(f"timed out after {POLL_TIMEOUT} s waiting for {what}\n{logs}")


def wait_trusts_redis_again(servers, resumed_at: float) -> None:
    """Wait until each server has had its breaker cool-down since the blip and answers a page from the cache.

    The cool-down is a timer inside the server: once it has run out, a server that saw the failure asks Redis
    again, so reads after this are reads a stale Redis copy could answer.
    """
    probe = Visitor()  # no cookie: the shared whole-page cache

    def trusted(server: WebServer) -> bool:
        return time.monotonic() >= resumed_at + COOLDOWN and probe.get(server, PRODUCT).headers.get("X-Cache") == "HIT"

    for server in (servers.a, servers.b):
        wait_until(lambda server=server: trusted(server), f"server {server.name} to serve cached pages again", servers)


def observe(read: Callable[[WebServer], object], servers, resumed_at: float) -> dict[str, object]:
    """Return ``read`` through B (which never saw Redis fail) and A, at once and after both trust Redis again."""
    seen = {f"{s.name} at once": read(s) for s in (servers.b, servers.a)}
    wait_trusts_redis_again(servers, resumed_at)
    return seen | {f"{s.name} after recovery": read(s) for s in (servers.b, servers.a)}


def everywhere(value: object) -> dict[str, object]:
    return {f"{name} {when}": value for when in ("at once", "after recovery") for name in ("b", "a")}


def warm(servers) -> None:
    probe = Visitor()
    for server in (servers.a, servers.b):
        wait_until(
            lambda server=server: probe.get(server, PRODUCT).headers.get("X-Cache") == "HIT", "a warm page", servers
        )


def cart_quantity(visitor: Visitor, server: WebServer, product) -> int | None:
    page = visitor.get(server, "/cart/")
    assert page.status_code == 200, (server.name, page.status_code)
    found = re.search(QUANTITY_RE.format(pk=product.pk), page.text)
    return int(found.group(1)) if found else None


def is_logged_in(visitor: Visitor, server: WebServer) -> bool:
    page = visitor.get(server, "/accounts/orders/")
    if page.status_code == 302:
        assert page.headers["Location"].startswith("/accounts/login/"), page.headers["Location"]
        return False
    assert page.status_code == 200, (server.name, page.status_code)
    return True


def price_on(visitor: Visitor, server: WebServer) -> str:
    page = visitor.get(server, PRODUCT)
    assert page.status_code == 200, (server.name, page.status_code)
    return page.text.split('class="price big">')[1].split("<")[0]


def shopper_with_two_knives(servers, knife) -> Visitor:
    """A shopper whose cart holds 2 × ``knife``, seen by both servers, with the servers' pages warm."""
    shopper = Visitor()
    added = shopper.post(
        servers.a, "/cart/add/", {"product_id": knife.pk, "quantity": "2"}, shopper.token(servers.a, PRODUCT)
    )
    assert added.status_code == 302
    assert [cart_quantity(shopper, s, knife) for s in (servers.a, servers.b)] == [2, 2]
    warm(servers)
    return shopper


def test_cart_change_answered_during_a_pause_is_kept_on_both_servers(shop, servers, blip_redis):
    a, knife = servers.a, shop.knife
    shopper = shopper_with_two_knives(servers, knife)
    token = shopper.token(a, "/cart/")

    with blip(blip_redis) as pause:
        changed = shopper.post(a, "/cart/update/", {"product_id": knife.pk, "quantity": "5"}, token)
        assert changed.status_code == 302  # acknowledged while Redis did not answer

    seen = observe(lambda server: cart_quantity(shopper, server, knife), servers, pause.resumed_at)
    assert seen == everywhere(5), "an acknowledged cart change was undone"


def test_logout_answered_during_a_pause_is_final_on_both_servers(shop, servers, blip_redis):
    a, b = servers.a, servers.b
    shopper = Visitor()
    login = {"username": shop.shopper.username, "password": PASSWORD}
    assert shopper.post(a, "/accounts/login/", login, shopper.token(a, "/accounts/login/")).status_code == 302
    assert [is_logged_in(shopper, s) for s in (a, b)] == [True, True]
    warm(servers)
    old_cookie = shopper.session_cookie
    token = shopper.token(a, "/cart/")

    with blip(blip_redis) as pause:
        out = shopper.post(a, "/accounts/logout/", {}, token)
        assert out.status_code == 302

    # The cookie the shopper had, replayed (a shared computer, a copied cookie): it must be dead everywhere.
    replay = Visitor(old_cookie)
    seen = observe(lambda server: is_logged_in(replay, server), servers, pause.resumed_at)
    assert seen == everywhere(False), "a logged-out session came back"


def test_login_answered_during_a_pause_works_and_survives(shop, servers, blip_redis):
    a = servers.a
    shopper = Visitor()
    warm(servers)
    token = shopper.token(a, "/accounts/login/")

    with blip(blip_redis) as pause:
        login = shopper.post(a, "/accounts/login/", {"username": shop.shopper.username, "password": PASSWORD}, token)
        assert login.status_code == 302, login.text[:500]

    assert observe(lambda server: is_logged_in(shopper, server), servers, pause.resumed_at) == everywhere(True)


def test_session_key_retired_by_a_login_during_a_pause_stays_dead(shop, servers, blip_redis):
    """Log-in replaces the session key (session fixation); the replaced key must not come back with its cart."""
    a, b, knife = servers.a, servers.b, shop.knife
    shopper = shopper_with_two_knives(servers, knife)
    anonymous_cookie = shopper.session_cookie
    token = shopper.token(a, "/accounts/login/")

    with blip(blip_redis) as pause:
        login = shopper.post(a, "/accounts/login/", {"username": shop.shopper.username, "password": PASSWORD}, token)
        assert login.status_code == 302, login.text[:500]

    assert shopper.session_cookie != anonymous_cookie
    assert [cart_quantity(shopper, s, knife) for s in (b, a)] == [2, 2]  # the cart moved to the new key
    replay = Visitor(anonymous_cookie)
    seen = observe(lambda server: cart_quantity(replay, server, knife), servers, pause.resumed_at)
    assert seen == everywhere(None), "a retired session key came back"


def test_price_committed_during_a_pause_is_shown_within_the_bound_without_beat(shop, servers, blip_redis):
    """Neither server makes a Redis call during the blip; the write comes from this process, which then goes quiet."""
    shopper = Visitor()  # anonymous: the whole-page cache, the path most shoppers take
    warm(servers)
    assert {price_on(shopper, s) for s in (servers.a, servers.b)} == {"€50.00"}

    with blip(blip_redis) as pause:
        catalog_services.product_update(product=shop.knife, price=Decimal("61.00"))

    last_stale = {}  # server name -> when (monotonic) it last answered with the old price

    def fresh_everywhere() -> bool:
        fresh = True
        for server in (servers.b, servers.a):
            price = price_on(shopper, server)
            if price == "€50.00":
                last_stale[server.name] = time.monotonic()
                fresh = False
            else:
                assert price == "€61.00", (server.name, price)
        return fresh

    deadline = time.monotonic() + POLL_TIMEOUT
    while not fresh_everywhere():
        if time.monotonic() >= deadline:
            stale = sorted(last_stale)
            pytest.fail(f"server(s) {stale} still served the old price {POLL_TIMEOUT} s after Redis answered again")
        time.sleep(0.05)
    stale_for = {name: round(at - pause.resumed_at, 2) for name, at in last_stale.items()}
    assert all(seconds <= BLIP_BOUND_SECONDS for seconds in stale_for.values()), stale_for
    for _ in range(3):  # and it stays fresh
        assert fresh_everywhere(), last_stale
