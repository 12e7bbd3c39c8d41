"""Signal receivers: a replaced or deleted product image retires its files and their CDN paths; the cache
layer's invalidated tags are purged at the edge (CloudFront, Varnish)."""

import logging

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from catalog import renditions
from catalog.models import ProductImage
from shop.cache.signals import tags_invalidated

from . import services

logger = logging.getLogger(__name__)

# Tags of this cache alias name shared pages; other aliases ("sessions") never reach an edge.
EDGE_ALIAS = "default"


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


@receiver(tags_invalidated)
def tags_invalidated_at_edge(sender, tags: list[str], alias: str, **kwargs) -> None:
    if alias != EDGE_ALIAS:
        return
    try:
        services.tags_queue(tags)
    except Exception:  # a cache signal must never fail the write that sent it
        logger.exception("edge: could not queue %d tags for purging", len(tags or []))
