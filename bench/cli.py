"""Command-line flags of `make bench` (BENCH_ARGS) and which rounds they select."""

import argparse
import os

from bench.common import API_PRODUCT_PATH, FAMILIES, ROOT, ROUNDS, VCL


def _floats(text: str) -> list[float]:
    return [float(x) for x in text.split(",") if x]


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description="Shopfront benchmark (bench/README.md).")
    p.add_argument(
        "--postgres",
        default=os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres"),
        help="Any database URL of the Postgres server to use (default: DATABASE_URL); --database is created there.",
    )
    p.add_argument("--database", default="shopfront_bench")
    p.add_argument("--products", type=int, default=10_000)
    p.add_argument("--categories", type=int, default=100)
    p.add_argument("--round-seconds", type=float, default=20)
    p.add_argument("--cycles", type=int, default=2)
    p.add_argument("--connections", type=int, default=8)
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--threads", type=int, default=4)
    p.add_argument("--cold-seconds", type=float, default=35)
    p.add_argument("--cold-flush-after", type=float, default=3)
    p.add_argument("--hot-keys", type=int, default=100)
    p.add_argument("--warm-limit", type=int, default=0, help="Warm only this many product pages (0: all).")
    p.add_argument(
        "--rounds",
        default=",".join(FAMILIES),
        help=f"Families ({', '.join(FAMILIES)}) and/or single rounds ({', '.join(ROUNDS)}); default: all.",
    )
    p.add_argument("--skip", default="", help="Families or rounds to leave out, e.g. --skip cluster,edge.")
    orders = p.add_argument_group("orders flowing (issue 11)")
    orders.add_argument("--order-rates", type=_floats, default=[5.0, 20.0], help="Orders/s beside read-only.")
    orders.add_argument("--order-threads", type=int, default=16, help="Concurrent shoppers at most.")
    orders.add_argument("--order-arrivals", choices=["uniform", "poisson"], default="uniform")
    orders.add_argument("--order-min-stock", type=int, default=1000, help="In-stock products topped up to this.")
    orders.add_argument("--no-rewarm", action="store_true", help="Do not re-request pages after the restock.")
    p.add_argument("--api-path", default=API_PRODUCT_PATH, help="The API's product detail URL ({slug} filled in).")
    edge = p.add_argument_group("edge (issue 12)")
    edge.add_argument("--vcl", default=str(VCL), help="The VCL to run (its backend port 8000 is rewritten).")
    edge.add_argument("--edge-connections", type=int, default=64, help="wrk connections for the edge round.")
    edge.add_argument("--edge-threads", type=int, default=1, help="wrk threads for the edge round.")
    edge.add_argument("--edge-memory", default="256m", help="varnishd malloc storage.")
    edge.add_argument("--freshness-changes", type=int, default=50)
    edge.add_argument("--freshness-poll-ms", type=float, default=10)
    edge.add_argument("--freshness-timeout", type=float, default=30, help="Seconds before a change counts as unseen.")
    edge.add_argument(
        "--freshness-window",
        type=float,
        default=None,
        help="The purge pipeline's coalescing window (s); default: an EDGE_*COALESCE* setting, else CDN's.",
    )
    edge.add_argument("--freshness-beat", action="store_true", help="Run Celery beat inside the round's worker.")
    p.add_argument("--out", default=str(ROOT / "bench" / "results"))
    p.add_argument("--no-write", action="store_true", help="Print only; write no results files.")
    return p


def select(rounds: str, skip: str) -> tuple[list[str], set[str]]:
    """Return (rounds in table order, families) for ``--rounds`` minus ``--skip``; ValueError on a bad name."""

    def names(text: str) -> list[str]:
        out = [x.strip() for x in text.split(",") if x.strip()]
        unknown = [x for x in out if x not in FAMILIES and x not in ROUNDS]
        if unknown:
            raise ValueError(f"unknown round or family: {', '.join(unknown)}")
        return out

    wanted, skipped = names(rounds), set(names(skip))
    # A name that is both (floor, api, edge) means the family: the round with what it is compared with.
    families = {x for x in wanted if x in FAMILIES} - skipped
    chosen = {r for f in families for r in FAMILIES[f]} | {x for x in wanted if x not in FAMILIES}
    chosen -= {x for x in skipped if x not in FAMILIES}
    return [r for r in ROUNDS if r in chosen], families
