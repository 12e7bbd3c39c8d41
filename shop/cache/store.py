"""Read-through cache on Redis with tag validation, single-flight fills and a circuit breaker.

An entry is stored as ``<tags json>\\n<payload>`` where the tags json lists each tag key with the
version it had *before* the value was computed. A read returns the payload only if every tag
still has that version, all inside one Lua script: one round trip for any number of entries.
A writer bumps tag versions after commit, so an entry filled from a row read before the commit
can never validate again ("no stale set"), and one bump reaches every list that carries the tag.
"""

import contextlib
import json
import logging
import os
import time
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django_redis import get_redis_connection
from redis.commands.core import Script
from redis.exceptions import RedisError

from . import breaker, keys, stats

logger = logging.getLogger(__name__)

HIT = "hit"
MISS = "miss"
DEGRADED = "degraded"
BYPASS = "bypass"

FETCH_SCRIPT = """
local token, lock_ttl, stats, count = ARGV[1], ARGV[2], ARGV[3], ARGV[4] == '1'
local tag_ttl = ARGV[5]
local n = tonumber(ARGV[6])
local base = 6 + 2 * n
local extra = tonumber(ARGV[base + 1])
for j = 1, extra do
  redis.call('HINCRBY', stats, ARGV[base + 2 * j], ARGV[base + 2 * j + 1])
end
local out = {}
local ti = 2 * n
for i = 1, n do
  local ns = ARGV[6 + i]
  local nt = tonumber(ARGV[6 + n + i])
  local raw = redis.call('GET', KEYS[i])
  local hit = false
  local payload
  if raw then
    local nl = string.find(raw, '\\n', 1, true)
    if nl then
      hit = true
      local tags = cjson.decode(string.sub(raw, 1, nl - 1))
      local names, fences = {}, {}
      for j = 1, #tags, 2 do
        names[#names + 1] = tags[j]
        fences[#fences + 1] = tags[j] .. ':fence'
      end
      if #names > 0 then
        local current = redis.call('MGET', unpack(names))
        for j = 1, #names do
          if current[j] ~= tags[2 * j] then hit = false; break end
        end
        if hit and redis.call('EXISTS', unpack(fences)) > 0 then hit = false end
      end
      if hit then payload = string.sub(raw, nl + 1) end
    end
  end
  if hit then
    out[i] = {1, payload}
    if count then redis.call('HINCRBY', stats, ns .. ':hit', 1) end
  else
    -- {0, lock state, version of each tag}: lock state 1 = this caller fills the entry,
    -- 0 = another caller is filling it, -1 = a write is in flight (read the database, store nothing).
    local res = {0, 0}
    local fenced = false
    for j = 1, nt do
      local k = KEYS[ti + j]
      local v = redis.call('GET', k)
      if not v then
        v = token .. ':' .. i .. ':' .. j
        redis.call('SET', k, v, 'EX', tag_ttl)
      end
      if redis.call('EXISTS', k .. ':fence') == 1 then fenced = true end
      res[2 + j] = v
    end
    if fenced then
      res[2] = -1
    elseif redis.call('SET', KEYS[n + i], token, 'NX', 'PX', lock_ttl) then
      res[2] = 1
    end
    out[i] = res
    if count then redis.call('HINCRBY', stats, ns .. ':miss', 1) end
  end
  ti = ti + nt
end
return out
"""

# KEYS: entry, lock, tags...; ARGV: tags json + payload, ttl ms, lock token, version of each tag.
# A value is stored only if every tag still has the version read before the value was computed
# and no write is in flight: a value computed from a row that a committed write has since changed
# is never written at all.
STORE_SCRIPT = """
local stored = 0
local valid = true
for j = 3, #KEYS do
  if redis.call('GET', KEYS[j]) ~= ARGV[j + 1] or redis.call('EXISTS', KEYS[j] .. ':fence') == 1 then
    valid = false
    break
  end
end
if valid then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  stored = 1
end
if redis.call('GET', KEYS[2]) == ARGV[3] then redis.call('DEL', KEYS[2]) end
return stored
"""

# Tag versions outlive every entry; a tag that does expire (or is evicted) comes back with a
# fresh random version, which only makes older entries unreachable, never stale ones valid.
TAG_TTL_SECONDS = 7 * 24 * 3600


