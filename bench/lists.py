"""The run's request lists (bench/workload.py) written for wrk, and the cache warm-up plan."""

import json

from bench import workload
from bench.common import FLOOR_PATH, HELLO_PATH


def build(ctx) -> None:
    """Write one segment per cycle of every list (never replayed across cycles) plus one for warm-ups."""
    prep, args = ctx.prep, ctx.args
    seg = max(5_000, int(args.round_seconds * 1000))
    n_seg = args.cycles + 1
    common = {"product_slugs": prep["products"], "category_slugs": prep["categories"], "n": seg * n_seg}
    mix = workload.build(**common)
    prod = workload.build(**common, seed=11, mix={"product": 1.0})
    # Anonymous product pages: the origin/floor/API/edge/cluster comparisons (issues 12-14).
    anon = workload.build(**common, seed=13, mix={"product": 1.0}, logged_in_share=0)
    for i in range(n_seg):
        part = anon[i * seg : (i + 1) * seg]
        segments = {
            "mix": mix[i * seg : (i + 1) * seg],
            "products": prod[i * seg : (i + 1) * seg],
            "anon": part,
            "floor": workload.floor_requests(part, FLOOR_PATH),
            "hello": workload.floor_requests(part, HELLO_PATH),
            "api": workload.retarget(part, args.api_path, "api"),
        }
        for name, reqs in segments.items():
            ctx.lists[(name, i)] = ctx.tmp / f"{name}-{i}.txt"
            workload.write(reqs, ctx.lists[(name, i)])
    ctx.requests = {
        "mix": mix,
        "anon": anon,
        "segment": seg,
        "mix_ranked": workload.ranked(prep["products"], 7),
        "anon_ranked": workload.ranked(prep["products"], 13),
    }
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
    ctx.warm_file = ctx.tmp / "warm.json"
    ctx.warm_file.write_text(json.dumps(plan))


def write_api_304(ctx, etags: dict[str, str]) -> None:
    """Write the 304 round's lists: the API list with each URL's ETag as If-None-Match."""
    seg = ctx.requests["segment"]
    for i in range(ctx.args.cycles + 1):
        part = ctx.requests["anon"][i * seg : (i + 1) * seg]
        ctx.lists[("api304", i)] = ctx.tmp / f"api304-{i}.txt"
        workload.write(workload.retarget(part, ctx.args.api_path, "api"), ctx.lists[("api304", i)], etags)


def api_paths(ctx) -> list[str]:
    """Return every distinct API URL the rounds request."""
    return sorted({ctx.args.api_path.format(slug=workload.slug_of(r)) for r in ctx.requests["anon"]})
