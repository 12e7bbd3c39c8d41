"""Varnish purges by tag: queued in Redis after commit, sent as one coalesced ``PURGE`` per window.

Flow: ``tags_queue_now`` adds tags to the ``edge`` queue (``cdn.queue``) and, if it took the guard, schedules
``flush_edge`` EDGE_PURGE_COALESCE_SECONDS later. The flush keeps the guard while it works, so saves during
a flush or an outage schedule nothing more; it sends every queued tag (``xkey-purge``, deploy/varnish/
shopfront.vcl), removes the tags it purged unless queued again meanwhile, releases the guard and, if tags
arrived in the meantime, schedules the next flush at once. While Varnish is unreachable the tags stay queued:
the task retries with backoff, then leaves them to the beat (``edge_resend``).
"""

import http.client
import logging
import uuid
from collections.abc import Iterable
from urllib.parse import urlsplit

from django.conf import settings

from shop.cache import clients

from . import batching, queue

logger = logging.getLogger(__name__)

QUEUE = "edge"
PURGE_HEADER = "xkey-purge"
# Varnish refuses request headers over http_req_hdr_len (8 KB by default): larger batches take more requests.
MAX_HEADER_BYTES = 4000
GUARD_SECONDS = 300


class EdgeUnavailable(Exception):
    """Varnish could not be reached or answered 5xx: try again later."""


class EdgeRefused(Exception):
    """Varnish refused the purge (4xx: not from its ACL, bad request): retrying cannot help."""


def _redis():
    return clients.client("default")


def _enqueue(task, *args, countdown: float | None = None) -> None:
    task.apply_async(args=list(args), countdown=countdown, queue=settings.CDN_CELERY_QUEUE)


# Sending ----------------------------------------------------------------------------------


def chunks(tags: list[str], limit: int = MAX_HEADER_BYTES) -> list[list[str]]:
    """Split ``tags`` into lists whose space-joined header value stays within ``limit`` bytes."""
    out: list[list[str]] = []
    size = limit + 1
    for tag in tags:
        if size + 1 + len(tag) > limit:
            out.append([])
            size = -1
        out[-1].append(tag)
        size += 1 + len(tag)
    return out


def purge(url: str, tags: list[str], *, timeout: float) -> int:
    """Purge the objects tagged with any of ``tags`` at the Varnish at ``url``; return how many went."""
    parts = urlsplit(url)
    connection_class = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
    removed = 0
    for chunk in chunks(tags):
        # http.client, not urllib: a proxy from the environment must never see these requests.
        conn = connection_class(parts.hostname, parts.port, timeout=timeout)
        try:
            conn.request("PURGE", (parts.path or "/"), headers={PURGE_HEADER: " ".join(chunk)})
            response = conn.getresponse()
            response.read()
        except (OSError, http.client.HTTPException) as exc:
            raise EdgeUnavailable(f"{url}: {exc}") from exc
        finally:
            conn.close()
        if response.status >= 500:
            raise EdgeUnavailable(f"{url}: HTTP {response.status}")
        if response.status != 200:
            raise EdgeRefused(f"{url}: HTTP {response.status} {response.reason}")
        removed += int(response.getheader("X-Edge-Purged") or 0)
    return removed


def retry_delay(attempt: int) -> float:
    """Return the pause before retry ``attempt``: from the coalescing window, doubling, capped."""
    base = max(settings.EDGE_PURGE_COALESCE_SECONDS, 0.1)
    return batching.backoff(attempt, base=base, cap=settings.EDGE_PURGE_RETRY_MAX_SECONDS)


def _purge_now(tags: list[str]) -> int:
    return purge(settings.EDGE_PURGE_URL, tags, timeout=settings.EDGE_PURGE_TIMEOUT_SECONDS)


# Queueing and flushing --------------------------------------------------------------------


def tags_queue_now(tags: Iterable[str]) -> None:
    """Queue ``tags`` (valid, committed) for the next flush; without Redis, send them in a task of their own."""
    from . import tasks

    tags = list(tags)
    if not settings.EDGE_PURGE_URL or not tags:
        return
    token = uuid.uuid4().hex
    window = settings.EDGE_PURGE_COALESCE_SECONDS
    try:
        scheduled = queue.push(_redis(), QUEUE, tags, token=token, guard_seconds=window + GUARD_SECONDS)
    except clients.ERRORS:
        logger.warning("edge: Redis unavailable; purging %d tags without coalescing", len(tags))
        # If the broker is gone too, the outbox drain sends the signal again once Redis is back.
        _enqueue(tasks.purge_edge_tags, tags)
        return
    if scheduled:
        _enqueue(tasks.flush_edge, token, countdown=window)


def edge_flush(token: str) -> int:
    """Purge every queued tag under the guard ``token``; return the objects removed.

    Raise EdgeUnavailable with the tags still queued and the guard still held.
    """
    from . import tasks

    conn = _redis()
    if not settings.EDGE_PURGE_URL:  # purges switched off since this flush was scheduled: keep the tags
        queue.release(conn, QUEUE, token)
        return 0
    items = queue.take(conn, QUEUE)
    removed = 0
    if items:
        try:
            removed = _purge_now([member for member, _ in items])
        except EdgeRefused:
            logger.exception("edge: purge refused; dropping %d tags", len(items))
        queue.done(conn, QUEUE, items)
    queue.release(conn, QUEUE, token)
    following = uuid.uuid4().hex
    if queue.size(conn, QUEUE) and queue.arm(conn, QUEUE, token=following, guard_seconds=GUARD_SECONDS):
        _enqueue(tasks.flush_edge, following)
    return removed


def edge_wait(token: str, seconds: float) -> None:
    """Hold the guard through a retry pause, so that saves meanwhile schedule no flush of their own."""
    queue.extend(_redis(), QUEUE, token, seconds + GUARD_SECONDS)


def edge_give_up(token: str) -> None:
    """Stop retrying: release the guard and leave the tags queued for the beat."""
    queue.release(_redis(), QUEUE, token)


def edge_resend() -> bool:
    """Beat: schedule a flush for tags left queued with no flush pending (lost task, long outage)."""
    from . import tasks

    if not settings.EDGE_PURGE_URL:
        return False
    conn, token = _redis(), uuid.uuid4().hex
    try:
        if not (queue.size(conn, QUEUE) and queue.arm(conn, QUEUE, token=token, guard_seconds=GUARD_SECONDS)):
            return False
    except clients.ERRORS:
        logger.warning("edge: Redis unavailable; queued tags wait for the next beat")
        return False
    _enqueue(tasks.flush_edge, token)
    return True


def tags_purge(tags: list[str]) -> int:
    """Purge ``tags`` directly (the path taken while Redis is down); raise EdgeUnavailable to retry."""
    try:
        return _purge_now(tags)
    except EdgeRefused:
        logger.exception("edge: purge refused; dropping %d tags", len(tags))
        return 0
