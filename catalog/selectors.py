"""Catalog reads. Each public function returns plain data, read through the cache layer."""

from dataclasses import dataclass
from typing import Any

from django.contrib.postgres.search import SearchQuery, SearchRank
from django.core.paginator import Paginator
from django.db.models import Prefetch, Sum

from shop.cache import entries
from shop.cache.store import Result, read, read_many

from . import renditions
from .models import SEARCH_CONFIG, Category, Product, ProductImage, search_vector

PAGE_SIZE = 24
LOW_STOCK = 5
SORTS = {
    "newest": ("-created_at", "-id"),
    "price": ("price", "id"),
    "-price": ("-price", "id"),
    "name": ("name", "id"),
}
DEFAULT_SORT = "newest"
MAX_QUERY_LENGTH = 200
HOME_LIMIT = 8


def availability(stock: int) -> dict[str, str]:
    """Return the label and CSS state shoppers see for ``stock`` units."""
    if stock <= 0:
        return {"label": "Sold out", "state": "out"}
    if stock <= LOW_STOCK:
        return {"label": f"Only {stock} left", "state": "low"}
    return {"label": "In stock", "state": "in"}


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


def _card(product: Product) -> dict[str, Any]:
    images = list(product.images.all())
    return {
        "id": product.pk,
        "name": product.name,
        "slug": product.slug,
        "price": str(product.price),
        "stock": product.stock,
        "availability": availability(product.stock),
        "image": _image_data(images[0]) if images else None,
    }


def _with_first_images(qs):
    return qs.prefetch_related(Prefetch("images", queryset=ProductImage.objects.order_by("position", "id")))


# Category tree -----------------------------------------------------------------------------


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


def _tree_spec():
    return entries.category_tree(_tree_data)


def category_tree() -> Tree:
    return Tree(read(_tree_spec()).value)


# Product page ------------------------------------------------------------------------------


def _product_data(slug: str) -> dict[str, Any] | None:
    product = _with_first_images(Product.objects.active().filter(slug=slug)).first()
    if product is None:
        return None
    return {
        "id": product.pk,
        "name": product.name,
        "slug": product.slug,
        "description": product.description,
        "price": str(product.price),
        "stock": product.stock,
        "availability": availability(product.stock),
        "category_id": product.category_id,
        "images": [_image_data(image) for image in product.images.all()],
        "updated_at": product.updated_at.isoformat(),
    }


def product_page(slug: str) -> tuple[Tree, Result]:
    """Return the tree and the product behind ``/products/<slug>/`` (value ``None``: no such product)."""
    tree, product = read_many([_tree_spec(), entries.product(slug, lambda: _product_data(slug))])
    return Tree(tree.value), product


# Category listing --------------------------------------------------------------------------


def clean_sort(sort: str | None) -> str:
    return sort if sort in SORTS else DEFAULT_SORT


def _listing_data(slug: str, sort: str, page: int) -> dict[str, Any] | None:
    tree = Tree(_tree_data())
    category = tree.by_slug(slug)
    if category is None:
        return None
    qs = Product.objects.active().filter(category_id__in=tree.descendant_ids(category["id"]))
    paginator = Paginator(_with_first_images(qs.order_by(*SORTS[sort])), PAGE_SIZE)
    if page > paginator.num_pages:
        return {"category_id": category["id"], "out_of_range": True, "num_pages": paginator.num_pages}
    page_obj = paginator.page(page)
    return {
        "category_id": category["id"],
        "out_of_range": False,
        "products": [_card(p) for p in page_obj.object_list],
        "count": paginator.count,
        "page": page,
        "num_pages": paginator.num_pages,
    }


def category_page(slug: str, sort: str, page: int) -> tuple[Tree, Result]:
    """Return the tree and one page of ``slug``'s products (value ``None``: no such category)."""
    spec = entries.category_listing(slug, sort, page, lambda: _listing_data(slug, sort, page))
    tree, listing = read_many([_tree_spec(), spec])
    return Tree(tree.value), listing


# Home --------------------------------------------------------------------------------------


def _featured_data() -> list[dict[str, Any]]:
    qs = Product.objects.active().filter(is_featured=True, stock__gt=0).order_by("-updated_at", "id")
    return [_card(p) for p in _with_first_images(qs)[:HOME_LIMIT]]


def _bestsellers_data() -> list[dict[str, Any]]:
    qs = (
        Product.objects.active()
        .annotate(units_sold=Sum("order_lines__quantity"))
        .filter(units_sold__gt=0)
        .order_by("-units_sold", "id")
    )
    return [_card(p) | {"units_sold": p.units_sold} for p in _with_first_images(qs)[:HOME_LIMIT]]


def home_page() -> tuple[Tree, Result, Result]:
    tree, featured, best = read_many(
        [_tree_spec(), entries.featured(_featured_data), entries.bestsellers(_bestsellers_data)]
    )
    return Tree(tree.value), featured, best


# Search ------------------------------------------------------------------------------------


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
    paginator = Paginator(_with_first_images(qs), PAGE_SIZE)
    page = min(page, paginator.num_pages)
    return {
        "products": [_card(p) for p in paginator.page(page).object_list],
        "count": paginator.count,
        "page": page,
        "num_pages": paginator.num_pages,
    }


def search_page(query: str, page: int) -> tuple[Tree, Result]:
    spec = entries.search(query, page, lambda: _search_data(query, page))
    tree, results = read_many([_tree_spec(), spec])
    return Tree(tree.value), results


# Uncached reads (carts, checkout) ----------------------------------------------------------


def products_for_cart(ids: list[int]) -> dict[int, Product]:
    """Return the active products among ``ids`` keyed by id, straight from Postgres."""
    qs = _with_first_images(Product.objects.active().filter(pk__in=ids))
    return {p.pk: p for p in qs}
