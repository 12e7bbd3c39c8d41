"""Category and product pages."""

from urllib.parse import urlencode

from django.http import Http404
from django.shortcuts import render

from shop.cache import pages
from shop.http import mark_cache, page_number, site_url

from . import selectors
from .seo import product_structured_data


def category_detail(request, slug: str):
    page = page_number(request.GET.get("page"))
    if page is None:
        raise Http404("No such page.")
    sort = selectors.clean_sort(request.GET.get("sort"))
    return pages.respond(
        request, pages.entry("listing", slug, sort, page), lambda: _category(request, slug, sort, page)
    )


def _category(request, slug: str, sort: str, page: int):
    tree, result = selectors.category_page(slug, sort, page)
    listing = result.value
    if listing is None or listing["out_of_range"]:
        raise Http404("No such category or page.")
    category = tree.by_id(listing["category_id"])
    context = {
        "tree": tree,
        "category": category,
        "breadcrumbs": tree.path(listing["category_id"]),
        "subcategories": tree.children(category) if category else [],
        "listing": listing,
        "sort": sort,
        "base_qs": urlencode({"sort": sort}) + "&",
        "sorts": [
            ("newest", "Newest"),
            ("price", "Price: low to high"),
            ("-price", "Price: high to low"),
            ("name", "Name"),
        ],
    }
    return mark_cache(render(request, "catalog/category_detail.html", context), result)


def product_detail(request, slug: str):
    return pages.respond(request, pages.entry("product", slug), lambda: _product(request, slug))


def _product(request, slug: str):
    tree, result = selectors.product_page(slug)
    product = result.value
    if product is None:
        raise Http404("No such product.")
    context = {
        "tree": tree,
        "product": product,
        "breadcrumbs": tree.path(product["category_id"]),
        "structured_data": product_structured_data(product, site_url(request)),
    }
    return mark_cache(render(request, "catalog/product_detail.html", context), result)
