"""The honest floor: a bare Django view (no middleware) returning one Redis GET of a stored product page."""

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse

from shop.cache import clients


def floor_key() -> str:
    """Return the Redis key holding the representative rendered page body."""
    return f"{settings.SHOP_CACHE['PREFIX']}:bench:floor"


def floor(request: HttpRequest) -> HttpResponse:
    body = clients.client("default").get(floor_key())
    if body is None:
        raise Http404("Run bench/prepare.py first: no floor body stored.")
    return HttpResponse(body)


def hello(request: HttpRequest) -> HttpResponse:
    """Django with no middleware and no I/O: the reference beneath the floor."""
    return HttpResponse(b"hello")
