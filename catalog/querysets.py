"""Catalog querysets whose bulk writes report what they changed to the cache layer.

``QuerySet.update()`` (and ``bulk_update()``, which calls it) and ``bulk_create()`` send no
model signals, so they record the rows they touch themselves, before and after the write.
"""

from django.db import models, transaction

from shop.cache import invalidation


class ProductQuerySet(models.QuerySet):
    def active(self) -> "ProductQuerySet":
        return self.filter(is_active=True)

    def update(self, **kwargs) -> int:
        with transaction.atomic(using=self.db, savepoint=False):
            before = list(self.values_list("pk", "slug", "category_id"))
            rows = super().update(**kwargs)
            if before:
                after = self.model._base_manager.filter(pk__in=[pk for pk, _, _ in before])
                refs = [(slug, cat) for _, slug, cat in before]
                refs += list(after.values_list("slug", "category_id"))
                invalidation.products_changed(refs)
        return rows

    update.alters_data = True

    def bulk_create(self, objs, *args, **kwargs):
        with transaction.atomic(using=self.db, savepoint=False):
            created = super().bulk_create(objs, *args, **kwargs)
            invalidation.products_changed((obj.slug, obj.category_id) for obj in created)
        return created

    bulk_create.alters_data = True


class ProductImageQuerySet(models.QuerySet):
    def update(self, **kwargs) -> int:
        with transaction.atomic(using=self.db, savepoint=False):
            before = set(self.values_list("product_id", flat=True))
            rows = super().update(**kwargs)
            after = set()
            if "product" in kwargs or "product_id" in kwargs:
                after = {kwargs.get("product_id") or getattr(kwargs.get("product"), "pk", None)}
            invalidation.product_ids_changed((before | after) - {None})
        return rows

    update.alters_data = True

    def bulk_create(self, objs, *args, **kwargs):
        with transaction.atomic(using=self.db, savepoint=False):
            created = super().bulk_create(objs, *args, **kwargs)
            invalidation.product_ids_changed(obj.product_id for obj in created)
        return created

    bulk_create.alters_data = True


class CategoryQuerySet(models.QuerySet):
    def update(self, **kwargs) -> int:
        with transaction.atomic(using=self.db, savepoint=False):
            rows = super().update(**kwargs)
            if rows:
                invalidation.categories_changed()
        return rows

    update.alters_data = True

    def bulk_create(self, objs, *args, **kwargs):
        with transaction.atomic(using=self.db, savepoint=False):
            created = super().bulk_create(objs, *args, **kwargs)
            invalidation.categories_changed()
        return created

    bulk_create.alters_data = True
