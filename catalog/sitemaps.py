"""sitemap.xml: the home page, every category and every active product, each with its last change.

What it lists is one cached entry (tags ``sitemap`` and ``tree``), so the sitemap is exactly as fresh as
the pages it lists: a change that shows on a product page shows in its ``lastmod`` on the next read.
"""

from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.sitemaps import Sitemap
from django.urls import reverse

from shop.cache.store import read

from . import cache
from .models import Category, Product


def _data() -> dict[str, Any]:
    products = list(Product.objects.active().order_by("pk").values_list("slug", "category_id", "updated_at"))
    parents = dict(Category.objects.values_list("pk", "parent_id"))
    latest: dict[int, datetime] = {}
    for _, category, when in products:
        node, seen = category, set()
        while node is not None and node not in seen:  # a category's listing shows its descendants' products
            seen.add(node)
            latest[node] = max(latest.get(node, when), when)
            node = parents.get(node)
    categories = Category.objects.order_by("position", "pk").values_list("pk", "slug", "updated_at")
    return {
        "home": max((when for *_, when in products), default=None),
        "categories": [[slug, max(filter(None, [changed, latest.get(pk)]))] for pk, slug, changed in categories],
        "products": [[slug, when] for slug, _, when in products],
    }


def _cached() -> dict[str, Any]:
    return read(cache.sitemap(_data)).value


def _when(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


class _SiteSitemap(Sitemap):
    """Locations on SHOPFRONT_SITE_URL when it is set, else on the requested host (Django's default)."""

    def get_protocol(self, protocol=None):
        return urlsplit(settings.SITE_URL).scheme if settings.SITE_URL else super().get_protocol(protocol)

    def get_domain(self, site=None):
        return urlsplit(settings.SITE_URL).netloc if settings.SITE_URL else super().get_domain(site)

    def location(self, item) -> str:
        return item[0]

    def lastmod(self, item):
        return _when(item[1])


class HomeSitemap(_SiteSitemap):
    priority = 1.0

    def items(self) -> list:
        return [(reverse("home"), _cached()["home"])]


class CategorySitemap(_SiteSitemap):
    priority = 0.8

    def items(self) -> list:
        return [(reverse("category", args=[slug]), when) for slug, when in _cached()["categories"]]


class ProductSitemap(_SiteSitemap):
    priority = 0.6

    def items(self) -> list:
        return [(reverse("product", args=[slug]), when) for slug, when in _cached()["products"]]


SITEMAPS = {"home": HomeSitemap, "categories": CategorySitemap, "products": ProductSitemap}
