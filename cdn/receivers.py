"""Signal receivers: a replaced or deleted product image retires its files and their CDN paths."""

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from catalog import renditions
from catalog.models import ProductImage

from . import services


@receiver(post_save, sender=ProductImage)
def image_saved(sender, instance: ProductImage, raw: bool = False, **kwargs) -> None:
    # catalog.receivers read the row before the save: (product id, file name, renditions).
    before = getattr(instance, "_before", None)
    if raw or not before or before[1] == instance.image.name:
        return
    services.media_retire(renditions.names(before[1], before[2]))


@receiver(post_delete, sender=ProductImage)
def image_deleted(sender, instance: ProductImage, **kwargs) -> None:
    services.media_retire(renditions.names(instance.image.name, instance.renditions))
