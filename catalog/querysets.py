"""Catalog querysets whose bulk writes report what shoppers can see change to the cache layer.

``QuerySet.update()`` (and ``bulk_update()``, which calls it) and ``bulk_create()`` send no model
signals, so they compare what pages show of the rows they touch before and after the write themselves.
"""

from collections.abc import Mapping

from django.db import models, transaction
from django.db.models import Case, F, Value, When

from shop.cache.invalidation import invalidate

from . import cache

# Above this many rows, a reordering write bumps whole listings instead of counting each row's position.
POSITION_LIMIT = 20


def _visibility():
    from . import visibility  # imports the models: load it on first use, not at model import

    return visibility


class ProductQuerySet(models.QuerySet):
    def active(self) -> "ProductQuerySet":
        return self.filter(is_active=True)

    def update(self, **kwargs) -> int:
        vis = _visibility()
        with transaction.atomic(using=self.db, savepoint=False):
            before = vis.shown_rows(self)
            fields = [f for f in ("price", "name") if f in kwargs]
            categories = vis.Categories()
            exact = fields and len(before) <= POSITION_LIMIT
            positions = (
                {pk: vis.positions(s, _sorts(vis, fields), categories) for pk, s in before.items()} if exact else {}
            )
            rows = super().update(**kwargs)
            if before:
                after = vis.shown_rows(self.model._base_manager.filter(pk__in=before))
                invalidate(self._tags(vis, before, after, positions, fields, categories), using=self.db)
        return rows

    update.alters_data = True

    @staticmethod
    def _tags(vis, before, after, positions, fields, categories) -> set[str]:
        tags: set[str] = set()
        for pk, old in before.items():
            new = after.get(pk)
            tags |= vis.product_tags(old, new, categories)
            sorts = vis.reordered_sorts(old, new, fields)
            if sorts and pk in positions:
                tags |= vis.moved_pages(positions[pk], vis.positions(new, sorts, categories), categories)
            elif sorts:  # too many rows to place one by one: every page of their listings
                tags |= {cache.category_tag(categories.slug(c)) for c in categories.chain(new.category_id)}
        return tags

    def bulk_create(self, objs, *args, **kwargs):
        vis = _visibility()
        with transaction.atomic(using=self.db, savepoint=False):
            created = super().bulk_create(objs, *args, **kwargs)
            categories = vis.Categories()
            tags = set()
            for obj in created:
                tags |= vis.product_tags(None, vis.Shown.of_instance(obj), categories)
            invalidate(tags, using=self.db)
        return created

    bulk_create.alters_data = True

    def stock_decrement(self, locked: Mapping[int, models.Model], quantities: Mapping[int, int]) -> None:
        """Take ``quantities`` (id → units) off the stock of the ``locked`` rows: one UPDATE, one invalidation.

        What pages show after the sale is known from the locked rows, so no row is read again and the
        category tree is not read at all (stock never changes which listings show a product).
        """
        vis = _visibility()
        whens = [When(pk=pk, then=Value(q)) for pk, q in quantities.items()]
        # The plain update: the rows' visible changes are known here, so none is read back.
        models.QuerySet.update(self.filter(pk__in=list(quantities)), stock=F("stock") - Case(*whens))
        tags: set[str] = set()
        categories = vis.Categories()
        for pk, quantity in quantities.items():
            product = locked[pk]
            before = vis.Shown.of_instance(product)
            product.stock -= quantity
            tags |= vis.product_tags(before, vis.Shown.of_instance(product), categories)
        invalidate(tags, using=self.db)


def _sorts(vis, fields) -> tuple:
    return tuple(sort for f in fields for sort in vis.REORDERING[f])


class ProductImageQuerySet(models.QuerySet):
    def update(self, **kwargs) -> int:
        with transaction.atomic(using=self.db, savepoint=False):
            before = set(self.values_list("product_id", flat=True))
            rows = super().update(**kwargs)
            after = set()
            if "product" in kwargs or "product_id" in kwargs:
                after = {kwargs.get("product_id") or getattr(kwargs.get("product"), "pk", None)}
            _images_changed((before | after) - {None}, self.db)
        return rows

    update.alters_data = True

    def bulk_create(self, objs, *args, **kwargs):
        with transaction.atomic(using=self.db, savepoint=False):
            created = super().bulk_create(objs, *args, **kwargs)
            _images_changed({obj.product_id for obj in created}, self.db)
        return created

    bulk_create.alters_data = True


def _images_changed(product_ids: set, using: str) -> None:
    from .models import Product

    products = Product._base_manager.using(using).filter(pk__in=product_ids).values_list("pk", "slug")
    invalidate(_visibility().image_tags(products), using=using)


class CategoryQuerySet(models.QuerySet):
    def update(self, **kwargs) -> int:
        with transaction.atomic(using=self.db, savepoint=False):
            rows = super().update(**kwargs)
            if rows and set(kwargs) & {"name", "slug", "parent", "parent_id", "position"}:
                invalidate({cache.TREE}, using=self.db)
        return rows

    update.alters_data = True

    def bulk_create(self, objs, *args, **kwargs):
        with transaction.atomic(using=self.db, savepoint=False):
            created = super().bulk_create(objs, *args, **kwargs)
            if created:
                invalidate({cache.TREE}, using=self.db)
        return created

    bulk_create.alters_data = True
