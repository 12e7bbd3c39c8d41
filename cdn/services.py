"""CDN invalidation: queue CloudFront paths and tags after commit, coalesce them, submit one batch per distribution.

Flow: ``paths_queue`` adds paths (``/media/...``) and tags (``#tree``) to a Redis queue (``cdn.queue``) once
the transaction commits and, guarded by SET NX, schedules one ``flush_paths`` task a short window later. The
flush reads the queue, records a ``CdnInvalidation`` (its CallerReference fixed before any AWS call), removes
what it recorded unless queued again meanwhile, and enqueues ``submit_invalidation``, which sends it, backing
off while CloudFront is busy. ``tags_queue`` sends the cache layer's tags to CloudFront and to Varnish.
"""

import logging
import uuid
from collections.abc import Iterable
from functools import partial

from botocore.exceptions import ClientError
from django.conf import settings
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Q, Sum
from django.utils import timezone

from shop.cache import clients

from . import aws, batching, queue, varnish
from .models import CdnInvalidation

logger = logging.getLogger(__name__)

STALE_PENDING_SECONDS = 600


class CdnBusy(Exception):
    """CloudFront asked the caller to wait (throttling, too many invalidations in progress)."""


def queue_name(distribution_id: str) -> str:
    return f"cloudfront:{distribution_id}"


def _redis():
    return clients.client("default")


def _enqueue(task, *args, countdown: float | None = None) -> None:
    task.apply_async(args=list(args), countdown=countdown, queue=settings.CDN_CELERY_QUEUE)


# Queueing ---------------------------------------------------------------------------------


def paths_queue(paths: Iterable[str], *, distribution_id: str = "") -> int:
    """Queue ``paths`` for invalidation once the current transaction commits; return how many."""
    distribution_id = distribution_id or settings.CLOUDFRONT_DISTRIBUTION_ID
    paths = sorted(set(paths))
    if not distribution_id or not paths:
        return 0
    transaction.on_commit(partial(_queue_now, distribution_id, paths), robust=True)
    return len(paths)


def _queue_now(distribution_id: str, paths: list[str]) -> None:
    from . import tasks

    token = uuid.uuid4().hex
    window = settings.CDN_COALESCE_SECONDS
    try:
        # The guard outlives the window: if the flush is lost, the next save or the beat task reschedules.
        scheduled = queue.push(_redis(), queue_name(distribution_id), paths, token=token, guard_seconds=window + 300)
    except clients.ERRORS:
        logger.warning("cdn: Redis unavailable; sending %d paths without coalescing", len(paths))
        # The row is durable: if the broker is down too, the beat resends it (stranded_resend).
        record = batch_record(distribution_id, paths, token)
        _enqueue(tasks.submit_invalidation, record.pk)
        return
    if scheduled:
        _enqueue(tasks.flush_paths, distribution_id, token, countdown=window)


def tags_queue(tags: Iterable[str]) -> list[str]:
    """After commit, purge ``tags`` at every configured edge: CloudFront (``#tag`` items) and Varnish.

    Return the tags queued; names CloudFront would refuse are logged and left out.
    """
    if not (settings.CLOUDFRONT_DISTRIBUTION_ID or settings.EDGE_PURGE_URL):
        return []
    valid = batching.valid_tags(tags)
    if valid:
        paths_queue(batching.tag_items(valid))
        if settings.EDGE_PURGE_URL:
            transaction.on_commit(partial(varnish.tags_queue_now, valid), robust=True)
    return valid


def media_retire(names: Iterable[str]) -> None:
    """After commit, delete media files no row uses any more and invalidate their CloudFront paths."""
    names = sorted(set(n for n in names if n))
    if names:
        transaction.on_commit(partial(_retire_now, names))


def _retire_now(names: list[str]) -> None:
    from catalog.models import ProductImage

    # Benchmark catalogs share one file between rows: keep a file while any row still shows it.
    in_use = set(ProductImage.objects.filter(image__in=names).values_list("image", flat=True))
    gone = [n for n in names if n not in in_use]
    for name in gone:
        try:
            default_storage.delete(name)
        except Exception:
            logger.exception("cdn: could not delete media file %s", name)
    paths_queue(batching.media_paths(gone))


# Flushing ---------------------------------------------------------------------------------


def _in_flight(distribution_id: str) -> tuple[int, int]:
    """Return (file paths, wildcard paths) of this distribution's invalidations CloudFront is working on."""
    files = wild = 0
    rows = CdnInvalidation.objects.filter(
        distribution_id=distribution_id, status=CdnInvalidation.Status.IN_PROGRESS
    ).values_list("paths", flat=True)
    for paths in rows:
        n_wild = sum(1 for p in paths if batching.is_wildcard(p))
        wild += n_wild
        files += len(paths) - n_wild
    return files, wild


def batch_record(distribution_id: str, paths: list[str], token: str) -> CdnInvalidation:
    """Record the batch of ``paths`` taken under flush ``token``; the same flush returns the same row."""
    files, _ = _in_flight(distribution_id)
    planned = batching.plan(
        paths,
        threshold=settings.CDN_WILDCARD_THRESHOLD,
        file_room=aws.MAX_FILE_PATHS_IN_FLIGHT - files,
        tag_limit=settings.CDN_TAG_LIMIT,
    )
    record, _ = CdnInvalidation.objects.get_or_create(
        caller_reference=batching.caller_reference(distribution_id, token, paths),
        defaults={
            "distribution_id": distribution_id,
            "paths": planned,
            "path_count": len(planned),
            "requested_count": len(paths),
        },
    )
    return record


