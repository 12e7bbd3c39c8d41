"""When Redis may be trusted: the circuit breaker, and the outbox drained before any read.

Invariant: a process reads Redis only after every invalidation that was committed before its last outbox
check has reached Redis. A write that could not reach Redis leaves its row in the outbox (Postgres,
committed with the write). The process that saw the failure has its breaker open and drains the outbox
before its next Redis call. Every other process checks the outbox on its first cache call once
``OUTBOX_CHECK_SECONDS`` (default: the Redis socket timeout, 0.25 s) have passed since its last check, and
drains it before reading, with or without Celery beat.

Why that is enough: a write that timed out on Redis spent at least the socket timeout waiting before it
wrote its row, so a process whose last Redis call came before the blip is due for a check by the time the
row is committed; a process that called Redis during the blip saw the failure itself. Worst case, for a
write that failed at once while Redis still answered this process (a partition): OUTBOX_CHECK_SECONDS after
the commit. Cost: one indexed query per process and alias per interval, on a busy process; none when idle.
"""

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db import DatabaseError

from . import backends, breaker, clients, conf

logger = logging.getLogger("shop.cache")


class CacheUnavailable(Exception):
    """Redis could not be used; callers fall back to the database."""


_checked: dict[str, float] = {}
_lock = threading.Lock()


def _check_due(alias: str) -> bool:
    interval = conf.get("SHOP_CACHE")["OUTBOX_CHECK_SECONDS"]
    now = time.monotonic()
    with _lock:
        if now - _checked.get(alias, float("-inf")) < interval:
            return False
        _checked[alias] = now
        return True


def _outbox_pending(alias: str) -> bool:
    from .models import CacheInvalidation

    try:
        return CacheInvalidation.objects.filter(alias=alias).exists()
    except DatabaseError:
        # Postgres away: no write can commit either, so Redis is no staler than at the last check.
        logger.warning("cache: outbox check failed; trusting Redis until the next check", exc_info=True)
        return False


def call(fn: Callable[[Any], Any], alias: str = "default") -> Any:
    """Run ``fn(backend)`` behind the breaker, draining the outbox first when due; raise CacheUnavailable."""
    from .invalidation import drain_outbox

    brk = breaker.get(alias)
    if not brk.allow():
        raise CacheUnavailable("circuit open")
    backend = backends.get(alias)
    try:
        if brk.tripped:
            _recover(alias, brk, drain_outbox)
        elif _check_due(alias) and _outbox_pending(alias):
            drained = drain_outbox(alias)
            logger.warning("cache: delivered %d invalidations found in the outbox (%s)", drained, alias)
        return fn(backend)
    except clients.ERRORS as exc:
        brk.trip()
        logger.warning("cache: Redis (%s) unavailable (%s); serving from the database", alias, exc)
        raise CacheUnavailable(str(exc)) from exc


def _recover(alias: str, brk, drain_outbox) -> None:
    try:
        drain_outbox(alias)
    except DatabaseError:
        # Postgres away too: serve what Redis has rather than nothing; the periodic check drains it later.
        logger.warning("cache: outbox not readable; Redis (%s) used undrained", alias, exc_info=True)
    brk.recovered()
    _checked[alias] = time.monotonic()
    logger.warning("cache: Redis (%s) reachable again, pending invalidations drained", alias)


def reset(*, checked: bool = True) -> None:
    """Start over as a process that has just found the outbox empty (or, ``checked=False``, a new one)."""
    _checked.clear()
    if checked:
        now = time.monotonic()
        _checked.update(dict.fromkeys(settings.CACHES, now))
