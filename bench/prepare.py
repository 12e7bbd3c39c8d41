"""Django-side preparation for a benchmark run; prints JSON for bench/run.py.

Run with the bench settings: ``python -m bench.prepare``. Logs a benchmark user in once (its session
cookie is sent by a share of the load generator's requests), lists the active product and category slugs,
and stores a representative rendered product page as the floor view's body.
"""

import json
import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.bench")
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.test import Client
    from django_redis import get_redis_connection

    from bench.views import floor_key
    from catalog.models import Category, Product

    user, _ = get_user_model().objects.get_or_create(username="bench-shopper", defaults={"email": "b@example.com"})
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value

    products = list(Product.objects.filter(is_active=True).order_by("pk").values_list("slug", flat=True))
    categories = list(Category.objects.order_by("pk").values_list("slug", flat=True))
    # A product from the middle of the catalog stands for "a product page" (one image, typical text).
    response = Client(HTTP_HOST="127.0.0.1").get(f"/products/{products[len(products) // 2]}/")
    if response.status_code != 200:
        sys.exit(f"prepare: product page answered {response.status_code}")
    get_redis_connection("default").set(floor_key(), response.content)
    json.dump(
        {
            "session_cookie": f"{settings.SESSION_COOKIE_NAME}={cookie}",
            "products": products,
            "categories": categories,
            "floor_bytes": len(response.content),
        },
        sys.stdout,
    )


if __name__ == "__main__":
    main()
