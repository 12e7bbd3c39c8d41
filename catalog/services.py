"""Catalog writes. Cache invalidation follows from the model signals and querysets."""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import F, Max, QuerySet, Sum
from django.utils import timezone

from cdn import services as cdn_services
from cdn.batching import media_paths
from shop.cache.invalidation import invalidate

from . import renditions, visibility
from .exceptions import CatalogError
from .models import Category, Product, ProductImage, SalesRanking

MIN_PERCENT = Decimal("-90")
MAX_PERCENT = Decimal("500")
MAX_PRICE = Decimal("99999999.99")  # Product.price is Decimal(10, 2)
RANKING_SIZE = 8


@transaction.atomic
def product_update(*, product: Product, **fields) -> Product:
    for name, value in fields.items():
        setattr(product, name, value)
    product.full_clean()
    product.save()
    return product


@transaction.atomic
def products_change_price(*, products: QuerySet[Product], percent: Decimal) -> int:
    """Change every price in ``products`` by ``percent`` (-90 to +500), rounded to cents."""
    if not MIN_PERCENT <= percent <= MAX_PERCENT:
        raise CatalogError(f"The change must be between {MIN_PERCENT}% and {MAX_PERCENT}%.")
    factor = (Decimal(100) + percent) / Decimal(100)
    highest = products.aggregate(highest=Max("price"))["highest"]
    if highest is not None and (highest * factor).quantize(Decimal("0.01")) > MAX_PRICE:
        # Postgres would refuse the whole update with a numeric overflow.
        raise CatalogError(f"That change would take a price above {MAX_PRICE}.")
    # update() skips auto_now: the sitemap's lastmod reads updated_at.
    return products.update(price=F("price") * factor, updated_at=timezone.now())


@transaction.atomic
def products_deactivate(*, products: QuerySet[Product]) -> int:
    return products.update(is_active=False)


@transaction.atomic
def product_image_add(
    *, product: Product, image: UploadedFile, alt: str = "", position: int | None = None
) -> ProductImage:
    if position is None:
        position = product.images.count()
    obj = ProductImage(product=product, alt=alt, position=position)
    obj.image = image
    return product_image_store(image=obj)


@transaction.atomic
def product_image_store(*, image: ProductImage) -> ProductImage:
    """Save ``image``; a new upload is stored with its renditions first.

    A replaced or deleted file is removed after commit, with its CDN paths (cdn.receivers).
    """
    file = image.image
    if file and not file._committed:
        file.save(file.name, file.file, save=False)
        image.renditions = renditions.generate(file)
    image.save()
    return image


@transaction.atomic
def products_purge_from_cdn(*, products: QuerySet[Product]) -> int:
    """Queue the CloudFront paths of every file of ``products``' images; return how many paths."""
    names = []
    for name, sizes in ProductImage.objects.filter(product__in=products).values_list("image", "renditions"):
        names += renditions.names(name, sizes)
    return cdn_services.paths_queue(media_paths(names))


@transaction.atomic
def product_images_reorder(*, product: Product, image_ids: list[int]) -> None:
    """Put ``product``'s images in the order of ``image_ids``."""
    current = set(product.images.values_list("pk", flat=True))
    if set(image_ids) != current:
        raise CatalogError("The new order must list each of the product's images once.")
    images = list(product.images.all())
    position = {pk: i for i, pk in enumerate(image_ids)}
    for image in images:
        image.position = position[image.pk]
    ProductImage.objects.bulk_update(images, ["position"])


@transaction.atomic
def category_move(*, category: Category, parent: Category | None) -> Category:
    """Place ``category`` under ``parent`` (None: top level); never below itself."""
    previous, category.parent = category.parent, parent
    try:
        category.full_clean()
    except ValidationError as exc:
        category.parent = previous
        raise CatalogError(" ".join(exc.messages)) from exc
    category.save()
    return category


@transaction.atomic
def sales_ranking_refresh(*, size: int = RANKING_SIZE) -> bool:
    """Recompute the best-sellers (units sold, active products); save, and so invalidate, only on a change."""
    top = (
        Product.objects.active()
        .annotate(units_sold=Sum("order_lines__quantity"))
        .filter(units_sold__gt=0)
        .order_by("-units_sold", "id")
        .values_list("pk", "units_sold")[:size]
    )
    ranking = [[pk, units] for pk, units in top]
    current = SalesRanking.objects.select_for_update().first() or SalesRanking()
    if current.pk is not None and current.ranking == ranking:
        return False
    current.ranking = ranking
    current.save()
    return True


@transaction.atomic
def products_cache_purge(*, products: QuerySet[Product]) -> int:
    """Invalidate every cached page showing ``products`` (staff panel); nothing in the database changes."""
    shown = visibility.shown_rows(products)
    categories = visibility.Categories()
    tags = set()
    for product in shown.values():
        tags |= visibility.product_tags(product, None, categories)
    invalidate(tags)
    return len(shown)
