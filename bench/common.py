"""Constants shared by the benchmark harness modules."""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

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


PREFIX = f"sf:v{SCHEMA_VERSION}"
STATS_KEY = f"{PREFIX}:stats"
