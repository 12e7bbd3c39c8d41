"""When Redis may be trusted: the circuit breaker, and the outbox drained before any read.

Invariant: a process reads Redis only after every invalidation committed before its last outbox check has
reached Redis. A write that could not reach Redis leaves its row in the outbox (Postgres, committed with the
write). The process that saw the failure has its breaker open and drains the outbox before its next Redis
call. Every other process checks the outbox, and drains it, before a Redis call when it may have missed a
blip, with or without Celery beat; T is ``OUTBOX_CHECK_SECONDS`` (default: the socket timeout, 0.25 s):

- its previous Redis call started T/2 or more ago (a gap in which Redis may have hung unseen), or
- one of its calls took T/2 or longer within the last T (Redis hung while it was waiting), or
- its backstop thread, which looks every ``OUTBOX_BACKSTOP_SECONDS`` (5 s) off the request path, saw a row.

Why that is enough: a write fails on Redis only after waiting the socket timeout (T), so Redis hung for T.
A process calling Redis at least every T/2 had a call start in the first half of that hang, which lasted
until the hang ended (T/2 or more): it checks before every call for T after that, by which time the
failed write has committed. A process with a longer gap checks on its next call. So a copy older than a
commit is never read, except where the backstop bounds it: a write that failed while Redis still answered
this process (a partition), or one that committed more than T after Redis came back. A busy process with
fast replies never looks on the request path: a warm page costs no SQL.
"""

import logging
import os
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


_last_call: dict[str, float] = {}  # when its previous Redis call started
_suspect_until: dict[str, float] = {}  # a slow reply was seen: look before every call until then
_lock = threading.Lock()
NEVER = float("-inf")


def _check_due(alias: str, now: float) -> bool:
    cache = conf.get("SHOP_CACHE")
    interval = cache["OUTBOX_CHECK_SECONDS"]
    with _lock:
        gap = now - _last_call.get(alias, NEVER)
        _last_call[alias] = now
        due = gap >= interval / 2 or now < _suspect_until.get(alias, NEVER)
    _ensure_backstop(cache["OUTBOX_BACKSTOP_SECONDS"])
    return due


_backstop_pid: int | None = None


def _ensure_backstop(every: float) -> None:
    """Start this process's backstop thread (once per process: a forked child starts its own)."""
    global _backstop_pid
    if _backstop_pid == os.getpid() or every <= 0:
        return
    with _lock:
        if _backstop_pid == os.getpid():
            return
        _backstop_pid = os.getpid()
    threading.Thread(target=_backstop, args=(every,), name="shop-cache-outbox-backstop", daemon=True).start()


def _backstop(every: float) -> None:
    """Look at the outbox every ``every`` seconds; a row found makes the next Redis call drain it first."""
    from django.db import connections

    while True:
        time.sleep(every)
        try:
            for alias in list(_last_call):
                if _outbox_pending(alias):
                    with _lock:
                        _suspect_until[alias] = time.monotonic() + every
        except Exception:  # noqa: BLE001 - a backstop must outlive any failure; the next round tries again
            logger.debug("cache: outbox backstop round failed", exc_info=True)
        finally:
            connections.close_all()  # this thread's own connection, not held between rounds


def _answered(alias: str, started: float) -> None:
    interval = conf.get("SHOP_CACHE")["OUTBOX_CHECK_SECONDS"]
    ended = time.monotonic()
    if ended - started >= interval / 2:  # Redis kept us waiting: a blip another writer may have failed in
        with _lock:
            _suspect_until[alias] = max(_suspect_until.get(alias, NEVER), ended + interval)


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
    started = time.monotonic()
    try:
        if brk.tripped:
            _recover(alias, brk, drain_outbox)
        elif _check_due(alias, started) and _outbox_pending(alias):
            drained = drain_outbox(alias)
            logger.warning("cache: delivered %d invalidations found in the outbox (%s)", drained, alias)
        result = fn(backend)
        _answered(alias, started)
        return result
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
    logger.warning("cache: Redis (%s) reachable again, pending invalidations drained", alias)


def reset(*, checked: bool = True) -> None:
    """Start over as a process that has just called Redis and found the outbox empty (``checked=False``: a new one)."""
    with _lock:
        _last_call.clear()
        _suspect_until.clear()
        if checked:
            _last_call.update(dict.fromkeys(settings.CACHES, time.monotonic()))
