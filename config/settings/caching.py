"""Redis, the cache layer (shop/cache/), the edge and the CDN: the settings of how pages are cached and purged."""

from urllib.parse import urlsplit, urlunsplit

import environ
from django.core.exceptions import ImproperlyConfigured

env = environ.Env()


# REDIS
# https://github.com/jazzband/django-redis#configure-as-cache-backend
def _redis_db_url(url: str, db: int) -> str:
    """Return url pointing at Redis database number ``db`` on the same server."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{db}", parts.query, parts.fragment))


REDIS_URL = env("REDIS_URL")
# https://redis.io/docs/latest/operate/oss_and_stack/management/scaling/ (docs/cluster.md)
# Cluster mode: REDIS_URL names any node of a Redis Cluster (or ElastiCache Serverless' endpoint). A cluster
# has database 0 only: sessions share it under their own keys, and Celery needs a broker of its own.
REDIS_CLUSTER = env.bool("REDIS_CLUSTER", default=False)
REDIS_CLUSTER_RETRIES = env.int("REDIS_CLUSTER_RETRIES", default=2)
REDIS_SESSION_URL = env("REDIS_SESSION_URL", default=REDIS_URL if REDIS_CLUSTER else _redis_db_url(REDIS_URL, 1))
REDIS_AUTH_TOKEN = env("REDIS_AUTH_TOKEN", default=None)
REDIS_CONNECT_TIMEOUT = env.float("REDIS_CONNECT_TIMEOUT", default=0.25)
REDIS_SOCKET_TIMEOUT = env.float("REDIS_SOCKET_TIMEOUT", default=0.25)
if REDIS_CLUSTER:
    for _name, _url in (("REDIS_URL", REDIS_URL), ("REDIS_SESSION_URL", REDIS_SESSION_URL)):
        if urlsplit(_url).path.strip("/") not in ("", "0"):
            raise ImproperlyConfigured(f"{_name} must use database 0 with REDIS_CLUSTER=True (a cluster has no other)")


def _redis_cache(url: str) -> dict:
    options = {
        "SOCKET_CONNECT_TIMEOUT": REDIS_CONNECT_TIMEOUT,
        "SOCKET_TIMEOUT": REDIS_SOCKET_TIMEOUT,
        "CONNECTION_POOL_KWARGS": {"max_connections": 50, "health_check_interval": 30},
    }
    if REDIS_AUTH_TOKEN:
        options["PASSWORD"] = REDIS_AUTH_TOKEN
    if REDIS_CLUSTER:
        # shop.cache.clients builds the cluster client from the same OPTIONS.
        return {"BACKEND": "shop.cache.django_cluster.RedisClusterCache", "LOCATION": url, "OPTIONS": options}
    options["CLIENT_CLASS"] = "django_redis.client.DefaultClient"
    return {"BACKEND": "django_redis.cache.RedisCache", "LOCATION": url, "OPTIONS": options}


CACHES = {"default": _redis_cache(REDIS_URL), "sessions": _redis_cache(REDIS_SESSION_URL)}

# SHOPFRONT CACHE LAYER (shop/cache/)
SHOP_CACHE = {
    "PREFIX": env("SHOP_CACHE_PREFIX", default="sf"),
    "PRODUCT_TTL": env.int("CACHE_PRODUCT_TTL", default=3600),
    "LISTING_TTL": env.int("CACHE_LISTING_TTL", default=900),
    "TREE_TTL": env.int("CACHE_TREE_TTL", default=3600),
    "HOME_TTL": env.int("CACHE_HOME_TTL", default=600),
    "SEARCH_TTL": env.int("CACHE_SEARCH_TTL", default=300),
    "LOCK_TTL_MS": env.int("CACHE_LOCK_TTL_MS", default=5000),
    "LOCK_WAIT_SECONDS": env.float("CACHE_LOCK_WAIT_SECONDS", default=2.0),
    "BREAKER_COOLDOWN_SECONDS": env.float("CACHE_BREAKER_COOLDOWN_SECONDS", default=5.0),
    # A process that never saw Redis fail looks for undelivered invalidations when it may have missed a blip
    # this long (one indexed query per process and alias). At or below REDIS_SOCKET_TIMEOUT, a write that
    # failed by timing out is always found before such a process can read Redis again (shop.cache.trust).
    "OUTBOX_CHECK_SECONDS": env.float("CACHE_OUTBOX_CHECK_SECONDS", default=REDIS_SOCKET_TIMEOUT),
    # ... and at least this often in any case (the bound for a partition: shop.cache.trust).
    "OUTBOX_BACKSTOP_SECONDS": env.float("CACHE_OUTBOX_BACKSTOP_SECONDS", default=5.0),
    "ENABLED": env.bool("CACHE_ENABLED", default=True),
    "PAGES": env.bool("CACHE_PAGES", default=True),
    "PAGE_TTL": env.int("CACHE_PAGE_TTL", default=3600),
    # Pages are keyed by release; unset, a digest of the templates and static manifest stands in.
    "RELEASE": env("SHOPFRONT_RELEASE", default=""),
}

# EDGE (a shared cache in front of the origin: CloudFront in production, Varnish locally; docs/edge.md)
# https://developer.mozilla.org/en-US/docs/Web/HTTP/Reference/Headers/Cache-Control
EDGE = {
    # Tags of a shared response, comma-separated (CloudFront's CacheTagConfig header; Varnish maps it to xkey).
    "TAG_HEADER": env("EDGE_TAG_HEADER", default="Cache-Tag"),
    # How long an edge may keep a shared page without hearing from us: purges are pushed on every visible
    # write, so this only bounds the life of a purge that got lost.
    "S_MAXAGE": env.int("EDGE_S_MAXAGE", default=300),
    "STALE_WHILE_REVALIDATE": env.int("EDGE_STALE_WHILE_REVALIDATE", default=60),
    "STALE_IF_ERROR": env.int("EDGE_STALE_IF_ERROR", default=86400),
}

# CDN (CloudFront invalidation)
# https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/Invalidation.html
# Empty CLOUDFRONT_DISTRIBUTION_ID (local/dev): replaced media files are still deleted, nothing is invalidated.
CLOUDFRONT_DISTRIBUTION_ID = env("CLOUDFRONT_DISTRIBUTION_ID", default="")
# boto3's own variable; passed explicitly as endpoint_url so tests and the local stack can point at moto.
AWS_ENDPOINT_URL = env("AWS_ENDPOINT_URL", default=None)
CDN_COALESCE_SECONDS = env.float("CDN_COALESCE_SECONDS", default=5.0)
CDN_WILDCARD_THRESHOLD = env.int("CDN_WILDCARD_THRESHOLD", default=100)
CDN_FREE_PATHS_PER_MONTH = env.int("CDN_FREE_PATHS_PER_MONTH", default=1000)
CDN_MAX_RETRIES = env.int("CDN_MAX_RETRIES", default=8)
CDN_RETRY_BASE_SECONDS = env.float("CDN_RETRY_BASE_SECONDS", default=2.0)
CDN_RETRY_MAX_SECONDS = env.float("CDN_RETRY_MAX_SECONDS", default=300.0)
CDN_STATUS_REFRESH_SECONDS = env.float("CDN_STATUS_REFRESH_SECONDS", default=60.0)
CDN_REDIS_PREFIX = env("CDN_REDIS_PREFIX", default="cdn")
CDN_CELERY_QUEUE = env("CDN_CELERY_QUEUE", default="celery")
# A batch with more cache tags than this invalidates "/*" instead (one path; CloudFront tags have no wildcard).
CDN_TAG_LIMIT = env.int("CDN_TAG_LIMIT", default=200)
# Edge purges by tag (docs/edge.md): Varnish's address; unset, no Varnish purges.
EDGE_PURGE_URL = env("EDGE_PURGE_URL", default="")
# Freshness at the edge is this window plus one purge round trip (docs/edge.md).
EDGE_PURGE_COALESCE_SECONDS = env.float("EDGE_PURGE_COALESCE_SECONDS", default=1.0)
EDGE_PURGE_TIMEOUT_SECONDS = env.float("EDGE_PURGE_TIMEOUT_SECONDS", default=2.0)
EDGE_PURGE_RETRY_MAX_SECONDS = env.float("EDGE_PURGE_RETRY_MAX_SECONDS", default=30.0)
