"""Committed tag invalidations reach Varnish: the receiver, the coalescing queue, retries, against a real varnishd.

Tasks run in this process with Celery's ``apply`` (the ``captured`` fixture of tests/cdn).
"""

import logging
import uuid

import pytest
import redis
from django_redis import get_redis_connection

from cdn import queue, selectors, tasks, varnish
from shop.cache.signals import tags_invalidated

from .backend import request
from .conftest import free_port

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


@pytest.fixture
def purging(edge, settings):
    """Point the app's Varnish purges at the session's varnishd; give the test its own queue in Redis."""
    prefix = f"tedge{uuid.uuid4().hex[:10]}"
    settings.EDGE_PURGE_URL = edge.url
    settings.CLOUDFRONT_DISTRIBUTION_ID = ""
    settings.CDN_REDIS_PREFIX = prefix
    yield edge
    conn = get_redis_connection("default")
    for key in conn.scan_iter(f"*{prefix}:*"):
        conn.delete(key)


def cached_pages(edge, unique: str) -> dict[str, str]:
    """Store three pages at the edge: two tagged ``product:<unique>``, one not; return path -> tag."""
    pages = {
        f"/products/{unique}/": f"product:{unique}",
        f"/categories/c-{unique}/": f"product:{unique}",
        f"/products/other-{unique}/": f"product:other-{unique}",
    }
    for path, tag in pages.items():
        edge.origin.page(path, tags=["tree", tag])
        assert request(edge.port, path).cache == "MISS"
    return pages


def states(edge, pages) -> dict[str, str]:
    return {path: request(edge.port, path).cache for path in pages}


def invalidate(tags: list[str], alias: str = "default") -> None:
    tags_invalidated.send(sender=None, tags=tags, alias=alias)


def test_committed_invalidation_purges_exactly_the_tagged_pages(purging, captured, settings, unique):
    pages = cached_pages(purging, unique)

    invalidate([f"product:{unique}"])

    ((task, args, options),) = captured.sent
    assert task is tasks.flush_edge and options["countdown"] == settings.EDGE_PURGE_COALESCE_SECONDS == 1.0
    captured.run()
    assert states(purging, pages) == {
        f"/products/{unique}/": "MISS",
        f"/categories/c-{unique}/": "MISS",
        f"/products/other-{unique}/": "HIT",
    }
    assert selectors.queued_edge_tags() == []


def test_invalidations_within_the_window_make_one_flush(purging, captured, unique):
    pages = cached_pages(purging, unique)
    for tag in (f"product:{unique}", f"product:other-{unique}", f"product:{unique}"):
        invalidate([tag])
    assert [t for t, _, _ in captured.sent] == [tasks.flush_edge]
    assert selectors.queued_edge_tags() == sorted({f"product:{unique}", f"product:other-{unique}"})
    captured.run()
    assert set(states(purging, pages).values()) == {"MISS"}


def test_sessions_alias_and_unset_edges_send_nothing(purging, captured, settings, unique):
    invalidate([f"session:{unique}"], alias="sessions")
    settings.EDGE_PURGE_URL = ""
    invalidate([f"product:{unique}"])
    assert captured.sent == []
    assert selectors.queued_edge_tags() == []


def test_invalid_tags_are_dropped_and_the_rest_purged(purging, captured, unique, caplog):
    pages = cached_pages(purging, unique)
    with caplog.at_level(logging.ERROR, logger="cdn.batching"):
        invalidate([f"product:{unique}", "has space", "a,b", "é"])
    assert selectors.queued_edge_tags() == [f"product:{unique}"]
    assert "dropped 3 invalid cache tags" in caplog.text
    captured.run()
    assert states(purging, pages)[f"/products/{unique}/"] == "MISS"


def test_tag_queued_again_during_a_purge_is_purged_again(purging, captured, monkeypatch, unique):
    """The invariant of cdn/queue.py: a write that commits while its tag is being purged is not lost."""
    pages = cached_pages(purging, unique)
    invalidate([f"product:{unique}"])
    flush = captured.sent.pop()
    real_purge = varnish.purge

    def purge_while_a_write_commits(url, tags, *, timeout):
        removed = real_purge(url, tags, timeout=timeout)
        # The page is fetched again at once (still the old data), then a second write invalidates it.
        assert request(purging.port, f"/products/{unique}/").cache == "MISS"
        varnish.tags_queue_now([f"product:{unique}"])
        return removed

    monkeypatch.setattr(varnish, "purge", purge_while_a_write_commits)
    flush[0].apply(args=flush[1])
    monkeypatch.setattr(varnish, "purge", real_purge)

    assert selectors.queued_edge_tags() == [f"product:{unique}"]
    assert [t for t, _, _ in captured.sent] == [tasks.flush_edge]  # scheduled by the flush on its way out
    assert request(purging.port, f"/products/{unique}/").cache == "HIT"  # the page the second write made stale
    captured.run()
    assert states(purging, pages)[f"/products/{unique}/"] == "MISS"


