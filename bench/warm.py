"""Fill a configuration's cache through the selectors, as a steady-state shop's cache would be after an hour.

Run with that configuration's settings: ``python -m bench.warm <json file> [<shard> <shards>]``; the file
lists the product slugs, the listing ``[slug, sort, page]`` triples and the search words the benchmark will
request; shard i of n fills every n-th value, so n processes fill the cache together.
"""

import json
import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.bench")
    import django

    django.setup()
    from catalog import selectors

    with open(sys.argv[1]) as f:
        plan = json.load(f)
    shard, shards = (int(sys.argv[2]), int(sys.argv[3])) if len(sys.argv) > 3 else (0, 1)
    work = [lambda: selectors.home_page()]
    work += [lambda slug=slug: selectors.product_page(slug) for slug in plan["products"]]
    work += [lambda a=args: selectors.category_page(*a) for args in plan["listings"]]
    work += [lambda w=word: selectors.search_page(selectors.normalize_query(w), 1) for word in plan["searches"]]
    mine = work[shard::shards]
    for fill in mine:
        fill()
    print(len(mine))


if __name__ == "__main__":
    main()
