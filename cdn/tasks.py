"""CDN tasks: coalesced flushes, submission with backoff, status refresh, Varnish purges."""

import logging

from celery import shared_task
from django.conf import settings

from . import services, varnish

logger = logging.getLogger(__name__)


@shared_task(acks_late=True, ignore_result=True)
def flush_paths(distribution_id: str, token: str) -> int | None:
    """Turn the paths queued for ``distribution_id`` into one recorded batch and send it."""
    record = services.batch_take(distribution_id, token)
    if record is None:
        return None
    submit_invalidation.apply_async(args=[record.pk], queue=settings.CDN_CELERY_QUEUE)
    return record.pk


@shared_task(bind=True, acks_late=True, ignore_result=True, max_retries=None)
def submit_invalidation(self, record_id: int) -> None:
    """Send batch ``record_id``; while CloudFront is busy, retry with exponential backoff and jitter."""
    try:
        services.invalidation_submit(record_id)
    except services.CdnBusy as exc:
        if self.request.retries >= settings.CDN_MAX_RETRIES:
            services.invalidation_fail(record_id, str(exc))
            return
        raise self.retry(
            exc=exc, countdown=services.retry_delay(self.request.retries), queue=settings.CDN_CELERY_QUEUE
        ) from exc


@shared_task(acks_late=True, ignore_result=True)
def refresh_invalidations() -> int:
    """Beat: refresh in-progress statuses with GetInvalidation and resend work whose task was lost."""
    services.stranded_resend()
    varnish.edge_resend()
    return services.invalidations_refresh()


@shared_task(bind=True, acks_late=True, ignore_result=True, max_retries=None)
def flush_edge(self, token: str) -> int | None:
    """Purge the tags queued for Varnish; while it is unreachable, retry with backoff, then leave it to the beat."""
    try:
        return varnish.edge_flush(token)
    except varnish.EdgeUnavailable as exc:
        if self.request.retries >= settings.CDN_MAX_RETRIES:
            logger.error("edge: giving up for now (%s); the beat retries the queued tags", exc)
            varnish.edge_give_up(token)
            return None
        delay = varnish.retry_delay(self.request.retries)
        varnish.edge_wait(token, delay)
        raise self.retry(exc=exc, countdown=delay, queue=settings.CDN_CELERY_QUEUE) from exc


@shared_task(bind=True, acks_late=True, ignore_result=True, max_retries=None)
def purge_edge_tags(self, tags: list[str]) -> int | None:
    """Purge ``tags`` at Varnish without the Redis queue (queued while Redis was down)."""
    try:
        return varnish.tags_purge(tags)
    except varnish.EdgeUnavailable as exc:
        if self.request.retries >= settings.CDN_MAX_RETRIES:
            logger.error("edge: %d tags not purged (%s)", len(tags), exc)
            return None
        raise self.retry(
            exc=exc, countdown=varnish.retry_delay(self.request.retries), queue=settings.CDN_CELERY_QUEUE
        ) from exc
