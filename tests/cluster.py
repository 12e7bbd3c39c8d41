"""A real Redis Cluster on loopback: three masters and three replicas, started and stopped by the tests.

``LocalCluster`` knows nothing of pytest (the benchmark can start one too); ``redis_cluster`` is the fixture.
The cluster is built by hand with CLUSTER ADDSLOTS / MEET / REPLICATE over redis-py, so only ``redis-server``
is needed. ``failover(master)`` promotes the master's replica (CLUSTER FAILOVER, or killing the master) and
returns once every live node agrees on the new layout and says ``cluster_state:ok``.
"""

from pathlib import Path

import pytest
from redis.crc import key_slot

from tests.cluster_node import (
    FAILOVER_TIMEOUT,
    SLOTS,
    START_TIMEOUT,
    Node,
    cluster_nodes,
    ids,
    make_certificate,
    wait,
)


class LocalCluster:
    """``masters`` masters with ``replicas`` replicas each, on loopback ports, optionally TLS and AUTH."""

    def __init__(
        self, base: Path, masters: int = 3, replicas: int = 1, password: str | None = None, tls: bool = False
    ) -> None:
        self.base = base
        self.password = password
        self.tls = make_certificate(base) if tls else None
        self.replicas_per_master = replicas
        self.nodes = [Node(base, i, password, self.tls) for i in range(masters * (1 + replicas))]
        self._initial_masters = self.nodes[:masters]

    # ---------------------------------------------------------------- life cycle
    def start(self) -> "LocalCluster":
        try:
            self._start()
        except BaseException:
            self.stop()
            raise
        return self

    def _start(self) -> None:
        for node in self.nodes:
            node.start()
        for node in self.nodes:
            wait(lambda n=node: n.client().ping(), START_TIMEOUT, f"{node} to answer PING", self.logs)
            node.id = node.client().execute_command("CLUSTER MYID").decode()
        self._assign_slots()
        first = self.nodes[0]
        for node in self.nodes[1:]:
            first.client().execute_command("CLUSTER MEET", "127.0.0.1", node.port)
        wait(self._all_know_each_other, START_TIMEOUT, "every node to know every other", self.logs)
        replicas = self.nodes[len(self._initial_masters) :]
        for i, replica in enumerate(replicas):
            master = self._initial_masters[i % len(self._initial_masters)]
            replica.client().execute_command("CLUSTER REPLICATE", master.id)
        self.wait_ok()

    def _assign_slots(self) -> None:
        count = len(self._initial_masters)
        for i, master in enumerate(self._initial_masters):
            first, last = i * SLOTS // count, (i + 1) * SLOTS // count
            master.client().execute_command("CLUSTER ADDSLOTS", *range(first, last))

    def _all_know_each_other(self) -> bool:
        ids = {n.id for n in self.nodes}
        for node in self.nodes:
            rows = self._nodes_table(node)
            if {r["id"] for r in rows} != ids or any("handshake" in r["flags"] for r in rows):
                return False
        return True

    def stop(self) -> None:
        for node in self.nodes:
            node.kill()

    def logs(self) -> str:
        return "\n".join(f"--- {node} ---\n{node.log_tail()}" for node in self.nodes)

    # ---------------------------------------------------------------- topology
    @property
    def url(self) -> str:
        """Return the URL of one live node: REDIS_URL may name any node of a cluster."""
        return next(n for n in self.nodes if n.alive).url

    @property
    def urls(self) -> list[str]:
        return [n.url for n in self.nodes if n.alive]

    def _nodes_table(self, node: Node) -> list[dict]:
        return cluster_nodes(node)

    def masters(self) -> list[Node]:
        """Return the live nodes that serve slots, as the first live node sees them."""
        by_id = {n.id: n for n in self.nodes}
        rows = self._nodes_table(self._any_live())
        return [by_id[r["id"]] for r in rows if "master" in r["flags"] and r["slots"] and by_id[r["id"]].alive]

    def replicas_of(self, master: Node) -> list[Node]:
        by_id = {n.id: n for n in self.nodes}
        rows = self._nodes_table(self._any_live())
        return [by_id[r["id"]] for r in rows if r["master"] == master.id and by_id[r["id"]].alive]

    def slot_of(self, key: str) -> int:
        return int(self._any_live().client().execute_command("CLUSTER KEYSLOT", key))

    def master_of_slot(self, slot: int) -> Node:
        for master in self.masters():
            if any(lo <= slot <= hi for lo, hi in self.slot_ranges(master)):
                return master
        raise LookupError(f"slot {slot} is not served")

    def master_of(self, key: str) -> Node:
        return self.master_of_slot(self.slot_of(key))

    def keys_on(self, master: Node, count: int, prefix: str = "k") -> list[str]:
        """Return ``count`` key names ``<prefix>:<n>`` whose slots ``master`` serves."""
        ranges = self.slot_ranges(master)
        names = (f"{prefix}:{i}" for i in range(1_000_000))
        mine = (k for k in names if any(lo <= key_slot(k.encode()) <= hi for lo, hi in ranges))
        return [next(mine) for _ in range(count)]

    def slot_ranges(self, master: Node) -> list[tuple[int, int]]:
        """Return the slot ranges ``master`` serves."""
        (row,) = [r for r in self._nodes_table(self._any_live()) if r["id"] == master.id]
        return row["slots"]

    def _any_live(self) -> Node:
        return next(n for n in self.nodes if n.alive)

    # ---------------------------------------------------------------- health
    def _healthy(self, expect_replicas: bool) -> bool:
        live = [n for n in self.nodes if n.alive]
        views = []
        for node in live:
            if node.cluster_info().get("cluster_state") != "ok":
                return False
            rows = [r for r in self._nodes_table(node) if "fail" not in r["flags"] and "noaddr" not in r["flags"]]
            views.append(sorted((r["id"], r["master"], tuple(r["slots"])) for r in rows if r["id"] in ids(live)))
        if any(view != views[0] for view in views):
            return False  # the nodes do not agree yet on who serves what
        masters = [row for row in views[0] if row[2]]
        if len(masters) != len(self._initial_masters):
            return False
        if expect_replicas:
            for node in live:
                info = node.info("replication")
                if info["role"] == "slave" and info.get("master_link_status") != "up":
                    return False
            replica_count = sum(1 for row in views[0] if row[1] != "-")
            return replica_count == len(self._initial_masters) * self.replicas_per_master
        return True

    def wait_ok(self, expect_replicas: bool = True, timeout: float = START_TIMEOUT) -> None:
        """Wait until every live node says cluster_state:ok, agrees on the slot map and replicas are in sync."""
        wait(lambda: self._healthy(expect_replicas), timeout, "cluster_state:ok on every node", self.logs)

    # ---------------------------------------------------------------- faults
    def failover(self, master: Node, kill: bool = False, restart: bool = True) -> Node:
        """Promote ``master``'s replica and return it once the cluster is ok with it as master.

        ``kill=False``: CLUSTER FAILOVER on the replica (coordinated; no write is lost). ``kill=True``: the
        master is killed and the replica takes over after the node timeout (writes not yet replicated are
        lost, as in production). With ``restart`` the killed node comes back and rejoins as a replica.
        """
        (replica, *_) = self.replicas_of(master)
        if kill:
            master.kill()
        else:
            replica.client().execute_command("CLUSTER FAILOVER")
        promoted = lambda: replica.info("replication")["role"] == "master"  # noqa: E731
        wait(promoted, FAILOVER_TIMEOUT, f"{replica} to become master", self.logs)
        if kill and restart:
            self.restart(master)
        self.wait_ok(expect_replicas=not kill or restart, timeout=FAILOVER_TIMEOUT)
        return replica

    def restart(self, node: Node) -> None:
        """Start a killed node again and wait until it is back in the cluster (a former master as a replica)."""
        node.start()
        wait(lambda: node.client().ping(), START_TIMEOUT, f"{node} to restart", self.logs)
        self.wait_ok(timeout=FAILOVER_TIMEOUT)

    def flush(self) -> None:
        """Delete every key on every master (replicas follow)."""
        for master in self.masters():
            master.client().flushall()


