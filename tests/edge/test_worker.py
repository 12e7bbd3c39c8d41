"""End to end: a committed invalidation reaches varnishd through the broker and a real Celery worker process."""

import time
import uuid

import pytest
from django_redis import get_redis_connection

from cdn import selectors
from shop.cache.signals import tags_invalidated
from tests.support import celery_worker, wait_for, worker_env

from .backend import request

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


@pytest.fixture
def worker(edge, settings, tmp_path):
    """A `celery worker` on a queue of its own, purging the session's varnishd."""
    queue, prefix = f"edge-test-{uuid.uuid4().hex[:8]}", f"tedge{uuid.uuid4().hex[:10]}"
    settings.CDN_CELERY_QUEUE, settings.CDN_REDIS_PREFIX = queue, prefix
    settings.EDGE_PURGE_URL, settings.CLOUDFRONT_DISTRIBUTION_ID = edge.url, ""
    env = worker_env(
        settings,
        queue,
        EDGE_PURGE_URL=edge.url,
        CDN_REDIS_PREFIX=prefix,
        SHOP_CACHE_PREFIX=settings.SHOP_CACHE["PREFIX"],  # the queue keys are cache-layer names
    )
    try:
        with celery_worker(name="edge", queue=queue, env=env, log=tmp_path / "worker.log") as log:
            yield log
    finally:
        conn = get_redis_connection("default")
        for key in conn.scan_iter(f"*{prefix}:*"):
            conn.delete(key)


def test_committed_invalidation_reaches_varnish_through_a_real_worker(edge, worker, unique):
    path = f"/products/{unique}/"
    edge.origin.page(path, tags=["tree", f"product:{unique}"])
    assert request(edge.port, path).cache == "MISS"
    assert request(edge.port, path).cache == "HIT"

    started = time.monotonic()
    tags_invalidated.send(sender=None, tags=[f"product:{unique}"], alias="default")
    fresh = wait_for(
        lambda: (a := request(edge.port, path)).body.startswith(f"{path} v2") and a, 60, "the purge", worker
    )
    elapsed = time.monotonic() - started

    assert fresh.cache == "MISS"
    assert elapsed >= 0.9  # not before the coalescing window (1 s); how soon after depends on this machine
    assert selectors.queued_edge_tags() == []
    assert "cdn.tasks.flush_edge" in worker.read_text()
