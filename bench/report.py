"""Aggregate benchmark rounds, check the issue's targets and render the Markdown table."""

from typing import Any

from bench import report_extra

LABELS = {
    "shopfront": "Shopfront (full mix)",
    "nocache": "No cache (full mix)",
    "cachalot": "django-cachalot (full mix)",
    "shopfront-products": "Shopfront (product pages only)",
    "shopfront-anon": "Shopfront (anonymous product pages)",
    "floor": "Bare floor: no middleware, one Redis GET (anonymous product-page mix)",
    "hello": "Bare hello: no middleware, no Redis",
    "api": "API product detail (anonymous)",
    "api-304": "API product detail, If-None-Match (304)",
    "edge": "Edge: Varnish (anonymous product pages)",
    "cluster-anon": "Cluster mode (anonymous product pages)",
}


def _weighted(rounds: list[dict], key: str) -> float | None:
    # Weighted by the server's count; the bare server counts nothing, so its figures are per wrk request.
    rows = [(r[key], r["server_requests"] or r["requests"]) for r in rounds if r[key] is not None]
    n = sum(w for _, w in rows)
    return sum(v * w for v, w in rows) / n if n else None


def _ratio(rounds: list[dict], key: str) -> float | None:
    values = [r[key] for r in rounds if r[key] is not None]
    return sum(values) / len(values) if values else None


def aggregate(rounds: list[dict]) -> dict[str, Any]:
    """Combine the rounds of one configuration: totals for rates, means of the per-round percentiles."""
    seconds = sum(r["seconds"] for r in rounds)
    extra: dict[str, Any] = {}
    edges = [r["edge"] for r in rounds if "edge" in r]
    if edges:
        sent = sum(e["edge_requests"] for e in edges)
        hits = [e["edge_hit_ratio"] for e in edges if e["edge_hit_ratio"] is not None]
        extra = {
            "origin_per_1000": 1000 * sum(e["origin_requests"] for e in edges) / sent if sent else None,
            "backend_req_per_1000": 1000 * sum(e["varnish"]["backend_req"] for e in edges) / sent if sent else None,
            "edge_hit_ratio": sum(hits) / len(hits) if hits else None,
        }
    served = sum(r["server_requests"] for r in rounds)
    if served and any(r.get("server_not_modified") for r in rounds):
        extra["not_modified_share"] = sum(r.get("server_not_modified", 0) for r in rounds) / served
    per_kind: dict[str, dict[str, float]] = {}
    for r in rounds:
        for key, v in r["per_kind"].items():
            agg = per_kind.setdefault(key, {"requests": 0, "sql": 0.0, "redis": 0.0})
            agg["requests"] += v["requests"]
            agg["sql"] += v["sql_per_request"] * v["requests"]
            agg["redis"] += v["redis_round_trips_per_request"] * v["requests"]
    return {
        "rounds": len(rounds),
        "rps": sum(r["requests"] for r in rounds) / seconds if seconds else 0.0,
        "rps_per_round": [round(r["rps"]) for r in rounds],
        "p50_ms": sum(r["p50_ms"] for r in rounds) / len(rounds),
        "p90_ms": sum(r["p90_ms"] for r in rounds) / len(rounds),
        "p99_ms": sum(r["p99_ms"] for r in rounds) / len(rounds),
        "requests": sum(r["requests"] for r in rounds),
        "errors": sum(r["errors"] for r in rounds),
        "sql_per_request": _weighted(rounds, "sql_per_request"),
        "redis_round_trips_per_request": _weighted(rounds, "redis_round_trips_per_request"),
        "redis_commands_per_request": _weighted(rounds, "redis_commands_per_request"),
        "redis_evalsha_per_request": _weighted(rounds, "redis_evalsha_per_request"),
        "page_hit_ratio": _ratio(rounds, "page_hit_ratio"),
        "entry_hit_ratio": _ratio(rounds, "entry_hit_ratio"),
        "per_kind": {
            k: {
                "requests": v["requests"],
                "sql_per_request": v["sql"] / v["requests"],
                "redis_round_trips_per_request": v["redis"] / v["requests"],
            }
            for k, v in sorted(per_kind.items())
        },
    } | extra


