"""Fill a configuration's cache, as a steady-state shop's cache would be after an hour.

With Shopfront's page cache on, every page is requested once in-process (which fills the page and the data
entries behind it); otherwise (cachalot) the values are read through the selectors.

Run with that configuration's settings: ``python -m bench.warm <json file> [<shard> <shards>]``; the file
lists the product slugs, the listing ``[slug, sort, page]`` triples and the search words the benchmark will
request; shard i of n fills every n-th value, so n processes fill the cache together.
"""

import json
import os
import sys


def fill(plan: dict, shard: int = 0, shards: int = 1) -> int:
    """Fill every ``shards``-th value of ``plan`` from ``shard`` on; return how many (Django set up)."""
    from django.conf import settings
    from django.test import Client

    from catalog import selectors

    if settings.SHOP_CACHE["ENABLED"] and settings.SHOP_CACHE["PAGES"]:
        # The host wrk sends (its server's address): a shared page's key names the host it was rendered for.
        client = Client(HTTP_HOST=os.environ.get("BENCH_WARM_HOST", "127.0.0.1"))
        paths = ["/", *(f"/products/{slug}/" for slug in plan["products"])]
        paths += [f"/categories/{slug}/?sort={sort}&page={page}" for slug, sort, page in plan["listings"]]
        paths += [f"/search/?q={word}" for word in plan["searches"]]
        work = [lambda p=path: client.get(p) for path in paths]
    else:
        work = [lambda: selectors.home_page()]
        work += [lambda slug=slug: selectors.product_page(slug) for slug in plan["products"]]
        work += [lambda a=args: selectors.category_page(*a) for args in plan["listings"]]
        work += [lambda w=word: selectors.search_page(selectors.normalize_query(w), 1) for word in plan["searches"]]
    mine = work[shard::shards]
    for one in mine:
        one()
    return len(mine)


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.bench")
    import django

    django.setup()
    with open(sys.argv[1]) as f:
        plan = json.load(f)
    shard, shards = (int(sys.argv[2]), int(sys.argv[3])) if len(sys.argv) > 3 else (0, 1)
    print(fill(plan, shard, shards))


if __name__ == "__main__":
    main()
