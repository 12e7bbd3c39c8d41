"""The benchmark harness: its request mix, the floor view, the counting middleware and the seed's category tree."""

import importlib
from collections import Counter

import pytest
from django.core.handlers.wsgi import WSGIHandler
from django.test import Client
from django.urls import Resolver404, resolve
from django_redis import get_redis_connection
from redis.connection import Connection

from bench import counters, workload
from bench.views import floor_key
from catalog import demo
from catalog.models import Category
from tests.factories import ProductFactory

PRODUCTS = [f"p{i}" for i in range(1000)]
CATEGORIES = [f"c{i}" for i in range(100)]


@pytest.fixture
def sent(monkeypatch):
    """Record every packed command redis-py sends: one entry per round trip."""
    log: list[bytes] = []
    real = Connection.send_packed_command

    def record(conn, command, check_health=True):
        log.append(command if isinstance(command, bytes) else b"".join(command))
        return real(conn, command, check_health)

    monkeypatch.setattr(Connection, "send_packed_command", record)
    return log


def test_product_popularity_follows_zipf_one_over_rank():
    requests = workload.build(
        product_slugs=PRODUCTS, category_slugs=CATEGORIES, n=60_000, mix={"product": 1.0}, logged_in_share=0
    )
    counts = sorted(Counter(r.path for r in requests).values(), reverse=True)
    harmonic = sum(1 / k for k in range(1, len(PRODUCTS) + 1))
    assert counts[0] / len(requests) == pytest.approx(1 / harmonic, rel=0.1)
    assert counts[0] / counts[1] == pytest.approx(2, rel=0.15)
    assert counts[0] / counts[9] == pytest.approx(10, rel=0.25)


def test_mix_and_logged_in_share_match_the_workload_definition():
    requests = workload.build(product_slugs=PRODUCTS, category_slugs=CATEGORIES, n=40_000)
    kinds = Counter(r.kind for r in requests)
    for kind, share in workload.MIX.items():
        assert kinds[kind] / len(requests) == pytest.approx(share, abs=0.01)
    assert sum(r.logged_in for r in requests) / len(requests) == pytest.approx(0.2, abs=0.01)
    for r in requests:
        assert counters.kind_of(r.path.split("?")[0]) == r.kind
    listings = [r.path for r in requests if r.kind == "listing"]
    assert {p.split("sort=")[1].split("&")[0] for p in listings} == set(workload.SORTS)


def test_same_seed_gives_the_same_requests_and_another_seed_does_not():
    def build(seed):
        return workload.build(product_slugs=PRODUCTS, category_slugs=CATEGORIES, n=500, seed=seed)

    assert build(7) == build(7)
    assert build(7) != build(8)


def test_request_list_file_has_one_path_and_login_flag_per_line(tmp_path):
    requests = workload.build(product_slugs=PRODUCTS, category_slugs=CATEGORIES, n=100)
    workload.write(requests, tmp_path / "list.txt")
    lines = (tmp_path / "list.txt").read_text().splitlines()
    assert lines == [f"{r.path}\t{int(r.logged_in)}" for r in requests]


def test_bare_server_settings_run_no_middleware_and_only_the_bench_urls():
    bare = importlib.import_module("config.settings.bench_floor")
    assert bare.MIDDLEWARE == []
    assert bare.ROOT_URLCONF == "bench.urls"
    # Its WSGI entry is Django's handler itself inside the counters every bench server has: config.wsgi's fast
    # path (or anything else config.wsgi wraps around the app) does not run there.
    served = importlib.import_module("bench.wsgi").application
    assert type(served) is counters.CountingApplication and type(served.application) is WSGIHandler