def batch_take(distribution_id: str, token: str) -> CdnInvalidation | None:
    """Take every queued path of ``distribution_id`` into one recorded batch (``None``: nothing queued)."""
    conn = _redis()
    name = queue_name(distribution_id)
    # Release the guard first: a save from now on schedules a new flush instead of being left behind.
    queue.release(conn, name, token)
    items = queue.take(conn, name)
    if not items:
        return None
    record = batch_record(distribution_id, sorted(member for member, _ in items), token)
    # Removed only once recorded: a crash before this line makes the redelivered flush record the same batch.
    queue.done(conn, name, items)
    return record


# Submitting -------------------------------------------------------------------------------


def invalidation_submit(record_id: int, *, client=None) -> CdnInvalidation:
    """Send a recorded batch to CloudFront; raise CdnBusy when it must wait. Idempotent."""
    record = CdnInvalidation.objects.get(pk=record_id)
    if record.invalidation_id or record.status == CdnInvalidation.Status.FAILED:
        return record  # already accepted (a redelivered task) or given up
    files, wild = _in_flight(record.distribution_id)
    if files + (record.path_count - record.wildcard_count) > aws.MAX_FILE_PATHS_IN_FLIGHT or (
        wild + record.wildcard_count > aws.MAX_WILDCARDS_IN_FLIGHT
    ):
        raise CdnBusy("in-flight limit")
    record.attempts += 1
    record.save(update_fields=["attempts", "updated_at"])
    client = client or aws.cloudfront_client()
    try:
        response = client.create_invalidation(
            DistributionId=record.distribution_id,
            InvalidationBatch={
                "Paths": {"Quantity": len(record.paths), "Items": record.paths},
                "CallerReference": record.caller_reference,
            },
        )
    except ClientError as exc:
        code = exc.response.get("Error", {}).get("Code", "")
        record.error = f"{code}: {exc}"
        if code in aws.RETRYABLE_CODES:
            record.save(update_fields=["error", "updated_at"])
            raise CdnBusy(code) from exc
        record.status = CdnInvalidation.Status.FAILED
        record.save(update_fields=["error", "status", "updated_at"])
        logger.error("cdn: invalidation %s failed: %s", record.caller_reference, exc)
        return record
    invalidation = response["Invalidation"]
    record.invalidation_id = invalidation["Id"]
    record.status = status_from_aws(invalidation["Status"])
    record.submitted_at = timezone.now()
    record.error = ""
    record.save(update_fields=["invalidation_id", "status", "submitted_at", "error", "updated_at"])
    logger.info("cdn: invalidation %s sent with %d paths", record.invalidation_id, record.path_count)
    return record


def invalidation_fail(record_id: int, reason: str) -> None:
    CdnInvalidation.objects.filter(pk=record_id, invalidation_id="").update(
        status=CdnInvalidation.Status.FAILED, error=f"gave up: {reason}", updated_at=timezone.now()
    )


def status_from_aws(status: str) -> str:
    if status.lower() == "completed":
        return CdnInvalidation.Status.COMPLETED
    return CdnInvalidation.Status.IN_PROGRESS


def retry_delay(attempt: int) -> float:
    return batching.backoff(attempt, base=settings.CDN_RETRY_BASE_SECONDS, cap=settings.CDN_RETRY_MAX_SECONDS)


# Upkeep (beat) ----------------------------------------------------------------------------


def invalidations_refresh(*, client=None) -> int:
    """Update in-progress invalidations with GetInvalidation; return how many completed."""
    rows = list(CdnInvalidation.objects.filter(status=CdnInvalidation.Status.IN_PROGRESS))
    if not rows:
        return 0
    client = client or aws.cloudfront_client()
    done = 0
    for row in rows:
        try:
            got = client.get_invalidation(DistributionId=row.distribution_id, Id=row.invalidation_id)
        except ClientError as exc:
            logger.warning("cdn: GetInvalidation %s: %s", row.invalidation_id, exc)
            continue
        row.status = status_from_aws(got["Invalidation"]["Status"])
        row.save(update_fields=["status", "updated_at"])
        done += row.status == CdnInvalidation.Status.COMPLETED
    return done


def stranded_resend() -> int:
    """Re-enqueue work whose task was lost: old unsent rows and queued paths with no flush scheduled."""
    from . import tasks

    cutoff = timezone.now() - timezone.timedelta(seconds=STALE_PENDING_SECONDS)
    stale = CdnInvalidation.objects.filter(
        Q(status=CdnInvalidation.Status.PENDING) & Q(invalidation_id="") & Q(updated_at__lt=cutoff)
    ).values_list("pk", flat=True)
    for pk in stale:
        _enqueue(tasks.submit_invalidation, pk)
    dist = settings.CLOUDFRONT_DISTRIBUTION_ID
    if dist:
        conn, name, token = _redis(), queue_name(dist), uuid.uuid4().hex
        if queue.size(conn, name) and queue.arm(conn, name, token=token, guard_seconds=300):
            _enqueue(tasks.flush_paths, dist, token)
    return len(stale)


def month_paths_used(distribution_ids: Iterable[str] | None = None) -> int:
    start = timezone.now().replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    qs = CdnInvalidation.objects.filter(submitted_at__gte=start).exclude(invalidation_id="")
    if distribution_ids is not None:
        qs = qs.filter(distribution_id__in=list(distribution_ids))
    return qs.aggregate(n=Sum("path_count"))["n"] or 0
