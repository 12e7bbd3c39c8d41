"""A real varnishd running deploy/varnish/shopfront.vcl in front of a stand-in origin (tests/edge/backend.py).

The shipped VCL names the backend 127.0.0.1:8000 (`make run`); the fixture compiles a copy whose port is the
stand-in's. varnishd must be installed: apt-get install -y varnish varnish-modules (Debian: xkey is in the
latter); the tests fail, not skip, without it.
"""

import shutil
import socket
import subprocess
import uuid
from pathlib import Path
from types import SimpleNamespace

import pytest

from tests.cdn.conftest import captured  # noqa: F401 (fixture)
from tests.support import wait_for

from .backend import Origin, request

ROOT = Path(__file__).resolve().parents[2]
VCL = ROOT / "deploy" / "varnish" / "shopfront.vcl"
SHIPPED_BACKEND = '.port = "8000";'
INSTALL = "apt-get install -y varnish varnish-modules"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def varnishd_binary() -> str:
    found = shutil.which("varnishd") or next((p for p in ("/usr/sbin/varnishd",) if Path(p).exists()), None)
    if not found:
        pytest.fail(f"varnishd is not installed; the edge tests need it: {INSTALL}")
    return found


def vcl_for_backend(port: int) -> str:
    """Return the shipped VCL with its backend moved to ``port``."""
    text = VCL.read_text()
    assert text.count(SHIPPED_BACKEND) == 1, "the VCL must name its backend port exactly once"
    return text.replace(SHIPPED_BACKEND, f'.port = "{port}";')


class Varnish:
    """A varnishd process (foreground, no jail, small thread pools) owned by a fixture."""

    def __init__(self, tmp: Path, backend_port: int) -> None:
        self.port = free_port()
        self.dir = tmp
        self.backend_port = backend_port
        self.log = tmp / "varnishd.log"
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        vcl = self.dir / "shopfront.vcl"
        vcl.write_text(vcl_for_backend(self.backend_port))
        command = [
            *(varnishd_binary(), "-F", "-j", "none", "-n", str(self.dir / "work")),
            *("-a", f"127.0.0.1:{self.port}", "-f", str(vcl), "-s", "malloc,32m"),
            *("-p", "thread_pools=1", "-p", "thread_pool_min=5", "-p", "thread_pool_max=100"),
        ]
        with self.log.open("w") as out:
            self.proc = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT)
        wait_for(lambda: self.proc.poll() is not None or self._serving(), 60, "varnishd to start", self.log)
        assert self.proc.poll() is None, self.log.read_text()

    def _serving(self) -> bool:
        try:
            return request(self.port, "/healthz").status == 200
        except OSError:
            return False

    def stop(self) -> None:
        if self.proc is None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.proc = None


def _edge(tmp: Path):
    origin = Origin(free_port())
    origin.start()
    varnish = Varnish(tmp, origin.port)
    try:
        varnish.start()
    except BaseException:
        origin.stop()
        raise
    return SimpleNamespace(origin=origin, varnish=varnish, port=varnish.port, url=varnish.url)


@pytest.fixture(scope="session")
def edge(tmp_path_factory):
    """One origin and one varnishd for the session; tests keep apart by unique paths and tags."""
    env = _edge(tmp_path_factory.mktemp("edge"))
    yield env
    env.varnish.stop()
    env.origin.stop()


@pytest.fixture
def own_edge(tmp_path):
    """An origin and a varnishd for one test, which may stop the origin."""
    env = _edge(tmp_path)
    yield env
    env.varnish.stop()
    env.origin.stop()


@pytest.fixture
def unique() -> str:
    return uuid.uuid4().hex[:10]


@pytest.fixture
def shop_edge(live_server, settings, tmp_path):
    """A real varnishd with the shipped VCL in front of the shop itself (live_server), purged by its writes.

    Celery runs eagerly here: a write's purge reaches Varnish before the write's request returns (the real
    worker path is tests/edge/test_worker.py).
    """
    from config.celery_app import app

    varnish = Varnish(tmp_path, int(live_server.url.rsplit(":", 1)[1]))
    varnish.start()
    settings.EDGE_PURGE_URL = varnish.url
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "localhost", "127.0.0.1"]
    eager = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield varnish
    app.conf.task_always_eager = eager
    varnish.stop()
