"""Catalog background work."""

from celery import shared_task

from . import services


@shared_task(acks_late=True, ignore_result=True)
def refresh_sales_ranking() -> bool:
    """Beat: recompute the best-seller ranking; home changes only if the ranking did."""
    return services.sales_ranking_refresh()
