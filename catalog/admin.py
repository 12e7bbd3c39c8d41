"""Staff catalog editing. Every change here reaches the storefront through the cache layer."""

from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.template.response import TemplateResponse
from django.utils.html import format_html

from . import selectors, services
from .exceptions import CatalogError
from .models import Category, Product, ProductImage


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["indented_name", "slug", "parent", "position"]
    list_editable = ["position"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    autocomplete_fields = ["parent"]

    @admin.display(description="name")
    def indented_name(self, obj: Category) -> str:
        depth = len(selectors.category_tree().path(obj.pk)) - 1 if obj.parent_id else 0
        return format_html("{}{}", "\u2014 " * depth, obj.name)

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("parent")


class ProductImageInline(admin.TabularInline):
    model = ProductImage
    extra = 1
    fields = ["image", "alt", "position", "preview"]
    readonly_fields = ["preview"]

    @admin.display(description="preview")
    def preview(self, obj: ProductImage) -> str:
        if not obj.pk or not obj.image:
            return "-"
        return format_html('<img src="{}" alt="" height="48">', obj.image.url)  # no inline style: CSP


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = ["name", "category", "price", "stock", "is_active", "is_featured", "updated_at"]
    list_filter = ["is_active", "is_featured", "category"]
    list_editable = ["price", "stock"]
    search_fields = ["name", "slug", "description"]
    prepopulated_fields = {"slug": ["name"]}
    autocomplete_fields = ["category"]
    inlines = [ProductImageInline]
    actions = ["change_price", "mark_inactive", "purge_from_cdn"]
    list_per_page = 50

    @admin.action(description="Change price by %%")
    def change_price(self, request, queryset: QuerySet[Product]):
        if "apply" in request.POST:
            raw = request.POST.get("percent", "").strip()
            try:
                percent = Decimal(raw)
                count = services.products_change_price(products=queryset, percent=percent)
            except (InvalidOperation, ValueError):
                self.message_user(request, f"“{raw}” is not a percentage.", messages.ERROR)
            except CatalogError as exc:
                self.message_user(request, str(exc), messages.ERROR)
            else:
                self.message_user(request, f"Changed the price of {count} products by {percent}%.")
                return None
        context = {
            **self.admin_site.each_context(request),
            "title": "Change price by a percentage",
            "queryset": queryset,
            "opts": self.model._meta,
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/catalog/product/change_price.html", context)

    @admin.action(description="Mark inactive")
    def mark_inactive(self, request, queryset: QuerySet[Product]):
        count = services.products_deactivate(products=queryset)
        self.message_user(request, f"Marked {count} products inactive.")

    @admin.action(description="Purge from CDN")
    def purge_from_cdn(self, request, queryset: QuerySet[Product]):
        if not settings.CLOUDFRONT_DISTRIBUTION_ID:
            self.message_user(request, "No CloudFront distribution is configured.", messages.WARNING)
            return
        count = services.products_purge_from_cdn(products=queryset)
        self.message_user(
            request,
            f"Queued {count} CloudFront paths; they go out together in one invalidation within seconds.",
        )

    def save_formset(self, request, form, formset, change):
        """Save images through the service, which stores a new upload's renditions beside it."""
        if formset.model is not ProductImage:
            return super().save_formset(request, form, formset, change)
        for obj in formset.save(commit=False):
            services.product_image_store(image=obj)
        for obj in formset.deleted_objects:
            obj.delete()  # cdn.receivers removes its files and CDN paths after commit
        formset.save_m2m()
