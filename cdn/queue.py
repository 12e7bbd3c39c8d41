"""Coalescing queues in Redis for CDN work: a sorted set of items, a flush guard, a sequence.

Invariant: an item is removed only by the flush that read it, and only if it was not queued again since.
Each push stamps its items with a new sequence number (ZADD updates a member's score); ``done`` removes an
item only while its score is still the one the flush read. A tag invalidated again while a flush is purging
it therefore stays queued and is purged again, after that second write. Nothing is removed before the work
is done, so a lost or crashed flush leaves its items for the next one.

The three keys of a queue share a hash tag (one cluster slot) so the scripts may touch them together.
"""

from django.conf import settings

from shop.cache import keys as cache_keys

PUSH_SCRIPT = """
local seq = redis.call('INCR', KEYS[3])
for i = 3, #ARGV do redis.call('ZADD', KEYS[1], seq, ARGV[i]) end
if redis.call('SET', KEYS[2], ARGV[1], 'NX', 'EX', ARGV[2]) then return 1 end
return 0
"""
DONE_SCRIPT = """
local n = 0
for i = 1, #ARGV, 2 do
  if redis.call('ZSCORE', KEYS[1], ARGV[i]) == ARGV[i + 1] then n = n + redis.call('ZREM', KEYS[1], ARGV[i]) end
end
return n
"""
# Delete (or extend) the guard only if it is still the one this flush was scheduled under.
RELEASE_SCRIPT = "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0"
EXTEND_SCRIPT = (
    "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('EXPIRE', KEYS[1], ARGV[2]) end return 0"
)


def keys(name: str) -> tuple[str, str, str]:
    """Return the (items, guard, sequence) keys of queue ``name``: one cache-layer name, one cluster slot."""
    base = cache_keys.entry(settings.CDN_REDIS_PREFIX, name)
    return f"{base}:items", f"{base}:guard", f"{base}:seq"


def push(conn, name: str, items: list[str], *, token: str, guard_seconds: float) -> bool:
    """Queue ``items``; return True when this push took the guard, i.e. the caller must schedule a flush."""
    return bool(conn.eval(PUSH_SCRIPT, 3, *keys(name), token, max(int(guard_seconds), 1), *items))


def arm(conn, name: str, *, token: str, guard_seconds: float) -> bool:
    """Take the guard for a flush of what is already queued, if no flush holds it."""
    return bool(conn.set(keys(name)[1], token, nx=True, ex=max(int(guard_seconds), 1)))


def take(conn, name: str) -> list[tuple[str, int]]:
    """Return every queued item with its sequence number; nothing is removed."""
    rows = conn.zrange(keys(name)[0], 0, -1, withscores=True, score_cast_func=int)
    return [(member.decode(), score) for member, score in rows]


def done(conn, name: str, items: list[tuple[str, int]]) -> int:
    """Remove ``items`` (as ``take`` returned them) unless queued again since; return how many went."""
    if not items:
        return 0
    args = [part for member, score in items for part in (member, str(score))]
    return int(conn.eval(DONE_SCRIPT, 1, keys(name)[0], *args))


def release(conn, name: str, token: str) -> None:
    """Give up the guard taken under ``token`` (a newer guard is left alone)."""
    conn.eval(RELEASE_SCRIPT, 1, keys(name)[1], token)


def extend(conn, name: str, token: str, seconds: float) -> None:
    """Keep the guard of ``token`` for ``seconds`` more (a flush waiting to retry)."""
    conn.eval(EXTEND_SCRIPT, 1, keys(name)[1], token, max(int(seconds), 1))


def size(conn, name: str) -> int:
    return int(conn.zcard(keys(name)[0]))


def items(conn, name: str) -> list[str]:
    """Return the queued items, sorted, for staff pages and tests."""
    return sorted(member for member, _ in take(conn, name))
