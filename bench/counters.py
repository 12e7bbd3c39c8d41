"""Per-request counters for the benchmark, kept in shared memory so that counting costs no Redis call.

Enabled only by the bench settings (``BENCH_COUNTER_DIR`` set). Each gunicorn worker maps its own file
``<dir>/counters-<pid>.bin`` of int64 slots; the harness sums the files of all workers whenever it likes.
Per request it counts, by page kind, logged-in or not and X-Cache outcome: requests, SQL queries (every
query Django's connection executes during the request, sessions and auth included), Redis round trips
(every ``send_packed_command`` of redis-py, which is one request/reply exchange: a pipeline or an EVALSHA
is one), non-2xx responses and 304s. With ``BENCH_LOG_COMPUTES`` set it also appends one line per value the
catalog selectors compute from Postgres to ``<dir>/computes-<pid>.log`` (cold-start recompute counts).
"""

import mmap
import os
import struct
import threading
import time
from pathlib import Path

from django.conf import settings
from django.db import connection

KINDS = ["product", "listing", "home", "search", "api", "order", "floor", "other"]
AUTH = ["anon", "auth"]
OUTCOMES = ["HIT", "MISS", "-"]
METRICS = ["requests", "sql", "redis", "errors", "not_modified"]
SLOTS = len(KINDS) * len(AUTH) * len(OUTCOMES) * len(METRICS)
COMPUTED = [
    "_tree_data",
    "_product_data",
    "_listing_data",
    "_featured_data",
    "_bestsellers_data",
    "_search_data",
]

_local = threading.local()


def slot(kind: str, auth: str, outcome: str, metric: str) -> int:
    return ((KINDS.index(kind) * len(AUTH) + AUTH.index(auth)) * len(OUTCOMES) + OUTCOMES.index(outcome)) * len(
        METRICS
    ) + METRICS.index(metric)


def kind_of(path: str) -> str:
    if path.startswith("/products/"):
        return "product"
    if path.startswith("/categories/"):
        return "listing"
    if path == "/":
        return "home"
    if path.startswith("/search/"):
        return "search"
    if path.startswith("/api/"):
        return "api"
    if path.startswith(("/cart/", "/checkout/", "/orders/")):
        return "order"
    if path.startswith("/bench/floor/"):
        return "floor"
    return "other"


def read_dir(directory: str | Path) -> dict[tuple[str, str, str, str], int]:
    """Return the sums over every worker's file in ``directory``, keyed (kind, auth, outcome, metric)."""
    totals = [0] * SLOTS
    for f in Path(directory).glob("counters-*.bin"):
        values = struct.unpack(f"{SLOTS}q", f.read_bytes()[: SLOTS * 8])
        totals = [a + b for a, b in zip(totals, values)]
    return {(k, a, o, m): totals[slot(k, a, o, m)] for k in KINDS for a in AUTH for o in OUTCOMES for m in METRICS}


def _count_round_trips() -> None:
    from redis.connection import Connection

    real = Connection.send_packed_command
    if getattr(real, "bench_counting", False):
        return

    def send_packed_command(self, command, check_health=True):
        _local.redis = getattr(_local, "redis", 0) + 1
        return real(self, command, check_health)

    send_packed_command.bench_counting = True
    Connection.send_packed_command = send_packed_command


def _log_computes(directory: str) -> None:
    from catalog import selectors

    fd = os.open(os.path.join(directory, f"computes-{os.getpid()}.log"), os.O_WRONLY | os.O_CREAT | os.O_APPEND)

    def wrap(name, fn):
        def computed(*args):
            # A compute called inside another (a listing reads the tree rows itself) is no cache fill.
            depth = getattr(_local, "computing", 0)
            if depth == 0:
                # One write(2) per line on an O_APPEND file: lines from threads never interleave.
                os.write(fd, f"{time.time():.3f}\t{name}\t{'|'.join(map(str, args))}\n".encode())
            _local.computing = depth + 1
            try:
                return fn(*args)
            finally:
                _local.computing = depth

        return computed

    # The engine is being reshaped: wrap the compute functions that still exist, and say which ones did.
    found = [name for name in COMPUTED if callable(getattr(selectors, name, None))]
    for name in found:
        setattr(selectors, name, wrap(name, getattr(selectors, name)))
    Path(directory, "computes-wrapped.txt").write_text("\n".join(found) + "\n")


class CountingApplication:
    """Count requests, SQL queries and Redis round trips per page kind into this worker's shared-memory file.

    A WSGI wrapper, outermost, so it sees every request the server answers, those the fast path answers before
    Django included; the bare floor server is wrapped the same way, so both sides of that ratio pay for it.
    """

    def __init__(self, application) -> None:
        self.application = application
        directory = getattr(settings, "BENCH_COUNTER_DIR", None)
        self.slots = None
        if not directory:
            return
        path = os.path.join(directory, f"counters-{os.getpid()}.bin")
        with open(path, "wb") as f:
            f.write(b"\0" * SLOTS * 8)
        with open(path, "r+b") as f:
            self.map = mmap.mmap(f.fileno(), SLOTS * 8)
        self.slots = memoryview(self.map).cast("q")
        self.lock = threading.Lock()
        _count_round_trips()
        if getattr(settings, "BENCH_LOG_COMPUTES", False):
            _log_computes(directory)

    def __call__(self, environ, start_response):
        if self.slots is None:
            return self.application(environ, start_response)
        queries, seen = [0], {}

        def count(execute, sql, params, many, context):
            queries[0] += 1
            return execute(sql, params, many, context)

        def started(status, headers, exc_info=None):
            seen["status"], seen["headers"] = int(status.split()[0]), headers
            return start_response(status, headers, exc_info)

        _local.redis = 0
        with connection.execute_wrapper(count):
            body = self.application(environ, started)
        outcome = next((v for k, v in seen.get("headers", ()) if k.lower() == "x-cache"), "-")
        if outcome not in OUTCOMES:
            outcome = "-"
        auth = "auth" if f"{settings.SESSION_COOKIE_NAME}=" in environ.get("HTTP_COOKIE", "") else "anon"
        status = seen.get("status", 500)
        base = slot(kind_of(environ.get("PATH_INFO", "")), auth, outcome, "requests")
        with self.lock:
            self.slots[base] += 1
            self.slots[base + 1] += queries[0]
            self.slots[base + 2] += _local.redis
            self.slots[base + 3] += 0 if 200 <= status < 300 or status == 304 else 1
            self.slots[base + 4] += 1 if status == 304 else 0
        return body
