"""Which tags a product write touches: what pages show of it before and after, compared.

A write is reduced to what shoppers can see of each product (``Shown``): the availability *label*, not
the stock count; membership of listings; the facts search matches on. Only tags whose part changed are
bumped, so a sale from 40 to 39 units ("In stock" both times) invalidates nothing, 3 → 2 invalidates the
pages showing that product, and 1 → 0 also takes it off the featured list. A price or name change that
moves a product within a sorted listing bumps exactly the pages between its old and new position.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Q

from . import cache
from .display import PAGE_SIZE, availability

FIELDS = ("pk", "slug", "name", "description", "price", "stock", "is_active", "is_featured", "category_id")
REORDERING = {"price": ("price", "-price"), "name": ("name",)}  # field → the sorts it orders
PAGE_FIELDS = ("name", "slug", "description", "price", "availability", "active", "category_id")
CARD_FIELDS = ("name", "slug", "price", "availability", "active")
SEARCH_FIELDS = ("active", "name", "description")


@dataclass(frozen=True)
class Shown:
    """What the storefront shows of one product."""

    pk: int
    slug: str
    name: str
    description: str
    price: str
    availability: str
    active: bool
    featured: bool  # on the featured list: featured, active and buyable
    category_id: int

    @classmethod
    def of(cls, pk, slug, name, description, price, stock, is_active, is_featured, category_id) -> "Shown":
        label = availability(stock)["label"]
        featured = bool(is_featured and is_active and stock > 0)
        return cls(pk, slug, name, description, f"{Decimal(price):.2f}", label, is_active, featured, category_id)

    @classmethod
    def of_instance(cls, product) -> "Shown":
        return cls.of(*(getattr(product, f) for f in FIELDS))


def shown_rows(queryset) -> dict[int, Shown]:
    """Return what is shown of every product in ``queryset``, by id (one query)."""
    return {row[0]: Shown.of(*row) for row in queryset.values_list(*FIELDS)}


class Categories:
    """The category tree (id → slug, parent), read once per write and only when a write needs it."""

    def __init__(self) -> None:
        self._rows: dict[int, tuple[str, int | None]] | None = None

    @property
    def rows(self) -> dict[int, tuple[str, int | None]]:
        if self._rows is None:
            from .models import Category

            rows = Category.objects.values_list("pk", "slug", "parent_id")
            self._rows = {pk: (slug, parent) for pk, slug, parent in rows}
        return self._rows

    def chain(self, pk: int | None) -> list[int]:
        """Return category ``pk`` and its ancestors: the listings that show its products."""
        chain: list[int] = []
        while pk is not None and pk in self.rows and pk not in chain:
            chain.append(pk)
            pk = self.rows[pk][1]
        return chain

    def slug(self, pk: int) -> str:
        return self.rows[pk][0]

    def descendants(self, pk: int) -> list[int]:
        ids, frontier = [pk], [pk]
        while frontier:
            frontier = [c for c, (_, parent) in self.rows.items() if parent in frontier and c not in ids]
            ids += frontier
        return ids


def _part(shown: Shown | None, fields: tuple[str, ...]) -> tuple | None:
    return None if shown is None else tuple(getattr(shown, f) for f in fields)


def _listed(shown: Shown | None) -> int | None:
    return shown.category_id if shown is not None and shown.active else None


def product_tags(before: Shown | None, after: Shown | None, categories: Categories) -> set[str]:
    """Return the tags of every page whose output differs between ``before`` and ``after`` (None: no row)."""
    tags: set[str] = set()
    sides = [s for s in (before, after) if s is not None]
    if _part(before, PAGE_FIELDS) != _part(after, PAGE_FIELDS):
        tags |= {cache.product_tag(s.slug) for s in sides} | {cache.SITEMAP}
    if _part(before, CARD_FIELDS) != _part(after, CARD_FIELDS):
        tags |= {cache.card_tag(s.pk) for s in sides}
    if _listed(before) != _listed(after):
        for category in {_listed(s) for s in sides} - {None}:
            tags |= {cache.category_tag(categories.slug(c)) for c in categories.chain(category)}
    searched = [_part(s, SEARCH_FIELDS) if s and s.active else None for s in (before, after)]
    if searched[0] != searched[1]:
        tags.add(cache.SEARCH)
    if (before is not None and before.featured) != (after is not None and after.featured):
        tags.add(cache.FEATURED)
    return tags


def reordered_sorts(before: Shown | None, after: Shown | None, fields: Iterable[str] = ("price", "name")) -> tuple:
    """Return the listing sorts in which ``after`` may sit elsewhere than ``before`` in the same listings."""
    if _listed(before) is None or _listed(before) != _listed(after):
        return ()  # joining or leaving a listing bumps the whole listing instead
    return tuple(sort for f in fields if getattr(before, f) != getattr(after, f) for sort in REORDERING[f])


def positions(shown: Shown, sorts: Iterable[str], categories: Categories) -> dict[tuple[int, str], int]:
    """Return the 0-based position of ``shown`` in each listing of its category chain, for ``sorts``."""
    from .models import Product

    price, name = Decimal(shown.price), shown.name
    ahead = {
        "price": Q(price__lt=price) | Q(price=price, pk__lt=shown.pk),
        "-price": Q(price__gt=price) | Q(price=price, pk__lt=shown.pk),
        "name": Q(name__lt=name) | Q(name=name, pk__lt=shown.pk),
    }
    found = {}
    for category in categories.chain(shown.category_id):
        listed = Product.objects.filter(is_active=True, category_id__in=categories.descendants(category))
        for sort in sorts:
            found[(category, sort)] = listed.filter(ahead[sort]).count()
    return found


def moved_pages(before: dict, after: dict, categories: Categories) -> set[str]:
    """Return the tags of the listing pages from each old to each new position, both included."""
    tags = set()
    for (category, sort), old in before.items():
        new = after.get((category, sort), old)
        if new != old:
            first, last = sorted((old // PAGE_SIZE + 1, new // PAGE_SIZE + 1))
            tags |= {cache.listing_tag(categories.slug(category), sort, p) for p in range(first, last + 1)}
    return tags


def image_tags(products: Iterable[tuple[int, str]]) -> set[str]:
    """Return the tags of the pages showing the images of ``products`` (id, slug)."""
    tags = set()
    for pk, slug in products:
        tags |= {cache.product_tag(slug), cache.card_tag(pk)}
    return tags
