"""Edge freshness: commit price changes through the catalog service, time until the edge shows each.

``python -m bench.freshness <plan.json>`` with the bench settings and ``EDGE_PURGE_URL`` (run by
bench/edge.py beside one Celery worker); prints one JSON line. For each product of the plan: GET its page
through the edge twice (so the edge holds it; whether the second answer was a cache hit is recorded), commit a
new, unique price with ``catalog.services.product_update``, then poll the edge page every ``poll_ms`` until
the new price is in it. Lag = first response containing it − the moment the commit returned. Then
``after_polls`` more polls must all still show it (an edge that flaps back to the old page is counted). The
old prices are put back at the end, through the same service.
"""

import http.client
import json
import os
import sys
import time
from collections.abc import Sequence
from decimal import Decimal
from urllib.parse import urlsplit

from bench.orders import percentile


def edge_hit(headers: http.client.HTTPMessage) -> bool:
    """Return whether Varnish answered from its cache (Age > 0, or two transaction ids in X-Varnish)."""
    age = headers.get("Age", "0")
    return (age.isdigit() and int(age) > 0) or len(headers.get("X-Varnish", "").split()) == 2


def marker_price(n: int, old: Decimal) -> Decimal:
    """Return a price no page of the seed shows (7,000+; the seed's are 3–250) and unlike ``old``."""
    price = (Decimal(7000 + n) + Decimal(n % 97 + 1) / 100).quantize(Decimal("0.01"))
    return price + 1 if price == old else price


def summarize(samples: Sequence[dict], timeout_s: float) -> dict:
    """Return p50/p99/max of the lags that became visible, and how many never did or flapped back."""
    lags = [s["lag_ms"] for s in samples if s["lag_ms"] is not None]
    return {
        "changes": len(samples),
        "visible": len(lags),
        "never_visible_within_s": timeout_s,
        "never_visible": sum(1 for s in samples if s["lag_ms"] is None),
        "p50_ms": percentile(lags, 50),
        "p99_ms": percentile(lags, 99),
        "max_ms": max(lags) if lags else None,
        "older_after_visible": sum(s["older_after"] for s in samples),
        "edge_cached_before": sum(1 for s in samples if s["cached_before"]),
    }


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.bench")
    import django

    django.setup()
    from catalog.models import Product
    from catalog.services import product_update

    with open(sys.argv[1]) as f:
        plan = json.load(f)
    edge = urlsplit(plan["edge"])
    conn = http.client.HTTPConnection(edge.hostname, edge.port, timeout=10)

    def get(path: str) -> tuple[str, http.client.HTTPMessage]:
        conn.request("GET", path)
        response = conn.getresponse()
        return response.read().decode("utf-8", "replace"), response.headers

    samples, old_prices = [], {}
    for n, slug in enumerate(plan["slugs"]):
        path = f"/products/{slug}/"
        get(path)
        _, headers = get(path)
        product = Product.objects.get(slug=slug)
        old_prices[slug] = product.price
        new = marker_price(n, product.price)
        product_update(product=product, price=new)
        committed = time.monotonic()
        lag = None
        while time.monotonic() - committed < plan["timeout_s"]:
            body, _ = get(path)
            if str(new) in body:
                lag = (time.monotonic() - committed) * 1000
                break
            time.sleep(plan["poll_ms"] / 1000)
        older = 0
        if lag is not None:
            for _ in range(plan["after_polls"]):
                time.sleep(plan["poll_ms"] / 1000)
                older += str(new) not in get(path)[0]
        samples.append({"slug": slug, "lag_ms": lag, "older_after": older, "cached_before": edge_hit(headers)})
    for slug, price in old_prices.items():
        product_update(product=Product.objects.get(slug=slug), price=price)
    print("FRESHJSON " + json.dumps(summarize(samples, plan["timeout_s"]) | {"samples": samples}), flush=True)


if __name__ == "__main__":
    main()
