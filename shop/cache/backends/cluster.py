"""Redis Cluster (ElastiCache Serverless): the single-node protocol in steps that each touch one hash slot.

A cluster runs a script only over keys it is given in KEYS, all in one slot, and each slot lives on one
node; the single-node scripts read tag keys named inside entries, so here each step is a pipeline of
one-slot commands (redis-py sends each node its share in one request, to every node at once):

- fetch: (1) GET every entry. (2) GET the tags each entry found names; for each missing entry, read each
  of its tags' version (``SET NX GET``: the current one, or a new one if the tag had none) and fence, take
  its lock (``SET NX PX``) and re-read its header (``GETRANGE``, after the lock, same slot: a value stored
  since (1) is waited for, not computed again). (3) Only for entries (2) found stale: the same as for
  missing ones. A lock taken in the step that found a tag fenced or the entry stored is handed back at once.
  A warm read is two round trips; a miss two, a stale entry three, one more while a write is in flight.
- store: read the tags' versions and fences; if all are current and none fenced, SET the entry and release
  its lock in one script (the entry and its lock share a slot).

Why a store whose check and SET are two steps is still safe: a read serves an entry only while every tag
still has the version written in its header, and a writer changes the versions of its tags when it fences
(before commit) and when it bumps (after). A writer that fenced before the store's check is seen by it; one
that fences after the check has already changed the version the stored entry carries, so that entry is never
served. A value read from a row that a committed write has since changed is never served, as on one node
(``tests/redis_cluster/test_engine.py`` breaks that interleaving on purpose).

Counts: a hash counted by every request would be one hot slot, so hits and misses are counted in Python
and sent, with every other count waiting in the process, at most once a second, to one of
``keys.stats_shards()`` on the node the fetch visits first (no extra round trip, no extra node), and once
more when the process exits.
"""

import atexit
import contextlib
import json
import random
import time
from collections import Counter
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

from redis.commands.core import Script
from redis.crc import key_slot

from .. import clients, keys, stats
from .single import SingleNodeBackend
from .slots import Step

# ElastiCache Serverless refuses a request (one command) with more than this many arguments; every
# command here has a handful, and anything that could grow (metrics) is cut below it.
MAX_REQUEST_ARGS = 3_999

# KEYS: entry, lock; ARGV: raw, ttl ms, lock token. Stores the entry and releases the lock if it is ours.
STORE = """
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
if redis.call('GET', KEYS[2]) == ARGV[3] then redis.call('DEL', KEYS[2]) end
return 1
"""

_store = Script(None, STORE.encode())


def _text(value) -> str | None:
    return value.decode() if isinstance(value, bytes) else value


def _parse(raw: bytes | None) -> tuple[list, int] | None:
    """Return the header and the newline's offset of a stored entry, or None if there is none."""
    if raw is None:
        return None
    nl = raw.find(b"\n")
    return (json.loads(raw[:nl]), nl) if nl >= 0 else None


class _Tags:
    """What one fetch learnt of its tags: version (str, None if absent) and, once read, whether fenced."""

    def __init__(self, token: str, tag_ttl: int) -> None:
        self.token, self.tag_ttl = token, tag_ttl
        self.version: dict[str, str | None] = {}
        self.fenced: dict[str, bool] = {}
        self._queued: set[tuple[str, bool]] = set()

    def get(self, step: Step, tags: Sequence[str]) -> None:
        """Queue a plain read of each tag's version (to validate a stored entry)."""
        for tag in tags:
            if tag not in self.version and (tag, False) not in self._queued and (tag, True) not in self._queued:
                self._queued.add((tag, False))
                step.add(lambda v, t=tag: self.version.__setitem__(t, _text(v)), "GET", tag)

    def read(self, step: Step, tags: Sequence[str]) -> None:
        """Queue each tag's version (created if it has none) and fence, unless already known or queued."""
        for tag in tags:
            if tag in self.fenced or (tag, True) in self._queued:
                continue
            self._queued.add((tag, True))
            new = f"{self.token}:{len(self._queued)}"

            def versioned(reply, tag=tag, new=new) -> None:
                self.version[tag] = _text(reply) or new  # nothing found: ``new`` was set

            def fenced(reply, tag=tag) -> None:
                self.fenced[tag] = bool(reply)

            # SET NX GET answers the version it found, or nothing when it set ``new`` (Redis >= 7.0).
            step.add(versioned, "SET", tag, new, "NX", "GET", "EX", self.tag_ttl)
            step.add(fenced, "EXISTS", keys.fence(tag))

    def any_fenced(self, tags: Sequence[str]) -> bool:
        return any(self.fenced.get(t, False) for t in tags)


