"""Django-side preparation for a benchmark run; prints JSON for bench/run.py.

Run with the bench settings: ``python -m bench.prepare``. Logs a benchmark user in once (its session
cookie is sent by a share of the load generator's requests), lists the active product and category slugs,
stores a representative rendered product page as the floor view's body, and reports which features of the
application the optional rounds need are present (settings, the JSON API).
"""

import json
import os
import sys


def celery_queues(settings) -> list[str]:
    """Return every queue the settings route tasks to, so the freshness round's worker consumes them all."""
    queues = {"celery"}
    queues |= {v for k in dir(settings) if k.endswith("_QUEUE") and isinstance(v := getattr(settings, k), str)}
    routes = getattr(settings, "CELERY_TASK_ROUTES", None)
    if isinstance(routes, dict):
        queues |= {r["queue"] for r in routes.values() if isinstance(r, dict) and r.get("queue")}
    return sorted(q for q in queues if q)


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.bench")
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.test import Client

    from bench.common import API_PRODUCT_PATH
    from bench.views import floor_key
    from catalog.models import Category, Product
    from shop.cache import clients

    user, _ = get_user_model().objects.get_or_create(username="bench-shopper", defaults={"email": "b@example.com"})
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value

    rows = list(Product.objects.filter(is_active=True).order_by("pk").values_list("slug", "pk", "stock"))
    categories = list(Category.objects.order_by("pk").values_list("slug", flat=True))
    # A product from the middle of the catalog stands for "a product page" (one image, typical text).
    middle = rows[len(rows) // 2][0]
    response = Client(HTTP_HOST="127.0.0.1").get(f"/products/{middle}/")
    if response.status_code != 200:
        sys.exit(f"prepare: product page answered {response.status_code}")
    clients.client("default").set(floor_key(), response.content)
    api_path = sys.argv[1] if len(sys.argv) > 1 else API_PRODUCT_PATH
    api = Client(HTTP_HOST="127.0.0.1").get(api_path.format(slug=middle))
    json.dump(
        {
            "session_cookie": f"{settings.SESSION_COOKIE_NAME}={cookie}",
            "products": [slug for slug, _, _ in rows],
            "product_ids": {slug: pk for slug, pk, _ in rows},
            "in_stock": [slug for slug, _, stock in rows if stock > 0],
            "categories": categories,
            "floor_bytes": len(response.content),
            "features": {
                "REDIS_CLUSTER": hasattr(settings, "REDIS_CLUSTER"),
                "EDGE_PURGE_URL": hasattr(settings, "EDGE_PURGE_URL"),
                "edge_settings": {k: str(getattr(settings, k)) for k in dir(settings) if k.startswith("EDGE_")},
                # The purge pipeline's coalescing window(s), for the freshness target (window + 1 s).
                "coalesce_settings": {k: getattr(settings, k) for k in dir(settings) if "COALESCE" in k},
                "celery_queues": celery_queues(settings),
                "api_status": api.status_code,
                "api_content_type": api.get("Content-Type", ""),
                "api_etag": api.get("ETag"),
            },
        },
        sys.stdout,
        default=str,
    )


if __name__ == "__main__":
    main()
