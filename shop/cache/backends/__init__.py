"""Redis backends of the cache layer: one Lua script per round trip on a single node (``single``)."""

from functools import cache

from .. import conf


@cache
def _backend(alias: str, cluster: bool):
    if cluster:
        from .cluster import ClusterBackend

        return ClusterBackend(alias)
    from .single import SingleNodeBackend

    return SingleNodeBackend(alias)


def get(alias: str = "default"):
    """Return the backend serving cache ``alias`` (one per process and alias)."""
    return _backend(alias, bool(conf.get("REDIS_CLUSTER")))
