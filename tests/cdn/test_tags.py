"""Cache tags reach CloudFront as '#tag' invalidation items, against moto's server over HTTP.

Tasks run in this process with Celery's ``apply`` (the ``captured`` fixture).
"""

import pytest
import redis
from django_redis import get_redis_connection

from cdn import batching, queue, selectors, tasks
from cdn import services as cdn_services
from cdn.models import CdnInvalidation
from shop.cache.signals import tags_invalidated
from tests.conftest import _free_port

from .conftest import invalidations

pytestmark = pytest.mark.django_db(transaction=True)


def invalidate(tags: list[str], alias: str = "default") -> None:
    tags_invalidated.send(sender=None, tags=tags, alias=alias)


def test_invalidated_tags_coalesce_into_one_invalidation_of_hash_items(aws, captured, settings):
    settings.EDGE_PURGE_URL = ""
    invalidate(["tree", "product:chef-knife", "card:12"])
    invalidate(["product:chef-knife", "listing:knives:price:1"])

    assert [t for t, _, _ in captured.sent] == [tasks.flush_paths]
    captured.run()

    (sent,) = invalidations(aws)
    items = ["#card:12", "#listing:knives:price:1", "#product:chef-knife", "#tree"]
    assert sorted(sent["InvalidationBatch"]["Paths"]["Items"]) == items
    record = CdnInvalidation.objects.get()
    assert (record.path_count, record.tag_count, record.wildcard_count) == (4, 4, 0)
    assert record.status == CdnInvalidation.Status.COMPLETED
    assert selectors.paths_used_this_month() == 4  # a tag is billed as one path


def test_tags_and_media_paths_share_one_batch(aws, captured):
    cdn_services.paths_queue(["/media/products/old.jpg"])
    invalidate(["product:mug"])
    captured.run()
    (sent,) = invalidations(aws)
    assert sorted(sent["InvalidationBatch"]["Paths"]["Items"]) == ["#product:mug", "/media/products/old.jpg"]


def test_a_batch_with_more_tags_than_the_limit_invalidates_everything_as_one_path(aws, captured, settings):
    settings.CDN_TAG_LIMIT = 5
    invalidate([f"card:{i}" for i in range(8)])
    cdn_services.paths_queue(["/media/products/old.jpg"])
    captured.run()
    (sent,) = invalidations(aws)
    assert sent["InvalidationBatch"]["Paths"]["Items"] == ["/*"]
    record = CdnInvalidation.objects.get()
    assert (record.requested_count, record.path_count, record.wildcard_count) == (9, 1, 1)


def test_tags_near_the_in_flight_limit_invalidate_everything(aws, captured):
    CdnInvalidation.objects.create(
        distribution_id=aws.distribution,
        invalidation_id="IFLIGHT",
        caller_reference="busy",
        paths=[f"#card:{i}" for i in range(2998)],
        path_count=2998,
        status=CdnInvalidation.Status.IN_PROGRESS,
    )
    invalidate(["tree", "featured", "bestsellers"])
    captured.run()
    assert CdnInvalidation.objects.exclude(caller_reference="busy").get().paths == ["/*"]


def test_without_redis_the_tag_batch_is_recorded_and_sent_at_once(aws, captured, monkeypatch):
    dead = redis.Redis(port=_free_port(), socket_connect_timeout=0.2)
    monkeypatch.setattr(cdn_services, "_redis", lambda: dead)
    invalidate(["product:mug"])
    ((task, _, _),) = captured.sent
    assert task is tasks.submit_invalidation
    captured.run()
    assert invalidations(aws)[0]["InvalidationBatch"]["Paths"]["Items"] == ["#product:mug"]


def test_sessions_alias_is_never_sent_to_cloudfront(aws, captured):
    invalidate(["session:abc"], alias="sessions")
    assert captured.sent == [] and selectors.queued_paths() == []


def test_path_queued_again_while_its_batch_is_recorded_stays_for_the_next_flush(aws, captured, monkeypatch):
    invalidate(["product:mug"])
    ((flush, args, _),) = captured.sent
    captured.sent.clear()
    real_record = cdn_services.batch_record

    def record_while_a_write_commits(distribution_id, paths, token):
        record = real_record(distribution_id, paths, token)
        cdn_services._queue_now(distribution_id, ["#product:mug"])
        return record

    monkeypatch.setattr(cdn_services, "batch_record", record_while_a_write_commits)
    flush.apply(args=args)
    assert selectors.queued_paths() == ["#product:mug"]
    assert [t for t, _, _ in captured.sent] == [tasks.flush_paths, tasks.submit_invalidation]


def test_plan_keeps_tags_exact_and_counts_them_against_the_file_room():
    plan = batching.plan
    assert plan(["#tree", "#a*", "/media/x.jpg"], threshold=10, file_room=100, tag_limit=10) == [
        "#a*",
        "#tree",
        "/media/x.jpg",
    ]
    assert not batching.is_wildcard("#a*") and batching.is_wildcard("/media/*")
    media = [f"/media/products/{i}.jpg" for i in range(3)]
    assert plan([*media, "#tree", "#featured"], threshold=10, file_room=4) == [
        "#featured",
        "#tree",
        "/media/products/*",
    ]
    assert plan(["#a", "#b"], threshold=10, file_room=1) == ["/*"]


def test_redis_keys_of_a_distribution_queue(aws, captured):
    conn = get_redis_connection("default")
    cdn_services.paths_queue(["/media/a.jpg"])
    items_key, guard_key, _ = queue.keys(cdn_services.queue_name(aws.distribution))
    assert conn.zcard(items_key) == 1 and conn.exists(guard_key)
