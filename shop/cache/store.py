"""Read-through cache on Redis: tag-validated entries, single-flight fills, a circuit breaker.

Protocol (the backends carry it out): an entry is stored with each of its tags' versions as they were
*before* its value was computed, and is returned only while every tag still has that version. A writer
changes the versions before it commits (the fence, which also stops anyone from storing under those tags
until it has committed) and again after (the bump). So a value read from a row that a committed write has
since changed is never served ("no stale set"), and one bump reaches every entry that carries the tag.
A missing entry is computed once per key across processes (a Redis lock; the others wait for its value)
and once per key within a process while Redis is away (``flight``).
"""

import contextlib
import itertools
import json
import os
import time
import zlib
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from django.conf import settings

from . import conf, flight, record, stats
from .entry import BYPASS, DEGRADED, HIT, MISS, Entry, Result, Transient
from .trust import CacheUnavailable, call

__all__ = ["CacheUnavailable", "Entry", "Result", "Transient", "read", "read_many", "client"]

# Tag versions outlive every entry; a tag that does expire (or is evicted) comes back with a fresh random
# version, which only makes older entries unreachable, never stale ones valid.
TAG_TTL_SECONDS = 7 * 24 * 3600
# Values of at least this many bytes of JSON are stored zlib-compressed (pages shrink four- to sixfold).
COMPRESS_MIN_BYTES = 1024


def client(alias: str = "default"):
    """Return the raw redis-py client behind cache ``alias``."""
    from . import backends

    return backends.get(alias).client()


_tokens = itertools.count()
_process = os.urandom(6).hex()


def _new_process() -> None:
    global _process
    _process = os.urandom(6).hex()


os.register_at_fork(after_in_child=_new_process)


def new_token() -> str:
    """Return a token for a lock, a fence or a tag version: unique, not secret (a random prefix per process)."""
    return f"{_process}{next(_tokens):x}"


def encode(value: Any) -> bytes:
    """Return ``value`` as stored: JSON (``j``, or ``z`` zlib-compressed when large), or bytes as they are (``r``).

    Bytes are rendered responses: served as stored, without decompressing or parsing anything on a hit (a
    page costs Redis about four times the memory compressed data would; it saves the most CPU per request).
    """
    if isinstance(value, bytes):
        return b"r" + value
    data = json.dumps(value, separators=(",", ":"), default=str).encode()
    if len(data) >= COMPRESS_MIN_BYTES:
        return b"z" + zlib.compress(data, 1)
    return b"j" + data


def decode(payload: bytes) -> Any:
    kind = payload[:1]
    if kind == b"z":
        return json.loads(zlib.decompress(payload[1:]))
    if kind == b"r":
        return payload[1:]
    return json.loads(payload[1:])


def split(raw: bytes) -> tuple[list, bytes]:
    """Return the header ``[etag, tag key, version, ...]`` and the payload of a stored entry."""
    header, _, payload = raw.partition(b"\n")
    return json.loads(header), payload


def pack(etag: str, tag_keys: Sequence[str], versions: Sequence, value: Any) -> bytes:
    header = [etag, *(item for pair in zip(tag_keys, versions) for item in pair)]
    return json.dumps(header, separators=(",", ":")).encode() + b"\n" + encode(value)


def _text(value) -> str:
    return value.decode() if isinstance(value, bytes) else value


def _unwrap(value: Any) -> Any:
    return value.value if isinstance(value, Transient) else value


# Reading -----------------------------------------------------------------------------------------------


def read(entry: Entry) -> Result:
    """Return the cached value of ``entry``, computing and storing it on a miss."""
    return read_many([entry])[0]


def fetch(entries: Sequence[Entry], token: str, *, count: bool = True, etags: Sequence[str | None] = ()) -> list:
    """Run the fetch step for ``entries`` (all on one alias) behind the breaker."""
    alias = entries[0].alias
    cache = conf.get("SHOP_CACHE")
    items = [(e.key, e.namespace, [_tag_key(t) for t in e.tags]) for e in entries]
    # Counts made in Python ride along with the next fetch on the default alias (one hash per shop).
    extra = stats.take_pending() if alias == "default" else []
    try:
        return call(
            lambda backend: backend.fetch(
                items,
                token,
                lock_ttl_ms=cache["LOCK_TTL_MS"],
                tag_ttl=TAG_TTL_SECONDS,
                count=count and alias == "default",
                extra_stats=extra,
                etags=list(etags) or [None] * len(items),
            ),
            alias,
        )
    except CacheUnavailable:
        stats.restore(extra)
        raise


def _tag_key(name: str) -> str:
    from . import keys

    return keys.tag(name)