def _warm(agg: dict, kinds=("product", "listing"), auth=("anon", "auth")) -> dict[str, float]:
    rows = [
        v
        for k, v in agg["per_kind"].items()
        if k.split("/")[0] in kinds and k.split("/")[1] in auth and k.endswith("/HIT")
    ]
    n = sum(v["requests"] for v in rows)
    if not n:
        return {"requests": 0, "sql": None, "redis": None}
    return {
        "requests": n,
        "sql": sum(v["sql_per_request"] * v["requests"] for v in rows) / n,
        "redis": sum(v["redis_round_trips_per_request"] * v["requests"] for v in rows) / n,
    }


def targets(result: dict) -> list[dict[str, Any]]:
    """Return each target with its measured value and whether it is met (None: not measured)."""
    agg = result["aggregate"]
    out = []

    def add(name, value, goal, met, unit=""):
        out.append({"target": name, "value": value, "goal": goal, "met": met, "unit": unit})

    def rps(name):
        return agg[name]["rps"] if name in agg else None

    if rps("shopfront") and rps("nocache"):
        v = rps("shopfront") / rps("nocache")
        add("Shopfront / no cache req/s", v, ">= 4", v >= 4, "x")
    if rps("shopfront") and rps("cachalot"):
        v = rps("shopfront") / rps("cachalot")
        add("Shopfront / cachalot req/s", v, ">= 1.5", v >= 1.5, "x")
    if "shopfront" in agg:
        merged = {"per_kind": {}}
        for name in ("shopfront", "shopfront-products"):
            for k, v in agg.get(name, {}).get("per_kind", {}).items():
                m = merged["per_kind"].setdefault(
                    k, {"requests": 0, "sql_per_request": 0.0, "redis_round_trips_per_request": 0.0}
                )
                n = m["requests"] + v["requests"]
                for f in ("sql_per_request", "redis_round_trips_per_request"):
                    m[f] = (m[f] * m["requests"] + v[f] * v["requests"]) / n
                m["requests"] = n
        for label, auth in (("anonymous", ("anon",)), ("logged in", ("auth",))):
            w = _warm(merged, auth=auth)
            if w["requests"]:
                sql = report_extra.sql_measured(w["sql"], w["requests"])
                add(f"SQL per warm product/listing page, {label}", sql, "0", w["sql"] == 0)
                add(f"Redis round trips per warm product/listing page, {label}", w["redis"], "<= 2", w["redis"] <= 2)
        hr = agg["shopfront"]["page_hit_ratio"]
        if hr is not None:
            add("Hit ratio after warm-up (pages, X-Cache)", hr, ">= 97%", hr >= 0.97, "%")
    cold = result.get("cold_start")
    if cold:
        add(
            "Cold start: recomputes per hot key (max)",
            cold["hot_key_max_computes"],
            "<= 1",
            cold["hot_key_max_computes"] <= 1,
        )
    mem = result.get("memory")
    if mem and mem["bytes_per_product"]:
        add(
            "Redis memory per cached product (entry + tag + rendered page)",
            mem["bytes_per_product"],
            "<= 4096 B",
            mem["bytes_per_product"] <= 4096,
            "B",
        )
    if result.get("rss_mb"):
        top = max(max(v) for v in result["rss_mb"].values() if v)
        add("gunicorn worker RSS after the run (max)", top, "<= 150 MB", top <= 150, "MB")
    return out + report_extra.targets(result)


def _fmt(v, unit=""):
    if v is None:
        return "–"
    if unit == "%":
        return f"{100 * v:.1f}%"
    if isinstance(v, float):
        return f"{v:.3f}{unit}" if abs(v) < 10 else f"{v:.0f}{unit}"
    return f"{v}{unit}"


