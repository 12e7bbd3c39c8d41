"""Log-in limit (django-axes): per username and real client address, through the real middleware stack."""

import pytest
from django.test import Client

from tests.factories import StaffFactory, UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"
WRONG = "wrong password"
ATTACKER = "203.0.113.9"
OWNER = "198.51.100.4"
LOGINS = ["/accounts/login/", "/admin/login/"]


def behind_proxy(address: str) -> Client:
    """A client whose requests reach Django from the local trusted proxy, forwarded for ``address``."""
    return Client(REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR=f"{address}, 127.0.0.1")


def attempt(client: Client, path: str, username: str, password: str = WRONG, **extra):
    return client.post(path, {"username": username, "password": password}, **extra)


def logged_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


@pytest.mark.parametrize("path", LOGINS)
def test_ten_wrong_passwords_from_one_address_never_lock_the_owner_out_elsewhere(path):
    alice = StaffFactory(username="alice")
    attacker = behind_proxy(ATTACKER)

    statuses = [attempt(attacker, path, "alice").status_code for _ in range(10)]

    assert statuses == [200] * 4 + [429] * 6
    # The attacker's address is locked for alice, even with the right password.
    assert attempt(attacker, path, "alice", PASSWORD).status_code == 429
    assert not logged_in(attacker)
    # Alice, from her own address, logs straight in.
    owner = behind_proxy(OWNER)
    assert attempt(owner, path, alice.username, PASSWORD).status_code == 302
    assert logged_in(owner)


def test_the_lockout_page_is_a_429_storefront_page_with_a_message_and_retry_after():
    UserFactory(username="alice")
    attacker = behind_proxy(ATTACKER)
    for _ in range(4):
        attempt(attacker, "/accounts/login/", "alice")

    response = attempt(attacker, "/accounts/login/", "alice")

    body = response.content.decode()
    assert response.status_code == 429
    assert response["Retry-After"] == "900"
    assert "no-store" in response["Cache-Control"]
    assert "<h1>Too many log-in attempts</h1>" in body
    assert "Please wait 15 minutes and try again." in body
    assert "Log-ins from other connections are not affected." in body
    # base.html: the storefront's header, stylesheet and search box, not a bare text response.
    assert 'class="site-header"' in body and "css/shop" in body and 'name="q"' in body
    assert response["Content-Security-Policy"]


def test_x_forwarded_for_from_an_untrusted_peer_is_ignored(settings):
    settings.SHOPFRONT_TRUSTED_PROXY_CIDRS = ["10.0.0.0/16"]
    UserFactory(username="alice")
    direct = Client(REMOTE_ADDR="192.0.2.50")

    # A new forged address each time does not buy new attempts: the peer itself is the client.
    statuses = [
        attempt(direct, "/accounts/login/", "alice", HTTP_X_FORWARDED_FOR=f"198.51.100.{i}").status_code
        for i in range(5)
    ]

    assert statuses == [200] * 4 + [429]


def test_a_spoofed_left_part_of_x_forwarded_for_buys_no_new_attempts(settings):
    settings.SHOPFRONT_TRUSTED_PROXY_CIDRS = ["10.0.0.0/16"]
    alice = UserFactory(username="alice")
    alb = Client(REMOTE_ADDR="10.0.3.7")

    # The ALB appends the real peer; whatever the client wrote before it is its own word.
    statuses = [
        attempt(alb, "/accounts/login/", "alice", HTTP_X_FORWARDED_FOR=f"198.51.100.{i}, {ATTACKER}").status_code
        for i in range(5)
    ]

    assert statuses == [200] * 4 + [429]
    owner = attempt(alb, "/accounts/login/", alice.username, PASSWORD, HTTP_X_FORWARDED_FOR=OWNER)
    assert owner.status_code == 302


def test_one_address_guessing_many_usernames_is_stopped_at_the_address_limit(settings):
    settings.SHOPFRONT_LOGIN_ADDRESS_FAILURE_LIMIT = 8
    mallory = UserFactory(username="mallory")
    victims = [UserFactory(username=f"user{i}").username for i in range(4)]
    attacker = behind_proxy(ATTACKER)

    # Two guesses per username stay under the per-username limit; the address total reaches 8.
    for name in victims[:3]:
        assert [attempt(attacker, "/accounts/login/", name).status_code for _ in range(2)] == [200, 200]
    assert attempt(attacker, "/accounts/login/", victims[3]).status_code == 200
    # Logging in to an account of its own clears only that username's failures, not the address count.
    assert attempt(attacker, "/accounts/login/", mallory.username, PASSWORD).status_code == 302
    assert attempt(behind_proxy(ATTACKER), "/accounts/login/", victims[3]).status_code == 429
    assert attempt(behind_proxy(ATTACKER), "/accounts/login/", "someone-new").status_code == 429
    # Another address is untouched.
    assert attempt(behind_proxy(OWNER), "/accounts/login/", victims[0], PASSWORD).status_code == 302


def test_a_successful_login_clears_that_usernames_failures():
    alice = UserFactory(username="alice")
    client = behind_proxy(OWNER)
    for _ in range(4):
        assert attempt(client, "/accounts/login/", "alice").status_code == 200
    assert attempt(client, "/accounts/login/", alice.username, PASSWORD).status_code == 302
    client.logout()

    assert [attempt(client, "/accounts/login/", "alice").status_code for _ in range(4)] == [200] * 4


def test_the_limit_keeps_counting_and_logins_work_while_redis_is_down(redis_server, use_redis):
    use_redis(redis_server)
    alice = UserFactory(username="alice")
    redis_server.stop()
    attacker = behind_proxy(ATTACKER)

    statuses = [attempt(attacker, "/accounts/login/", "alice").status_code for _ in range(5)]

    assert statuses == [200] * 4 + [429]
    assert attempt(behind_proxy(OWNER), "/accounts/login/", alice.username, PASSWORD).status_code == 302
