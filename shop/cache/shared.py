"""Responses shared by every visitor (pages, API reads): cached whole, answered before sessions run.

A view marked ``@shared(key)`` renders the same bytes for everyone: no CSRF token, session, message or
cookie in them. ``SharedResponseMiddleware`` sits before the session middleware. For a GET or HEAD of
such a view it reads the stored response in one round trip (an ``If-None-Match`` that still matches is
answered 304 without the body leaving Redis); on a miss the rest of the stack renders it and it is stored
as a composite of the cached values it showed. Shared responses carry what an edge cache needs:
``Cache-Control`` with ``s-maxage`` and the stale-* extensions, the tags they were built from
(``EDGE_TAG_HEADER``) and an ETag. Every other response is ``private, no-store`` unless it says otherwise.
"""

import logging
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseNotModified
from django.urls import Resolver404, resolve
from django.utils.cache import patch_cache_control
from django.utils.http import parse_etags

from .composite import Composite, read_composite
from .entry import HIT, Entry, Transient
from .release import release

logger = logging.getLogger("shop.cache")

MAX_EDGE_TAGS = 50  # CloudFront keeps at most 50 tags per object; a response with more is not shared


def shared(key: Callable[..., tuple | None]) -> Callable:
    """Mark a view as shared; ``key(request, *args, **kwargs)`` names its response (None: render it privately).

    The key must cover everything the response depends on (normalised query values, not raw ones, so junk
    parameters do not multiply entries).
    """

    def mark(view):
        view.shared_key = key
        return view

    return mark


def is_shared(request: HttpRequest) -> bool:
    """Return whether ``request`` is being answered with a shared response (templates leave visitors out)."""
    match = getattr(request, "resolver_match", None)
    return match is not None and hasattr(match.func, "shared_key")


def _entry(request: HttpRequest) -> Entry | None:
    if request.method not in ("GET", "HEAD") or not settings.SHOP_CACHE["PAGES"]:
        return None
    try:
        match = resolve(request.path_info)
    except Resolver404:
        return None
    key = getattr(match.func, "shared_key", None)
    parts = key(request, *match.args, **match.kwargs) if key else None
    if parts is None:
        return None
    # The host is part of the name, as in an edge's key: absolute links may carry it.
    name = (release(), request.get_host(), match.view_name, *parts)
    return Entry("page", name, (), settings.SHOP_CACHE["PAGE_TTL"], compute=lambda: None)


def _snapshot(response: HttpResponse) -> dict | Transient:
    if response.status_code != 200 or response.streaming:
        return Transient(None)
    if response.cookies or "Cookie" in response.get("Vary", "") or "private" in response.get("Cache-Control", ""):
        logger.warning("cache: a shared view answered with something personal; not shared")
        return Transient(None)
    return {"body": response.content.decode(response.charset), "type": response["Content-Type"]}


def edge_headers(response: HttpResponse, result: Composite) -> HttpResponse:
    """Let shared caches keep ``response`` (tags, s-maxage, ETag) if ``result`` is valid for everyone."""
    if not (result.shared and len(result.tags) <= MAX_EDGE_TAGS):
        # Built while a write was in flight (or too many tags): right for now, not for an edge to keep.
        patch_cache_control(response, no_store=True)
        return response
    edge = settings.EDGE
    patch_cache_control(
        response,
        public=True,
        max_age=0,
        s_maxage=edge["S_MAXAGE"],
        stale_while_revalidate=edge["STALE_WHILE_REVALIDATE"],
        stale_if_error=edge["STALE_IF_ERROR"],
    )
    response[edge["TAG_HEADER"]] = ",".join(sorted(result.tags))
    response["ETag"] = f'"{result.etag}"'
    return response


class SharedResponseMiddleware:
    """Answer shared views from the cache before sessions, CSRF, auth and messages run."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        entry = _entry(request) if settings.SHOP_CACHE["ENABLED"] else None
        if entry is None:
            response = self.get_response(request)
            if not response.has_header("Cache-Control"):
                patch_cache_control(response, private=True, no_store=True)
            return response
        rendered: dict[str, HttpResponse] = {}

        def build() -> dict | Transient:
            rendered["response"] = response = self.get_response(request)
            return _snapshot(response)

        wanted = parse_etags(request.headers.get("If-None-Match", ""))
        result = read_composite(entry, build, if_none_match=wanted[0].strip('"') if wanted else None)
        if "response" in rendered:
            response = rendered["response"]
            response["X-Cache"] = "MISS"
            return edge_headers(response, result) if result.value is not None else response
        if result.not_modified:
            response = HttpResponseNotModified()
        else:
            response = HttpResponse(result.value["body"], content_type=result.value["type"])
        response["X-Cache"] = "HIT" if result.outcome == HIT else "MISS"
        return edge_headers(response, result)
