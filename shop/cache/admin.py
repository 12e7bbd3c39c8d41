from django.contrib import admin

from .models import CacheInvalidation


@admin.register(CacheInvalidation)
class CacheInvalidationAdmin(admin.ModelAdmin):
    list_display = ["id", "created_at", "alias", "tags"]
    readonly_fields = ["alias", "tags", "created_at"]

    def has_add_permission(self, request) -> bool:
        return False
