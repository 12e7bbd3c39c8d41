"""CDN reads for staff pages and the metrics publisher."""

from django.conf import settings
from django.db.models import QuerySet

from shop.cache import clients

from . import queue, services, varnish
from .models import CdnInvalidation


def paths_used_this_month() -> int:
    """Return the invalidation paths submitted this calendar month (UTC); a wildcard counts as one, as billed."""
    return services.month_paths_used()


def paths_budget() -> dict[str, int]:
    """Return this month's paths ``used``, the ``free`` allowance and what ``remaining`` of it."""
    used = paths_used_this_month()
    free = settings.CDN_FREE_PATHS_PER_MONTH
    return {"used": used, "free": free, "remaining": max(free - used, 0)}


def recent_invalidations(limit: int = 20) -> QuerySet[CdnInvalidation]:
    """Return the newest ``limit`` invalidations (id, paths, path_count, status, error, timestamps)."""
    return CdnInvalidation.objects.order_by("-created_at", "-id")[:limit]


def queued_paths(distribution_id: str = "") -> list[str]:
    """Return the paths and ``#tags`` waiting for the next CloudFront flush of ``distribution_id``."""
    name = services.queue_name(distribution_id or settings.CLOUDFRONT_DISTRIBUTION_ID)
    return queue.items(clients.client("default"), name)


def queued_edge_tags() -> list[str]:
    """Return the tags waiting for the next Varnish purge."""
    return queue.items(clients.client("default"), varnish.QUEUE)