def test_unreachable_varnish_keeps_tags_queued_retries_then_leaves_them_to_the_beat(
    purging, captured, settings, monkeypatch, unique
):
    pages = cached_pages(purging, unique)
    settings.EDGE_PURGE_URL = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    settings.CDN_MAX_RETRIES = 3
    delays = []
    real_delay = varnish.retry_delay
    monkeypatch.setattr(varnish, "retry_delay", lambda n: delays.append(real_delay(n)) or delays[-1])
    invalidate([f"product:{unique}"])

    captured.run()  # Celery's apply runs the retries at once, ignoring their countdowns

    assert len(delays) == 3 and 0.5 <= delays[0] <= 1.0 and 2.0 <= delays[2] <= 4.0
    assert selectors.queued_edge_tags() == [f"product:{unique}"]
    assert states(purging, pages)[f"/products/{unique}/"] == "HIT"
    settings.EDGE_PURGE_URL = purging.url  # Varnish is back
    assert tasks.refresh_invalidations.apply().successful()
    assert [t for t, _, _ in captured.sent] == [tasks.flush_edge]
    captured.run()
    assert states(purging, pages)[f"/products/{unique}/"] == "MISS"
    assert selectors.queued_edge_tags() == []


def test_a_flush_waiting_to_retry_holds_the_guard(purging, captured, settings, unique):
    settings.EDGE_PURGE_URL = f"http://127.0.0.1:{free_port()}"
    invalidate([f"product:{unique}"])
    (_, (token,), _) = captured.sent.pop()
    with pytest.raises(varnish.EdgeUnavailable):
        varnish.edge_flush(token)
    varnish.edge_wait(token, 5)
    invalidate([f"card:{unique}"])  # saves during the outage join the queue, no new task
    assert captured.sent == []
    assert selectors.queued_edge_tags() == sorted([f"card:{unique}", f"product:{unique}"])


def test_without_redis_tags_are_purged_by_a_task_of_their_own(purging, captured, monkeypatch, unique):
    pages = cached_pages(purging, unique)
    dead = redis.Redis(port=free_port(), socket_connect_timeout=0.2)
    monkeypatch.setattr(varnish, "_redis", lambda: dead)
    invalidate([f"product:{unique}"])
    ((task, args, _),) = captured.sent
    assert (task, args) == (tasks.purge_edge_tags, [[f"product:{unique}"]])
    captured.run()
    assert states(purging, pages)[f"/products/{unique}/"] == "MISS"


def test_the_receiver_never_raises(purging, monkeypatch, caplog, unique):
    def broken(tags):
        raise RuntimeError("boom")

    monkeypatch.setattr("cdn.services.tags_queue", broken)
    with caplog.at_level(logging.ERROR, logger="cdn.receivers"):
        invalidate([f"product:{unique}"])
    assert "could not queue 1 tags" in caplog.text


def test_purge_requests_are_split_to_fit_varnish_header_limit(purging, unique):
    tags = [f"t{i}-{unique}" for i in range(600)]
    chunks = varnish.chunks(tags)
    assert len(chunks) > 1 and [t for c in chunks for t in c] == tags
    assert all(len(" ".join(c)) <= varnish.MAX_HEADER_BYTES for c in chunks)
    path = f"/products/{unique}/"
    purging.origin.page(path, tags=[tags[-1]])
    request(purging.port, path)
    assert varnish.purge(purging.url, tags, timeout=5) == 1
    assert request(purging.port, path).cache == "MISS"


def test_queue_keys_share_one_cluster_slot(settings):
    settings.CDN_REDIS_PREFIX = "cdn"
    items, guard, seq = queue.keys("edge")
    assert {k[k.index("{") : k.index("}") + 1] for k in (items, guard, seq)} == {"{cdn:edge}"}


def test_the_beat_survives_redis_being_down(purging, captured, monkeypatch):
    dead = redis.Redis(port=free_port(), socket_connect_timeout=0.2)
    monkeypatch.setattr(varnish, "_redis", lambda: dead)
    assert tasks.refresh_invalidations.apply().successful()
    assert captured.sent == []
