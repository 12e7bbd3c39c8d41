"""Shopfront on a local Redis Cluster (issue 13): 3 masters + 3 replicas of our own, one more gunicorn server.

The cluster server is the Shopfront configuration with ``REDIS_CLUSTER=True`` and ``REDIS_URL`` naming one
node; Celery's broker stays on the run's single-node Redis (Celery's Redis transport speaks no cluster).
Its round replays the anonymous product-page list, as the single-node ``shopfront-anon`` round does.
"""

import random
import shutil
import socket
import subprocess
import time

import redis

from bench.procs import StartError, log, redis_binary, start_gunicorn


def unavailable(prep: dict) -> str | None:
    """Return why cluster mode cannot be measured here, or None."""
    if not prep["features"]["REDIS_CLUSTER"]:
        return "the settings have no REDIS_CLUSTER (cluster mode not built yet)"
    if not shutil.which("redis-cli"):
        return "redis-cli is not installed"
    return None


def cluster_port() -> int:
    """Return a free port whose cluster bus port (+10000) is free and valid (so at most 55535)."""
    while True:
        port = random.randint(20000, 55535)
        try:
            for p in (port, port + 10000):
                with socket.socket() as s:
                    s.bind(("127.0.0.1", p))
        except OSError:
            continue
        return port


def key_spread(counts: dict[str, int]) -> dict:
    """Return the keys per master and the largest deviation from their mean (0.2 = ±20 %)."""
    mean = sum(counts.values()) / len(counts) if counts else 0
    deviation = max(abs(n - mean) for n in counts.values()) / mean if mean else None
    return {"keys_per_master": counts, "mean": mean, "max_deviation": deviation}


def roles(port: int) -> dict[str, list[int]]:
    """Return the ports of the masters serving slots and of the replicas, from CLUSTER NODES of one node."""
    out: dict[str, list[int]] = {"masters": [], "replicas": []}
    for line in _cli(port, "CLUSTER", "NODES").splitlines():
        fields = line.split()
        if len(fields) < 8 or "fail" in fields[2]:
            continue
        node = int(fields[1].split("@")[0].rsplit(":", 1)[1])
        if "slave" in fields[2]:
            out["replicas"].append(node)
        elif "master" in fields[2] and len(fields) > 8:  # slot ranges follow the 8 fixed fields
            out["masters"].append(node)
    return {k: sorted(v) for k, v in out.items()}


class ClusterStats:
    """What bench.measure.snapshot asks of a Redis client, answered over every master of the cluster."""

    def __init__(self, ports: list[int]) -> None:
        self.clients = [redis.Redis(port=p) for p in ports]

    def info(self, section: str) -> dict:
        total: dict[str, dict] = {}
        for client in self.clients:
            for name, values in client.info(section).items():
                total.setdefault(name, {"calls": 0})["calls"] += values["calls"]
        return total

    def hgetall(self, key: str) -> dict:
        """Return the stats hash wherever cluster mode keeps it (its name may gain a {hash tag})."""
        prefix, version, _ = key.split(":", 2)
        total: dict[bytes, int] = {}
        for client in self.clients:
            for name in client.scan_iter(match=f"*{prefix}*{version}*stats*", count=1000):
                if client.type(name) == b"hash":
                    for field, value in client.hgetall(name).items():
                        total[field] = total.get(field, 0) + int(value)
        return total


def start(ctx) -> dict:
    """Start the six nodes, create the cluster and the cluster-mode gunicorn; raise StartError on failure."""
    ports: list[int] = []
    while len(ports) < 6:
        port = cluster_port()
        if port not in ports:
            ports.append(port)
    for port in ports:
        workdir = ctx.tmp / f"cluster-{port}"
        workdir.mkdir()
        ctx.procs.start(
            [redis_binary(), "--port", str(port), "--bind", "127.0.0.1", "--cluster-enabled", "yes"]
            + ["--cluster-config-file", "nodes.conf", "--cluster-node-timeout", "5000", "--save", ""]
            + ["--appendonly", "no", "--dir", str(workdir), "--maxmemory-policy", "noeviction"],
            stdout=open(workdir / "redis.log", "w"),  # noqa: SIM115 - the node outlives this function
        )
    for port in ports:
        _wait(lambda p=port: redis.Redis(port=p).ping(), f"redis node :{port} did not start")
    create = subprocess.run(
        ["redis-cli", "--cluster", "create", *(f"127.0.0.1:{p}" for p in ports), "--cluster-replicas", "1"]
        + ["--cluster-yes"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    if create.returncode:
        raise StartError(f"redis-cli --cluster create failed: {create.stdout[-300:]}")
    for port in ports:
        _wait(lambda p=port: "cluster_state:ok" in _cli(p, "CLUSTER", "INFO"), "the cluster did not reach state ok")
    # Replicas join a moment after the create returns.
    _wait(lambda: len(roles(ports[0])["replicas"]) == 3, "the replicas did not join")
    primary = roles(ports[0])["masters"]
    log(f"redis cluster: masters {primary}, replicas {roles(ports[0])['replicas']}")
    single = f"redis://127.0.0.1:{ctx.redis_port}"
    env = {
        "REDIS_URL": f"redis://127.0.0.1:{ports[0]}/0",
        "CELERY_BROKER_URL": f"{single}/2",
        "CELERY_RESULT_BACKEND": f"{single}/3",
    }
    server = start_gunicorn(ctx.procs, "cluster", ctx.args, ctx.env, ctx.tmp, extra_env=env)
    # ``env``: what any other process of this configuration (the warm-up) needs too.
    return server | {"rds": ClusterStats(primary), "masters": primary, "nodes": ports, "env": env}


def spread(server: dict) -> dict:
    """Return DBSIZE of every master and the spread's deviation."""
    return key_spread({str(p): redis.Redis(port=p).dbsize() for p in server["masters"]})


def _cli(port: int, *command: str) -> str:
    return subprocess.run(["redis-cli", "-p", str(port), *command], capture_output=True, text=True).stdout


def _wait(check, message: str, seconds: float = 30) -> None:
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            if check():
                return
        except redis.RedisError:
            pass
        time.sleep(0.1)
    raise StartError(message)
