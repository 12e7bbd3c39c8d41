"""CDN tasks: coalesced flushes, submission with backoff, status refresh."""

from celery import shared_task
from django.conf import settings

from . import services


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
    return services.invalidations_refresh()
