"""Catalog reads: the category tree, a category's listing, a product, search.

Each is the same for every visitor and marked ``shared``: ``SharedResponseMiddleware`` answers it from
Redis in one round trip, before sessions run, with Cache-Control, Cache-Tag and ETag headers, and 304
to a matching If-None-Match. The cache key is built from the normalised parameters (junk parameters do
not multiply entries); invalid parameters give no key, so the 400 is rendered and never stored.
"""

from django.urls import reverse
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.response import Response

from catalog import selectors
from catalog.display import DEFAULT_SORT, SORTS
from shop.cache.keys import digest
from shop.cache.shared import shared

from .. import schema
from ..paging import page_param, paged
from ..serializers import catalog as bodies
from ..serializers.fields import CURRENCY, SORT_CHOICES
from .base import CatalogView

# Parameters --------------------------------------------------------------------------------------------


def _sort(request) -> str:
    sort = request.GET.get("sort") or DEFAULT_SORT
    if sort not in SORTS:
        raise ValidationError({"sort": [f"Sort by one of: {', '.join(SORTS)}."]})
    return sort


def _query(request) -> str:
    raw = request.GET.get("q", "")
    if "\x00" in raw or len(raw) > selectors.MAX_QUERY_LENGTH:
        raise ValidationError({"q": [f"Search terms are at most {selectors.MAX_QUERY_LENGTH} characters of text."]})
    query = selectors.normalize_query(raw)
    if not query:
        raise ValidationError({"q": ["Give the search terms in q."]})
    return query


def _key(parse):
    """Return a ``shared`` key function: the normalised parameters, or None for invalid ones."""

    def key(request, **kwargs) -> tuple | None:
        try:
            return parse(request, **kwargs)
        except ValidationError:
            return None

    return key


def _listing_key(request, slug: str) -> tuple:
    return slug, _sort(request), page_param(request)


def _search_key(request) -> tuple:
    return digest(_query(request)), page_param(request)


# Presentation ------------------------------------------------------------------------------------------


def _ref(node: dict) -> dict:
    return {**node, "url": reverse("api:category", kwargs={"slug": node["slug"]})}


def _node(tree: selectors.Tree, node: dict) -> dict:
    return {**_ref(node), "children": [_node(tree, child) for child in tree.children(node)]}


def _card(card: dict) -> dict:
    return {**card, "url": reverse("api:product", kwargs={"slug": card["slug"]}), "currency": CURRENCY}


SLUG = OpenApiParameter("slug", {"type": "string", "pattern": r"^[-a-zA-Z0-9_]+$"}, OpenApiParameter.PATH)
SORT = OpenApiParameter(
    "sort", str, OpenApiParameter.QUERY, enum=SORT_CHOICES, description=f"Order (default {DEFAULT_SORT})."
)
QUERY = OpenApiParameter(
    "q",
    {"type": "string", "minLength": 1, "maxLength": selectors.MAX_QUERY_LENGTH},
    OpenApiParameter.QUERY,
    required=True,
    description="Search terms (words of a product's name or description).",
)


# Views -------------------------------------------------------------------------------------------------


class CategoryTreeView(CatalogView):
    """The category tree, as the storefront's navigation shows it (shared: cached, ETag, 304)."""

    @extend_schema(
        tags=["catalog"],
        operation_id="categories_tree",
        summary="The category tree",
        parameters=[schema.IF_NONE_MATCH],
        responses={200: bodies.CategoryTree, **schema.NOT_MODIFIED},
    )
    def get(self, request):
        tree = selectors.category_tree()
        return Response(bodies.CategoryTree({"categories": [_node(tree, root) for root in tree.roots()]}).data)


class CategoryListingView(CatalogView):
    """A category's listing with the HTML listing's sorts and page numbers (shared: cached, ETag, 304)."""

    @extend_schema(
        tags=["catalog"],
        operation_id="categories_listing",
        summary="One page of a category's products (its subcategories' too)",
        parameters=[SLUG, SORT, schema.PAGE, schema.IF_NONE_MATCH],
        responses={200: bodies.CategoryListing, **schema.NOT_MODIFIED, **schema.errors(400, 404)},
    )
    def get(self, request, slug: str):
        _, sort, page = _listing_key(request, slug)
        tree, result = selectors.category_page(slug, sort, page)
        listing = result.value
        category = tree.by_id(listing["category_id"]) if listing else None
        if category is None:
            raise NotFound("No such category.")
        if listing["out_of_range"]:
            raise NotFound(f"No such page; the last is {listing['num_pages']}.")
        data = {
            "category": _ref(category),
            "breadcrumbs": [_ref(node) for node in tree.path(category["id"])],
            "subcategories": [_ref(node) for node in tree.children(category)],
            "sort": sort,
            **paged(reverse("api:category", kwargs={"slug": slug}), {"sort": sort}, listing),
            "results": [_card(card) for card in listing["products"]],
        }
        return Response(bodies.CategoryListing(data).data)


class ProductView(CatalogView):
    """A product as its page shows it (shared: cached, ETag, 304)."""

    @extend_schema(
        tags=["catalog"],
        operation_id="products_detail",
        summary="A product: price, availability and pictures as its page shows them",
        parameters=[SLUG, schema.IF_NONE_MATCH],
        responses={200: bodies.ProductDetail, **schema.NOT_MODIFIED, **schema.errors(404)},
    )
    def get(self, request, slug: str):
        tree, result = selectors.product_page(slug)
        product = result.value
        if product is None:
            raise NotFound("No such product.")
        category = tree.by_id(product["category_id"])
        data = {
            **product,
            "url": reverse("api:product", kwargs={"slug": slug}),
            "web_url": reverse("product", kwargs={"slug": slug}),
            "currency": CURRENCY,
            "category": _ref(category) if category else None,
            "breadcrumbs": [_ref(node) for node in tree.path(product["category_id"])],
        }
        return Response(bodies.ProductDetail(data).data)


class SearchView(CatalogView):
    """Full-text search over names and descriptions (shared: cached, ETag, 304)."""

    @extend_schema(
        tags=["catalog"],
        operation_id="search",
        summary="Products matching search terms, best match first",
        parameters=[QUERY, schema.PAGE, schema.IF_NONE_MATCH],
        responses={200: bodies.SearchResults, **schema.NOT_MODIFIED, **schema.errors(400, 404)},
    )
    def get(self, request):
        query, page = _query(request), page_param(request)
        _, result = selectors.search_page(query, page)
        found = result.value
        if page > found["num_pages"]:
            raise NotFound(f"No such page; the last is {found['num_pages']}.")
        data = {
            "query": query,
            **paged(reverse("api:search"), {"q": query}, found),
            "results": [_card(card) for card in found["products"]],
        }
        return Response(bodies.SearchResults(data).data)


category_tree = shared(_key(lambda request: ()))(CategoryTreeView.as_view())
category_listing = shared(_key(_listing_key))(CategoryListingView.as_view())
product_detail = shared(_key(lambda request, slug: (slug,)))(ProductView.as_view())
search = shared(_key(_search_key))(SearchView.as_view())
