"""The WSGI layer gunicorn runs (config.wsgi): warm shared pages answered before Django builds a request."""

import io
import logging

import pytest
from django.core.handlers.wsgi import WSGIHandler

from shop.cache import store, trust
from shop.cache.wsgi import SharedResponses
from shop.observability.accesslog import log_answered

URL = "/products/chef-knife/"


class Counting:
    """The Django application, counting the requests that reach it."""

    def __init__(self) -> None:
        self.django = WSGIHandler()
        self.calls = 0

    def __call__(self, environ, start_response):
        self.calls += 1
        return self.django(environ, start_response)


def call(app, path: str, query: str = "", **headers: str) -> tuple[int, dict, bytes]:
    environ = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "SERVER_NAME": "testserver",
        "SERVER_PORT": "80",
        "HTTP_HOST": headers.pop("host", "testserver"),
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(b""),
        "wsgi.errors": io.StringIO(),
        **{f"HTTP_{name.upper()}": value for name, value in headers.items()},
    }
    seen = {}

    def start_response(status, response_headers, exc_info=None):
        seen["status"], seen["headers"] = int(status.split()[0]), dict(response_headers)

    body = b"".join(app(environ, start_response))
    return seen["status"], seen["headers"], body


@pytest.fixture
def layer(settings):
    settings.ALLOWED_HOSTS = ["testserver"]
    django = Counting()
    return django, SharedResponses(django, log=log_answered)


def test_a_warm_page_is_answered_without_django_and_with_the_same_bytes_and_headers(catalog, layer, client):
    django, app = layer
    first = call(app, URL)  # a miss: Django renders and stores it
    assert django.calls == 1 and first[1]["X-Cache"] == "MISS"
    status, headers, body = call(app, URL)
    assert django.calls == 1  # the layer answered
    assert status == 200 and headers["X-Cache"] == "HIT" and body == first[2]
    inside = client.get(URL)  # the same page through Django's middleware (the test client's path)
    assert inside["X-Cache"] == "HIT" and inside.content == body
    for name in ("Content-Type", "Cache-Control", "Cache-Tag", "ETag", "Content-Security-Policy", "X-Frame-Options"):
        assert headers[name] == inside[name], name
    assert "Set-Cookie" not in headers and int(headers["Content-Length"]) == len(body)


def test_a_miss_hands_its_fetch_to_django_so_redis_is_asked_once(catalog, layer, monkeypatch):
    _, app = layer
    real, fetches = store.fetch, []
    monkeypatch.setattr(store, "fetch", lambda *a, **k: fetches.append(a[0][0].namespace) or real(*a, **k))
    import shop.cache.composite as composite
    import shop.cache.wsgi as wsgi

    monkeypatch.setattr(composite, "fetch", store.fetch)
    monkeypatch.setattr(wsgi, "fetch", store.fetch)
    call(app, URL)
    assert fetches.count("page") == 1  # not once by the layer and again by the middleware
    trust.reset()
    assert call(app, URL)[1]["X-Cache"] == "HIT"


def test_if_none_match_is_answered_304_by_the_layer(catalog, layer):
    django, app = layer
    call(app, URL)
    etag = call(app, URL)[1]["ETag"]
    status, headers, body = call(app, URL, if_none_match=etag)
    assert status == 304 and body == b"" and headers["ETag"] == etag and django.calls == 1


def test_what_the_layer_does_not_serve_goes_to_django(catalog, layer):
    django, app = layer
    call(app, URL)
    assert call(app, URL, host="evil.example")[0] == 400  # Django refuses the host
    assert call(app, "/cart/")[0] == 200  # personal
    assert call(app, "/categories/kitchen/", query="page=x")[0] == 404  # invalid input: the view answers
    assert django.calls == 4


def test_the_layer_logs_one_access_line_per_answered_request(catalog, layer, caplog):
    _, app = layer
    call(app, URL)
    with caplog.at_level(logging.INFO, logger="shop.access"):
        headers = call(app, URL, x_request_id="req-42")[1]
    (line,) = [r for r in caplog.records if r.name == "shop.access" and getattr(r, "request_id", "") == "req-42"]
    assert (line.request_id, line.path, line.status, line.cache, line.sql_queries) == ("req-42", URL, 200, "HIT", 0)
    assert headers["X-Request-ID"] == "req-42"
