from django.contrib import admin

from .models import CacheInvalidation


@admin.register(CacheInvalidation)
class CacheInvalidationAdmin(admin.ModelAdmin):
    list_display = ["id", "created_at", "tags"]
    readonly_fields = ["tags", "created_at"]

    def has_add_permission(self, request) -> bool:
        return False
