"""Every cached value of the storefront: its key, its tags and its TTL.

Selectors pass the function that computes the value from Postgres; nothing outside
``shop.cache`` decides a key, a tag or a TTL.
"""

from collections.abc import Callable
from typing import Any

from django.conf import settings

from . import keys
from .release import release
from .store import Spec

Compute = Callable[[], Any]


def _ttl(name: str) -> int:
    return settings.SHOP_CACHE[name]


def category_tree(compute: Compute) -> Spec:
    return Spec("tree", keys.entry("tree"), (keys.tree_tag(),), _ttl("TREE_TTL"), compute)


def product(slug: str, compute: Compute) -> Spec:
    return Spec("product", keys.entry("product", slug), (keys.product_tag(slug),), _ttl("PRODUCT_TTL"), compute)


def category_listing(slug: str, sort: str, page: int, compute: Compute) -> Spec:
    return Spec(
        "listing",
        keys.entry("listing", slug, sort, page),
        (keys.category_tag(slug), keys.tree_tag()),
        _ttl("LISTING_TTL"),
        compute,
    )


def featured(compute: Compute) -> Spec:
    return Spec("home", keys.entry("featured"), (keys.home_tag(),), _ttl("HOME_TTL"), compute)


def bestsellers(compute: Compute) -> Spec:
    return Spec("bestsellers", keys.entry("bestsellers"), (keys.bestsellers_tag(),), _ttl("HOME_TTL"), compute)


def search(query: str, page: int, compute: Compute) -> Spec:
    return Spec(
        "search",
        keys.entry("search", keys.digest(query), page),
        (keys.search_tag(),),
        _ttl("SEARCH_TTL"),
        compute,
    )


# Whole pages, for visitors without a session (shop.cache.pages). A page carries the tags of every
# value it shows, so the writes that invalidate those values invalidate the page with them.
def _page(kind: str, parts: tuple, tags: tuple[str, ...]) -> Spec:
    key = keys.entry("page", release(), kind, *parts)
    return Spec("page", key, tags, _ttl("PAGE_TTL"), lambda: None)


def product_page(slug: str) -> Spec:
    return _page("product", (slug,), (keys.tree_tag(), keys.product_tag(slug)))


def category_page(slug: str, sort: str, page: int) -> Spec:
    return _page("listing", (slug, sort, page), (keys.category_tag(slug), keys.tree_tag()))


def home_page() -> Spec:
    return _page("home", (), (keys.tree_tag(), keys.home_tag(), keys.bestsellers_tag()))


def search_page(query: str, page: int) -> Spec:
    return _page("search", (keys.digest(query), page), (keys.tree_tag(), keys.search_tag()))
