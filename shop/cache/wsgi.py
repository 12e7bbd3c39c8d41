"""WSGI layer in front of Django: a warm shared response straight from Redis, before any request is built.

``SharedResponseMiddleware`` answers the same responses inside Django (the test client, runserver). Under
gunicorn (``config.wsgi``) this layer answers them first: no request object, URL dispatch, signal or
middleware, only the key, one Redis round trip and the stored bytes. Anything else, and every miss, goes on
to Django; a miss carries the fetch it made (``FETCHED``), so Django builds the page without asking Redis
again. Both paths share one definition of the key, the stored form and the headers (``shared``).
"""

import time
from collections.abc import Callable
from functools import cached_property, lru_cache

from django.core.signals import setting_changed
from django.http import QueryDict
from django.http.request import split_domain_port, validate_host

from . import conf, shared
from .composite import answered
from .store import fetch, new_token
from .trust import CacheUnavailable

STATUS = {200: "200 OK", 304: "304 Not Modified"}


class _Request:
    """What a shared view's key function may look at: path, query and the (validated) host."""

    def __init__(self, environ: dict, host: str) -> None:
        self.path_info = environ.get("PATH_INFO") or "/"
        self._query = environ.get("QUERY_STRING", "")
        self._host = host

    @cached_property
    def GET(self) -> QueryDict:  # noqa: N802 (Django's name); parsed only if the key function asks
        return QueryDict(self._query)

    def get_host(self) -> str:
        return self._host


def _host(environ: dict) -> str | None:
    """Return the request's host if Django would accept it (ALLOWED_HOSTS), else None (Django answers 400)."""
    if conf.get("USE_X_FORWARDED_HOST"):
        return None  # left to Django's own rules
    host = environ.get("HTTP_HOST") or f"{environ.get('SERVER_NAME', '')}:{environ.get('SERVER_PORT', '')}"
    return host if _allowed(host) else None


@lru_cache(maxsize=256)
def _allowed(host: str) -> bool:
    domain, _ = split_domain_port(host)
    return bool(domain) and validate_host(domain, conf.get("ALLOWED_HOSTS"))


def _forget(**kwargs) -> None:
    _allowed.cache_clear()


setting_changed.connect(_forget)


class SharedResponses:
    """Wrap a WSGI application; ``log(environ, status, cache, started)`` returns extra headers (a request id)."""

    def __init__(self, application, log: Callable[[dict, int, str, float], list] | None = None) -> None:
        self.application = application
        self.log = log

    def __call__(self, environ: dict, start_response):
        started = time.perf_counter()
        answer = self._answer(environ) if environ.get("REQUEST_METHOD") in ("GET", "HEAD") else None
        if answer is None:
            return self.application(environ, start_response)
        status, headers, body = answer
        if self.log is not None:
            headers += self.log(environ, status, "HIT", started)
        start_response(STATUS[status], [*headers, ("Content-Length", str(len(body)))])
        return [b"" if environ["REQUEST_METHOD"] == "HEAD" else body]

    @staticmethod
    def _answer(environ: dict):
        path = environ.get("PATH_INFO") or "/"
        if not path.isascii() or not shared.enabled():
            return None  # non-ASCII paths: Django decodes them
        host = _host(environ)
        entry = shared.entry_for(_Request(environ, host), conf.get("ROOT_URLCONF")) if host else None
        if entry is None:
            return None
        token, etag = new_token(), shared.if_none_match(environ)
        try:
            row = fetch([entry], token, etags=[etag])[0]
        except CacheUnavailable:
            return None  # Django serves it from Postgres
        result = answered(row, etag)
        if result is None:
            environ[shared.FETCHED] = (entry.key, row, token)
            return None
        return shared.stored_parts(result)