class _Miss:
    """An entry to compute: row index, key, tag keys; whether this fetch took its lock, and found it stored."""

    __slots__ = ("index", "key", "tags", "seen", "locked", "filled")

    def __init__(self, index: int, key: str, tags: Sequence[str], seen: bytes = b"") -> None:
        self.index, self.key, self.tags, self.seen = index, key, tags, seen  # seen: the stale header, if any
        self.locked = self.filled = False


# Counts are sent at most this often per process (each flush adds a command per counted field to a fetch).
STATS_FLUSH_SECONDS = 1.0
_flushed_at = [0.0]


def _flush_due() -> bool:
    now = time.monotonic()
    if now - _flushed_at[0] < STATS_FLUSH_SECONDS:
        return False
    _flushed_at[0] = now
    return True


@lru_cache(maxsize=64)
def _shard_slots(shards: tuple[str, ...]) -> tuple[tuple[str, int], ...]:
    return tuple((shard, key_slot(shard.encode())) for shard in shards)


def _shard_near(conn, key: str) -> str:
    """Return a stats hash on the node serving ``key`` (any shard if the slot map says nothing)."""
    shards = tuple(keys.stats_shards())
    nodes = conn.nodes_manager
    try:
        node = nodes.get_node_from_slot(key_slot(key.encode())).name
        near = [s for s, slot in _shard_slots(shards) if nodes.get_node_from_slot(slot).name == node]
    except (*clients.ERRORS, LookupError):  # a slot map being reloaded: any shard will do
        near = []
    return random.choice(near or shards)


