"""Start the servers a run needs and warm them; an optional server that fails is reported, not fatal."""

import json
import subprocess
import sys
import time

from bench import api, cluster, edge, lists
from bench.common import PY, ROOT, ROUNDS, SERVERS
from bench.procs import StartError, log, start_gunicorn, wrk

# Lists that warm each server's workers before it is measured.
WARM_LIST = {"bare": "floor", "cluster": "anon"}


def start_all(ctx) -> None:
    needed = {ROUNDS[r][0] for r in ctx.rounds}
    if ctx.families & {"orders", "freshness", "cold"}:
        needed.add("shopfront")
    if "orders" in ctx.families:
        needed.add("web2")
    if "freshness" in ctx.families:
        needed |= {"shopfront", "edge"}
    for name in ("shopfront", "nocache", "cachalot", "bare", "web2"):
        if name in needed:
            ctx.servers[name] = start_gunicorn(ctx.procs, name, ctx.args, ctx.env, ctx.tmp)
    if "cluster" in needed:
        try:
            ctx.servers["cluster"] = cluster.start(ctx)
        except (StartError, OSError, subprocess.SubprocessError) as exc:
            ctx.skip("cluster", f"the local cluster or its server did not start: {exc}")
    if "edge" in needed:
        try:
            ctx.servers["edge"] = edge.start_varnish(ctx, ctx.servers["shopfront"])
        except StartError as exc:
            for family in ("edge", "freshness"):
                ctx.skip(family, str(exc))


def _warm_cache(ctx, name: str, plan_file, extra_env: dict) -> None:
    """Fill a server's cache in two processes through bench/warm.py (the servers are idle meanwhile)."""
    t0 = time.time()
    conf = SERVERS[name]
    env = ctx.env | conf["env"] | extra_env | {"DJANGO_SETTINGS_MODULE": conf["settings"]}
    env["BENCH_WARM_HOST"] = f"127.0.0.1:{ctx.servers[name]['port']}"
    env.pop("BENCH_LOG_COMPUTES", None)
    warmers = [
        subprocess.Popen(
            [PY, "-m", "bench.warm", str(plan_file), str(i), "2"], cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True
        )
        for i in range(2)
    ]
    out = sum(int(w.communicate()[0].strip() or 0) for w in warmers)
    if any(w.returncode for w in warmers):
        sys.exit(f"warm-up of {name} failed")
    log(f"warm-up {name}: {out} values in {time.time() - t0:.0f}s")


def warm_all(ctx) -> None:
    last = ctx.args.cycles
    for name, server in ctx.servers.items():
        if name in ("shopfront", "cachalot"):
            _warm_cache(ctx, name, ctx.warm_file, {})
        if name == "cluster":
            # The product pages its round requests (the single-node server has the whole catalog warm).
            slugs = sorted({r.path.split("/")[2] for r in ctx.requests["anon"]})
            plan = ctx.tmp / "warm-cluster.json"
            plan.write_text(json.dumps({"products": slugs, "listings": [], "searches": []}))
            _warm_cache(ctx, name, plan, server["env"])
        if name != "edge":
            # Every worker loads its code, templates and connections before it is measured.
            wrk(server, ctx.lists[(WARM_LIST.get(name, "mix"), last)], 3, ctx.args, ctx.cookie)
    if "api-304" in ctx.rounds or "api" in ctx.rounds:
        t0 = time.time()
        etags = api.fetch_etags(ctx.servers["shopfront"]["url"], lists.api_paths(ctx))
        log(f"API: {len(etags)} ETags read (and responses warmed) in {time.time() - t0:.0f}s")
        if etags:
            lists.write_api_304(ctx, etags)
        elif "api-304" in ctx.rounds:
            ctx.rounds.remove("api-304")
            ctx.not_measured["api-304"] = "the API's product detail answers carry no ETag"
