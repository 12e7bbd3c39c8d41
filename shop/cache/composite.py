"""Composite entries: a value built from other cached values (a rendered page, an API response).

A composite is stored under the tag versions its parts were read at (``record``), so it is exactly as
fresh as they are. Its ETag is a digest of those versions: a changed part changes it, and a client's
``If-None-Match`` is answered without the stored body ever leaving Redis.
"""

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Any

from . import conf, flight, keys, record, stats
from .entry import BYPASS, DEGRADED, HIT, MISS, Entry, Transient
from .store import _store, _tag_key, _text, _unlock, _wait, decode, fetch, new_token
from .trust import CacheUnavailable


@dataclass(frozen=True)
class Composite:
    """What a composite read returns.

    ``shared`` says the value is valid for everyone right now (a hit, or stored under the versions it was
    built from): only then may a shared cache (an edge) keep it. ``value`` is None when ``not_modified``.
    """

    value: Any
    outcome: str
    tags: tuple[str, ...] = ()
    etag: str = ""
    shared: bool = False
    not_modified: bool = False


def _etag(key: str, tag_keys, versions) -> str:
    text = "\n".join([key, *(f"{t}={v}" for t, v in sorted(zip(tag_keys, versions)))])
    return hashlib.blake2b(text.encode(), digest_size=10).hexdigest()


def _from_header(header: list, value: Any, outcome: str, not_modified: bool = False) -> Composite:
    names = tuple(keys.tag_name(t) for t in header[1::2])
    return Composite(value, outcome, names, header[0], shared=True, not_modified=not_modified)


@lru_cache(maxsize=4096)
def _parsed(header: bytes) -> tuple[str, tuple, tuple, tuple]:
    """Return etag, tag keys, versions and tag names of a stored header (the same bytes on every hit of a page)."""
    items = json.loads(header)
    return items[0], tuple(items[1::2]), tuple(items[2::2]), tuple(keys.tag_name(t) for t in items[1::2])


def answered(row: list, if_none_match: str | None = None) -> Composite | None:
    """Return the composite a fetch row holds (a hit, or "not modified"), or None for a miss."""
    if row[0] == 2:  # still valid and still the ETag the client has: nothing else needs reading
        return Composite(None, HIT, etag=if_none_match or "", shared=True, not_modified=True)
    if row[0] == 1:
        header, _, payload = row[1].partition(b"\n")
        etag, tag_keys, versions, names = _parsed(header)
        record.note(tag_keys, versions)
        return Composite(decode(payload), HIT, names, etag, shared=True)
    return None


def read_composite(
    entry: Entry, build: Callable[[], Any], if_none_match: str | None = None, fetched: tuple | None = None
) -> Composite:
    """Return the composite ``entry``, building it with ``build()`` (which reads through the cache) on a miss.

    ``build`` may return ``Transient(value)`` for a value that must not be stored (an error page).
    ``fetched`` is (key, row, token) of a fetch of this entry already made (the WSGI layer's miss).
    """
    if not conf.get("SHOP_CACHE")["ENABLED"]:
        with record.recording():
            value = build()
        return Composite(value.value if isinstance(value, Transient) else value, BYPASS)
    if fetched is not None and fetched[0] == entry.key:
        _, row, token = fetched
    else:
        token = new_token()
        try:
            row = fetch([entry], token, etags=[if_none_match])[0]
        except CacheUnavailable:
            stats.incr(f"{entry.namespace}:degraded")
            with record.recording():
                value = flight.run(entry.alias, entry.key, build)
            return Composite(value.value if isinstance(value, Transient) else value, DEGRADED)
    found = answered(row, if_none_match)
    if found is not None:
        return found
    state, versions = row[1], [_text(v) for v in row[2:]]
    if state == 0:
        state, versions, token, found = _wait(entry, state, versions, token)
        if found is not None:
            return _from_header(found[0], decode(found[1]), MISS)
    return _build(entry, build, state, versions, token)


def _build(entry: Entry, build: Callable[[], Any], state: int, versions: list, token: str) -> Composite:
    with record.recording() as rec:
        rec.add([_tag_key(t) for t in entry.tags], versions)
        try:
            value = build()
        except BaseException:
            if state == 1:
                _unlock(entry, token)
            raise
    tag_keys, seen = list(rec.versions), list(rec.versions.values())
    names = tuple(keys.tag_name(t) for t in tag_keys)
    if isinstance(value, Transient) or rec.spoiled or state != 1:
        if state == 1:
            _unlock(entry, token)
        return Composite(value.value if isinstance(value, Transient) else value, MISS, names)
    etag = _etag(entry.key, tag_keys, seen)
    stored = _store(replace(entry, tags=names), value, seen, token, etag=etag)
    return Composite(value, MISS, names, etag if stored else "", shared=stored)
