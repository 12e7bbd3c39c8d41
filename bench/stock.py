"""Stock for the orders rounds, written through the catalog's own write paths (so caches stay correct).

Run with the bench settings (prints one JSON line):

- ``python -m bench.stock topup <min> <snapshot.json>``: once, before the warm-up: every active product in
  stock with fewer than ``<min>`` units gets ``<min>`` (one queryset update, which invalidates like any other
  write); sold-out products stay sold out. Writes the stock of every in-stock product to the snapshot.
- ``python -m bench.stock restore <snapshot.json> [<warm plan.json>]``: before each orders-family round: every
  product whose stock differs from the snapshot is set back through ``catalog.services.product_update`` (a
  write per product: it invalidates what such a write invalidates), then the pages of those products, home,
  and the plan's listings and searches are requested once in-process (bench/warm.py), so every round starts
  from the same warm state. This happens outside the measured window and is reported with the round.
"""

import json
import os
import sys
import time


def topup(minimum: int, snapshot_file: str) -> dict:
    from catalog.models import Product

    raised = Product.objects.filter(is_active=True, stock__gt=0, stock__lt=minimum).update(stock=minimum)
    stock = dict(Product.objects.filter(is_active=True, stock__gt=0).values_list("pk", "stock"))
    with open(snapshot_file, "w") as f:
        json.dump({str(pk): n for pk, n in stock.items()}, f)
    return {"raised": raised, "in_stock": len(stock), "min_stock": minimum}


def restore(snapshot_file: str, plan_file: str | None) -> dict:
    from bench.warm import fill
    from catalog.models import Product
    from catalog.services import product_update

    t0 = time.monotonic()
    with open(snapshot_file) as f:
        wanted = {int(pk): n for pk, n in json.load(f).items()}
    changed = Product.objects.filter(pk__in=wanted).order_by("pk")
    units, slugs = 0, []
    for product in changed.iterator():
        if product.stock != wanted[product.pk]:
            units += wanted[product.pk] - product.stock
            slugs.append(product.slug)
            product_update(product=product, stock=wanted[product.pk])
    restocked_s = time.monotonic() - t0
    rewarmed = 0
    if plan_file and slugs:
        with open(plan_file) as f:
            plan = json.load(f)
        rewarmed = fill({"products": slugs, "listings": plan["listings"], "searches": plan["searches"]})
    return {
        "restocked_products": len(slugs),
        "restocked_units": units,
        "restock_s": round(restocked_s, 2),
        "rewarmed_pages": rewarmed,
        "rewarm_s": round(time.monotonic() - t0 - restocked_s, 2),
    }


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.bench")
    import django

    django.setup()
    if sys.argv[1] == "topup":
        out = topup(int(sys.argv[2]), sys.argv[3])
    else:
        out = restore(sys.argv[2], sys.argv[3] if len(sys.argv) > 3 else None)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
