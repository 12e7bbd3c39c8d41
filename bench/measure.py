"""Measurements of a benchmark run: counters, round summaries, Redis memory, cold start, machine."""

import os
import time
from collections import Counter
from pathlib import Path

import redis

from bench import counters
from bench.common import HARNESS_COMMANDS, NAMESPACES, PREFIX, STATS_KEY
from bench.procs import wrk, wrk_result


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

    # Zero on the bare server (no middleware counts there): its per-request server figures are unknown.
    requests = total("requests")
    per = requests or None
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
        "server_not_modified": total("not_modified"),
        "sql": total("sql"),
        "sql_per_request": total("sql") / per if per else None,
        "redis_round_trips_per_request": total("redis") / per if per else None,
        # Redis sees the bare server's GETs too: per wrk request there.
        "redis_commands_per_request": commands / (requests or load["requests"] or 1),
        "redis_evalsha_per_request": evalsha / (requests or load["requests"] or 1),
        "entry_misses": sum(v for k, v in d["stats"].items() if k.endswith(":miss")),
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
        # sf:v<schema>:e:{<namespace>:<parts>} entries, sf:v<schema>:t:{<tag>} tags (shop/cache/keys.py).
        if key.endswith(":lock"):
            return "lock"
        parts = key.split(":", 3)
        if len(parts) < 4 or parts[2] not in ("e", "t"):
            return parts[-1]
        name = parts[3].strip("{}")
        if parts[2] == "t":
            return "product_tag" if name.startswith("product:") else "other_tag"
        namespace = name.split(":", 1)[0]
        if namespace == "page" and ":product:" in name:
            return "api_product_page" if ":api:" in name else "product_page"
        return namespace

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