class CacheUnavailable(Exception):
    """Redis could not be used; callers fall back to the database."""


@dataclass(frozen=True)
class Spec:
    """One cached value: where it lives, which tags guard it, and how to compute it."""

    namespace: str
    key: str
    tags: tuple[str, ...]
    ttl: int
    compute: Callable[[], Any]


@dataclass(frozen=True)
class Result:
    value: Any
    outcome: str

    @property
    def hit(self) -> bool:
        return self.outcome == HIT


# Scripts run by EVALSHA (loaded on first use per server), on whichever client is passed.
_fetch_script = Script(None, FETCH_SCRIPT.encode())
_store_script = Script(None, STORE_SCRIPT.encode())


def client():
    """Return the raw redis-py client behind the ``default`` cache alias."""
    return get_redis_connection("default")


def new_token() -> str:
    """Return a random token for a lock, a fence or a tag version."""
    return os.urandom(8).hex()


def call(fn: Callable[[Any], Any]) -> Any:
    """Run ``fn(redis_client)`` behind the breaker; raise CacheUnavailable on any Redis fault."""
    brk = breaker.get("default")
    if not brk.allow():
        raise CacheUnavailable("circuit open")
    conn = client()
    try:
        if brk.tripped:
            _recover(conn)
            brk.recovered()
            logger.warning("cache: Redis reachable again, pending invalidations drained")
        return fn(conn)
    except (RedisError, OSError) as exc:
        brk.trip()
        logger.warning("cache: Redis unavailable (%s); serving from the database", exc)
        raise CacheUnavailable(str(exc)) from exc


def _recover(conn) -> None:
    """Deliver every invalidation that failed while Redis was away, before any read is trusted."""
    from .invalidation import drain_outbox

    drain_outbox(conn)


def _fetch(specs: Sequence[Spec], token: str, count: bool) -> list:
    conf = settings.SHOP_CACHE
    entry_keys = [s.key for s in specs]
    lock_keys = [keys.lock(s.key) for s in specs]
    tag_keys = [t for s in specs for t in s.tags]
    extra = stats.take_pending()
    argv: list[Any] = [token, conf["LOCK_TTL_MS"], keys.stats(), int(count), TAG_TTL_SECONDS]
    argv += [len(specs), *(s.namespace for s in specs), *(len(s.tags) for s in specs)]
    argv.append(len(extra))
    for field, amount in extra:
        argv += [field, amount]
    try:
        return call(lambda conn: _fetch_script(keys=entry_keys + lock_keys + tag_keys, args=argv, client=conn))
    except CacheUnavailable:
        stats.restore(extra)
        raise


def _store(spec: Spec, versions: Sequence[bytes], value: Any, token: str) -> bool:
    """Store ``value`` unless a tag moved on since ``versions`` were read; release the lock."""
    versions = [v.decode() if isinstance(v, bytes) else v for v in versions]
    tags = [item for pair in zip(spec.tags, versions) for item in pair]
    raw = json.dumps(tags, separators=(",", ":")).encode() + b"\n" + encode(value)
    ttl_ms = int(spec.ttl * 1000)
    entry_keys = [spec.key, keys.lock(spec.key), *spec.tags]
    try:
        return bool(
            call(lambda conn: _store_script(keys=entry_keys, args=[raw, ttl_ms, token, *versions], client=conn))
        )
    except CacheUnavailable:
        return False


# Values of at least this many bytes of JSON are stored zlib-compressed (rendered pages and listings
# shrink four- to sixfold; decompressing costs tens of microseconds on a hit).
COMPRESS_MIN_BYTES = 1024


def encode(value: Any) -> bytes:
    """Return ``value`` as stored: ``j`` + JSON, or ``z`` + zlib-compressed JSON when large."""
    data = json.dumps(value, separators=(",", ":"), default=str).encode()
    if len(data) >= COMPRESS_MIN_BYTES:
        return b"z" + zlib.compress(data, 1)
    return b"j" + data


def decode(payload: bytes) -> Any:
    if payload[:1] == b"z":
        return json.loads(zlib.decompress(payload[1:]))
    return json.loads(payload[1:])


