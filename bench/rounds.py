"""The alternating wrk rounds: every configuration once per cycle, the same request segment for all."""

import time

from bench import edge
from bench.common import ROUNDS
from bench.measure import delta, snapshot, summarize_round
from bench.procs import log, wrk


def measure_round(ctx, name: str, server: dict, list_file) -> dict:
    """Run wrk for one round and return its summary (server counters, Redis, edge counters if any)."""
    rds = server.get("rds", ctx.rds)
    varnish_before = None
    if server.get("varnish"):
        edge.warm_edge(server, list_file)
        varnish_before = edge.varnish_stats(server["varnish"])
    before = snapshot(server, rds)
    load = wrk(server, list_file, ctx.args.round_seconds, ctx.args, ctx.cookie)
    time.sleep(0.3)
    summary = summarize_round(name, load, delta(before, snapshot(server, rds)))
    if varnish_before is not None:
        summary["edge"] = edge.edge_figures(varnish_before, edge.varnish_stats(server["varnish"]), summary)
    return summary


def _fmt(value, pattern: str) -> str:
    return "–" if value is None else format(value, pattern)


def run_cycles(ctx) -> dict[str, list[dict]]:
    results: dict[str, list[dict]] = {r: [] for r in ctx.rounds}
    for cycle in range(ctx.args.cycles):
        for name in ctx.rounds:
            server_name, list_name = ROUNDS[name]
            summary = measure_round(ctx, name, ctx.servers[server_name], ctx.lists[(list_name, cycle)])
            results[name].append(summary)
            extra = ""
            if "edge" in summary:
                extra = f"  origin/1000 {_fmt(summary['edge']['origin_per_1000'], '.1f')}"
            if summary["server_not_modified"]:
                extra += f"  304s {summary['server_not_modified']}"
            log(
                f"cycle {cycle + 1} {name:<19} {summary['rps']:7.0f} req/s  p99 {summary['p99_ms']:6.1f} ms  "
                f"SQL/req {_fmt(summary['sql_per_request'], '.3f')}  "
                f"Redis RT/req {_fmt(summary['redis_round_trips_per_request'], '.3f')}{extra}"
            )
    return results
