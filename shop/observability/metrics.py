"""Publish the cache layer's counts to CloudWatch as per-period deltas, and keep a short history.

Every process adds its counts to a Redis hash: ``keys.stats()`` on one node, one of the
``keys.stats_shards()`` on a cluster (a single hash would be one hot slot). A publish takes each hash
whole and deletes it in one Lua script per hash, so concurrent writers' increments land either in this
delta or in the next one: nothing is lost or counted twice. If CloudWatch refuses the data, the delta is
added back for the next run.
"""

import json
import logging
import random
import time
from collections import Counter
from datetime import UTC, datetime

from botocore.exceptions import BotoCoreError, ClientError
from django.conf import settings
from django.db import DatabaseError
from redis.commands.core import Script

from cdn import selectors as cdn_selectors
from shop.cache import clients, keys, stats, store
from shop.cache.backends.cluster import MAX_REQUEST_ARGS

from . import aws

logger = logging.getLogger(__name__)

TAKE_SCRIPT = """
for i = 1, #ARGV, 2 do
  redis.call('HINCRBY', KEYS[1], ARGV[i], ARGV[i + 1])
end
local data = redis.call('HGETALL', KEYS[1])
redis.call('DEL', KEYS[1])
return data
"""

# "<namespace>:<outcome>" field suffix -> CloudWatch metric name (dimensions Environment, Namespace).
OUTCOME_METRICS = {
    "hit": "Hits",
    "miss": "Misses",
    "stampede_wait": "StampedeWaits",
    "lock_timeout": "LockTimeouts",
    "degraded": "DegradedReads",
    "fenced": "FencedReads",
}
INVALIDATIONS_FIELD = "invalidation:delivered"

_take_script = Script(None, TAKE_SCRIPT.encode())


def history_key() -> str:
    """Return the Redis list holding the latest published snapshots, newest first."""
    return keys.stats_history()


# Field/amount pairs sent with one take: ElastiCache Serverless refuses a request of more than 3,999 arguments.
MAX_PAIRS = (MAX_REQUEST_ARGS - 5) // 2


def take_delta(conn) -> Counter[str]:
    """Add this process's pending counts to the shared hashes, then take and clear each hash atomically."""
    pending = stats.take_pending()
    chunks = [pending[i : i + MAX_PAIRS] for i in range(0, len(pending), MAX_PAIRS)]
    delta: Counter[str] = Counter()
    for n, shard in enumerate(keys.stats_shards()):
        part = chunks[n] if n < len(chunks) else []
        args = [item for pair in part for item in pair]
        try:
            raw = _take_script(keys=[shard], args=args, client=conn)
        except clients.ERRORS:
            # What is taken already and what was not sent go back to this process, for the next run.
            stats.restore([pair for chunk in chunks[n:] for pair in chunk] + list(delta.items()))
            raise
        delta.update({_text(field): int(value) for field, value in zip(raw[::2], raw[1::2])})
    stats.restore([pair for chunk in chunks[len(keys.stats_shards()) :] for pair in chunk])
    return +delta


def give_back(conn, delta: Counter[str]) -> None:
    """Return an unpublished delta to a shared hash so the next run sends it."""
    shard = random.choice(keys.stats_shards())
    pipe = conn.pipeline(transaction=False)
    for field, amount in delta.items():
        pipe.hincrby(shard, field, amount)
    pipe.execute()


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


def by_namespace(delta: Counter[str]) -> dict[str, Counter[str]]:
    """Group ``"<namespace>:<outcome>"`` counts as ``{namespace: {outcome: n}}``."""
    grouped: dict[str, Counter[str]] = {}
    for field, amount in delta.items():
        namespace, _, outcome = field.rpartition(":")
        if namespace:
            grouped.setdefault(namespace, Counter())[outcome] += amount
    return grouped


def metric_data(delta: Counter[str], cdn_paths: int | None, when: datetime) -> list[dict]:
    """Return the PutMetricData entries for one period's ``delta``."""
    environment = [{"Name": "Environment", "Value": settings.ENVIRONMENT_NAME}]
    data: list[dict] = []

    def add(name: str, value: float, unit: str, dimensions: list[dict]) -> None:
        data.append({"MetricName": name, "Dimensions": dimensions, "Timestamp": when, "Value": value, "Unit": unit})

    for namespace, outcomes in sorted(by_namespace(delta).items()):
        dims = [*environment, {"Name": "Namespace", "Value": namespace}]
        total = outcomes["hit"] + outcomes["miss"]
        for outcome, name in OUTCOME_METRICS.items():
            # Hits and Misses go together (a zero included) so the alarm's metric math sees both.
            if outcomes[outcome] or (total and outcome in ("hit", "miss")):
                add(name, outcomes[outcome], "Count", dims)
        if total:
            add("HitRatio", 100.0 * outcomes["hit"] / total, "Percent", dims)
    if delta[INVALIDATIONS_FIELD]:
        add("InvalidationsDelivered", delta[INVALIDATIONS_FIELD], "Count", environment)
    if cdn_paths is not None:
        add("CdnPathsUsedThisMonth", cdn_paths, "Count", environment)
    return data


def cdn_paths_used() -> int | None:
    """Return the month's CloudFront invalidation paths, or None when Postgres cannot say."""
    try:
        return cdn_selectors.paths_used_this_month()
    except DatabaseError:
        logger.warning("metrics: CDN path count unavailable", exc_info=True)
        return None


def record_history(conn, delta: Counter[str], when: float) -> None:
    """Push a snapshot of this period's hits and misses per namespace, keeping the latest few."""
    counts = {ns: [c["hit"], c["miss"]] for ns, c in by_namespace(delta).items() if c["hit"] or c["miss"]}
    snapshot = json.dumps({"ts": int(when), "counts": counts}, separators=(",", ":"))
    size = settings.CACHE_METRICS_HISTORY_SIZE
    pipe = conn.pipeline(transaction=False)
    pipe.lpush(history_key(), snapshot)
    pipe.ltrim(history_key(), 0, size - 1)
    pipe.expire(history_key(), size * settings.CACHE_METRICS_INTERVAL_SECONDS * 2)
    pipe.execute()


def history(conn) -> list[dict]:
    """Return the stored snapshots, oldest first."""
    return [json.loads(raw) for raw in reversed(conn.lrange(history_key(), 0, -1))]


def publish() -> dict[str, int]:
    """Send the counts gathered since the last publish to CloudWatch; return them."""
    conn = store.client()
    delta = take_delta(conn)
    now = time.time()
    data = metric_data(delta, cdn_paths_used(), datetime.fromtimestamp(now, tz=UTC))
    try:
        # One call (up to 1,000 metrics; a publish has a few dozen), so a failure gives back all or nothing.
        if data and settings.CACHE_METRICS_TO_CLOUDWATCH:
            aws.cloudwatch().put_metric_data(Namespace=settings.CACHE_METRICS_NAMESPACE, MetricData=data)
    except (BotoCoreError, ClientError):
        give_back(conn, delta)
        raise
    try:
        record_history(conn, delta, now)
    except clients.ERRORS:
        logger.warning("metrics: history snapshot not stored", exc_info=True)
    return dict(delta)
