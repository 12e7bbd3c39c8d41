"""Background work of the cache layer."""

from celery import shared_task
from django.conf import settings

from .cache import invalidation


@shared_task(acks_late=True, ignore_result=True)
def drain_invalidation_outbox() -> int:
    """Deliver invalidations that could not reach Redis when their write committed (every cache alias)."""
    return sum(invalidation.drain_outbox(alias) for alias in settings.CACHES)
