"""Benchmark settings (`make bench`): production-like (DEBUG off, hashed static files), plus bench-only counters.

SQL queries and Redis round trips are counted per request in shared memory by a WSGI wrapper
(bench/counters.py) that only the bench servers load. The floor runs on its own bare server (bench_floor.py).
"""

import tempfile

from .base import *  # noqa: F403
from .base import LOGGING, env

DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1"]

# https://whitenoise.readthedocs.io/en/stable/django.html#add-compression-and-caching-support
# collectstatic (bench/run.py) writes the manifest here; base STORAGES keeps CompressedManifestStaticFilesStorage.
STATIC_ROOT = env.path("BENCH_STATIC_ROOT", default=tempfile.gettempdir() + "/shopfront-bench/static")
MEDIA_ROOT = env.path("DJANGO_MEDIA_ROOT", default=tempfile.gettempdir() + "/shopfront-bench/media")

# Counted per request by a WSGI wrapper around every bench server (bench/counters.py, bench/counted_wsgi.py).
BENCH_COUNTER_DIR = env("BENCH_COUNTER_DIR", default=None)
BENCH_LOG_COMPUTES = env.bool("BENCH_LOG_COMPUTES", default=False)

# No access log line per request: the load generator measures latency; production logs one line (shop.access).
LOGGING["loggers"]["shop.access"] = {"level": "WARNING"}
