"""Shop-wide models: the outbox of cache invalidations not yet delivered to Redis."""

from django.db import models


class CacheInvalidation(models.Model):
    """Tags to bump, written in the same transaction as the data change that needs it.

    The row is deleted once the bump reached Redis; a row that stays behind (Redis timed out, or
    the process died between commit and bump) is delivered by the next drain.
    """

    tags = models.JSONField()
    # The writer's fence in Redis; whoever delivers this row lifts that fence too.
    fence_token = models.CharField(max_length=32, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"invalidation {self.pk} ({len(self.tags)} tags)"
