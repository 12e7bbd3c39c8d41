"""One Redis node (or a replication group): every step of the protocol is one Lua script, one round trip.

An entry is stored as ``<header json>\\n<payload>``; the header is ``[etag, tag key, version, ...]`` with
each tag's version as it was *before* the value was computed. A read returns the entry only if every tag
still has that version; anything else is a miss. The scripts read tag keys named inside entries, which a
single node allows and Redis Cluster does not (``cluster.py`` splits the same steps by slot).
"""

from collections.abc import Sequence
from typing import Any

from redis.commands.core import Script

from .. import clients, keys

# KEYS: entries (n), their locks (n), the tags of each entry in order.
# ARGV: token, lock ttl ms, stats key, count (1/0), tag ttl s, n, namespace of each, tag count of each,
#       k extra stats pairs (k, field, amount, ...), then the If-None-Match etag of each entry ('' for none).
# Returns per entry {1, raw} (valid), {2} (valid, and its etag is the one given: not modified), or
# {0, lock state, version of each tag}: lock state 1 = this caller computes it, 0 = another caller is
# computing it, -1 = a write is in flight (compute, store nothing).
FETCH = """
local token, lock_ttl, stats, count, tag_ttl = ARGV[1], ARGV[2], ARGV[3], ARGV[4] == '1', ARGV[5]
local n = tonumber(ARGV[6])
local base = 6 + 2 * n
local extra = tonumber(ARGV[base + 1])
for j = 1, extra do
  redis.call('HINCRBY', stats, ARGV[base + 2 * j], ARGV[base + 2 * j + 1])
end
local etags = base + 1 + 2 * extra
local out = {}
local ti = 2 * n
for i = 1, n do
  local ns = ARGV[6 + i]
  local nt = tonumber(ARGV[6 + n + i])
  local wanted = ARGV[etags + i]
  local raw, whole
  if wanted ~= '' then
    -- A client that has an ETag most likely gets a 304: read the header only, not the whole value.
    raw = redis.call('GETRANGE', KEYS[i], 0, 1023)
    whole = #raw < 1024
    if raw == '' then raw = false end
  else
    raw, whole = redis.call('GET', KEYS[i]), true
  end
  local hit = false
  local header, nl
  if raw then
    nl = string.find(raw, '\\n', 1, true)
    if not nl and not whole then
      raw, whole = redis.call('GET', KEYS[i]), true
      nl = string.find(raw, '\\n', 1, true)
    end
    if nl then
      header = cjson.decode(string.sub(raw, 1, nl - 1))
      hit = true
      if #header > 1 then
        local names = {}
        for j = 2, #header, 2 do names[#names + 1] = header[j] end
        local current = redis.call('MGET', unpack(names))
        for j = 1, #names do
          if current[j] ~= header[2 * j + 1] then hit = false; break end
        end
      end
    end
  end
  if hit then
    if wanted ~= '' and wanted == header[1] then
      out[i] = {2}
    else
      if not whole then raw = redis.call('GET', KEYS[i]) end
      out[i] = {1, raw}
    end
    if count then redis.call('HINCRBY', stats, ns .. ':hit', 1) end
  else
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

# KEYS: entry, lock, tags...; ARGV: raw, ttl ms, lock token, version of each tag. The value is stored only
# if every tag still has the version read before it was computed and no write is in flight.
STORE = """
for j = 3, #KEYS do
  if redis.call('GET', KEYS[j]) ~= ARGV[j + 1] or redis.call('EXISTS', KEYS[j] .. ':fence') == 1 then
    if redis.call('GET', KEYS[2]) == ARGV[3] then redis.call('DEL', KEYS[2]) end
    return 0
  end
end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
if redis.call('GET', KEYS[2]) == ARGV[3] then redis.call('DEL', KEYS[2]) end
return 1
"""

UNLOCK = "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0"

_fetch, _store, _unlock = (Script(None, s.encode()) for s in (FETCH, STORE, UNLOCK))


def fence_commands(tag_keys: Sequence[str], token: str, *, tag_ttl: int, fence_ttl: int) -> list[tuple]:
    """Return the commands that fence ``tag_keys``: a new version each, and ``token`` in each fence set."""
    commands: list[tuple] = []
    for i, tag in enumerate(tag_keys):
        commands += [("SET", tag, f"{token}:f{i}", "EX", tag_ttl), ("SADD", keys.fence(tag), token)]
        commands.append(("EXPIRE", keys.fence(tag), fence_ttl))
    return commands


def bump_commands(batches: Sequence[tuple[Sequence[str], str | None]], version: str, *, tag_ttl: int) -> list[tuple]:
    """Return the commands that give every tag of ``batches`` a new version and lift each batch's fence."""
    commands: list[tuple] = []
    bumped: set[str] = set()
    for tag_keys, token in batches:
        for tag in tag_keys:
            if tag not in bumped:
                bumped.add(tag)
                commands.append(("SET", tag, f"{version}:{len(bumped)}", "EX", tag_ttl))
            if token:
                commands.append(("SREM", keys.fence(tag), token))
    return commands


class SingleNodeBackend:
    """The protocol's steps on one Redis node, through the django-redis connection of ``alias``."""

    def __init__(self, alias: str) -> None:
        self.alias = alias

    def client(self):
        return clients.client(self.alias)

    def fetch(self, items, token, *, lock_ttl_ms, tag_ttl, count, extra_stats, etags) -> list:
        """Run FETCH for ``items`` (key, namespace, tag keys); see the script for what comes back."""
        entry_keys = [key for key, _, _ in items]
        tag_keys = [t for _, _, tags in items for t in tags]
        argv: list[Any] = [token, lock_ttl_ms, keys.stats(), int(count), tag_ttl, len(items)]
        argv += [ns for _, ns, _ in items] + [len(tags) for _, _, tags in items]
        argv.append(len(extra_stats))
        for field, amount in extra_stats:
            argv += [field, amount]
        argv += [etag or "" for etag in etags]
        locks = [keys.lock(k) for k in entry_keys]
        return _fetch(keys=entry_keys + locks + tag_keys, args=argv, client=self.client())

    def store(self, key: str, raw: bytes, ttl_ms: int, token: str, tag_keys: Sequence[str], versions) -> bool:
        args = [raw, ttl_ms, token, *versions]
        return bool(_store(keys=[key, keys.lock(key), *tag_keys], args=args, client=self.client()))

    def unlock(self, key: str, token: str) -> None:
        _unlock(keys=[keys.lock(key)], args=[token], client=self.client())

    def fence(self, tag_keys: Sequence[str], token: str, *, tag_ttl: int, fence_ttl: int) -> None:
        self._run(fence_commands(tag_keys, token, tag_ttl=tag_ttl, fence_ttl=fence_ttl))

    def bump(self, batches: Sequence[tuple[Sequence[str], str | None]], version: str, *, tag_ttl: int) -> None:
        self._run(bump_commands(batches, version, tag_ttl=tag_ttl))

    def _run(self, commands: list[tuple]) -> None:
        if commands:
            pipe = self.client().pipeline(transaction=False)
            for command in commands:
                pipe.execute_command(*command)
            pipe.execute()

    def incr_stats(self, counts: Sequence[tuple[str, int]]) -> None:
        pipe = self.client().pipeline(transaction=False)
        for field, amount in counts:
            pipe.hincrby(keys.stats(), field, amount)
        pipe.execute()
