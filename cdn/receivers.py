"""Signal receivers: a replaced or deleted product image retires its files and their CDN paths."""

from django.db.models.signals import post_delete, post_save, pre_save
from django.dispatch import receiver

from catalog import renditions
from catalog.models import ProductImage

from . import services


@receiver(pre_save, sender=ProductImage)
def remember_image_files(sender, instance: ProductImage, raw: bool = False, **kwargs) -> None:
    old = None
    if not raw and instance.pk is not None and not instance._state.adding:
        old = sender._base_manager.filter(pk=instance.pk).values_list("image", "renditions").first()
    instance._cdn_old_files = old


@receiver(post_save, sender=ProductImage)
def image_saved(sender, instance: ProductImage, raw: bool = False, **kwargs) -> None:
    old = getattr(instance, "_cdn_old_files", None)
    if raw or not old or old[0] == instance.image.name:
        return
    services.media_retire(renditions.names(*old))


@receiver(post_delete, sender=ProductImage)
def image_deleted(sender, instance: ProductImage, **kwargs) -> None:
    services.media_retire(renditions.names(instance.image.name, instance.renditions))
