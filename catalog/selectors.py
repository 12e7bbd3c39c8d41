"""Catalog reads. Each public function returns plain data, read through the cache layer.

Lists (listings, featured, best-sellers, search results) are cached as product ids; each product's card
is an entry of its own (``card:<id>``), so a change to one product's card recomputes that card, not the
lists showing it, and a sale that changes no card changes no list.
"""

from dataclasses import dataclass
from typing import Any

from django.contrib.postgres.search import SearchQuery, SearchRank
from django.core.paginator import Paginator
from django.db.models import Prefetch

from shop.cache.entry import Result
from shop.cache.store import read, read_many

from . import cache, renditions
from .display import DEFAULT_SORT, PAGE_SIZE, SORTS, availability
from .models import SEARCH_CONFIG, Category, Product, ProductImage, SalesRanking, search_vector

MAX_QUERY_LENGTH = 200
HOME_LIMIT = 8

__all__ = ["PAGE_SIZE", "SORTS", "availability"]


def _image_data(image: ProductImage) -> dict[str, Any]:
    # "sizes" maps thumb/listing/detail to URLs; empty (and "srcset" "") for images stored without renditions.
    return {
        "id": image.pk,
        "url": image.image.url,
        "alt": image.alt,
        "position": image.position,
        "sizes": renditions.urls(image.image, image.renditions),
        "srcset": renditions.srcset(image.image, image.renditions),
    }


def _with_images(qs):
    return qs.prefetch_related(Prefetch("images", queryset=ProductImage.objects.order_by("position", "id")))


# Cards -------------------------------------------------------------------------------------------------


def _card(product: Product) -> dict[str, Any]:
    images = list(product.images.all())
    return {
        "id": product.pk,
        "name": product.name,
        "slug": product.slug,
        "price": str(product.price),
        "availability": availability(product.stock),
        "image": _image_data(images[0]) if images else None,
    }


def _cards_data(ids: list[int]) -> list[dict[str, Any] | None]:
    found = {p.pk: _card(p) for p in _with_images(Product.objects.active().filter(pk__in=ids))}
    return [found.get(pk) for pk in ids]


def _cards_of_entries(entries) -> list:
    return _cards_data([e.parts[0] for e in entries])


def _card_entry(pk: int):
    return cache.card(pk, lambda: _cards_data([pk])[0], _cards_of_entries)


def cards(ids: list[int]) -> list[dict[str, Any]]:
    """Return the cards of the products ``ids`` still on sale, in order (one round trip, one query for misses)."""
    return [r.value for r in read_many([_card_entry(pk) for pk in ids]) if r.value is not None]


# Category tree -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Tree:
    """The category tree as plain data, with lookups built on demand."""

    nodes: list[dict[str, Any]]

    def by_slug(self, slug: str) -> dict[str, Any] | None:
        return next((n for n in self.nodes if n["slug"] == slug), None)

    def by_id(self, pk: int | None) -> dict[str, Any] | None:
        return next((n for n in self.nodes if n["id"] == pk), None)

    def roots(self) -> list[dict[str, Any]]:
        return [n for n in self.nodes if n["parent_id"] is None]

    def children(self, node: dict[str, Any]) -> list[dict[str, Any]]:
        return [n for n in self.nodes if n["parent_id"] == node["id"]]

    def path(self, pk: int | None) -> list[dict[str, Any]]:
        """Return the ancestors of category ``pk`` from the root down, itself last."""
        path, seen = [], set()
        node = self.by_id(pk)
        while node is not None and node["id"] not in seen:
            seen.add(node["id"])
            path.append(node)
            node = self.by_id(node["parent_id"])
        return path[::-1]

    def descendant_ids(self, pk: int) -> list[int]:
        ids, frontier = [pk], [pk]
        while frontier:
            frontier = [n["id"] for n in self.nodes if n["parent_id"] in frontier and n["id"] not in ids]
            ids += frontier
        return ids


def _tree_data() -> list[dict[str, Any]]:
    return [
        {"id": pk, "name": name, "slug": slug, "parent_id": parent}
        for pk, name, slug, parent in Category.objects.values_list("pk", "name", "slug", "parent_id")
    ]


def _tree_entry():
    return cache.tree(_tree_data)


def category_tree() -> Tree:
    return Tree(read(_tree_entry()).value)


# Product page ------------------------------------------------------------------------------------------


