"""Whole rendered pages, shared by every visitor, stored as composites of the values they show.

Every visitor sees the same page except for the part between ``<!--visitor-->`` markers in
``base.html`` (cart count, login state) and the CSRF token. Both are stored as placeholders and put
back per request: the visitor part is rendered from the session, the token is the visitor's own. A
request with a pending message is rendered in full, from cached data.
"""

import re
from collections.abc import Callable

from django.conf import settings
from django.contrib.messages.storage.session import SessionStorage
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token

from .composite import read_composite
from .entry import HIT, Entry, Transient
from .release import release

TOKEN_SLOT = "__shopfront_csrf_token__"  # noqa: S105 (a placeholder, not a secret)
VISITOR_SLOT = "<!--visitor:shopfront-->"
_TOKEN = re.compile(r'(?:name="csrfmiddlewaretoken" value|name="csrf-token" content)="([A-Za-z0-9]+)"')
_VISITOR = re.compile(r"<!--visitor-->.*?<!--/visitor-->", re.S)


def entry(kind: str, *parts: object) -> Entry:
    """Return the entry of the page of ``kind`` identified by ``parts`` in the running release."""
    return Entry("page", (release(), kind, *parts), (), settings.SHOP_CACHE["PAGE_TTL"], compute=lambda: None)


def cacheable(request: HttpRequest) -> bool:
    """Return whether ``request`` can be answered with the shared page."""
    if not (settings.SHOP_CACHE["ENABLED"] and settings.SHOP_CACHE["PAGES"] and request.method in ("GET", "HEAD")):
        return False
    if "messages" in request.COOKIES:
        return False
    # A message that did not fit in the cookie waits in the session (only loaded if there is one).
    has_session = settings.SESSION_COOKIE_NAME in request.COOKIES
    return not (has_session and request.session.get(SessionStorage.session_key))


def _snapshot(response: HttpResponse) -> dict | None:
    if response.status_code != 200 or response.streaming or response.cookies.keys() - {settings.CSRF_COOKIE_NAME}:
        return None
    body = response.content.decode(response.charset)
    body, parts = _VISITOR.subn(VISITOR_SLOT, body, count=1)
    if parts != 1:
        return None
    for token in set(_TOKEN.findall(body)):
        body = body.replace(token, TOKEN_SLOT)
    return {"body": body, "type": response["Content-Type"]}


def _personal(request: HttpRequest, body: str) -> str:
    from shop.visitor import header_html

    # The header is rendered with the token slot too, so one replace puts the token everywhere.
    return body.replace(VISITOR_SLOT, header_html(request, TOKEN_SLOT), 1).replace(TOKEN_SLOT, get_token(request))


def respond(request: HttpRequest, page: Entry, render: Callable[[], HttpResponse]) -> HttpResponse:
    """Return ``page`` for ``request``: the shared page plus the visitor's own part."""
    if not cacheable(request):
        return render()
    rendered: dict[str, HttpResponse] = {}

    def build() -> dict | Transient:
        rendered["response"] = response = render()
        snapshot = _snapshot(response)
        return Transient(None) if snapshot is None else snapshot

    result = read_composite(page, build)
    if "response" in rendered:
        response = rendered["response"]
        response["X-Cache"] = "MISS"  # the page was rendered (its data may have come from the cache)
        return response
    response = HttpResponse(_personal(request, result.value["body"]), content_type=result.value["type"])
    response["X-Cache"] = "HIT" if result.outcome == HIT else "MISS"
    return response