def read_many(entries: Sequence[Entry]) -> list[Result]:
    """Return the values of ``entries`` (one alias), in one round trip when all are cached."""
    if not entries:
        return []
    if not conf.get("SHOP_CACHE")["ENABLED"]:
        record.spoil()
        return [Result(_unwrap(v), BYPASS) for v in _compute(entries)]
    token = new_token()
    try:
        rows = fetch(entries, token)
    except CacheUnavailable:
        return _degraded(entries)
    results: list[Result | None] = [None] * len(entries)
    missing = []
    for i, (entry, row) in enumerate(zip(entries, rows)):
        if row[0] == 1:
            header, payload = split(row[1])
            record.note(header[1::2], header[2::2])
            results[i] = Result(decode(payload), HIT)
        else:
            missing.append((i, entry, row[1], [_text(v) for v in row[2:]], token))
        if entry.alias != "default":
            stats.incr(f"{entry.namespace}:{'hit' if row[0] == 1 else 'miss'}")
    for i, result in _fill(missing):
        results[i] = result
    return results


def _degraded(entries: Sequence[Entry]) -> list[Result]:
    record.spoil()
    for entry in entries:
        stats.incr(f"{entry.namespace}:degraded")
    # Within this process, concurrent requests share one compute per key (one query per page of cards).
    values = _compute(entries, lambda e: flight.run(e.alias, e.key, e.compute))
    return [Result(_unwrap(v), DEGRADED) for v in values]


def _compute(entries: Sequence[Entry], single=None) -> list[Any]:
    """Compute the values of ``entries`` (maybe Transient): one call per ``compute_many`` group."""
    values: list[Any] = [None] * len(entries)
    groups: dict[Any, list[int]] = defaultdict(list)
    for i, entry in enumerate(entries):
        if entry.compute_many is None:
            values[i] = single(entry) if single else entry.compute()
        else:
            groups[entry.compute_many].append(i)
    for compute_many, indexes in groups.items():
        for i, value in zip(indexes, compute_many([entries[i] for i in indexes])):
            values[i] = value
    return values


def _fill(missing: list) -> list[tuple[int, Result]]:
    """Compute missing values: the lock holder computes and stores, the others wait for its value."""
    done, compute = [], []
    for i, entry, state, versions, token in missing:
        got = _wait(entry, state, versions, token) if state == 0 else (state, versions, token, None)
        state, versions, token, value = got
        if value is not None:
            done.append((i, Result(decode(value[1]), MISS)))
        else:
            compute.append((i, entry, state, versions, token))
    if not compute:
        return done
    try:
        values = _compute([entry for _, entry, *_ in compute])
    except BaseException:
        for _, entry, state, _, token in compute:
            if state == 1:
                _unlock(entry, token)  # a failed compute must not make the others wait out the lock
        raise
    for (i, entry, state, versions, token), value in zip(compute, values):
        record.note([_tag_key(t) for t in entry.tags], versions)
        if not isinstance(value, Transient):
            value = decode(encode(value))  # a miss returns what a hit would: plain JSON types
        if state == 1 and not isinstance(value, Transient):
            _store(entry, value, versions, token)
        elif state == 1:
            _unlock(entry, token)
        elif state == -1:
            stats.incr(f"{entry.namespace}:fenced")
        done.append((i, Result(_unwrap(value), MISS)))
    return done


def _wait(entry: Entry, state: int, versions: list, token: str):
    """Poll until another caller's value appears, the lock is ours, a write fences it, or time runs out.

    Return (state, versions, token, (header, payload) of the value another caller stored, or None).
    """
    deadline = time.monotonic() + settings.SHOP_CACHE["LOCK_WAIT_SECONDS"]
    delay = 0.005
    stats.incr(f"{entry.namespace}:stampede_wait")
    while state == 0:
        if time.monotonic() >= deadline:
            stats.incr(f"{entry.namespace}:lock_timeout")
            return -2, versions, token, None  # compute it ourselves, store nothing
        time.sleep(delay)
        delay = min(delay * 2, 0.05)
        token = new_token()
        try:
            row = fetch([entry], token, count=False)[0]
        except CacheUnavailable:
            record.spoil()
            return -2, versions, token, None
        if row[0] == 1:
            header, payload = split(row[1])
            record.note(header[1::2], header[2::2])
            return 1, versions, token, (header, payload)
        state, versions = row[1], [_text(v) for v in row[2:]]
    return state, versions, token, None


def _store(entry: Entry, value: Any, versions: Sequence[str], token: str, etag: str = "") -> bool:
    """Store ``value`` unless a tag moved on since ``versions`` were read; release the lock."""
    tag_keys = [_tag_key(t) for t in entry.tags]
    raw = pack(etag, tag_keys, versions, value)
    ttl_ms = int(entry.ttl * 1000)
    try:
        return call(lambda backend: backend.store(entry.key, raw, ttl_ms, token, tag_keys, versions), entry.alias)
    except CacheUnavailable:
        return False


def _unlock(entry: Entry, token: str) -> None:
    with contextlib.suppress(CacheUnavailable):
        call(lambda backend: backend.unlock(entry.key, token), entry.alias)