@pytest.mark.django_db
def test_floor_view_returns_the_stored_bytes_with_one_redis_get_and_no_middleware(settings, sent):
    settings.ROOT_URLCONF = "bench.urls"
    settings.MIDDLEWARE = []
    body = b"<html>" + b"x" * 9000 + b"</html>"
    get_redis_connection("default").set(floor_key(), body)
    Client(HTTP_HOST="127.0.0.1").get("/bench/floor/")  # the process's connection is made (HELLO, SETINFO)
    sent.clear()
    response = Client(HTTP_HOST="127.0.0.1").get("/bench/floor/")
    assert response.status_code == 200
    assert response.content == body
    assert len(sent) == 1
    assert b"\r\nGET\r\n" in sent[0]
    # No session, auth or CSRF middleware ran: nothing set request.session / request.user or a cookie.
    assert not hasattr(response.wsgi_request, "session")
    assert not hasattr(response.wsgi_request, "user")
    assert not response.cookies


def test_hello_view_answers_without_touching_redis(settings, sent):
    settings.ROOT_URLCONF = "bench.urls"
    settings.MIDDLEWARE = []
    response = Client(HTTP_HOST="127.0.0.1").get("/bench/hello/")
    assert response.content == b"hello"
    assert sent == []


@pytest.mark.parametrize("path", ["/bench/floor/", "/bench/hello/"])
def test_bench_views_are_not_in_the_production_urlconf(path):
    with pytest.raises(Resolver404):
        resolve(path, urlconf="config.urls")


def test_popularity_ranks_are_the_ones_the_read_mix_draws_from():
    requests = workload.build(product_slugs=PRODUCTS, category_slugs=CATEGORIES, n=20_000, mix={"product": 1.0})
    top = [path for path, _ in Counter(r.path for r in requests).most_common(3)]
    assert top == [f"/products/{slug}/" for slug in workload.ranked(PRODUCTS)[:3]]


def test_list_file_carries_an_etag_column_only_where_one_is_known(tmp_path):
    requests = workload.retarget(
        [workload.Request("product", "/products/a/", False), workload.Request("product", "/products/b/", True)],
        "/api/v1/products/{slug}/",
        "api",
    )
    workload.write(requests, tmp_path / "list.txt", {"/api/v1/products/a/": '"v1"'})
    assert (tmp_path / "list.txt").read_text().splitlines() == [
        '/api/v1/products/a/\t0\t"v1"',
        "/api/v1/products/b/\t1",
    ]


# Committed rows: a write's cache fence is lifted only after commit, so a rolled-back test transaction never warms.
@pytest.mark.django_db(transaction=True)
def test_counters_count_queries_and_round_trips_of_cold_and_warm_pages_fast_path_included(settings, tmp_path):
    from django.core.handlers.wsgi import WSGIHandler

    from shop.cache.wsgi import SharedResponses
    from tests.cache.test_wsgi_layer import call

    settings.BENCH_COUNTER_DIR = str(tmp_path)
    settings.ALLOWED_HOSTS = ["testserver"]
    app = counters.CountingApplication(SharedResponses(WSGIHandler()))  # what bench/counted_wsgi.py serves
    product = ProductFactory()
    assert call(app, f"/products/{product.slug}/")[1]["X-Cache"] == "MISS"
    assert call(app, f"/products/{product.slug}/")[1]["X-Cache"] == "HIT"  # answered before Django

    counts = counters.read_dir(tmp_path)
    assert counts[("product", "anon", "MISS", "requests")] == 1
    assert counts[("product", "anon", "MISS", "sql")] >= 2
    assert counts[("product", "anon", "HIT", "requests")] == 1
    assert counts[("product", "anon", "HIT", "sql")] == 0
    assert counts[("product", "anon", "HIT", "redis")] == 1
    assert sum(v for (k, a, o, m), v in counts.items() if m == "errors") == 0


@pytest.mark.django_db
def test_seed_builds_a_deterministic_tree_of_the_requested_size():
    demo.seed(products=12, categories=100, images_per_product=0, orders=0, progress=lambda *a: None)
    assert Category.objects.count() == 100
    assert Category.objects.filter(parent=None).count() == 10
    assert demo.category_plan(100) == demo.category_plan(100)
    assert sum(1 + len(subs) for _, subs in demo.category_plan(None)) == 30
