"""Category and product pages."""

from urllib.parse import urlencode

from django.contrib.sitemaps.views import sitemap
from django.http import Http404
from django.shortcuts import render

from shop.cache.shared import shared
from shop.http import mark_cache, page_number, site_url

from . import selectors
from .seo import product_structured_data
from .sitemaps import SITEMAPS


def _listing_key(request, slug: str) -> tuple | None:
    page = page_number(request.GET.get("page"))
    return None if page is None else (slug, selectors.clean_sort(request.GET.get("sort")), page)


@shared(_listing_key)
def category_detail(request, slug: str):
    page = page_number(request.GET.get("page"))
    if page is None:
        raise Http404("No such page.")
    sort = selectors.clean_sort(request.GET.get("sort"))
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


@shared(lambda request, slug: (slug,))
def product_detail(request, slug: str):
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


@shared(lambda request: ())
def sitemap_xml(request):
    """sitemap.xml, read from one cached entry (tags ``sitemap`` and ``tree``): as fresh as the pages it lists."""
    return sitemap(request, sitemaps=SITEMAPS, template_name="seo/sitemap.xml")
