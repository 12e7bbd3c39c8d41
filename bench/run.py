"""`make bench`: Shopfront's cache against no cache, django-cachalot and an honest floor, in one run.

Seeds (once) 10,000 products in 100 categories into their own database, starts its own redis-server, serves the
app with gunicorn pinned to core 0, drives it with wrk pinned to core 1 in alternating rounds; then the rounds
of issues 11-14 whose feature exists (orders flowing, the edge and its freshness, the JSON API, Redis Cluster;
any other is reported "not measured: <why>"), and a cache flush under load (cold start). Writes
bench/results/<date>.json and .md and prints a summary. See bench/README.md.
"""

import datetime as dt
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run as a script: `python bench/run.py`

from bench import api, cli, cluster, edge, lists, orders_rounds, report, rounds, servers  # noqa: E402
from bench.common import LOAD_CORE, PY, ROOT, SERVER_CORE, SERVERS  # noqa: E402
from bench.context import Run  # noqa: E402
from bench.measure import cold_start, machine, redis_memory  # noqa: E402
from bench.procs import (  # noqa: E402
    Processes,
    database_url,
    ensure_database,
    gunicorn_master,
    log,
    rss_mb,
    start_redis,
    worker_pids,
)


def django(ctx: Run, *args: str) -> str:
    """Run ``python -m <args>`` with the bench settings; return its stdout."""
    env = ctx.env | {"DJANGO_SETTINGS_MODULE": "config.settings.bench"}
    return subprocess.run([PY, "-m", *args], cwd=ROOT, env=env, check=True, capture_output=True, text=True).stdout


def detect(ctx: Run) -> None:
    """Leave out the families whose application feature is absent, saying why."""
    vcl = Path(ctx.args.vcl)
    checks = {
        "api": lambda: api.unavailable(ctx.prep, ctx.args.api_path),
        "edge": lambda: edge.unavailable(vcl),
        "freshness": lambda: (
            edge.unavailable(vcl)
            or (None if ctx.prep["features"]["EDGE_PURGE_URL"] else "the settings have no EDGE_PURGE_URL (no purges)")
        ),
        "cluster": lambda: cluster.unavailable(ctx.prep),
    }
    for family, check in checks.items():
        why = check() if family in ctx.families else None
        if why:
            ctx.skip(family, why)


def prepare(ctx: Run) -> None:
    ensure_database(ctx.args, ctx.env)
    subprocess.run([PY, "manage.py", "collectstatic", "--no-input", "-v0"], cwd=ROOT, env=ctx.env, check=True)
    ctx.prep = json.loads(django(ctx, "bench.prepare", ctx.args.api_path))
    log(
        f"{len(ctx.prep['products'])} active products, {len(ctx.prep['categories'])} categories; "
        f"floor body {ctx.prep['floor_bytes']} bytes; redis on :{ctx.redis_port}; tmp {ctx.tmp}"
    )
    detect(ctx)
    if "orders" in ctx.families:
        # Before the warm-up: raising stock invalidates the pages of the products it touches.
        ctx.stock_file = ctx.tmp / "stock.json"
        out = json.loads(django(ctx, "bench.stock", "topup", str(ctx.args.order_min_stock), str(ctx.stock_file)))
        log(f"stock: {out['raised']} products raised to {out['min_stock']}; {out['in_stock']} in stock")


