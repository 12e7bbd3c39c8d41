"""Signal receivers: they only invalidate caches (see shop.cache.invalidation)."""

from django.db.models.signals import post_delete, post_save, pre_save
from django.dispatch import receiver

from shop.cache import invalidation

from .models import Category, Product, ProductImage


@receiver(pre_save, sender=Product)
def remember_product_ref(sender, instance: Product, raw: bool = False, **kwargs) -> None:
    """Keep the slug and category the row had before this save: their pages change too."""
    if raw or instance._state.adding or instance.pk is None:
        instance._cache_old_ref = None
        return
    instance._cache_old_ref = sender._base_manager.filter(pk=instance.pk).values_list("slug", "category_id").first()


@receiver(post_save, sender=Product)
def product_saved(sender, instance: Product, raw: bool = False, **kwargs) -> None:
    if raw:
        return
    refs = [(instance.slug, instance.category_id)]
    old = getattr(instance, "_cache_old_ref", None)
    if old:
        refs.append(old)
    invalidation.products_changed(refs)


@receiver(post_delete, sender=Product)
def product_deleted(sender, instance: Product, **kwargs) -> None:
    invalidation.products_changed([(instance.slug, instance.category_id)])


@receiver(pre_save, sender=ProductImage)
def remember_image_product(sender, instance: ProductImage, raw: bool = False, **kwargs) -> None:
    old = None
    if not raw and instance.pk is not None and not instance._state.adding:
        old = sender._base_manager.filter(pk=instance.pk).values_list("product_id", flat=True).first()
    instance._cache_old_product_id = old


@receiver(post_save, sender=ProductImage)
def image_saved(sender, instance: ProductImage, raw: bool = False, **kwargs) -> None:
    if raw:
        return
    ids = {instance.product_id, getattr(instance, "_cache_old_product_id", None)} - {None}
    invalidation.product_ids_changed(ids)


@receiver(post_delete, sender=ProductImage)
def image_deleted(sender, instance: ProductImage, **kwargs) -> None:
    invalidation.product_ids_changed([instance.product_id])


@receiver(post_save, sender=Category)
def category_saved(sender, instance: Category, raw: bool = False, **kwargs) -> None:
    if not raw:
        invalidation.categories_changed()


@receiver(post_delete, sender=Category)
def category_deleted(sender, instance: Category, **kwargs) -> None:
    invalidation.categories_changed()