class ClusterBackend(SingleNodeBackend):
    """The protocol's steps on a Redis Cluster through ``shop.cache.clients``' cluster client.

    ``fence`` and ``bump`` send the single-node commands (one slot each) as one step; ``unlock`` is the
    single-node script (its one key names its slot).
    """

    def __init__(self, alias: str) -> None:
        super().__init__(alias)
        if alias == "default":  # the alias that carries counts: what waits in Python is sent when the process ends
            atexit.register(self._flush_at_exit)

    def _flush_at_exit(self) -> None:
        with contextlib.suppress(*clients.ERRORS):
            self.incr_stats(stats.take_pending())

    def fetch(self, items, token, *, lock_ttl_ms, tag_ttl, count, extra_stats, etags) -> list:
        """Return the rows the single-node FETCH script returns for ``items`` (key, namespace, tag keys).

        ``extra_stats`` is emptied once sent (or put back for a later fetch), so a failure after that does
        not count it twice.
        """
        conn = self.client()
        first = Step(conn)
        raws: list[bytes | None] = [None] * len(items)
        for i, (key, _, _) in enumerate(items):
            first.add(lambda v, i=i: raws.__setitem__(i, v), "GET", key)
        if extra_stats and _flush_due():
            shard = _shard_near(conn, items[0][0])
            for field, amount in extra_stats:
                first.add(lambda _: None, "HINCRBY", shard, field, amount)
        elif extra_stats:
            stats.restore(extra_stats)  # sent with a later fetch
            extra_stats.clear()
        first.run()
        extra_stats.clear()

        tags = _Tags(token, tag_ttl)
        found, misses = {}, []
        for i, raw in enumerate(raws):
            parsed = _parse(raw)
            if parsed is None:
                misses.append(_Miss(i, items[i][0], items[i][2]))
            else:
                found[i] = parsed
        second = Step(conn)
        for header, _ in found.values():
            tags.get(second, header[1::2])
        self._lock(second, tags, misses, token, lock_ttl_ms)
        second.run()

        rows: list[list | None] = [None] * len(items)
        stale = []
        for i, (header, nl) in found.items():
            if all(tags.version.get(t) == v for t, v in zip(header[1::2], header[2::2])):
                wanted, raw = etags[i], raws[i]
                rows[i] = [2, raw[:nl]] if wanted and wanted == header[0] else [1, raw]
            else:
                stale.append(_Miss(i, items[i][0], items[i][2], raws[i][: nl + 1]))
        third = Step(conn)
        self._hand_back(third, tags, misses, token)
        self._lock(third, tags, stale, token, lock_ttl_ms)
        third.run()
        last = Step(conn)
        self._hand_back(last, tags, stale, token)
        last.run()

        for miss in misses + stale:
            state = -1 if tags.any_fenced(miss.tags) else int(miss.locked)
            rows[miss.index] = [0, state, *(tags.version[t].encode() for t in miss.tags)]  # bytes, as from Lua
        if count:
            counted = Counter(f"{ns}:{'hit' if rows[i][0] in (1, 2) else 'miss'}" for i, (_, ns, _) in enumerate(items))
            for field, amount in counted.items():
                stats.incr(field, amount)
        return rows

    def _lock(self, step: Step, tags: _Tags, misses: list[_Miss], token: str, lock_ttl_ms: int) -> None:
        """Queue the tag reads ``misses`` still lack, and their locks unless a tag is known to be fenced."""
        for miss in misses:
            tags.read(step, miss.tags)
            if not tags.any_fenced(miss.tags):

                def took(reply, miss=miss) -> None:
                    miss.locked = bool(reply)

                def filled(reply, miss=miss) -> None:
                    miss.filled = miss.locked and bool(reply) and reply != miss.seen

                step.add(took, "SET", keys.lock(miss.key), token, "NX", "PX", lock_ttl_ms)
                # Read after the lock (same slot, same connection): an entry stored (and its lock released)
                # since step 1 has another header than the one seen then, and is waited for, not recomputed.
                step.add(filled, "GETRANGE", miss.key, 0, max(len(miss.seen) - 1, 0))

    def _hand_back(self, step: Step, tags: _Tags, misses: list[_Miss], token: str) -> None:
        """Queue the release of locks taken in the step that found a tag fenced or the entry stored."""
        for miss in misses:
            if miss.locked and (miss.filled or tags.any_fenced(miss.tags)):
                step.unlock(keys.lock(miss.key), token)
                miss.locked = False

    def store(self, key: str, raw: bytes, ttl_ms: int, token: str, tag_keys: Sequence[str], versions) -> bool:
        """Store ``raw`` unless a tag moved on from ``versions`` or is fenced; release the lock either way."""
        conn = self.client()
        if tag_keys:
            check = Step(conn)
            seen: dict[str, Any] = {}
            for tag in tag_keys:
                check.add(lambda v, t=tag: seen.__setitem__(t, _text(v)), "GET", tag)
                check.add(lambda v, t=tag: seen.__setitem__(keys.fence(t), v), "EXISTS", keys.fence(tag))
            check.run()
            current = all(seen[t] == v and not seen[keys.fence(t)] for t, v in zip(tag_keys, versions))
            if not current:
                self.unlock(key, token)
                return False
        return bool(_store(keys=[key, keys.lock(key)], args=[raw, ttl_ms, token], client=conn))

    def _run(self, commands: list[tuple]) -> None:
        """Run fence or bump commands as one step: a node that stops answering fails it at once (outbox)."""
        step = Step(self.client())
        for command in commands:
            step.add(lambda _: None, *command)
        step.run()

    def incr_stats(self, counts: Sequence[tuple[str, int]]) -> None:
        """Add ``counts`` to one stats hash, chosen at random so that none is hot."""
        if not counts:
            return
        shard = random.choice(keys.stats_shards())
        pipe = self.client().pipeline(transaction=False)
        for field, amount in counts:
            pipe.hincrby(shard, field, amount)
        pipe.execute()
