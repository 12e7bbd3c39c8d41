"""Small helpers shared by the storefront views."""

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from .cache.store import Result


def mark_cache(response: HttpResponse, result: Result) -> HttpResponse:
    """Set ``X-Cache`` from the outcome of the value the page is built around.

    A shared response gets the outcome of the whole page instead (``SharedResponseMiddleware``).
    """
    response["X-Cache"] = "HIT" if result.hit else "MISS"
    return response


def page_number(raw: str | None) -> int | None:
    """Return a page number from a query string value, or None when it is not one."""
    if raw is None or raw == "":
        return 1
    if not raw.isascii() or not raw.isdigit() or len(raw) > 6 or int(raw) < 1:
        return None
    return int(raw)


def site_url(request: HttpRequest) -> str:
    """Return the public origin for absolute links: SHOPFRONT_SITE_URL, else this request's own origin."""
    return settings.SITE_URL or f"{request.scheme}://{request.get_host()}"
