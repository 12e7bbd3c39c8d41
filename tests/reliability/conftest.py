"""Fault fixtures: a TCP proxy a test can cut or hold, HTTP sessions against the live server, a small catalog."""

import contextlib
import re
import socket
import threading
from decimal import Decimal
from types import SimpleNamespace

import pytest
import requests

from tests.factories import CategoryFactory, ProductFactory, UserFactory

PASSWORD = "correct horse battery staple"
CSRF_RE = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class TcpProxy:
    """A loopback TCP forwarder: ``cut()`` drops every connection and refuses new ones until ``restore()``;
    ``hold()`` accepts new connections but forwards nothing until ``release()``, which drops them."""

    def __init__(self, target_host: str, target_port: int) -> None:
        # A host starting with "/" is a Unix socket directory (the embedded Postgres of `make test`).
        self.target = (target_host, target_port)
        self.port = _free_port()
        self._lock = threading.Lock()
        self._socks: set[socket.socket] = set()
        self._held: list[socket.socket] = []
        self.state = "open"
        self.connections = 0
        self.held_event = threading.Event()
        self._listener: socket.socket | None = None
        self._listen()

    def _listen(self) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            with self._lock:
                if self.state == "cut" or listener is not self._listener:
                    client.close()
                    return
                self.connections += 1
                if self.state == "hold":
                    self._held.append(client)
                    self.held_event.set()
                    continue
            self._forward(client)

    def _forward(self, client: socket.socket) -> None:
        try:
            host, port = self.target
            if host.startswith("/"):
                upstream = socket.socket(socket.AF_UNIX)
                upstream.connect(f"{host}/.s.PGSQL.{port}")
            else:
                upstream = socket.create_connection(self.target, timeout=5)
        except OSError:
            client.close()
            return
        upstream.settimeout(None)
        with self._lock:
            self._socks |= {client, upstream}
        for src, dst in ((client, upstream), (upstream, client)):
            threading.Thread(target=self._pipe, args=(src, dst), daemon=True).start()

    def _pipe(self, src: socket.socket, dst: socket.socket) -> None:
        try:
            while data := src.recv(65536):
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for s in (src, dst):
                with contextlib.suppress(OSError):
                    s.shutdown(socket.SHUT_RDWR)
                s.close()
            with self._lock:
                self._socks -= {src, dst}

    def _drop_all(self) -> None:
        with self._lock:
            socks, self._socks = list(self._socks) + self._held, set()
            self._held = []
        for s in socks:
            with contextlib.suppress(OSError):
                s.shutdown(socket.SHUT_RDWR)
            s.close()

    def cut(self) -> None:
        """Make the target unreachable: established connections are reset, new ones refused."""
        self.state = "cut"
        if self._listener is not None:
            with contextlib.suppress(OSError):
                self._listener.shutdown(socket.SHUT_RDWR)  # wakes the blocked accept()
            self._listener.close()
            self._listener = None
        self._drop_all()

    def restore(self) -> None:
        self.state = "open"
        if self._listener is None:
            self._listen()

    def hold(self) -> None:
        self.held_event.clear()
        self.state = "hold"

    def release(self) -> None:
        """Drop the held connections (their clients are gone) and forward new ones again."""
        with self._lock:
            held, self._held = self._held, []
            self.state = "open"
        for s in held:
            s.close()

    def close(self) -> None:
        self.cut()


@pytest.fixture
def tcp_proxy():
    proxies: list[TcpProxy] = []

    def _make(host: str, port: int) -> TcpProxy:
        proxy = TcpProxy(host, port)
        proxies.append(proxy)
        return proxy

    yield _make
    for proxy in proxies:
        proxy.close()


@pytest.fixture
def shop(transactional_db):
    """A category with a handful of products and a shopper with a password."""
    kitchen = CategoryFactory(name="Kitchen", slug="kitchen")
    knife = ProductFactory(
        name="Chef Knife", slug="chef-knife", category=kitchen, price=Decimal("50.00"), stock=1000, is_featured=True
    )
    others = [
        ProductFactory(name=f"Bowl {i}", slug=f"bowl-{i}", category=kitchen, price=Decimal("9.00"), stock=1000)
        for i in range(4)
    ]
    shopper = UserFactory(username="shopper")
    return SimpleNamespace(kitchen=kitchen, knife=knife, others=others, shopper=shopper)


def csrf_token(html: str) -> str:
    found = CSRF_RE.search(html)
    assert found, html[:500]
    return found.group(1)


class Browserless:
    """A requests.Session speaking to the live server like a browser would.

    The CSRF token comes from the form, or, on a shared page (which carries none), from /visitor/ as shop.js
    gets it.
    """

    def __init__(self, base: str) -> None:
        self.base = base
        self.http = requests.Session()

    def get(self, path: str, **kwargs) -> requests.Response:
        return self.http.get(self.base + path, timeout=30, **kwargs)

    def token(self, form_path: str) -> str:
        found = CSRF_RE.search(self.get(form_path).text)
        return found.group(1) if found else self.get("/visitor/").json()["csrf_token"]

    def post_form(self, form_path: str, path: str, data: dict, **kwargs) -> requests.Response:
        return self.post(path, {**data, "csrfmiddlewaretoken": self.token(form_path)}, **kwargs)

    def post(self, path: str, data: dict, **kwargs) -> requests.Response:
        kwargs.setdefault("allow_redirects", False)
        return self.http.post(self.base + path, data=data, timeout=30, **kwargs)

    def login(self, username: str, password: str = PASSWORD) -> None:
        response = self.post_form("/accounts/login/", "/accounts/login/", {"username": username, "password": password})
        assert response.status_code == 302, response.text[:500]


@pytest.fixture
def browserless(live_server):
    def _make() -> Browserless:
        return Browserless(live_server.url)

    return _make
