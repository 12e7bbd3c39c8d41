"""The floor: the fastest a cached page could be here (one Redis GET, the same middleware, same size)."""

from django.conf import settings
from django.http import Http404, HttpResponse
from django_redis import get_redis_connection


def floor_key() -> str:
    """Return the Redis key holding the representative rendered page body."""
    return f"{settings.SHOP_CACHE['PREFIX']}:bench:floor"


def floor(request):
    body = get_redis_connection("default").get(floor_key())
    if body is None:
        raise Http404("Run bench/prepare.py first: no floor body stored.")
    return HttpResponse(body)
