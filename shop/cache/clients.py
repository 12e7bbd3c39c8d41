"""redis-py clients for the cache aliases: one per process and configuration, a cluster client in cluster mode.

``client(alias)`` reads ``settings.CACHES[alias]`` (LOCATION plus django-redis style OPTIONS: SOCKET_TIMEOUT,
SOCKET_CONNECT_TIMEOUT, PASSWORD, CONNECTION_POOL_KWARGS) and ``settings.REDIS_CLUSTER``. Django's cache
framework and django-redis do not speak Redis Cluster; everything that talks to Redis directly goes through
here, so one setting switches it all. A forked child never reuses its parent's sockets, and a settings change
(tests) drops every client.
"""

import os
import threading
from typing import Any

import redis
from django.conf import settings
from django.core.signals import setting_changed
from redis.backoff import ExponentialWithJitterBackoff
from redis.cluster import RedisCluster
from redis.exceptions import RedisClusterException, RedisError
from redis.retry import Retry

from . import conf as settings_conf

Client = redis.Redis | RedisCluster
# What a client raises when Redis cannot serve: the cluster client's own errors (no reachable node, a slot not
# served) do not derive from RedisError.
ERRORS = (RedisError, RedisClusterException, OSError)

_lock = threading.Lock()
_clients: dict[tuple, Client] = {}
_pid = os.getpid()


_by_alias: dict[str, tuple[int, dict, Client]] = {}


def client(alias: str = "default") -> Client:
    """Return this process's client for the cache alias ``alias`` (a dictionary lookup once it exists)."""
    conf = settings_conf.get("CACHES")[alias]
    known = _by_alias.get(alias)
    if known is not None and known[0] == _pid == os.getpid() and known[1] is conf:
        return known[2]
    conn = connect(conf["LOCATION"], conf.get("OPTIONS") or {})
    _by_alias[alias] = (os.getpid(), conf, conn)
    return conn


def connect(location: str, options: dict | None = None, *, cluster: bool | None = None) -> Client:
    """Return this process's client for ``location``; ``cluster`` defaults to settings.REDIS_CLUSTER."""
    global _pid
    options = options or {}
    cluster = settings.REDIS_CLUSTER if cluster is None else cluster
    key = (location, cluster, repr(sorted(options.items())))
    if os.getpid() != _pid:
        # A forked child: the parent's sockets are not ours to use, nor to close (shutdown would cut the parent).
        with _lock:
            _clients.clear()
            _pid = os.getpid()
    try:
        return _clients[key]
    except KeyError:
        pass
    with _lock:
        if key not in _clients:
            _clients[key] = build(location, options, cluster=cluster)
        return _clients[key]


def redis_kwargs(options: dict) -> dict[str, Any]:
    """Return redis-py connection arguments for django-redis style ``options``."""
    kwargs: dict[str, Any] = {}
    if "SOCKET_CONNECT_TIMEOUT" in options:
        kwargs["socket_connect_timeout"] = options["SOCKET_CONNECT_TIMEOUT"]
    if "SOCKET_TIMEOUT" in options:
        kwargs["socket_timeout"] = options["SOCKET_TIMEOUT"]
    if options.get("PASSWORD"):
        kwargs["password"] = options["PASSWORD"]
    kwargs.update(options.get("CONNECTION_POOL_KWARGS") or {})
    return kwargs


def cluster_kwargs() -> dict[str, Any]:
    """Return the RedisCluster arguments of cluster mode (docs/cluster.md explains each choice)."""
    return {
        # redis-py's sync cluster client uses only the count: after a connection error or CLUSTERDOWN it
        # refreshes the slot map and tries again at once (CLUSTERDOWN waits 0.25 s). Few attempts keep a
        # failover's cost per request small; the breaker then serves from Postgres until the cluster is back.
        "retry": Retry(ExponentialWithJitterBackoff(base=0.01, cap=0.1), settings.REDIS_CLUSTER_RETRIES),
        # Reads from the primary only (no load balancing over replicas, no READONLY): a replica may lag, and a
        # stale tag version read there would validate a stale entry.
        "load_balancing_strategy": None,
        # After a failover every slot of the old primary answers MOVED; the fifth one reloads the whole map.
        "reinitialize_steps": 5,
        # Every slot must be served before the client is built: a half-configured cluster is an outage.
        "require_full_coverage": True,
        # The nodes CLUSTER SLOTS names become the startup nodes, so a refresh still finds the cluster when the
        # node REDIS_URL names is the one that died (ElastiCache and Serverless answer with stable host names).
        "dynamic_startup_nodes": True,
    }


def build(location: str, options: dict | None = None, *, cluster: bool = False) -> Client:
    """Return a new client for ``location`` (not cached)."""
    kwargs = redis_kwargs(options or {})
    if cluster:
        return RedisCluster.from_url(location, **kwargs, **cluster_kwargs())
    # The same pool django-redis builds: one pool per client, shared by the process's threads.
    return redis.Redis(connection_pool=redis.ConnectionPool.from_url(location, **kwargs))


def is_cluster(conn: Client) -> bool:
    return isinstance(conn, RedisCluster)


def primaries(conn: Client) -> list[redis.Redis]:
    """Return a plain client per primary (one for a single server): for per-node commands (INFO, SCAN)."""
    if not is_cluster(conn):
        return [conn]
    return [conn.get_redis_connection(node) for node in conn.get_primaries()]


def reset() -> None:
    """Close and forget every client of this process."""
    with _lock:
        stale = list(_clients.values()) if os.getpid() == _pid else []
        _clients.clear()
        _by_alias.clear()
    for conn in stale:
        conn.close()


def _settings_changed(setting: str, **kwargs: Any) -> None:
    if setting == "CACHES" or setting.startswith("REDIS_"):
        reset()


setting_changed.connect(_settings_changed)
