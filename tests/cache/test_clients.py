"""shop.cache.clients: one redis-py client per process and alias; a cluster client in cluster mode."""

import os
import uuid

import pytest
import redis
from redis.cluster import RedisCluster

from shop.cache import clients
from tests.cluster import LocalCluster


@pytest.mark.single_node
def test_each_alias_gets_one_client_with_the_configured_timeouts(settings):
    default = clients.client("default")
    assert clients.client("default") is default
    assert type(default) is redis.Redis
    kwargs = default.connection_pool.connection_kwargs
    assert kwargs["socket_timeout"] == settings.REDIS_SOCKET_TIMEOUT
    assert kwargs["socket_connect_timeout"] == settings.REDIS_CONNECT_TIMEOUT
    sessions = clients.client("sessions")
    assert sessions is not default
    assert sessions.connection_pool.connection_kwargs["db"] == 1
    assert default.ping() is True


def test_a_settings_change_builds_a_new_client(settings, redis_server):
    before = clients.client("default")
    settings.CACHES = {**settings.CACHES, "default": {**settings.CACHES["default"], "LOCATION": redis_server.url}}
    after = clients.client("default")
    assert after is not before
    assert after.connection_pool.connection_kwargs["port"] == redis_server.port
    assert after.ping() is True


def test_a_forked_child_builds_its_own_client_and_leaves_the_parents_connection_open():
    parent = clients.client("default")
    assert parent.ping()
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: report, then leave without running any test machinery
        try:
            child = clients.client("default")
            ok = child is not parent and child.ping() is True
        except BaseException:
            ok = False
        os.write(write, b"1" if ok else b"0")
        os._exit(0)
    os.close(write)
    _, status = os.waitpid(pid, 0)
    assert os.read(read, 1) == b"1" and status == 0
    os.close(read)
    assert clients.client("default") is parent
    assert parent.ping() is True  # the child did not shut the parent's socket down


@pytest.mark.slow
def test_cluster_mode_builds_one_cluster_client_reading_from_primaries_only(cluster_mode, settings):
    conn = clients.client("default")
    assert isinstance(conn, RedisCluster)
    assert clients.client("sessions") is conn  # the same cluster, options and process: one client
    assert conn.read_from_replicas is False and conn.load_balancing_strategy is None
    assert conn.retry.get_retries() == settings.REDIS_CLUSTER_RETRIES
    assert len(conn.get_primaries()) == 3
    for node in conn.get_primaries():
        kwargs = node.redis_connection.connection_pool.connection_kwargs
        assert kwargs["socket_timeout"] == settings.REDIS_SOCKET_TIMEOUT
        assert kwargs["socket_connect_timeout"] == settings.REDIS_CONNECT_TIMEOUT
    assert len(clients.primaries(conn)) == 3


@pytest.mark.slow
def test_cluster_client_rides_out_a_killed_master_with_its_retries(cluster_mode):
    cluster = cluster_mode
    master = cluster.masters()[2]
    (key,) = cluster.keys_on(master, 1, prefix=uuid.uuid4().hex[:8])
    conn = clients.client("default")
    conn.set(key, "before", ex=600)
    assert master.client().wait(1, 5000) == 1
    cluster.failover(master, kill=True, restart=False)
    try:
        # The client still maps the key's slot to the dead master: the call fails there, reloads the slot map
        # and retries on the promoted replica, all within this one call.
        assert conn.get(key) == b"before"
        conn.set(key, "after", ex=600)
        assert cluster.master_of(key).client().get(key) == b"after"
    finally:
        cluster.restart(master)


@pytest.fixture(scope="module")
def tls_cluster(tmp_path_factory):
    """Three masters over TLS with a password, as ElastiCache Serverless is reached (rediss:// and AUTH)."""
    try:
        cluster = LocalCluster(tmp_path_factory.mktemp("tls-cluster"), replicas=0, password="s3cret-t0ken", tls=True)
        cluster.start()
    except RuntimeError as exc:
        pytest.fail(f"could not start the TLS cluster: {exc}")
    yield cluster
    cluster.stop()


def _tls_options(cluster, password: str) -> dict:
    return {
        "SOCKET_CONNECT_TIMEOUT": 1,
        "SOCKET_TIMEOUT": 1,
        "PASSWORD": password,
        # production.py sets ssl_cert_reqs here; the local certificate is its own CA.
        "CONNECTION_POOL_KWARGS": {"ssl_cert_reqs": "required", "ssl_ca_certs": cluster.tls["cert"]},
    }


@pytest.mark.slow
def test_cluster_client_speaks_tls_and_auth_to_every_node(tls_cluster):
    location = tls_cluster.url.replace(":s3cret-t0ken@", "")  # the token comes from PASSWORD, as in production
    conn = clients.build(location, _tls_options(tls_cluster, "s3cret-t0ken"), cluster=True)
    prefix = uuid.uuid4().hex[:8]
    for master in tls_cluster.masters():
        (key,) = tls_cluster.keys_on(master, 1, prefix=prefix)
        conn.set(key, "secret", ex=60)
        assert master.client().get(key) == b"secret"
    for node in conn.get_primaries():
        pool = node.redis_connection.connection_pool
        assert pool.connection_class is redis.SSLConnection
    conn.close()


@pytest.mark.slow
def test_cluster_client_with_a_wrong_token_is_refused(tls_cluster):
    location = tls_cluster.url.replace(":s3cret-t0ken@", "")
    with pytest.raises(clients.ERRORS):
        clients.build(location, _tls_options(tls_cluster, "wrong"), cluster=True).ping()
