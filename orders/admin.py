"""Orders are read-mostly for staff: status can change, what was bought cannot."""

from django.contrib import admin

from .models import Order, OrderLine


class OrderLineInline(admin.TabularInline):
    model = OrderLine
    extra = 0
    can_delete = False
    fields = ["product", "product_name", "quantity", "unit_price"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Order)
class OrderAdmin(admin.ModelAdmin):
    list_display = ["id", "created_at", "email", "status", "total"]
    list_filter = ["status", "created_at"]
    search_fields = ["email", "full_name", "id"]
    date_hierarchy = "created_at"
    inlines = [OrderLineInline]
    readonly_fields = [
        "user",
        "checkout_token",
        "email",
        "full_name",
        "address",
        "city",
        "postal_code",
        "country",
        "total",
        "created_at",
        "updated_at",
    ]

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
