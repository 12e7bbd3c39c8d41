"""Key names: the only place that spells a Redis key of the cache layer.

Every key carries SCHEMA_VERSION, so a deploy that changes the shape of cached values never reads an
entry written by the previous release. The part in braces is a Redis Cluster hash tag: an entry and its
lock share a slot, a tag's version and its fence share a slot, so each script touches one slot, and every
entry and tag has a slot of its own, so keys spread over every node (docs/cluster.md). An entry named like
its own tag (``product:<slug>``) shares that tag's slot; nothing relies on it.
"""

import hashlib

from . import conf

SCHEMA_VERSION = 5


def _prefix() -> str:
    return f"{conf.get('SHOP_CACHE')['PREFIX']}:v{SCHEMA_VERSION}"


def _safe(part: object) -> str:
    text = str(part)
    # Braces would end the hash tag early; such text (free-form input) is identified by its digest.
    return digest(text) if "{" in text or "}" in text else text


def entry(namespace: str, *parts: object) -> str:
    """Return the key of a cached value in ``namespace`` identified by ``parts``."""
    return f"{_prefix()}:e:{{{':'.join([namespace, *map(_safe, parts)])}}}"


def lock(key: str) -> str:
    """Return the single-flight lock key guarding entry ``key`` (same slot)."""
    return f"{key}:lock"


def tag(name: str) -> str:
    """Return the key holding the current version of tag ``name``."""
    return f"{_prefix()}:t:{{{_safe(name)}}}"


def tag_name(tag_key: str) -> str:
    """Return the name of the tag whose version ``tag_key`` holds."""
    return tag_key[tag_key.index(":t:{") + 4 : -1]


def fence(tag_key: str) -> str:
    """Return the set of in-flight writers of a tag (same slot as the tag)."""
    return f"{tag_key}:fence"


def stats() -> str:
    """Return the hash where every process adds its hit/miss counts (on one node)."""
    return f"{_prefix()}:stats"


# On a cluster one hash counted by every request would be one hot slot: the counts are spread over this
# many hashes (no hash tag, so each name is its own slot) and summed when they are published.
STATS_SHARDS = 16


def stats_shards() -> list[str]:
    """Return every hash that holds counts: ``stats()`` on one node, STATS_SHARDS hashes on a cluster."""
    if not conf.get("REDIS_CLUSTER"):
        return [stats()]
    return [f"{_prefix()}:stats:{n}" for n in range(STATS_SHARDS)]


def stats_history() -> str:
    """Return the capped list of published stats snapshots (the staff panel's chart)."""
    return f"{_prefix()}:stats:history"


def digest(text: str) -> str:
    """Return a short, key-safe digest of free text such as a search query."""
    return hashlib.blake2b(text.encode(), digest_size=12).hexdigest()
