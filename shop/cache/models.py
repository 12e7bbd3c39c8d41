"""The outbox of invalidations that could not reach Redis when their write committed."""

from django.db import models


class CacheInvalidation(models.Model):
    """Tags to bump on cache ``alias``, written in the transaction of a write whose fence failed.

    Every process drains these rows before it trusts Redis again (``shop.cache.trust``); the row is
    deleted once the bump reached Redis.
    """

    alias = models.CharField(max_length=40, default="default")
    tags = models.JSONField()
    # The writer's fence in Redis, if it placed one; whoever delivers this row lifts that fence too.
    fence_token = models.CharField(max_length=32, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "shop_cacheinvalidation"
        ordering = ["id"]
        indexes = [models.Index(fields=["alias", "id"], name="cacheinvalidation_alias_idx")]

    def __str__(self) -> str:
        return f"invalidation {self.pk} ({len(self.tags)} tags on {self.alias})"
