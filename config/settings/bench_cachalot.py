"""Benchmark baseline: django-cachalot caches every ORM query in Redis; the Shopfront cache layer is off."""

from .bench import *  # noqa: F403
from .bench import CACHES, INSTALLED_APPS, REDIS_URL, SHOP_CACHE
from .caching import _redis_cache, _redis_db_url

# https://django-cachalot.readthedocs.io/en/latest/quickstart.html#settings
INSTALLED_APPS = [*INSTALLED_APPS, "cachalot"]
CACHES = {**CACHES, "cachalot": _redis_cache(_redis_db_url(REDIS_URL, 4))}
CACHALOT_CACHE = "cachalot"
SHOP_CACHE = {**SHOP_CACHE, "ENABLED": False}