@pytest.fixture(scope="session")
def redis_cluster_session(tmp_path_factory):
    """One 3-master, 3-replica cluster for the whole run (started on first use)."""
    try:
        cluster = LocalCluster(tmp_path_factory.mktemp("redis-cluster"))
        cluster.start()
    except RuntimeError as exc:
        pytest.fail(f"could not start the local Redis Cluster: {exc}")
    yield cluster
    cluster.stop()


@pytest.fixture
def redis_cluster(redis_cluster_session):
    """The shared local cluster, checked healthy (3 masters, 3 synced replicas) before the test."""
    redis_cluster_session.wait_ok()
    return redis_cluster_session


def cluster_overrides(cluster: LocalCluster, caches: dict) -> dict:
    """Return the settings that put every alias of ``caches`` on ``cluster`` in cluster mode."""
    backend = "shop.cache.django_cluster.RedisClusterCache"
    on_cluster = {}
    for alias, conf in caches.items():
        options = {k: v for k, v in (conf.get("OPTIONS") or {}).items() if k != "CLIENT_CLASS"}
        on_cluster[alias] = {"BACKEND": backend, "LOCATION": cluster.url, "OPTIONS": options}
    return {"REDIS_CLUSTER": True, "CACHES": on_cluster}


@pytest.fixture
def cluster_mode(settings, redis_cluster):
    """Run the test in cluster mode: REDIS_CLUSTER on and every cache alias on the local cluster.

    Fixtures that talk to Redis in their teardown and were requested before this one see cluster mode there
    too; such tests use ``override_settings(**cluster_overrides(...))`` around their body instead.
    """
    for name, value in cluster_overrides(redis_cluster, settings.CACHES).items():
        setattr(settings, name, value)
    return redis_cluster