def markdown(result: dict) -> str:
    m = result["machine"]
    lines = [
        f"# Benchmark {result['date']}",
        "",
        f"Machine: {m['nproc']} cores, {m['cpu']}, {m['ram_gb']} GB RAM; load average at the end "
        f"{', '.join(f'{x:.2f}' for x in m['load'])}. Catalog: {result['catalog']['products']} active products, "
        f"{result['catalog']['categories']} categories. Command: `{result['command']}`; "
        f"{result['settings']['cycles']} alternating cycles of {result['settings']['round_seconds']:.0f} s rounds, "
        f"wrk -t1 -c{result['settings']['connections']} (core 1), gunicorn {result['settings']['workers']} workers × "
        f"{result['settings']['threads']} threads (core 0). Total {result['elapsed_s']:.0f} s.",
        "",
        "| configuration | req/s (per round) | p50 ms | p90 ms | p99 ms | SQL/req | Redis round trips/req "
        "| Redis cmds/req (EVALSHA) | page hit % | entry hit % | errors |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for name, a in result["aggregate"].items():
        # With the cache layer off (no cache, cachalot) every page says X-Cache: MISS; no ratio to show.
        page_hit = a["page_hit_ratio"] if name not in ("nocache", "cachalot") else None
        lines.append(
            f"| {LABELS.get(name, name)} | {a['rps']:.0f} ({', '.join(map(str, a['rps_per_round']))}) "
            f"| {a['p50_ms']:.1f} | {a['p90_ms']:.1f} | {a['p99_ms']:.1f} | {_fmt(a['sql_per_request'])} "
            f"| {_fmt(a['redis_round_trips_per_request'])} | {_fmt(a['redis_commands_per_request'])} "
            f"({_fmt(a['redis_evalsha_per_request'])}) | {_fmt(page_hit, '%')} "
            f"| {_fmt(a['entry_hit_ratio'], '%')} | {a['errors']} |"
        )
    if "shopfront" in result["aggregate"]:
        lines += [
            "",
            "Shopfront full-mix rounds, per page kind (`HIT` = warm page):",
            "",
            "| kind / visitor / X-Cache | requests | SQL/req | Redis round trips/req |",
            "| --- | --- | --- | --- |",
        ]
        for k, v in result["aggregate"]["shopfront"]["per_kind"].items():
            lines.append(
                f"| {k} | {v['requests']} | {v['sql_per_request']:.2f} | {v['redis_round_trips_per_request']:.2f} |"
            )
    mem = result.get("memory")
    if mem:
        lines += [
            "",
            f"Redis memory (MEMORY USAGE, every key): {mem['product_entries']} product entries, "
            f"{_fmt(mem['bytes_per_product_entry'])} B each + {_fmt(mem['bytes_per_product_tag'])} B for the product's "
            f"tag key + {_fmt(mem.get('bytes_per_product_page'))} B for its rendered page (uncompressed) = "
            f"**{_fmt(mem['bytes_per_product'])} B per cached product**; tag keys are "
            f"{_fmt(mem['tag_share'], '%')} of the cache's key memory; used_memory {mem['used_memory'] / 1e6:.1f} MB.",
        ]
    if result.get("rss_mb"):
        lines += [
            "",
            "gunicorn worker RSS after the run (MB): "
            + "; ".join(f"{k}: {', '.join(map(str, v))}" for k, v in result["rss_mb"].items()),
        ]
    cold = result.get("cold_start")
    if cold:
        lines += [
            "",
            f"Cold start (Shopfront, full mix, cache database flushed after {cold['flush_after_s']:.0f} s under load): "
            f"SQL {_fmt(cold['sql_per_s_before'])}/s before, peak {_fmt(cold['sql_per_s_peak'])}/s "
            f"(0.5 s samples), {cold['sql_per_s_first_second']} queries in the first second; page hit ratio "
            f"(0.5 s samples) first back to 50% after {_fmt(cold['seconds_to_hit_ratio_50'])} s, "
            f"80% after {_fmt(cold['seconds_to_hit_ratio_80'])} s, "
            f"90% after {_fmt(cold['seconds_to_hit_ratio_90'])} s, "
            f"97% after {_fmt(cold['seconds_to_hit_ratio_97'])} s (– = not within the window); mean hit ratio in "
            f"second " + ", ".join(f"{k}: {_fmt(v, '%')}" for k, v in cold["hit_ratio_by_second"].items()) + ". "
            f"Recomputes after the flush: {cold['computes_total']} for {cold['distinct_keys_computed']} distinct keys "
            f"(max {cold['max_computes_per_key']} per key; tree {cold['tree_computes']}); "
            f"the {cold['hot_keys']} hottest "
            f"product keys: max {cold['hot_key_max_computes']} recompute each, "
            f"{cold['hot_keys_computed_more_than_once']} recomputed more than once.",
        ]
    lines += report_extra.sections(result)
    lines += ["", "| target | goal | measured | met |", "| --- | --- | --- | --- |"]
    for t in result["targets"]:
        if t["met"] is None:
            lines.append(f"| {t['target']} | {t['goal']} | not measured: {t['note']} | – |")
            continue
        met = "yes" if t["met"] else "**no**"
        lines.append(f"| {t['target']} | {t['goal']} | {_fmt(t['value'], t['unit'])} | {met} |")
    return "\n".join(lines) + "\n"