def main() -> None:
    args = cli.parser().parse_args()
    try:
        chosen, families = cli.select(args.rounds, args.skip)
    except ValueError as exc:
        sys.exit(str(exc))
    # SIGTERM (e.g. a job runner stopping make) must still run the finally below that stops every server.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    if not shutil.which("wrk"):
        sys.exit("wrk not found: apt-get install -y wrk")
    started = time.time()
    tmp = Path(tempfile.mkdtemp(prefix="shopfront-bench-"))
    procs = Processes()
    try:
        port, rds = start_redis(procs, tmp)
        env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "GUNICORN_", "CACHE_", "BENCH_"))}
        env = {k: v for k, v in env.items() if k not in ("EDGE_PURGE_URL", "REDIS_CLUSTER", "REDIS_SESSION_URL")}
        env |= {
            "DATABASE_URL": database_url(args.postgres, args.database),
            "REDIS_URL": f"redis://127.0.0.1:{port}/0",
            "DJANGO_SETTINGS_MODULE": "config.settings.bench",
            "BENCH_STATIC_ROOT": str(tmp / "static"),
            "DJANGO_MEDIA_ROOT": str(Path(tempfile.gettempdir()) / "shopfront-bench" / "media"),
        }
        ctx = Run(args=args, procs=procs, tmp=tmp, env=env, rds=rds, redis_port=port, rounds=chosen, families=families)
        prepare(ctx)
        lists.build(ctx)
        servers.start_all(ctx)
        log(
            f"servers: {', '.join(ctx.servers)} ({args.workers} workers x {args.threads} threads, core {SERVER_CORE}); "
            f"wrk -t1 -c{args.connections} on core {LOAD_CORE}; rounds: {', '.join(ctx.rounds)}"
        )
        servers.warm_all(ctx)

        results = rounds.run_cycles(ctx)
        memory = redis_memory(rds) if "shopfront" in ctx.servers else None
        cluster_info = None
        if "cluster" in ctx.servers:
            cluster_info = {
                "masters": ctx.servers["cluster"]["masters"],
                "spread": cluster.spread(ctx.servers["cluster"]),
            }
        orders = orders_rounds.run(ctx) if "orders" in ctx.families else None
        gunicorns = {name: s for name, s in ctx.servers.items() if name in SERVERS}
        rss = {
            name: [round(rss_mb(pid), 1) for pid in worker_pids(gunicorn_master(s))] for name, s in gunicorns.items()
        }
        cold = None
        if "cold" in ctx.families and args.cold_seconds > 0:
            seg = ctx.requests["segment"]
            cold_list = ctx.requests["mix"][args.cycles * seg : (args.cycles + 1) * seg]
            cold = cold_start(
                ctx.servers["shopfront"], rds, ctx.lists[("mix", args.cycles)], cold_list, args, ctx.cookie
            )
        # Last: it changes prices (and puts them back); the edge keeps its pages through the flush above.
        freshness = edge.run_freshness(ctx) if "freshness" in ctx.families else None
        if freshness and freshness.get("error"):
            ctx.not_measured["freshness"] = freshness["error"]
        result = {
            "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "command": "make bench  # " + " ".join(sys.argv[1:]) if sys.argv[1:] else "make bench",
            "machine": machine(),
            "settings": {k: v for k, v in vars(args).items() if k not in ("out",)},
            "catalog": {
                "products": len(ctx.prep["products"]),
                "categories": len(ctx.prep["categories"]),
                "floor_bytes": ctx.prep["floor_bytes"],
            },
            "features": ctx.prep["features"],
            "rounds": results,
            "aggregate": {name: report.aggregate(rs) for name, rs in results.items()},
            "orders": orders,
            "freshness": freshness,
            "cluster": cluster_info,
            "memory": memory,
            "rss_mb": rss,
            "cold_start": cold,
            "not_measured": ctx.not_measured,
            "elapsed_s": round(time.time() - started, 1),
        }
        out, day = Path(args.out), result["date"][:10]
        if not args.no_write:
            # The raw figures first: a failure in the report below must not lose a long run.
            out.mkdir(parents=True, exist_ok=True)
            (out / f"{day}.json").write_text(json.dumps(result, indent=1) + "\n")
        result["targets"] = report.targets(result)
        md = report.markdown(result)
        print(md)
        if not args.no_write:
            (out / f"{day}.json").write_text(json.dumps(result, indent=1) + "\n")
            (out / f"{day}.md").write_text(md)
            log(f"wrote {out}/{day}.json and .md")
    finally:
        procs.stop_all()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
