"""The pure parts of the rounds of issues 11-14: pacing, product choice, and what the results say."""

import random
from collections import Counter
from decimal import Decimal

import pytest

from bench import cli, cluster, edge, freshness, orders, orders_rounds, report_extra

RANKED = list(range(100, 600))  # product ids, most popular first


def test_uniform_schedule_spaces_orders_one_over_the_rate():
    offsets = orders.schedule(20, 3)
    assert len(offsets) == 60
    assert offsets[0] == 0
    assert {round(b - a, 9) for a, b in zip(offsets, offsets[1:])} == {0.05}


def test_poisson_schedule_keeps_the_rate_within_the_round_and_is_seeded():
    offsets = orders.schedule(20, 500, "poisson", seed=3)
    assert len(offsets) == pytest.approx(10_000, rel=0.05)
    assert offsets == sorted(offsets)
    assert offsets[0] > 0 and offsets[-1] < 500
    assert offsets == orders.schedule(20, 500, "poisson", seed=3)
    assert offsets != orders.schedule(20, 500, "poisson", seed=4)


def test_no_orders_at_rate_zero():
    assert orders.schedule(0, 20) == []


def test_picker_never_chooses_a_product_out_of_stock():
    stock = {pk: (0 if pk % 3 == 1 else 5) for pk in RANKED}
    pick = orders.InStockPicker(RANKED, stock, 1.0, random.Random(1))
    chosen = Counter(pick() for _ in range(20_000))
    assert all(stock[pk] > 0 for pk in chosen)
    assert 100 not in chosen  # the most popular product is sold out


def test_picker_follows_zipf_over_the_in_stock_products_in_popularity_order():
    stock = {pk: 0 if pk in (100, 102) else 9 for pk in RANKED}
    pick = orders.InStockPicker(RANKED, stock, 1.0, random.Random(2))
    counts = Counter(pick() for _ in range(60_000))
    in_stock = [pk for pk in RANKED if stock[pk]]
    assert [pk for pk, _ in counts.most_common(2)] == in_stock[:2] == [101, 103]
    assert counts[101] / counts[103] == pytest.approx(2, rel=0.15)


def test_picker_refuses_a_catalog_with_nothing_in_stock():
    with pytest.raises(ValueError):
        orders.InStockPicker(RANKED, {}, 1.0, random.Random(0))


def test_percentile_is_nearest_rank():
    values = list(range(1, 101))
    assert orders.percentile(values, 50) == 50
    assert orders.percentile(values, 99) == 99
    assert orders.percentile([7.0], 99) == 7.0
    assert orders.percentile([], 50) is None


def test_order_summary_counts_orders_that_never_finished_as_failed():
    outcomes = [{"outcome": "placed", "checkout_ms": 10.0 * i, "flow_ms": 1.0, "lag_ms": 0.5} for i in range(1, 9)]
    outcomes += [{"outcome": "conflict", "reason": "checkout 409"}]
    out = orders.summarize(outcomes, scheduled=10, seconds=2)
    assert (out["placed"], out["conflicts"], out["failed"]) == (8, 1, 1)
    assert out["orders_per_s"] == 4
    assert out["checkout_p50_ms"] == 40.0
    assert out["reasons"] == {"checkout 409": 1}


def _counters(**by_kind):
    """Counters delta with (kind -> (requests, sql)) filled in, everything else zero."""
    c = {}
    for kind, (requests, sql) in by_kind.items():
        c[(kind, "anon", "HIT", "requests")] = requests
        c[(kind, "anon", "HIT", "sql")] = sql
    return c


def test_order_figures_split_sql_and_divide_misses_by_orders_placed():
    d = {
        "counters": _counters(product=(1000, 20), order=(40, 180)),
        "stats": {"page:miss": 30, "product:miss": 10, "page:hit": 900},
    }
    out = orders_rounds.order_figures(d, {"placed": 8}, seconds=2.0, computes=24)
    assert out["sql_per_s"] == 100
    assert out["page_sql_per_s"] == 10
    assert out["checkout_flow_sql_per_s"] == 90
    assert out["misses"] == 40
    assert out["recomputes_per_order"] == 5
    assert out["computes_per_order"] == 3
    assert orders_rounds.order_figures(d, None, 2.0, None)["recomputes_per_order"] is None


