"""Targets and Markdown for the rounds of issues 11-14: orders, honest floor, edge, freshness, API, cluster."""

from typing import Any


def _rps(result: dict, name: str) -> float | None:
    agg = result["aggregate"].get(name)
    return agg["rps"] if agg and agg["rps"] else None


def ratio(result: dict, a: str, b: str) -> float | None:
    """Return req/s of round ``a`` over round ``b`` (None when either was not measured)."""
    x, y = _rps(result, a), _rps(result, b)
    return x / y if x and y else None


def _f(v, unit: str = "", digits: int = 2) -> str:
    if v is None:
        return "–"
    if unit == "%":
        return f"{100 * v:.1f}%"
    return f"{v:.{digits}f}{unit}" if isinstance(v, float) else f"{v}{unit}"


def sql_measured(per_request: float, requests: int) -> str | float:
    """Show SQL per warm page exactly: a rare query (an outbox look after an idle gap) must not round to 0."""
    if not per_request:
        return per_request
    queries = round(per_request * requests)
    return f"{per_request:.5f} ({queries} queries in {requests:,} requests)"


# Target name, goal, the family whose absence explains a missing value.
GOALS = {
    "floor": ("Origin warm anonymous product page / bare floor req/s", ">= 0.85"),
    "edge": ("Edge / origin req/s (anonymous product pages)", ">= 10"),
    "freshness": ("Edge freshness after a price change, p99", "<= window + 1 s"),
    "api": ("API product detail / HTML product page req/s (warm, anonymous)", ">= 0.9"),
    "api-304": ("API 304 revalidation / warm API 200 req/s", ">= 1.2"),
    "cluster": ("Cluster mode / single node req/s (warm anonymous product pages)", ">= 0.8"),
    "orders": ("At the highest order rate, checkouts on a second instance: full-mix req/s / read-only", ">= 0.9"),
}


def targets(result: dict) -> list[dict[str, Any]]:
    """Return the new rows of the targets table; a family not measured gets a row saying why."""
    out: list[dict[str, Any]] = []

    def add(name, value, goal, met, unit=""):
        out.append({"target": name, "value": value, "goal": goal, "met": met, "unit": unit})

    def check(key, value, met, unit="x"):
        name, goal = GOALS[key]
        if value is None:
            why = result.get("not_measured", {}).get(key) or result.get("not_measured", {}).get(key.split("-")[0])
            if why:
                out.append({"target": name, "value": None, "goal": goal, "met": None, "note": why})
            return
        add(name, value, goal, met(value), unit)

    check("floor", ratio(result, "shopfront-anon", "floor"), lambda v: v >= 0.85)
    check("edge", ratio(result, "edge", "shopfront-anon"), lambda v: v >= 10)
    edge = result["aggregate"].get("edge")
    if edge and edge.get("origin_per_1000") is not None:
        add("Origin requests per 1,000 edge requests", edge["origin_per_1000"], "reported", True, "")
    fresh = result.get("freshness") or {}
    p99 = fresh.get("p99_ms") if fresh and not fresh.get("error") else None
    window = fresh["window_s"]["seconds"] if p99 is not None else 0.0
    check("freshness", p99, lambda v: v <= (window + 1) * 1000 and not fresh["never_visible"], " ms")
    if p99 is not None:
        add(
            "Edge never shows the old price after the new one",
            fresh["older_after_visible"],
            "0",
            not fresh["older_after_visible"],
        )
    check("api", ratio(result, "api", "shopfront-anon"), lambda v: v >= 0.9)
    api = result["aggregate"].get("api")
    if api and api["sql_per_request"] is not None:
        sql = sql_measured(api["sql_per_request"], api["requests"])
        add("SQL per warm API product detail", sql, "0", api["sql_per_request"] == 0)
    check("api-304", ratio(result, "api-304", "api"), lambda v: v >= 1.2)
    check("cluster", ratio(result, "cluster-anon", "shopfront-anon"), lambda v: v >= 0.8)
    spread = (result.get("cluster") or {}).get("spread")
    if spread and spread["max_deviation"] is not None:
        add(
            "Cluster key spread over the masters (max deviation)",
            spread["max_deviation"],
            "<= 20%",
            spread["max_deviation"] <= 0.2,
            "%",
        )
    orders = (result.get("orders") or {}).get("aggregate", {})
    top = max((r for r in (result.get("orders") or {}).get("rates", []) if r), default=None)
    row = (orders.get(f"orders-{top:g} (checkouts on web2)") or orders.get(f"orders-{top:g}")) if top else None
    check("orders", row["ratio_vs_read_only"] if row else None, lambda v: v >= 0.9)
    same = orders.get(f"orders-{top:g}") if top else None
    if same and same is not row:
        shared_core = same["ratio_vs_read_only"]
        add(f"At {top:g} orders/s, checkouts on the read server itself (reported)", shared_core, "reported", True, "x")
    if row and row["page_hit_ratio"] is not None:
        add(f"At {top:g} orders/s: page hit ratio", row["page_hit_ratio"], ">= 98%", row["page_hit_ratio"] >= 0.98, "%")
    return out


