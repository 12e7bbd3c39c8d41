"""CloudFront invalidations: one row per batch, written before the request so a retry reuses its reference."""

from django.db import models

from .batching import TAG_PREFIX, is_wildcard


class CdnInvalidation(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "pending (not yet accepted by CloudFront)"
        IN_PROGRESS = "in_progress", "in progress"
        COMPLETED = "completed", "completed"
        FAILED = "failed", "failed"

    distribution_id = models.CharField(max_length=32)
    invalidation_id = models.CharField(max_length=64, blank=True, db_index=True)
    caller_reference = models.CharField(max_length=128, unique=True)
    paths = models.JSONField(default=list)
    # Paths as CloudFront bills them: a wildcard path counts as one.
    path_count = models.PositiveIntegerField(default=0)
    requested_count = models.PositiveIntegerField(default=0, help_text="paths queued before any wildcard merge")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING, db_index=True)
    attempts = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "CDN invalidation"
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(status="in_progress") | ~models.Q(invalidation_id=""),
                name="cdn_in_progress_has_id",
            )
        ]

    def __str__(self) -> str:
        return f"{self.distribution_id} {self.invalidation_id or self.caller_reference} ({self.status})"

    @property
    def wildcard_count(self) -> int:
        return sum(1 for p in self.paths if is_wildcard(p))

    @property
    def tag_count(self) -> int:
        return sum(1 for p in self.paths if p.startswith(TAG_PREFIX))