def _round(cycle, rps, placed=0, misses=0, checkout=()):
    return {
        "cycle": cycle,
        "rps": rps,
        "requests": rps * 10,
        "seconds": 10.0,
        "page_hit_ratio": 0.99,
        "sql_per_s": 1.0,
        "checkout_flow_sql_per_s": 0.5,
        "misses_per_s": misses / 10,
        "misses": misses,
        "computes": None,
        "orders": {
            "scheduled": placed,
            "placed": placed,
            "conflicts": 0,
            "failed": 0,
            "checkout_ms": list(checkout),
            "start_lag_max_ms": 3.0,
        }
        if placed
        else None,
        "restock": {
            "restocked_products": 0,
            "restocked_units": 0,
            "rewarmed_pages": 0,
            "restock_s": 0.1,
            "rewarm_s": 0.2,
        },
    }


def test_throughput_ratio_is_taken_against_the_read_only_round_of_the_same_cycle():
    rounds = {
        "read-only": [_round(0, 1000), _round(1, 500)],
        "orders-20": [_round(0, 900, placed=200, misses=100, checkout=[5, 6]), _round(1, 250, placed=200)],
    }
    agg = orders_rounds.aggregate(rounds)
    assert agg["orders-20"]["ratio_per_cycle"] == [0.9, 0.5]
    assert agg["orders-20"]["ratio_vs_read_only"] == pytest.approx(0.7)
    assert agg["orders-20"]["recomputes_per_order"] == 0.25
    assert agg["orders-20"]["placed"] == 400
    assert agg["read-only"]["ratio_vs_read_only"] == 1


def test_edge_figures_report_origin_requests_per_thousand_edge_requests():
    before = dict.fromkeys(edge.COUNTERS, 0)
    after = before | {"cache_hit": 19_800, "cache_miss": 200, "backend_req": 12, "client_req": 20_000}
    per_kind = {"product/anon/HIT": {"requests": 40}, "other/anon/-": {"requests": 5}}  # 5 health probes
    out = edge.edge_figures(before, after, {"requests": 19_936, "server_requests": 45, "per_kind": per_kind})
    assert out["origin_per_1000"] == 2
    assert out["origin_other_requests"] == 5
    assert out["backend_req_per_1000"] == pytest.approx(0.6)
    assert out["edge_hit_ratio"] == 0.99


def test_vcl_backend_port_is_rewritten_and_a_vcl_without_one_is_refused():
    vcl = 'backend default {\n  .host = "127.0.0.1";\n  .port = "8000";\n}\nsub vcl_recv { set req.http.x = "8000"; }'
    out = edge.backend_vcl(vcl, 43210)
    assert '.port = "43210";' in out
    assert 'req.http.x = "8000"' in out
    with pytest.raises(ValueError):
        edge.backend_vcl('backend default { .host = "10.0.0.1"; .port = "9000"; }', 43210)


def test_key_spread_is_the_largest_deviation_from_the_mean():
    out = cluster.key_spread({"7001": 900, "7002": 1000, "7003": 1100})
    assert out["mean"] == 1000
    assert out["max_deviation"] == pytest.approx(0.1)
    assert cluster.key_spread({"7001": 0, "7002": 0})["max_deviation"] is None


def test_freshness_summary_counts_unseen_changes_and_flaps():
    samples = [{"lag_ms": float(i), "older_after": 0, "cached_before": True} for i in range(1, 51)]
    samples += [{"lag_ms": None, "older_after": 0, "cached_before": False}]
    samples[3]["older_after"] = 2
    out = freshness.summarize(samples, timeout_s=30)
    assert (out["changes"], out["visible"], out["never_visible"]) == (51, 50, 1)
    assert out["p99_ms"] == 50.0 and out["max_ms"] == 50.0
    assert out["older_after_visible"] == 2
    assert out["edge_cached_before"] == 50