def sections(result: dict) -> list[str]:
    """Return the Markdown of the new rows (the lead copies them into the README)."""
    lines: list[str] = []
    agg = result["aggregate"]
    orders = result.get("orders")
    if orders:
        lines += [
            "",
            "Orders flowing (issue 11): full read mix (wrk) with real checkouts over HTTP beside it; each round "
            "starts after the previous round's sales are restocked and re-warmed (outside the measured window).",
            "",
            "| round | full-mix req/s (per round) | × read-only (per cycle) | page hit % | SQL/s (checkout flow) "
            "| entry misses/order | computes/order | orders placed/scheduled | 409 | failed | checkout p50/p99 ms |",
            "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
        ]
        for name, a in orders["aggregate"].items():
            lines.append(
                f"| {name} | {a['rps']:.0f} ({', '.join(map(str, a['rps_per_round']))}) "
                f"| {_f(a['ratio_vs_read_only'], 'x', 3)} ({', '.join(map(str, a['ratio_per_cycle']))}) "
                f"| {_f(a['page_hit_ratio'], '%')} | {a['sql_per_s']:.0f} ({a['checkout_flow_sql_per_s']:.0f}) "
                f"| {_f(a['recomputes_per_order'])} | {_f(a['computes_per_order'])} | {a['placed']}/{a['scheduled']} "
                f"| {a['conflicts']} | {a['failed']} "
                f"| {_f(a['checkout_p50_ms'], '', 1)}/{_f(a['checkout_p99_ms'], '', 1)} |"
            )
        rows = orders["aggregate"].values()
        lags = [a["start_lag_max_ms"] for a in rows if a["start_lag_max_ms"] is not None]
        lines += [
            "",
            f"Restock before the rounds (a write through catalog.services.product_update per product sold, then the "
            f"pages it invalidated requested again; outside the measured windows): "
            f"{sum(a['restocked_products'] for a in rows)} products, {sum(a['restocked_units'] for a in rows)} units, "
            f"{sum(a['rewarmed_pages'] for a in rows)} pages re-requested, "
            f"{sum(a['restock_and_rewarm_s'] for a in rows):.0f} s in all. Orders started at most "
            f"{_f(max(lags, default=None), ' ms', 0)} after their scheduled time (open loop; 16 shopper threads by "
            f"default). SQL/s counts every query of the round (in brackets: cart and checkout requests); entry "
            f"misses/order = cache misses of the stats hash (pages and data entries) / orders placed; "
            f"computes/order = compute-log lines (BENCH_LOG_COMPUTES) / orders placed.",
        ]
    comparisons = [
        ("Origin (warm anonymous product page)", "shopfront-anon", None),
        ("Bare floor: no middleware, one Redis GET", "floor", "shopfront-anon"),
        ("Bare hello: no middleware, no Redis", "hello", "shopfront-anon"),
        ("API product detail (warm)", "api", "shopfront-anon"),
        ("API 304 (If-None-Match)", "api-304", "api"),
        ("Edge: Varnish in front of the origin", "edge", "shopfront-anon"),
        ("Cluster mode: 3 masters + 3 replicas", "cluster-anon", "shopfront-anon"),
    ]
    rows = [(label, name, base) for label, name, base in comparisons if name in agg]
    if rows:
        lines += [
            "",
            "| anonymous product pages | req/s (per round) | p50 ms | p99 ms | SQL/req | vs | ratio |",
            "| --- | --- | --- | --- | --- | --- | --- |",
        ]
        for label, name, base in rows:
            a = agg[name]
            lines.append(
                f"| {label} | {a['rps']:.0f} ({', '.join(map(str, a['rps_per_round']))}) | {a['p50_ms']:.1f} "
                f"| {a['p99_ms']:.1f} | {_f(a['sql_per_request'], '', 3)} | {base or ''} "
                f"| {_f(ratio(result, name, base), 'x', 3) if base else ''} |"
            )
    edge = agg.get("edge")
    if edge:
        s = result["settings"]
        lines += [
            "",
            f"Edge round: wrk -t{s['edge_threads']} -c{s['edge_connections']} (the origin rounds use -t1 "
            f"-c{s['connections']}: at edge speed one connection per gunicorn thread would measure wrk's own round "
            f"trips; wrk may still be the bottleneck), varnishd pinned to core 0 like gunicorn, edge warmed by one "
            f"pass over the round's list. Origin requests per 1,000 edge requests: "
            f"{_f(edge.get('origin_per_1000'), '', 2)} "
            f"(varnish backend_req: {_f(edge.get('backend_req_per_1000'), '', 2)}); "
            f"edge hit ratio {_f(edge.get('edge_hit_ratio'), '%')}.",
        ]
    fresh = result.get("freshness")
    if fresh and not fresh.get("error"):
        lines += [
            "",
            f"Edge freshness: {fresh['changes']} committed price changes (catalog.services.product_update, one "
            f"Celery worker purging); visible at the edge after p50 {_f(fresh['p50_ms'], ' ms', 0)}, p99 "
            f"{_f(fresh['p99_ms'], ' ms', 0)}, max {_f(fresh['max_ms'], ' ms', 0)}; never visible within "
            f"{fresh['never_visible_within_s']:.0f} s: {fresh['never_visible']}; the old price seen again after the "
            f"new one: {fresh['older_after_visible']} times; pages the edge held before the change: "
            f"{fresh['edge_cached_before']}/{fresh['changes']}. Target: p99 <= {fresh['window_s']['seconds']:g} s "
            f"(coalescing window, from {fresh['window_s']['source']}) + 1 s.",
        ]
    cluster = result.get("cluster")
    if cluster and cluster.get("spread"):
        sp = cluster["spread"]
        lines += [
            "",
            "Cluster key spread (DBSIZE per master after its round): "
            + ", ".join(f":{p} {n}" for p, n in sp["keys_per_master"].items())
            + f"; max deviation from the mean {_f(sp['max_deviation'], '%')}.",
        ]
    if result.get("not_measured"):
        lines += ["", "Not measured:", ""]
        lines += [f"- {what}: not measured: {why}" for what, why in result["not_measured"].items()]
    return lines
