"""Deterministic demo catalog: categories, products, generated images and some order history."""

import random
import sys
import zlib
from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from .illustrations import illustration
from .images import upload_path
from .models import Category, Product, ProductImage

DEPARTMENTS = {
    "Kitchen": ["Cookware", "Knives", "Tableware", "Coffee & Tea", "Storage"],
    # Not "Home": the breadcrumb already starts with the home page.
    "Home & Living": ["Lighting", "Textiles", "Decor", "Furniture", "Bath"],
    "Outdoors": ["Camping", "Garden", "Cycling", "Hiking", "Picnic"],
    "Office": ["Desks", "Stationery", "Bags", "Lamps", "Organisers"],
    "Kids": ["Toys", "Books", "Crafts", "Games", "Nursery"],
}
ADJECTIVES = [
    "Classic",
    "Nordic",
    "Everyday",
    "Compact",
    "Deluxe",
    "Rustic",
    "Modern",
    "Handmade",
    "Travel",
    "Organic",
    "Vintage",
    "Minimal",
    "Sturdy",
    "Soft",
    "Bright",
    "Quiet",
    "Smart",
    "Folding",
]
MATERIALS = [
    "Oak",
    "Walnut",
    "Linen",
    "Cotton",
    "Steel",
    "Copper",
    "Ceramic",
    "Glass",
    "Bamboo",
    "Wool",
    "Leather",
    "Stoneware",
    "Cork",
    "Aluminium",
    "Rattan",
    "Marble",
]
NOUNS = {
    "Cookware": ["Skillet", "Saucepan", "Dutch Oven", "Wok"],
    "Knives": ["Chef Knife", "Paring Knife", "Knife Block"],
    "Tableware": ["Plate Set", "Bowl", "Serving Tray", "Mug"],
    "Coffee & Tea": ["Pour-Over", "Teapot", "Grinder"],
    "Storage": ["Jar", "Bread Bin", "Canister"],
    "Lighting": ["Pendant Lamp", "Table Lamp", "Lantern"],
    "Textiles": ["Throw", "Cushion", "Rug", "Curtain"],
    "Decor": ["Vase", "Mirror", "Frame", "Candle Holder"],
    "Furniture": ["Stool", "Side Table", "Shelf", "Bench"],
    "Bath": ["Towel", "Soap Dish", "Bath Mat"],
    "Camping": ["Tent", "Sleeping Bag", "Stove"],
    "Garden": ["Planter", "Trowel", "Watering Can"],
    "Cycling": ["Bike Light", "Saddle Bag", "Bell"],
    "Hiking": ["Daypack", "Water Bottle", "Trekking Pole"],
    "Picnic": ["Blanket", "Cooler", "Basket"],
    "Desks": ["Standing Desk", "Desk Mat", "Monitor Riser"],
    "Stationery": ["Notebook", "Fountain Pen", "Planner"],
    "Bags": ["Tote", "Backpack", "Laptop Sleeve"],
    "Lamps": ["Desk Lamp", "Clip Lamp"],
    "Organisers": ["Drawer Set", "Cable Box", "Letter Tray"],
    "Toys": ["Building Blocks", "Puzzle", "Wooden Train"],
    "Books": ["Picture Book", "Activity Book"],
    "Crafts": ["Paint Set", "Clay Kit", "Crayon Box"],
    "Games": ["Board Game", "Card Game"],
    "Nursery": ["Mobile", "Blanket", "Night Light"],
}
# Extra department names and series suffixes for generated category trees (``seed(categories=N)``).
EXTRA_DEPARTMENTS = [
    "Pets",
    "Sports",
    "Wellness",
    "Music",
    "Workshop",
    "Travel Gear",
    "Party",
    "Seasonal",
    "Studio",
    "Pantry",
]
SERIES = ["Essentials", "Pro", "Studio", "Select", "Heritage", "Lab", "Atelier", "Works", "Edit", "Signature"]
WORDS = (
    "durable comfortable lightweight washable sustainable timeless giftable stackable water-resistant "
    "hand-finished ergonomic portable elegant practical generous versatile"
).split()


def make_image(label: str, view: int = 0) -> bytes:
    """Return a JPEG illustration of the product named ``label`` (its kind, in its material's colour)."""
    # The accent colour follows the name, so every view of one product matches.
    return illustration(label, view=view, variant=zlib.crc32(label.encode()))


def _progress(label: str, done: int, total: int, out=sys.stderr) -> None:
    width = 30
    filled = int(width * done / max(total, 1))
    out.write(f"\r{label:<10} [{'#' * filled}{'.' * (width - filled)}] {done}/{total}")
    if done >= total:
        out.write("\n")
    out.flush()


def _description(rng: random.Random, name: str, category: str) -> str:
    words = rng.sample(WORDS, 4)
    article = "an" if words[0][0] in "aeiou" else "a"
    return (
        f"The {name} is {article} {words[0]}, {words[1]} piece from our {category} range. "
        f"It is {words[2]} and {words[3]}, made to be used every day and kept for years.\n\n"
        f"Care: wipe clean. Ships in recyclable packaging."
    )


