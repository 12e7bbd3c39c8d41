"""Celery tasks of the observability package."""

from celery import shared_task

from . import metrics


@shared_task(ignore_result=True)
def publish_cache_metrics() -> dict[str, int]:
    """Send the cache counts gathered since the last run to CloudWatch."""
    return metrics.publish()
