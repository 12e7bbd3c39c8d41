"""Django cache backend on a Redis Cluster (django-redis declined cluster support), for ``caches[alias]``.

Django's own Redis backend with its client swapped for ``shop.cache.clients``' cluster client, and the three
multi-key calls that would cross hash slots (MGET, MSET, FLUSHDB on one node) spread over the cluster.
"""

from django.core.cache.backends.redis import RedisCache, RedisCacheClient

from . import clients


class ClusterCacheClient(RedisCacheClient):
    def __init__(self, servers, **options) -> None:
        super().__init__(servers)
        self._location = servers[0]
        self._options = options

    def get_client(self, key=None, *, write=False):
        return clients.connect(self._location, self._options, cluster=True)

    def get_many(self, keys):
        keys = list(keys)
        values = self.get_client().mget_nonatomic(keys)
        return {k: self._serializer.loads(v) for k, v in zip(keys, values) if v is not None}

    def set_many(self, data, timeout):
        pipe = self.get_client(write=True).pipeline()
        for key, value in data.items():
            pipe.set(key, self._serializer.dumps(value), ex=timeout)
        pipe.execute()

    def clear(self):
        conn = self.get_client(write=True)
        result = conn.flushdb(target_nodes=conn.PRIMARIES)
        return all(result.values()) if isinstance(result, dict) else bool(result)


class RedisClusterCache(RedisCache):
    """CACHES backend: LOCATION names any node of the cluster; OPTIONS as for django-redis (clients.py)."""

    def __init__(self, server, params) -> None:
        super().__init__(server, params)
        self._class = ClusterCacheClient
