"""Constants shared by the benchmark harness modules."""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from shop.cache.keys import SCHEMA_VERSION  # noqa: E402

PY = str(ROOT / ".venv" / "bin" / "python")
GUNICORN = str(ROOT / ".venv" / "bin" / "gunicorn")
CELERY = str(ROOT / ".venv" / "bin" / "celery")
LUA = str(ROOT / "bench" / "mix.lua")
VCL = ROOT / "deploy" / "varnish" / "shopfront.vcl"
SERVER_CORE, LOAD_CORE = "0", "1"
NAMESPACES = ["page", "tree", "product", "listing", "home", "bestsellers", "search"]
# Commands the harness itself sends to its Redis between snapshots; never counted as the app's.
HARNESS_COMMANDS = {"info", "hgetall", "ping", "client", "hello", "memory", "scan", "dbsize", "select", "flushdb"}
# The JSON API's product detail (issue 14); --api-path overrides it if the API names it differently.
API_PRODUCT_PATH = "/api/v1/products/{slug}/"
FLOOR_PATH, HELLO_PATH = "/bench/floor/", "/bench/hello/"

COUNTED = "bench.counted_wsgi:application"  # config.wsgi inside the bench counters
SERVERS = {
    "shopfront": {"settings": "config.settings.bench", "env": {"BENCH_LOG_COMPUTES": "1"}, "wsgi": COUNTED},
    "nocache": {"settings": "config.settings.bench", "env": {"CACHE_ENABLED": "False"}, "wsgi": COUNTED},
    "cachalot": {"settings": "config.settings.bench_cachalot", "env": {"CACHE_ENABLED": "False"}, "wsgi": COUNTED},
    # No middleware at all: the honest floor and "hello" (config/settings/bench_floor.py).
    "bare": {
        "settings": "config.settings.bench_floor",
        "env": {},
        "health": HELLO_PATH,
        "wsgi": "bench.wsgi:application",
    },
    # A second web instance for the orders rounds' checkouts (as behind the ALB), on the load core, so the
    # read server's figures show what the orders' invalidations cost it, not their own CPU.
    "web2": {"settings": "config.settings.bench", "env": {}, "wsgi": COUNTED, "core": LOAD_CORE, "workers": 1},
    # Shopfront on the local Redis Cluster (bench/cluster.py adds REDIS_URL at start).
    "cluster": {"settings": "config.settings.bench", "env": {"REDIS_CLUSTER": "True"}, "wsgi": COUNTED},
}
# Round name -> (server, request list). "edge" is varnishd in front of the Shopfront server (bench/edge.py).
ROUNDS = {
    "shopfront": ("shopfront", "mix"),
    "nocache": ("nocache", "mix"),
    "cachalot": ("cachalot", "mix"),
    "shopfront-products": ("shopfront", "products"),
    "shopfront-anon": ("shopfront", "anon"),
    "floor": ("bare", "floor"),
    "hello": ("bare", "hello"),
    "api": ("shopfront", "api"),
    "api-304": ("shopfront", "api304"),
    "edge": ("edge", "anon"),
    "cluster-anon": ("cluster", "anon"),
}
# Families switch groups of rounds on and off (--rounds / --skip); each needs the rounds it is compared with.
FAMILIES = {
    "base": ["shopfront", "nocache", "cachalot", "shopfront-products"],
    "floor": ["shopfront-anon", "floor", "hello"],
    "api": ["shopfront-anon", "api", "api-304"],
    "edge": ["shopfront-anon", "edge"],
    "cluster": ["shopfront-anon", "cluster-anon"],
    "orders": [],  # its own cycles: bench/orders_rounds.py
    "freshness": [],  # after the rounds: bench/edge.py
    "cold": [],  # the cold start at the end
}


PREFIX = f"sf:v{SCHEMA_VERSION}"
STATS_KEY = f"{PREFIX}:stats"
