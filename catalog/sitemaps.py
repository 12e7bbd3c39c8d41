"""sitemap.xml: the home page, every category and every active product, each with its last change."""

from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.sitemaps import Sitemap
from django.db.models import Max
from django.urls import reverse

from .models import Category, Product


class _SiteSitemap(Sitemap):
    """Locations on SHOPFRONT_SITE_URL when it is set, else on the requested host (Django's default)."""

    def get_protocol(self, protocol=None):
        return urlsplit(settings.SITE_URL).scheme if settings.SITE_URL else super().get_protocol(protocol)

    def get_domain(self, site=None):
        return urlsplit(settings.SITE_URL).netloc if settings.SITE_URL else super().get_domain(site)


class HomeSitemap(_SiteSitemap):
    priority = 1.0

    def items(self) -> list[str]:
        return ["home"]

    def location(self, item: str) -> str:
        return reverse(item)

    def lastmod(self, item: str):
        # Home shows featured products and best-sellers: any product change may show there.
        return Product.objects.active().aggregate(latest=Max("updated_at"))["latest"]


class CategorySitemap(_SiteSitemap):
    priority = 0.8

    def items(self):
        self._latest = self._latest_product_change()
        return Category.objects.order_by("position", "pk")

    def lastmod(self, category: Category):
        return max(filter(None, [category.updated_at, self._latest.get(category.pk)]))

    @staticmethod
    def _latest_product_change() -> dict[int, object]:
        """Return the latest change of an active product in each category's subtree, by category id."""
        latest = dict(
            Product.objects.active().values("category_id").annotate(m=Max("updated_at")).values_list("category_id", "m")
        )
        parents = dict(Category.objects.values_list("pk", "parent_id"))
        rolled: dict[int, object] = {}
        for pk, when in latest.items():
            node, seen = pk, set()
            while node is not None and node not in seen:  # a category's listing shows its descendants' products
                seen.add(node)
                rolled[node] = max(rolled.get(node, when), when)
                node = parents.get(node)
        return rolled


class ProductSitemap(_SiteSitemap):
    priority = 0.6

    def items(self):
        return Product.objects.active().only("slug", "updated_at").order_by("pk")

    def lastmod(self, product: Product):
        return product.updated_at


SITEMAPS = {"home": HomeSitemap, "categories": CategorySitemap, "products": ProductSitemap}
