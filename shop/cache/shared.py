"""Responses shared by every visitor (pages, API reads): cached whole, answered before the rest of the stack.

A view marked ``@shared(key)`` renders the same bytes for everyone: no CSRF token, session, message or
cookie in them. ``SharedResponseMiddleware`` sits above everything but health checks and the access log.
For a GET or HEAD of such a view it reads the stored response, headers included, in one round trip (an
``If-None-Match`` that still matches is answered 304 without the body leaving Redis): no session, CSRF,
auth, message or header middleware runs. On a miss the whole stack renders it, and the response as it
leaves the stack is stored as a composite of the cached values it showed. Shared responses carry what an
edge cache needs: ``Cache-Control`` with ``s-maxage`` and the stale-* extensions, the tags they were built
from (``EDGE["TAG_HEADER"]``) and an ETag. Every other response is ``private, no-store`` unless it says
otherwise.
"""

import json
import logging
from collections.abc import Callable
from functools import lru_cache

from django.http import HttpRequest, HttpResponse, HttpResponseNotModified
from django.urls import Resolver404, get_urlconf, resolve
from django.utils.cache import patch_cache_control
from django.utils.http import parse_etags

from . import conf
from .composite import Composite, read_composite
from .entry import HIT, Entry, Transient
from .release import release

logger = logging.getLogger("shop.cache")

MAX_EDGE_TAGS = 50  # CloudFront keeps at most 50 tags per object; a response with more is not shared
# Set per request (or by the edge and the server), never stored with a shared response.
PER_REQUEST = {"x-cache", "x-request-id", "set-cookie", "date", "server", "content-length", "vary"}


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


@lru_cache(maxsize=8192)
def _route(path: str, urlconf: str | None):
    """Return (view name, key function, args, kwargs) of a shared view at ``path``, else None (memoised)."""
    try:
        match = resolve(path, urlconf)
    except Resolver404:
        return None
    key = getattr(match.func, "shared_key", None)
    return None if key is None else (match.view_name, key, match.args, match.kwargs)


def entry_for(request, urlconf: str | None = None) -> Entry | None:
    """Return the entry of the shared response ``request`` asks for, or None (not shared, or invalid input).

    ``request`` needs ``path_info``, ``GET`` and ``get_host()``: a Django request, or the WSGI layer's
    stand-in (key functions must use nothing else).
    """
    route = _route(request.path_info, urlconf or get_urlconf() or conf.get("ROOT_URLCONF"))
    if route is None:
        return None
    name, key, args, kwargs = route
    parts = key(request, *args, **kwargs)
    if parts is None:
        return None
    # The host is part of the name, as in an edge's key: absolute links may carry it.
    return Entry("page", (release(), request.get_host(), name, *parts), (), conf.get("SHOP_CACHE")["PAGE_TTL"], None)


def enabled() -> bool:
    cache = conf.get("SHOP_CACHE")
    return cache["ENABLED"] and cache["PAGES"]


def _snapshot(response: HttpResponse) -> bytes | Transient:
    """Return ``response`` as stored (its headers as JSON, a newline, its body), or Transient if personal."""
    if response.status_code != 200 or response.streaming:
        return Transient(None)
    if response.cookies or "Cookie" in response.get("Vary", "") or "private" in response.get("Cache-Control", ""):
        logger.warning("cache: a shared view answered with something personal; not shared")
        return Transient(None)
    headers = [(k, v) for k, v in response.items() if k.lower() not in PER_REQUEST]
    return json.dumps(headers, separators=(",", ":")).encode() + b"\n" + response.content


@lru_cache(maxsize=4)
def _shared_control(s_maxage: int, revalidate: int, if_error: int) -> str:
    return f"public, max-age=0, s-maxage={s_maxage}, stale-while-revalidate={revalidate}, stale-if-error={if_error}"


def edge_headers(result: Composite) -> list[tuple[str, str]]:
    """Return the headers that let shared caches keep a response (tags, s-maxage, ETag) valid for everyone."""
    if not (result.shared and len(result.tags) <= MAX_EDGE_TAGS):
        # Built while a write was in flight (or too many tags): right for now, not for an edge to keep.
        return [("Cache-Control", "no-store")]
    edge = conf.get("EDGE")
    control = _shared_control(edge["S_MAXAGE"], edge["STALE_WHILE_REVALIDATE"], edge["STALE_IF_ERROR"])
    headers = [("Cache-Control", control), ("ETag", f'"{result.etag}"')]
    if result.tags:  # a 304 leaves them out: an unchanged ETag means unchanged tags
        headers.append((edge["TAG_HEADER"], _tag_list(result.tags)))
    return headers


@lru_cache(maxsize=4096)
def _tag_list(tags: tuple[str, ...]) -> str:
    return ",".join(sorted(tags))


@lru_cache(maxsize=4096)
def _stored_headers(headers: bytes) -> tuple[tuple[str, str], ...]:
    return tuple(map(tuple, json.loads(headers)))


def stored_parts(result: Composite) -> tuple[int, list[tuple[str, str]], bytes]:
    """Return status, headers and body of a response answered from the store (a hit or a 304)."""
    outcome = [("X-Cache", "HIT" if result.outcome == HIT else "MISS")]
    if result.not_modified:
        return 304, outcome + edge_headers(result), b""
    headers, _, body = result.value.partition(b"\n")
    return 200, [*_stored_headers(headers), *outcome, *edge_headers(result)], body


def _response(status: int, headers: list[tuple[str, str]], body: bytes) -> HttpResponse:
    response = HttpResponseNotModified() if status == 304 else HttpResponse(body)
    for name, value in headers:
        response[name] = value
    return response


FETCHED = "shop.cache.fetched"  # environ key: the WSGI layer's fetch of a missing entry, handed to Django


def if_none_match(environ: dict) -> str | None:
    raw = environ.get("HTTP_IF_NONE_MATCH")
    wanted = parse_etags(raw) if raw else ()
    return wanted[0].strip('"') if wanted else None


class SharedResponseMiddleware:
    """Answer shared views from the cache before sessions, CSRF, auth, messages and header middleware."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        entry = entry_for(request) if request.method in ("GET", "HEAD") and enabled() else None
        if entry is None:
            response = self.get_response(request)
            if not response.has_header("Cache-Control"):
                patch_cache_control(response, private=True, no_store=True)
            return response
        rendered: dict[str, HttpResponse] = {}

        def build() -> bytes | Transient:
            rendered["response"] = response = self.get_response(request)
            return _snapshot(response)

        fetched = request.META.get(FETCHED)
        result = read_composite(entry, build, if_none_match(request.META), fetched)
        if "response" not in rendered:
            return _response(*stored_parts(result))
        response = rendered["response"]
        response["X-Cache"] = "MISS"
        if result.value is not None:
            for name, value in edge_headers(result):
                response[name] = value
            return response
        if not response.has_header("Cache-Control"):
            response["Cache-Control"] = "no-store"  # a 404 or an error: nothing for an edge to keep
        return response
