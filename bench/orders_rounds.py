"""Orders flowing (issue 11): the full read mix with real checkouts beside it, read-only / 5 / 20 orders/s.

Per cycle, one round per rate (0 = read-only), with the same request segment, read by wrk from the Shopfront
server. The checkouts go to that server (they then share its one core with the reads) and, in a second round
per rate, to a second instance on the load core ("web2", as a fleet behind the ALB would spread them): that
round shows what selling costs the read server through the cache alone (invalidations, recomputes).
Before each round, outside the measured window: the stock of every product sold since the snapshot is put
back through the catalog service and the pages that write invalidated are requested again (bench/stock.py),
so every round starts from the same warm state. During the round, wrk replays the read mix and
bench/orders.py places orders on an open-loop schedule, both pinned to the load core.
"""

import json
import subprocess
import time
from pathlib import Path

from bench.common import LOAD_CORE, PY, ROOT
from bench.measure import delta, snapshot, summarize_round
from bench.orders import percentile
from bench.procs import log, wrk

PAGES = ("product", "listing", "home", "search")


# Where the checkouts go: the measured server itself (they share its core), or a second instance ("web2").
PLACES = ("shopfront", "web2")


def round_name(rate: float, place: str = "shopfront") -> str:
    if not rate:
        return "read-only"
    return f"orders-{rate:g}" + ("" if place == "shopfront" else " (checkouts on web2)")


def computes_between(directory: Path, start: float, end: float) -> int | None:
    """Return the compute-log lines timed within [start, end]; None if no compute function was wrapped."""
    wrapped = Path(directory, "computes-wrapped.txt")
    if not wrapped.exists() or not wrapped.read_text().strip():
        return None
    n = 0
    for f in Path(directory).glob("computes-*.log"):
        for line in f.read_text().splitlines():
            n += start <= float(line.split("\t", 1)[0]) <= end
    return n


def order_figures(d: dict, orders: dict | None, seconds: float, computes: int | None) -> dict:
    """Return a round's write-side figures: SQL/s (page reads vs the checkout flow), misses, per order."""
    c = d["counters"]
    sql = sum(v for (k, a, o, m), v in c.items() if m == "sql")
    page_sql = sum(v for (k, a, o, m), v in c.items() if m == "sql" and k in PAGES)
    order_requests = sum(v for (k, a, o, m), v in c.items() if m == "requests" and k == "order")
    misses = {k.removesuffix(":miss"): v for k, v in d["stats"].items() if k.endswith(":miss") and v}
    placed = (orders or {}).get("placed", 0)
    return {
        "sql_per_s": sql / seconds if seconds else None,
        "page_sql_per_s": page_sql / seconds if seconds else None,
        "checkout_flow_sql_per_s": (sql - page_sql) / seconds if seconds else None,
        "checkout_flow_requests": order_requests,
        "misses": sum(misses.values()),
        "misses_by_namespace": misses,
        "misses_per_s": sum(misses.values()) / seconds if seconds else None,
        "computes": computes,
        "recomputes_per_order": sum(misses.values()) / placed if placed else None,
        "computes_per_order": computes / placed if placed and computes is not None else None,
        "orders": orders,
    }


def aggregate(rounds: dict[str, list[dict]]) -> dict[str, dict]:
    """Per rate: totals, and throughput as a ratio of the read-only round of the same cycle."""
    base = {r["cycle"]: r["rps"] for r in rounds.get("read-only", [])}
    out = {}
    for name, rs in rounds.items():
        ratios = [r["rps"] / base[r["cycle"]] for r in rs if base.get(r["cycle"])]
        hits = [r["page_hit_ratio"] for r in rs if r["page_hit_ratio"] is not None]
        orders = [r["orders"] for r in rs if r["orders"]]
        placed = sum(o["placed"] for o in orders)
        checkout = [v for o in orders for v in o["checkout_ms"]]
        seconds = sum(r["seconds"] for r in rs)
        out[name] = {
            "rounds": len(rs),
            "rps": sum(r["requests"] for r in rs) / seconds if seconds else 0.0,
            "rps_per_round": [round(r["rps"]) for r in rs],
            "ratio_vs_read_only": sum(ratios) / len(ratios) if ratios else None,
            "ratio_per_cycle": [round(x, 3) for x in ratios],
            "page_hit_ratio": sum(hits) / len(hits) if hits else None,
            "sql_per_s": sum(r["sql_per_s"] for r in rs) / len(rs),
            "checkout_flow_sql_per_s": sum(r["checkout_flow_sql_per_s"] for r in rs) / len(rs),
            "misses_per_s": sum(r["misses_per_s"] for r in rs) / len(rs),
            "recomputes_per_order": sum(r["misses"] for r in rs) / placed if placed else None,
            "computes_per_order": (
                sum(r["computes"] for r in rs) / placed
                if placed and all(r["computes"] is not None for r in rs)
                else None
            ),
            "scheduled": sum(o["scheduled"] for o in orders),
            "placed": placed,
            "conflicts": sum(o["conflicts"] for o in orders),
            "failed": sum(o["failed"] for o in orders),
            "orders_per_s": placed / seconds if orders and seconds else 0.0,
            "checkout_p50_ms": percentile(checkout, 50),
            "checkout_p99_ms": percentile(checkout, 99),
            "restocked_products": sum(r["restock"].get("restocked_products", 0) for r in rs),
            "restocked_units": sum(r["restock"].get("restocked_units", 0) for r in rs),
            "rewarmed_pages": sum(r["restock"].get("rewarmed_pages", 0) for r in rs),
            "restock_and_rewarm_s": sum(r["restock"]["restock_s"] + r["restock"]["rewarm_s"] for r in rs),
            "start_lag_max_ms": max((o["start_lag_max_ms"] or 0 for o in orders), default=None),
        }
    return out


