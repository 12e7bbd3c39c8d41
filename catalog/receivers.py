"""Signal receivers: they only invalidate caches, with the tags of what a shopper can see change."""

from django.db.models.signals import post_delete, post_save, pre_save
from django.dispatch import receiver

from shop.cache.invalidation import invalidate

from . import cache, visibility
from .models import Category, Product, ProductImage, SalesRanking

CATEGORY_SHOWN = ("name", "slug", "parent_id", "position")


@receiver(pre_save, sender=Product)
def remember_product(sender, instance: Product, raw: bool = False, **kwargs) -> None:
    """Keep what pages show of the row before this save, and its listing positions if they may move."""
    instance._shown_before = instance._positions_before = None
    if raw or instance._state.adding or instance.pk is None:
        return
    before = visibility.shown_rows(sender._base_manager.filter(pk=instance.pk)).get(instance.pk)
    instance._shown_before = before
    try:
        after = visibility.Shown.of_instance(instance) if before is not None else None
    except (TypeError, ValueError, ArithmeticError):
        # An expression such as F("price") + 1: every sort may move.
        sorts = ("price", "-price", "name") if before is not None and before.active else ()
    else:
        sorts = visibility.reordered_sorts(before, after)
    if sorts:
        categories = visibility.Categories()
        instance._positions_before = (visibility.positions(before, sorts, categories), categories)


@receiver(post_save, sender=Product)
def product_saved(sender, instance: Product, raw: bool = False, created: bool = False, **kwargs) -> None:
    if raw:
        return
    before = None if created else getattr(instance, "_shown_before", None)
    # Read back, not taken from the instance: fields may hold expressions (F("stock") - 1).
    after = visibility.shown_rows(sender._base_manager.filter(pk=instance.pk)).get(instance.pk)
    remembered = getattr(instance, "_positions_before", None)
    categories = remembered[1] if remembered else visibility.Categories()
    tags = visibility.product_tags(before, after, categories)
    sorts = visibility.reordered_sorts(before, after)
    if remembered and sorts:
        moved = visibility.positions(after, sorts, categories)
        tags |= visibility.moved_pages(remembered[0], moved, categories)
    invalidate(tags)


@receiver(post_delete, sender=Product)
def product_deleted(sender, instance: Product, **kwargs) -> None:
    before = visibility.Shown.of_instance(instance)
    invalidate(visibility.product_tags(before, None, visibility.Categories()))


@receiver(pre_save, sender=ProductImage)
def remember_image_product(sender, instance: ProductImage, raw: bool = False, **kwargs) -> None:
    old = None
    if not raw and instance.pk is not None and not instance._state.adding:
        old = sender._base_manager.filter(pk=instance.pk).values_list("product_id", "image", "renditions").first()
    # The cdn app's receivers read the old file names from here too: one query per save.
    instance._before = old


@receiver(post_save, sender=ProductImage)
def image_saved(sender, instance: ProductImage, raw: bool = False, **kwargs) -> None:
    if raw:
        return
    before = getattr(instance, "_before", None)
    _images_changed({instance.product_id, before[0] if before else None})


@receiver(post_delete, sender=ProductImage)
def image_deleted(sender, instance: ProductImage, **kwargs) -> None:
    _images_changed({instance.product_id})


def _images_changed(product_ids: set) -> None:
    products = Product._base_manager.filter(pk__in=product_ids - {None}).values_list("pk", "slug")
    invalidate(visibility.image_tags(products))


@receiver(pre_save, sender=Category)
def remember_category(sender, instance: Category, raw: bool = False, **kwargs) -> None:
    instance._shown_before = None
    if not raw and instance.pk is not None and not instance._state.adding:
        instance._shown_before = sender._base_manager.filter(pk=instance.pk).values_list(*CATEGORY_SHOWN).first()


@receiver(post_save, sender=Category)
def category_saved(sender, instance: Category, raw: bool = False, **kwargs) -> None:
    if raw:
        return
    after = tuple(getattr(instance, f) for f in CATEGORY_SHOWN)
    if getattr(instance, "_shown_before", None) != after:
        invalidate({cache.TREE})  # navigation, breadcrumbs and listing membership all hang off the tree


@receiver(post_delete, sender=Category)
def category_deleted(sender, instance: Category, **kwargs) -> None:
    invalidate({cache.TREE})


@receiver(post_save, sender=SalesRanking)
def ranking_saved(sender, instance: SalesRanking, raw: bool = False, **kwargs) -> None:
    if not raw:
        invalidate({cache.BESTSELLERS})