def _product_data(slug: str) -> dict[str, Any] | None:
    product = _with_images(Product.objects.active().filter(slug=slug)).first()
    if product is None:
        return None
    return {
        "id": product.pk,
        "name": product.name,
        "slug": product.slug,
        "description": product.description,
        "price": str(product.price),
        "availability": availability(product.stock),
        "category_id": product.category_id,
        "images": [_image_data(image) for image in product.images.all()],
    }


def product_page(slug: str) -> tuple[Tree, Result]:
    """Return the tree and the product behind ``/products/<slug>/`` (value ``None``: no such product)."""
    tree, product = read_many([_tree_entry(), cache.product(slug, lambda: _product_data(slug))])
    return Tree(tree.value), product


# Category listing --------------------------------------------------------------------------------------


def clean_sort(sort: str | None) -> str:
    return sort if sort in SORTS else DEFAULT_SORT


def _listing_data(slug: str, sort: str, page: int) -> dict[str, Any] | None:
    tree = Tree(_tree_data())
    category = tree.by_slug(slug)
    if category is None:
        return None
    qs = Product.objects.active().filter(category_id__in=tree.descendant_ids(category["id"]))
    paginator = Paginator(qs.order_by(*SORTS[sort]).values_list("pk", flat=True), PAGE_SIZE)
    if page > paginator.num_pages:
        return {"category_id": category["id"], "out_of_range": True, "num_pages": paginator.num_pages}
    return {
        "category_id": category["id"],
        "out_of_range": False,
        "ids": list(paginator.page(page).object_list),
        "count": paginator.count,
        "page": page,
        "num_pages": paginator.num_pages,
    }


def _with_cards(result: Result) -> Result:
    data = result.value
    if data is None or data.get("out_of_range"):
        return result
    return Result({**data, "products": cards(data["ids"])}, result.outcome)


def category_page(slug: str, sort: str, page: int) -> tuple[Tree, Result]:
    """Return the tree and one page of ``slug``'s products (value ``None``: no such category)."""
    entry = cache.listing(slug, sort, page, lambda: _listing_data(slug, sort, page))
    tree, listing = read_many([_tree_entry(), entry])
    return Tree(tree.value), _with_cards(listing)


# Home --------------------------------------------------------------------------------------------------


def _featured_data() -> list[int]:
    # Buyable products only; newest first, an order no sale or edit changes.
    qs = Product.objects.active().filter(is_featured=True, stock__gt=0).order_by("-created_at", "-id")
    return list(qs.values_list("pk", flat=True)[:HOME_LIMIT])


def _bestsellers_data() -> list[list[int]]:
    ranking = SalesRanking.objects.values_list("ranking", flat=True).first()
    return ranking or []


def home_page() -> tuple[Tree, Result, Result]:
    tree, featured, best = read_many(
        [_tree_entry(), cache.featured(_featured_data), cache.bestsellers(_bestsellers_data)]
    )
    units = dict(map(tuple, best.value))
    shown = cards(list(featured.value) + list(units))
    by_id = {c["id"]: c for c in shown}
    featured_cards = [by_id[pk] for pk in featured.value if pk in by_id]
    best_cards = [by_id[pk] | {"units_sold": units[pk]} for pk in units if pk in by_id]
    return Tree(tree.value), Result(featured_cards, featured.outcome), Result(best_cards, best.outcome)


# Search ------------------------------------------------------------------------------------------------


def normalize_query(q: str) -> str:
    return " ".join(q.split()).lower()


def _search_data(query: str, page: int) -> dict[str, Any]:
    sq = SearchQuery(query, search_type="websearch", config=SEARCH_CONFIG)
    vector = search_vector()
    qs = (
        Product.objects.active()
        .annotate(search=vector, rank=SearchRank(vector, sq))
        .filter(search=sq)
        .order_by("-rank", "id")
    )
    paginator = Paginator(qs.values_list("pk", flat=True), PAGE_SIZE)
    page = min(page, paginator.num_pages)
    return {
        "ids": list(paginator.page(page).object_list),
        "count": paginator.count,
        "page": page,
        "num_pages": paginator.num_pages,
    }


def search_page(query: str, page: int) -> tuple[Tree, Result]:
    entry = cache.search(query, page, lambda: _search_data(query, page))
    tree, results = read_many([_tree_entry(), entry])
    return Tree(tree.value), _with_cards(results)


# Uncached reads (carts, checkout) ----------------------------------------------------------------------


def products_for_cart(ids: list[int]) -> dict[int, Product]:
    """Return the active products among ``ids`` keyed by id, straight from Postgres."""
    qs = _with_images(Product.objects.active().filter(pk__in=ids))
    return {p.pk: p for p in qs}