def category_plan(categories: int | None = None) -> list[tuple[str, list[tuple[str, str]]]]:
    """Return ``[(department, [(subcategory, noun key), …]), …]`` for a tree of ``categories`` categories.

    ``None`` is the classic 30-category tree. Otherwise the tree has round(sqrt(N)) departments and the rest
    of the N categories as subcategories dealt out round-robin, each department drawing on one classic
    department's subcategories (``Cookware``, then ``Cookware Essentials``, …): the same N always gives the
    same tree.
    """
    if categories is None:
        return [(dept, [(sub, sub) for sub in subs]) for dept, subs in DEPARTMENTS.items()]
    if categories < 2:
        raise ValueError("A generated category tree needs at least 2 categories.")
    n_depts = min(max(1, round(categories**0.5)), categories - 1)
    dept_names = [*DEPARTMENTS, *EXTRA_DEPARTMENTS]
    depts = [dept_names[i] if i < len(dept_names) else f"Department {i + 1}" for i in range(n_depts)]
    classic = list(DEPARTMENTS.values())
    plan: list[tuple[str, list[tuple[str, str]]]] = [(dept, []) for dept in depts]
    used: dict[str, int] = {}
    for k in range(categories - n_depts):
        d = k % n_depts
        subs = classic[d % len(classic)]
        base = subs[(k // n_depts) % len(subs)]
        series = used.get(base, 0)
        used[base] = series + 1
        if series == 0:
            name = base
        elif series <= len(SERIES):
            name = f"{base} {SERIES[series - 1]}"
        else:
            name = f"{base} {series + 1}"
        plan[d][1].append((name, base))
    return plan


@transaction.atomic
def seed(
    *,
    products: int,
    seed: int = 1,
    images_per_product: int = 2,
    image_pool: int = 0,
    orders: int | None = None,
    categories: int | None = None,
    progress: Callable[[str, int, int], None] = _progress,
) -> dict[str, int]:
    """Create the demo catalog. Deterministic for a given ``seed``; refuses to run on a non-empty catalog.

    ``categories`` (default: the classic 30) sets the size of the category tree, see ``category_plan``.
    """
    from orders.models import Order, OrderLine

    if Product.objects.exists():
        raise ValueError("The catalog is not empty; seed_catalog only fills an empty one.")
    plan = category_plan(categories)
    rng = random.Random(seed)
    leaves: list[Category] = []
    nouns: dict[int, list[str]] = {}
    for d_pos, (dept, subs) in enumerate(plan):
        parent = Category.objects.create(name=dept, slug=slugify(dept), position=d_pos)
        for s_pos, (sub, noun_key) in enumerate(subs):
            leaf = Category.objects.create(name=sub, slug=slugify(sub), parent=parent, position=s_pos)
            leaves.append(leaf)
            nouns[leaf.pk] = NOUNS[noun_key]
    pool = []
    if image_pool:
        for i in range(image_pool):
            pool.append(default_storage.save(upload_path(None, f"pool-{i}.jpg"), ContentFile(make_image(f"P {i}"))))
    objs, names = [], set()
    now = timezone.now()
    for i in range(products):
        cat = leaves[i % len(leaves)] if i < len(leaves) else rng.choice(leaves)
        name = f"{rng.choice(ADJECTIVES)} {rng.choice(MATERIALS)} {rng.choice(nouns[cat.pk])}"
        if name in names:
            name = f"{name} No. {i}"
        names.add(name)
        objs.append(
            Product(
                name=name,
                slug=slugify(name),
                description=_description(rng, name, cat.name),
                price=Decimal(rng.randint(300, 25000)) / 100,
                stock=rng.choice([0, 2, 4, 8, 15, 30, 60, 120]),
                is_active=rng.random() > 0.02,
                is_featured=rng.random() < 0.04,
                category=cat,
            )
        )
    created = []
    for start in range(0, len(objs), 500):
        created += Product.objects.bulk_create(objs[start : start + 500])
        progress("products", len(created), products)
    Product.objects.filter(pk__in=[p.pk for p in created]).update(created_at=now)  # one timestamp, then spread
    for p in created:
        p.created_at = now - timedelta(days=rng.randint(0, 365), seconds=rng.randint(0, 86400))
    Product.objects.bulk_update(created, ["created_at"], batch_size=1000)
    images = []
    for n, p in enumerate(created, 1):
        for pos in range(images_per_product):
            if pool:
                name = pool[(p.pk + pos) % len(pool)]
            else:
                name = default_storage.save(
                    upload_path(None, f"{p.slug}-{pos}.jpg"), ContentFile(make_image(p.name, view=pos))
                )
            images.append(ProductImage(product=p, image=name, alt=f"{p.name}, view {pos + 1}", position=pos))
        if n % 50 == 0 or n == len(created):
            progress("images", n, len(created))
    ProductImage.objects.bulk_create(images, batch_size=1000)
    n_orders = orders if orders is not None else max(10, products // 3)
    weights = [1 / (rank + 1) for rank in range(len(created))]  # Zipf-like popularity
    order_objs, lines = [], []
    for i in range(n_orders):
        order_objs.append(
            Order(
                checkout_token=f"seed-{seed}-{i}",
                email=f"customer{i}@example.com",
                full_name=f"Customer {i}",
                address=f"{i} Main Street",
                city="Springfield",
                postal_code="12345",
                country="Nowhere",
                total=Decimal("0.00"),
                status=Order.Status.SHIPPED,
            )
        )
    Order.objects.bulk_create(order_objs, batch_size=1000)
    for n, order in enumerate(order_objs, 1):
        total = Decimal("0.00")
        for p in set(rng.choices(created, weights=weights, k=rng.randint(1, 3))):
            q = rng.randint(1, 3)
            lines.append(OrderLine(order=order, product=p, product_name=p.name, quantity=q, unit_price=p.price))
            total += p.price * q
        order.total = total
        if n % 100 == 0 or n == len(order_objs):
            progress("orders", n, len(order_objs))
    OrderLine.objects.bulk_create(lines, batch_size=1000)
    Order.objects.bulk_update(order_objs, ["total"], batch_size=1000)
    from .services import sales_ranking_refresh

    sales_ranking_refresh()  # best-sellers on home from the first page view, not after the first beat run
    return {
        "categories": Category.objects.count(),
        "products": len(created),
        "images": len(images),
        "orders": len(order_objs),
    }
