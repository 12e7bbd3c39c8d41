"""What the catalog keeps in the cache layer: its entries and the tags that guard them.

Tags name what a shopper can see change; ``catalog.visibility`` decides which of them a write touches:

- ``tree``: the category tree (navigation, breadcrumbs, listings' scope); a category created, edited, deleted.
- ``product:<slug>``: the product page's data; anything its page shows changes (or the slug comes to exist).
- ``card:<id>``: the product's card on listings, home and search; anything its card shows changes.
- ``category:<slug>``: every page of the category's listings; a product joins or leaves it or a descendant.
- ``listing:<slug>:<sort>:<page>``: one listing page; a price or name change moves products across it.
- ``featured``: the featured list on home; a product starts or stops being featured, active and buyable.
- ``bestsellers``: the best-seller ranking on home; the periodic ranking refresh changes it.
- ``search``: every search result list; a product appears, disappears, or its name or description changes.
- ``sitemap``: sitemap.xml; a product page appears, disappears or changes.
"""

from collections.abc import Callable, Sequence
from typing import Any

from django.conf import settings

from shop.cache.entry import Entry
from shop.cache.keys import digest

TREE = "tree"
FEATURED = "featured"
BESTSELLERS = "bestsellers"
SEARCH = "search"
SITEMAP = "sitemap"


def product_tag(slug: str) -> str:
    return f"product:{slug}"


def card_tag(pk: int) -> str:
    return f"card:{pk}"


def category_tag(slug: str) -> str:
    return f"category:{slug}"


def listing_tag(slug: str, sort: str, page: int) -> str:
    return f"listing:{slug}:{sort}:{page}"


def _ttl(name: str) -> int:
    return settings.SHOP_CACHE[name]


Compute = Callable[[], Any]


def tree(compute: Compute) -> Entry:
    return Entry("tree", (), (TREE,), _ttl("TREE_TTL"), compute)


def product(slug: str, compute: Compute) -> Entry:
    return Entry("product", (slug,), (product_tag(slug),), _ttl("PRODUCT_TTL"), compute)


def card(pk: int, compute: Compute, compute_many: Callable[[Sequence[Entry]], list]) -> Entry:
    return Entry("card", (pk,), (card_tag(pk),), _ttl("PRODUCT_TTL"), compute, compute_many)


def listing(slug: str, sort: str, page: int, compute: Compute) -> Entry:
    tags = (TREE, category_tag(slug), listing_tag(slug, sort, page))
    return Entry("listing", (slug, sort, page), tags, _ttl("LISTING_TTL"), compute)


def featured(compute: Compute) -> Entry:
    return Entry("home", ("featured",), (FEATURED,), _ttl("HOME_TTL"), compute)


def bestsellers(compute: Compute) -> Entry:
    return Entry("bestsellers", (), (BESTSELLERS,), _ttl("HOME_TTL"), compute)


def search(query: str, page: int, compute: Compute) -> Entry:
    return Entry("search", (digest(query), page), (SEARCH,), _ttl("SEARCH_TTL"), compute)


def sitemap(compute: Compute) -> Entry:
    return Entry("sitemap", (), (SITEMAP, TREE), _ttl("PAGE_TTL"), compute)
