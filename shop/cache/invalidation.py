"""Invalidation: make the entries carrying some tags unreachable, for a write in progress.

Three steps, each covering the failure of the next:
1. Fence, before commit: the tags get new versions and a "write in flight" mark (30 s). Every entry read
   before is unreachable at once, and nobody stores under these tags until the mark is lifted.
2. Outbox: if the fence could not reach Redis, the tags go into ``CacheInvalidation`` in the writer's
   transaction. Every process drains the outbox before it trusts Redis again (``trust``).
3. Bump, after commit: new versions again, this writer's mark lifted.
A successful fence alone keeps readers fresh (a lost bump only costs 30 s of uncached reads), so the
outbox row is written only when the fence or the bump failed: a write that reaches Redis costs no extra
SQL. Left: a writer that dies between commit and bump *and* committed more than 30 s after its fence.
"""

import logging
from collections.abc import Iterable
from functools import partial

from django.db import transaction

from . import keys, signals, stats
from .store import TAG_TTL_SECONDS, new_token
from .trust import CacheUnavailable, call

logger = logging.getLogger("shop.cache")

FENCE_TTL_SECONDS = 30


def invalidate(tags: Iterable[str], *, alias: str = "default", using: str = "default") -> None:
    """Invalidate ``tags`` (names) for the write in progress on database ``using``; nothing if empty."""
    from .models import CacheInvalidation

    names = sorted(set(tags))
    if not names:
        return
    tag_keys = [keys.tag(name) for name in names]
    token = new_token()
    row_id = None
    try:
        call(lambda b: b.fence(tag_keys, token, tag_ttl=TAG_TTL_SECONDS, fence_ttl=FENCE_TTL_SECONDS), alias)
    except CacheUnavailable:
        logger.warning("cache: could not fence %d tags before commit; the outbox keeps them", len(names))
        row_id = CacheInvalidation.objects.using(using).create(tags=names, alias=alias, fence_token=token).pk
    transaction.on_commit(partial(deliver, names, alias, token, row_id, using), using=using)


def deliver(names: list[str], alias: str, token: str, row_id: int | None, using: str = "default") -> bool:
    """After commit: bump ``names`` and lift the fence; an outbox row is cleared once Redis has them."""
    from .models import CacheInvalidation

    signals.tags_invalidated.send(sender=CacheInvalidation, tags=names, alias=alias)
    try:
        call(lambda b: b.bump([([keys.tag(n) for n in names], token)], new_token(), tag_ttl=TAG_TTL_SECONDS), alias)
    except CacheUnavailable:
        if row_id is None:
            # The fence keeps readers off these tags for FENCE_TTL_SECONDS; the outbox covers a longer wait.
            row_id = CacheInvalidation.objects.using(using).create(tags=names, alias=alias, fence_token=token).pk
        logger.warning("cache: invalidation %s not delivered; left in the outbox", row_id)
        return False
    stats.incr("invalidation:delivered")
    if row_id is not None:
        CacheInvalidation.objects.using(using).filter(pk=row_id).delete()
    return True


def drain_outbox(alias: str = "default", batch: int = 500) -> int:
    """Deliver every pending invalidation of ``alias``; return how many rows were drained.

    Rows are locked in id order: a caller that finds rows another process or thread is delivering waits
    until that delivery has committed (and then finds them gone), so it never goes on to read Redis before
    a pending invalidation has reached it, and each row is delivered once. Raises the Redis error if Redis
    is unreachable (callers treat that as "not recovered").
    """
    from . import backends
    from .models import CacheInvalidation

    backend = backends.get(alias)
    drained = 0
    while True:
        with transaction.atomic():
            rows = list(
                CacheInvalidation.objects.select_for_update()
                .filter(alias=alias)
                .values_list("pk", "tags", "fence_token")[:batch]
            )
            if not rows:
                return drained
            batches = [([keys.tag(n) for n in tags], token or None) for _, tags, token in rows]
            backend.bump(batches, new_token(), tag_ttl=TAG_TTL_SECONDS)
            CacheInvalidation.objects.filter(pk__in=[pk for pk, _, _ in rows]).delete()
        for _, tags, _ in rows:
            signals.tags_invalidated.send(sender=CacheInvalidation, tags=tags, alias=alias)
        drained += len(rows)
