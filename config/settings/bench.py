"""Benchmark settings (`make bench`): production-like (DEBUG off, hashed static files), plus bench-only counters.

The counter middleware counts SQL queries and Redis round trips per request in shared memory
(bench/counters.py); it exists only in these settings. The floor runs on its own bare server (bench_floor.py).
"""

import tempfile

from .base import *  # noqa: F403
from .base import LOGGING, MIDDLEWARE, env

DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1"]

# https://whitenoise.readthedocs.io/en/stable/django.html#add-compression-and-caching-support
# collectstatic (bench/run.py) writes the manifest here; base STORAGES keeps CompressedManifestStaticFilesStorage.
STATIC_ROOT = env.path("BENCH_STATIC_ROOT", default=tempfile.gettempdir() + "/shopfront-bench/static")
MEDIA_ROOT = env.path("DJANGO_MEDIA_ROOT", default=tempfile.gettempdir() + "/shopfront-bench/media")

# Outermost, so it sees every query and round trip of the request (sessions and auth included).
MIDDLEWARE = ["bench.counters.BenchCounterMiddleware", *MIDDLEWARE]
BENCH_COUNTER_DIR = env("BENCH_COUNTER_DIR", default=None)
BENCH_LOG_COMPUTES = env.bool("BENCH_LOG_COMPUTES", default=False)

# No access log line per request: the load generator measures latency; production logs one line (shop.access).
LOGGING["loggers"]["shop.access"] = {"level": "WARNING"}
