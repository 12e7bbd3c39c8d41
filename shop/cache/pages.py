"""Whole rendered pages for visitors without a session, validated by the tags of what they show.

A visitor with no session cookie sees the same page as every other such visitor, except for the
CSRF token: it is stored as a placeholder and put back per request. Anyone with a session (a cart,
a login) or a pending message gets the page rendered for them, from cached data.
"""

import re
from collections.abc import Callable
from dataclasses import replace

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.middleware.csrf import get_token

from . import store
from .store import HIT, Spec

PLACEHOLDER = "__shopfront_csrf_token__"
_TOKEN = re.compile(r'(?:name="csrfmiddlewaretoken" value|name="csrf-token" content)="([A-Za-z0-9]+)"')


def cacheable(request: HttpRequest) -> bool:
    """Return whether ``request`` gets the page every sessionless visitor gets."""
    return (
        settings.SHOP_CACHE["ENABLED"]
        and settings.SHOP_CACHE["PAGES"]
        and request.method in ("GET", "HEAD")
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
        and "messages" not in request.COOKIES
    )


def _snapshot(response: HttpResponse) -> dict | None:
    if response.status_code != 200 or response.streaming or response.cookies.keys() - {settings.CSRF_COOKIE_NAME}:
        return None
    body = response.content.decode(response.charset)
    tokens = set(_TOKEN.findall(body))
    for token in tokens:
        body = body.replace(token, PLACEHOLDER)
    return {"body": body, "type": response["Content-Type"]}


def respond(request: HttpRequest, spec: Spec, render: Callable[[], HttpResponse]) -> HttpResponse:
    """Return the cached page of ``spec`` for ``request``, rendering (and storing) it on a miss."""
    if not cacheable(request):
        return render()
    rendered: dict[str, object] = {}

    def compute() -> dict | None:
        try:
            rendered["response"] = response = render()
        except Http404 as exc:
            rendered["error"] = exc
            return None
        return _snapshot(response)

    result = store.read(replace(spec, compute=compute))
    if "error" in rendered:
        raise rendered["error"]
    if "response" in rendered:
        return rendered["response"]
    if result.value is None:  # not a cacheable page (a 404, say): render it for this request
        return render()
    body = result.value["body"].replace(PLACEHOLDER, get_token(request))
    response = HttpResponse(body, content_type=result.value["type"])
    response["X-Cache"] = "HIT" if result.outcome == HIT else "MISS"
    return response