def read(spec: Spec) -> Result:
    """Return the cached value of ``spec``, computing and storing it on a miss."""
    return read_many([spec])[0]


def read_many(specs: Sequence[Spec]) -> list[Result]:
    """Return the values of ``specs`` in one round trip when all are cached."""
    if not settings.SHOP_CACHE["ENABLED"]:
        return [Result(s.compute(), BYPASS) for s in specs]
    token = new_token()
    try:
        rows = _fetch(specs, token, count=True)
    except CacheUnavailable:
        for spec in specs:
            stats.incr(f"{spec.namespace}:degraded")
        return [Result(s.compute(), DEGRADED) for s in specs]
    results = []
    for spec, row in zip(specs, rows):
        if row[0] == 1:
            results.append(Result(decode(row[1]), HIT))
        else:
            results.append(_fill(spec, row[1], row[2:], token))
    return results


def _fill(spec: Spec, have_lock: int, versions: Sequence[bytes], token: str) -> Result:
    """Compute a missing value once per key: the lock holder computes, the others wait for it."""
    conf = settings.SHOP_CACHE
    deadline = time.monotonic() + conf["LOCK_WAIT_SECONDS"]
    delay = 0.005
    waited = False
    while have_lock != 1:
        if have_lock == -1:
            stats.incr(f"{spec.namespace}:fenced")
            return Result(spec.compute(), MISS)
        if time.monotonic() >= deadline:
            stats.incr(f"{spec.namespace}:lock_timeout")
            return Result(spec.compute(), MISS)
        if not waited:
            stats.incr(f"{spec.namespace}:stampede_wait")
            waited = True
        time.sleep(delay)
        delay = min(delay * 2, 0.05)
        token = new_token()
        try:
            row = _fetch([spec], token, count=False)[0]
        except CacheUnavailable:
            return Result(spec.compute(), DEGRADED)
        if row[0] == 1:
            return Result(decode(row[1]), MISS)
        have_lock, versions = row[1], row[2:]
    try:
        value = spec.compute()
    except BaseException:
        _unlock(spec, token)  # a failed compute must not make the others wait out the lock
        raise
    _store(spec, versions, value, token)
    return Result(value, MISS)


UNLOCK_SCRIPT = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""
_unlock_script = Script(None, UNLOCK_SCRIPT.encode())


def _unlock(spec: Spec, token: str) -> None:
    with contextlib.suppress(CacheUnavailable):
        call(lambda conn: _unlock_script(keys=[keys.lock(spec.key)], args=[token], client=conn))


FENCE_TTL_SECONDS = 30


def fence(conn, tags: Sequence[str], token: str) -> None:
    """Before a write commits: give ``tags`` new versions and mark them in flight.

    Every entry read before this call becomes unreachable at once, and nothing is cached under
    these tags until ``bump`` lifts this writer's mark after commit. If that bump is lost, the
    mark expires after FENCE_TTL_SECONDS and the tags come back with versions no cached entry
    carries, so a lost invalidation can never resurrect a stale entry.
    """
    if not tags:
        return
    pipe = conn.pipeline(transaction=False)
    for i, tag in enumerate(tags):
        pipe.set(tag, f"{token}:f{i}", ex=TAG_TTL_SECONDS)
        pipe.sadd(f"{tag}:fence", token)
        pipe.expire(f"{tag}:fence", FENCE_TTL_SECONDS)
    pipe.execute()


def bump(conn, tags: Sequence[str], token: str | None = None) -> None:
    """Give every tag in ``tags`` a new version and lift ``token``'s fence, in one round trip."""
    bump_many(conn, [(tags, token)])


def bump_many(conn, batches: Sequence[tuple[Sequence[str], str | None]]) -> None:
    """Bump the tags of several writes and lift each write's fence, in one round trip."""
    version = new_token()
    pipe = conn.pipeline(transaction=False)
    bumped: set[str] = set()
    for tags, token in batches:
        for tag in tags:
            if tag not in bumped:
                bumped.add(tag)
                pipe.set(tag, f"{version}:{len(bumped)}", ex=TAG_TTL_SECONDS)
            if token:
                pipe.srem(f"{tag}:fence", token)
    if bumped:
        pipe.execute()
