"""Catalog: categories, products, their images and stock."""

from decimal import Decimal

from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVector
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.urls import reverse

from .querysets import CategoryQuerySet, ProductImageQuerySet, ProductQuerySet

SEARCH_CONFIG = "english"


def search_vector() -> SearchVector:
    """Return the weighted full-text vector the search index and the search query share."""
    return SearchVector("name", weight="A", config=SEARCH_CONFIG) + SearchVector(
        "description", weight="B", config=SEARCH_CONFIG
    )


class Category(models.Model):
    name = models.CharField(max_length=120)
    slug = models.SlugField(max_length=140, unique=True)
    parent = models.ForeignKey("self", null=True, blank=True, related_name="children", on_delete=models.PROTECT)
    position = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = CategoryQuerySet.as_manager()

    class Meta:
        ordering = ["position", "name"]
        verbose_name_plural = "categories"
        constraints = [
            models.CheckConstraint(condition=~models.Q(parent=models.F("pk")), name="category_not_own_parent")
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("category", kwargs={"slug": self.slug})

    def clean(self) -> None:
        """Refuse a parent that is this category or one of its descendants (a cycle)."""
        node, seen = self.parent, set()
        while node is not None and node.pk not in seen:
            if self.pk is not None and node.pk == self.pk:
                raise ValidationError({"parent": "A category cannot be placed below itself."})
            seen.add(node.pk)
            node = node.parent


class Product(models.Model):
    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=220, unique=True)
    description = models.TextField(blank=True)
    price = models.DecimalField(max_digits=10, decimal_places=2, validators=[MinValueValidator(Decimal("0.00"))])
    stock = models.IntegerField(default=0, validators=[MinValueValidator(0)])
    is_active = models.BooleanField(default=True)
    is_featured = models.BooleanField(default=False)
    category = models.ForeignKey(Category, related_name="products", on_delete=models.PROTECT)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ProductQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(condition=models.Q(stock__gte=0), name="product_stock_gte_0"),
            models.CheckConstraint(condition=models.Q(price__gte=0), name="product_price_gte_0"),
        ]
        indexes = [
            GinIndex(search_vector(), name="product_search_idx"),
            models.Index(fields=["category", "is_active", "price"], name="product_cat_price_idx"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("product", kwargs={"slug": self.slug})


def product_image_path(instance: "ProductImage", filename: str) -> str:
    """Return a fresh upload path: media is never overwritten in place."""
    from .images import upload_path

    return upload_path(instance, filename)


class ProductImage(models.Model):
    product = models.ForeignKey(Product, related_name="images", on_delete=models.CASCADE)
    image = models.ImageField(upload_to=product_image_path, max_length=255)
    # Sizes made by catalog.renditions on upload: {"thumb": {"name": ..., "width": ...}, ...}.
    renditions = models.JSONField(default=dict, blank=True, editable=False)
    alt = models.CharField(max_length=200, blank=True)
    position = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ProductImageQuerySet.as_manager()

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return f"{self.product} image {self.position}"


class SalesRanking(models.Model):
    """The best-sellers shown on home, refreshed on a schedule (``sales_ranking_refresh``), never per order.

    ``ranking`` is ``[[product id, units sold], ...]``, best first. One row.
    """

    ranking = models.JSONField(default=list)
    computed_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"sales ranking of {self.computed_at:%Y-%m-%d %H:%M}"
