"""Staff view of CloudFront invalidations: read-only, newest first."""

from django.contrib import admin

from .models import CdnInvalidation


@admin.register(CdnInvalidation)
class CdnInvalidationAdmin(admin.ModelAdmin):
    list_display = ["created_at", "distribution_id", "invalidation_id", "status", "path_count", "attempts", "error"]
    list_filter = ["status", "distribution_id"]
    search_fields = ["invalidation_id", "caller_reference"]
    readonly_fields = [f.name for f in CdnInvalidation._meta.fields]
    date_hierarchy = "created_at"

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