def _restock(ctx) -> dict:
    cmd = [PY, "-m", "bench.stock", "restore", str(ctx.stock_file)]
    if not ctx.args.no_rewarm:
        cmd.append(str(ctx.warm_file))
    host = f"127.0.0.1:{ctx.servers['shopfront']['port']}"  # the pages wrk asks for are that host's
    env = ctx.env | {"DJANGO_SETTINGS_MODULE": "config.settings.bench", "BENCH_WARM_HOST": host}
    out = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def _generator(ctx, rate: float, cycle: int, start_at: float, place: str) -> subprocess.Popen:
    ids = ctx.prep["product_ids"]
    stock = json.loads(ctx.stock_file.read_text())
    plan = {
        "url": ctx.servers[place]["url"],
        "rate": rate,
        "seconds": ctx.args.round_seconds,
        "start_at": start_at,
        # The read mix's popularity ranks: the hot products are the ones bought.
        "ranked_ids": [ids[slug] for slug in ctx.requests["mix_ranked"]],
        "stock": stock,
        "slugs": {str(pk): slug for slug, pk in ids.items() if str(pk) in stock},
        "zipf_s": 1.0,
        "seed": cycle * 1000 + int(rate),
        "threads": ctx.args.order_threads,
        "arrivals": ctx.args.order_arrivals,
    }
    path = ctx.tmp / f"orders-{cycle}-{rate:g}-{place}.json"
    path.write_text(json.dumps(plan))
    return subprocess.Popen(
        ["taskset", "-c", LOAD_CORE, PY, "-m", "bench.orders", str(path)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def _collect(proc: subprocess.Popen, timeout: float) -> dict:
    try:
        out, _ = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, _ = proc.communicate()
    for line in out.splitlines():
        if line.startswith("ORDERSJSON "):
            return json.loads(line.removeprefix("ORDERSJSON "))
    raise RuntimeError(f"the order generator printed no result:\n{out[-1000:]}")


def run(ctx) -> dict:
    server = ctx.servers["shopfront"]
    rates = [0.0, *ctx.args.order_rates]
    places = [p for p in PLACES if p in ctx.servers]
    plan = [(0.0, "shopfront")] + [(r, p) for r in ctx.args.order_rates for p in places]
    rounds: dict[str, list[dict]] = {round_name(r, p): [] for r, p in plan}
    for cycle in range(ctx.args.cycles):
        for rate, place in plan:
            restock = _restock(ctx)
            before = snapshot(server, ctx.rds)
            start_at = time.time() + 1.0  # the generator's interpreter starts meanwhile
            gen = _generator(ctx, rate, cycle, start_at, place) if rate else None
            time.sleep(max(0.0, start_at - time.time()))
            load = wrk(server, ctx.lists[("mix", cycle)], ctx.args.round_seconds, ctx.args, ctx.cookie)
            orders = _collect(gen, ctx.args.round_seconds + 60) if gen else None
            time.sleep(0.3)
            after = snapshot(server, ctx.rds)
            d = delta(before, after)
            seconds = load["duration_us"] / 1e6
            computes = computes_between(server["counters"], start_at, after["t"])
            name = round_name(rate, place)
            summary = summarize_round(name, load, d) | order_figures(d, orders, seconds, computes)
            summary |= {"cycle": cycle, "rate": rate, "place": place, "restock": restock}
            rounds[name].append(summary)
            hit = summary["page_hit_ratio"]
            log(
                f"cycle {cycle + 1} {name:<10} {summary['rps']:7.0f} req/s  "
                f"hit {'–' if hit is None else f'{100 * hit:.1f}%'}  SQL/s {summary['sql_per_s']:.0f}  "
                f"orders {orders['placed'] if orders else 0} placed/{orders['failed'] if orders else 0} failed  "
                f"(restocked {restock['restocked_products']} products before)"
            )
    # The cold start and the freshness round start from the same restocked, warm shop.
    final = _restock(ctx)
    return {"rates": rates, "rounds": rounds, "aggregate": aggregate(rounds), "final_restock": final}
