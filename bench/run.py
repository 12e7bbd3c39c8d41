"""`make bench`: Shopfront's cache against no cache, django-cachalot and the one-Redis-GET floor, in one run.

Seeds (once) 10,000 products in 100 categories into their own database, starts its own redis-server, serves the
app with gunicorn pinned to core 0 (three servers: Shopfront + the floor view, no cache, cachalot), drives them
with wrk pinned to core 1 in alternating rounds, then flushes the cache under load (cold start). Writes
bench/results/<date>.json and .md and prints a summary. See bench/README.md.
"""

import argparse
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

from bench import report, workload  # noqa: E402
from bench.common import LOAD_CORE, PY, ROOT, ROUNDS, SERVER_CORE, SERVERS  # noqa: E402
from bench.measure import cold_start, delta, machine, redis_memory, snapshot, summarize_round  # noqa: E402
from bench.procs import (  # noqa: E402
    Processes,
    database_url,
    ensure_database,
    gunicorn_master,
    log,
    rss_mb,
    start_gunicorn,
    start_redis,
    worker_pids,
    wrk,
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--postgres",
        default=os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres"),
        help="Any database URL of the Postgres server to use (default: DATABASE_URL); --database is created there.",
    )
    parser.add_argument("--database", default="shopfront_bench")
    parser.add_argument("--products", type=int, default=10_000)
    parser.add_argument("--categories", type=int, default=100)
    parser.add_argument("--round-seconds", type=float, default=20)
    parser.add_argument("--cycles", type=int, default=2)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--cold-seconds", type=float, default=35)
    parser.add_argument("--cold-flush-after", type=float, default=3)
    parser.add_argument("--hot-keys", type=int, default=100)
    parser.add_argument("--warm-limit", type=int, default=0, help="Warm only this many product pages (0: all).")
    parser.add_argument("--rounds", default=",".join(ROUNDS), help="Comma-separated subset of the rounds.")
    parser.add_argument("--out", default=str(ROOT / "bench" / "results"))
    parser.add_argument("--no-write", action="store_true", help="Print only; write no results files.")
    args = parser.parse_args()
    # SIGTERM (e.g. a job runner stopping make) must still run the finally below that stops every server.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    if not shutil.which("wrk"):
        sys.exit("wrk not found: apt-get install -y wrk")
    rounds = args.rounds.split(",")
    started = time.time()
    tmp = Path(tempfile.mkdtemp(prefix="shopfront-bench-"))
    procs = Processes()
    try:
        port, rds = start_redis(procs, tmp)
        env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "GUNICORN_", "CACHE_", "BENCH_"))}
        env |= {
            "DATABASE_URL": database_url(args.postgres, args.database),
            "REDIS_URL": f"redis://127.0.0.1:{port}/0",
            "DJANGO_SETTINGS_MODULE": "config.settings.bench",
            "BENCH_STATIC_ROOT": str(tmp / "static"),
            "DJANGO_MEDIA_ROOT": str(Path(tempfile.gettempdir()) / "shopfront-bench" / "media"),
        }
        ensure_database(args, env)
        subprocess.run([PY, "manage.py", "collectstatic", "--no-input", "-v0"], cwd=ROOT, env=env, check=True)
        prep = json.loads(
            subprocess.run(
                [PY, "-m", "bench.prepare"], cwd=ROOT, env=env, check=True, capture_output=True, text=True
            ).stdout
        )
        cookie = prep["session_cookie"]
        log(
            f"{len(prep['products'])} active products, {len(prep['categories'])} categories; "
            f"floor body {prep['floor_bytes']} bytes; redis on :{port}; tmp {tmp}"
        )

        # Request lists: one segment per cycle (never replayed), the same for every configuration.
        seg = max(5_000, int(args.round_seconds * 1000))
        n_seg = args.cycles + 1
        mix = workload.build(product_slugs=prep["products"], category_slugs=prep["categories"], n=seg * n_seg)
        prod = workload.build(
            product_slugs=prep["products"],
            category_slugs=prep["categories"],
            n=seg * n_seg,
            seed=11,
            mix={"product": 1.0},
        )
        lists = {}
        for i in range(n_seg):
            for name, reqs in (("mix", mix), ("products", prod)):
                lists[(name, i)] = tmp / f"{name}-{i}.txt"
                workload.write(reqs[i * seg : (i + 1) * seg], lists[(name, i)])
            lists[("floor", i)] = tmp / f"floor-{i}.txt"
            workload.write(workload.floor_requests(prod[i * seg : (i + 1) * seg], "/bench/floor/"), lists[("floor", i)])
        # Warm-up plan: every product page (a cache in steady state under a 1 h TTL has seen the catalog) and
        # every listing and search of the lists, filled through the selectors (bench/warm.py).
        listings = sorted({(r.path, r.kind) for r in mix if r.kind in ("listing", "search")})
        plan = {
            "products": prep["products"][: args.warm_limit] if args.warm_limit else prep["products"],
            "listings": [],
            "searches": [],
        }
        for path, kind in listings:
            query = dict(part.split("=", 1) for part in path.split("?", 1)[1].split("&"))
            if kind == "listing":
                plan["listings"].append([path.split("/")[2], query["sort"], int(query["page"])])
            else:
                plan["searches"].append(query["q"])
        warm_file = tmp / "warm.json"
        warm_file.write_text(json.dumps(plan))

        needed = {ROUNDS[r][0] for r in rounds}
        servers = {name: start_gunicorn(procs, name, args, env, tmp) for name in SERVERS if name in needed}
        log(
            f"gunicorn x{len(servers)} ({args.workers} workers x {args.threads} threads, core {SERVER_CORE}); "
            f"wrk -t1 -c{args.connections} on core {LOAD_CORE}"
        )
        for name, server in servers.items():
            if name in ("shopfront", "cachalot"):
                t0 = time.time()
                conf = SERVERS[name]
                warm_env = env | conf["env"] | {"DJANGO_SETTINGS_MODULE": conf["settings"]}
                warm_env.pop("BENCH_LOG_COMPUTES", None)
                # Two processes (the servers are idle meanwhile): about half the time of one.
                warmers = [
                    subprocess.Popen(
                        [PY, "-m", "bench.warm", str(warm_file), str(i), "2"],
                        cwd=ROOT,
                        env=warm_env,
                        stdout=subprocess.PIPE,
                        text=True,
                    )
                    for i in range(2)
                ]
                out = sum(int(w.communicate()[0].strip() or 0) for w in warmers)
                if any(w.returncode for w in warmers):
                    sys.exit(f"warm-up of {name} failed")
                log(f"warm-up {name}: {out} values in {time.time() - t0:.0f}s")
            # Every worker loads its code, templates and connections before it is measured.
            wrk(server, lists[("mix", args.cycles)], 3, args, cookie)

        results: dict[str, list] = {r: [] for r in rounds}
        for cycle in range(args.cycles):
            for name in rounds:
                server_name, list_name = ROUNDS[name]
                server = servers[server_name]
                before = snapshot(server, rds)
                load = wrk(server, lists[(list_name, cycle)], args.round_seconds, args, cookie)
                time.sleep(0.3)
                summary = summarize_round(name, load, delta(before, snapshot(server, rds)))
                results[name].append(summary)
                log(
                    f"cycle {cycle + 1} {name:<19} {summary['rps']:7.0f} req/s  p99 {summary['p99_ms']:6.1f} ms  "
                    f"SQL/req {summary['sql_per_request']:.3f}  "
                    f"Redis RT/req {summary['redis_round_trips_per_request']:.3f}"
                )

        memory = redis_memory(rds) if "shopfront" in servers else None
        rss = {name: [round(rss_mb(pid), 1) for pid in worker_pids(gunicorn_master(s))] for name, s in servers.items()}
        cold = None
        if "shopfront" in servers and args.cold_seconds > 0:
            cold_list = mix[args.cycles * seg : (args.cycles + 1) * seg]
            cold = cold_start(servers["shopfront"], rds, lists[("mix", args.cycles)], cold_list, args, cookie)
        result = {
            "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "command": "make bench  # " + " ".join(sys.argv[1:]) if sys.argv[1:] else "make bench",
            "machine": machine(),
            "settings": {k: v for k, v in vars(args).items() if k not in ("out",)},
            "catalog": {
                "products": len(prep["products"]),
                "categories": len(prep["categories"]),
                "floor_bytes": prep["floor_bytes"],
            },
            "rounds": results,
            "aggregate": {name: report.aggregate(rs) for name, rs in results.items()},
            "memory": memory,
            "rss_mb": rss,
            "cold_start": cold,
            "elapsed_s": round(time.time() - started, 1),
        }
        result["targets"] = report.targets(result)
        md = report.markdown(result)
        print(md)
        if not args.no_write:
            out = Path(args.out)
            out.mkdir(parents=True, exist_ok=True)
            day = result["date"][:10]
            (out / f"{day}.json").write_text(json.dumps(result, indent=1) + "\n")
            (out / f"{day}.md").write_text(md)
            log(f"wrote {out}/{day}.json and .md")
    finally:
        procs.stop_all()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
