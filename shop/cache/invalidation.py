"""Invalidation: which tags a write touches, and delivering the bumps after commit.

Every write path ends here: model signals (save/delete), the catalog querysets
(``update()``, ``bulk_update()``, ``bulk_create()``) and the services. Tags are recorded in the
outbox inside the writer's transaction, then bumped in Redis by ``transaction.on_commit``.
"""

import logging
from collections.abc import Iterable
from functools import partial

from django.db import transaction

from . import keys, store

logger = logging.getLogger(__name__)

ProductRef = tuple[str, int | None]  # (slug, category_id)


def _category_chain_slugs(category_ids: set[int]) -> set[str]:
    """Return the slugs of ``category_ids`` and all their ancestors."""
    from catalog.models import Category

    if not category_ids:
        return set()
    rows = {pk: (slug, parent) for pk, slug, parent in Category.objects.values_list("pk", "slug", "parent_id")}
    slugs: set[str] = set()
    for pk in category_ids:
        seen = set()
        while pk is not None and pk in rows and pk not in seen:
            seen.add(pk)
            slug, pk = rows[pk]
            slugs.add(slug)
    return slugs


def product_tags(refs: Iterable[ProductRef]) -> set[str]:
    """Return every tag guarding a value that shows one of the products in ``refs``."""
    refs = list(refs)
    if not refs:
        return set()
    tags = {keys.product_tag(slug) for slug, _ in refs}
    tags |= {keys.category_tag(s) for s in _category_chain_slugs({c for _, c in refs if c is not None})}
    tags |= {keys.home_tag(), keys.bestsellers_tag(), keys.search_tag()}
    return tags


def products_changed(refs: Iterable[ProductRef]) -> None:
    enqueue(product_tags(refs))


def product_ids_changed(ids: Iterable[int]) -> None:
    from catalog.models import Product

    ids = set(ids)
    if ids:
        products_changed(Product.objects.filter(pk__in=ids).values_list("slug", "category_id"))


def categories_changed() -> None:
    """Category names, slugs and parents live in the tree; every listing is tagged with it."""
    enqueue({keys.tree_tag()})


def enqueue(tags: set[str]) -> None:
    """Invalidate ``tags`` for a write in progress.

    Three steps, each covering the failure of the next: the tags go into the outbox in the
    writer's transaction; they are fenced in Redis now (old entries unreachable, no new entry
    cached until commit); after commit they get fresh versions and the fence is lifted.
    """
    from shop.models import CacheInvalidation

    if not tags:
        return
    tags = sorted(tags)
    token = store.new_token()
    row = CacheInvalidation.objects.create(tags=tags, fence_token=token)
    try:
        store.call(lambda conn: store.fence(conn, tags, token))
    except store.CacheUnavailable:
        logger.warning("cache: could not fence %d tags before commit; the outbox keeps them", len(tags))
    transaction.on_commit(partial(deliver, row.pk, tags, token))


def deliver(row_id: int, tags: list[str], token: str | None = None) -> bool:
    """Bump ``tags`` in Redis and clear the outbox row; leave the row for the drain on failure."""
    from shop.models import CacheInvalidation

    from . import stats

    try:
        store.call(lambda conn: store.bump(conn, tags, token))
    except store.CacheUnavailable:
        logger.warning("cache: invalidation %s not delivered; left in the outbox", row_id)
        return False
    stats.incr("invalidation:delivered")
    CacheInvalidation.objects.filter(pk=row_id).delete()
    return True


def drain_outbox(conn=None, batch: int = 500) -> int:
    """Deliver every pending invalidation; return how many rows were drained.

    Raises the Redis error if Redis is still unreachable: callers treat that as "not recovered".
    """
    from shop.models import CacheInvalidation

    if conn is None:
        conn = store.client()
    drained = 0
    while True:
        rows = list(CacheInvalidation.objects.values_list("pk", "tags", "fence_token")[:batch])
        if not rows:
            return drained
        store.bump_many(conn, [(tags, token or None) for _, tags, token in rows])
        CacheInvalidation.objects.filter(pk__in=[pk for pk, _, _ in rows]).delete()
        drained += len(rows)