def test_marker_prices_are_unique_and_never_the_old_price():
    prices = {freshness.marker_price(n, Decimal("12.00")) for n in range(60)}
    assert len(prices) == 60
    assert all(p.as_tuple().exponent == -2 for p in prices)
    assert freshness.marker_price(0, Decimal("7000.01")) != Decimal("7000.01")


def _result(**aggregate):
    return {
        "aggregate": {name: {"rps": rps, "sql_per_request": 0.0} for name, rps in aggregate.items()},
        "settings": {},
        "not_measured": {"edge": "varnishd is not installed", "cluster": "no REDIS_CLUSTER"},
        "orders": None,
    }


def test_targets_compare_in_one_run_and_say_why_a_family_was_not_measured():
    rows = {t["target"]: t for t in report_extra.targets(_result(**{"shopfront-anon": 850, "floor": 1000}))}
    floor = rows[report_extra.GOALS["floor"][0]]
    assert floor["value"] == pytest.approx(0.85) and floor["met"] is True
    edge_row = rows[report_extra.GOALS["edge"][0]]
    assert edge_row["met"] is None and edge_row["note"] == "varnishd is not installed"
    assert report_extra.GOALS["api"][0] not in rows  # neither measured nor explained: left out, never invented


def test_freshness_target_is_the_coalescing_window_plus_one_second():
    samples = [{"lag_ms": 900.0 + i, "older_after": 0, "cached_before": True} for i in range(50)]
    fresh = freshness.summarize(samples, 30) | {"window_s": {"seconds": 0.0, "source": "test"}}
    rows = {t["target"]: t for t in report_extra.targets(_result() | {"freshness": fresh})}
    assert rows[report_extra.GOALS["freshness"][0]]["met"] is True
    fresh["window_s"]["seconds"] = -0.5  # a window of -0.5 s allows only 500 ms
    rows = {t["target"]: t for t in report_extra.targets(_result() | {"freshness": fresh})}
    assert rows[report_extra.GOALS["freshness"][0]]["met"] is False


def test_round_selection_by_family_and_skip():
    rounds, families = cli.select("floor,api", "")
    assert rounds == ["shopfront-anon", "floor", "hello", "api", "api-304"]
    rounds, families = cli.select("floor,api", "api")
    assert rounds == ["shopfront-anon", "floor", "hello"] and families == {"floor"}
    rounds, _ = cli.select("shopfront,floor", "hello")
    assert rounds == ["shopfront", "shopfront-anon", "floor"]
    with pytest.raises(ValueError):
        cli.select("flor", "")


# Committed rows: the live server thread reads them through its own connection.
@pytest.mark.django_db(transaction=True)
def test_one_shopper_places_an_order_over_http_through_the_real_checkout(live_server):
    from orders.models import Order
    from tests.factories import ProductFactory

    product = ProductFactory(stock=5)
    out = orders.place_order(live_server.url, product.slug, product.pk, 2, 7)
    assert out["outcome"] == "placed", out
    assert out["checkout_ms"] > 0
    product.refresh_from_db()
    assert product.stock == 3
    assert Order.objects.get(email="bench7@example.com").lines.get().quantity == 2


@pytest.mark.django_db(transaction=True)
def test_a_shopper_whose_product_vanished_is_a_failure_with_its_reason(live_server):
    out = orders.place_order(live_server.url, "no-such-product", 999_999, 1, 1)
    assert out == {"outcome": "failed", "reason": "product page 404"}


def test_cluster_stats_find_the_stats_hash_under_a_hash_tag_too(settings):
    import uuid
    from urllib.parse import urlsplit

    import redis as redis_py

    prefix = f"b{uuid.uuid4().hex[:10]}"
    port = urlsplit(settings.REDIS_URL).port or 6379
    client = redis_py.Redis(port=port)
    keys = [f"{prefix}:v3:stats", "{" + prefix + ":v3}:stats"]
    try:
        client.hset(keys[0], mapping={"page:hit": 5, "page:miss": 1})
        client.hset(keys[1], mapping={"page:hit": 2})
        stats = cluster.ClusterStats([port]).hgetall(f"{prefix}:v3:stats")
        assert stats == {b"page:hit": 7, b"page:miss": 1}
    finally:
        client.delete(*keys)
