"""Coalesced, deduplicated, budgeted CloudFront invalidations, against moto's server over HTTP.

Tasks run in this process with Celery's ``apply`` (the ``captured`` fixture); test_worker.py uses a real worker.
"""

import datetime

import boto3
import pytest
from botocore.config import Config
from botocore.stub import Stubber
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from django_redis import get_redis_connection

from catalog import renditions, services
from cdn import aws as cdn_aws
from cdn import queue, selectors
from cdn import services as cdn_services
from cdn.models import CdnInvalidation
from tests.factories import ProductFactory, StaffFactory

from .conftest import invalidations, jpeg

pytestmark = pytest.mark.django_db(transaction=True)


def _add_image(product, name="photo.jpg", color="teal"):
    return services.product_image_add(product=product, image=SimpleUploadedFile(name, jpeg(color)))


def _replace(image, name, color):
    image.image = SimpleUploadedFile(name, jpeg(color))
    return services.product_image_store(image=image)


def _paths(image_name, sizes):
    return {f"/media/{n}" for n in renditions.names(image_name, sizes)}


def _media(invalidation: dict) -> set[str]:
    """Return an invalidation's paths; its '#tags' (the product's pages, tests/cdn/test_tags.py) left out."""
    return {p for p in invalidation["InvalidationBatch"]["Paths"]["Items"] if not p.startswith("#")}


def _bucket_keys(aws) -> set[str]:
    return {o["Key"] for o in aws.s3.list_objects_v2(Bucket=aws.bucket).get("Contents", [])}


def test_image_replacements_coalesce_into_one_invalidation_with_their_paths(aws, captured):
    product = ProductFactory()
    a, b = _add_image(product, "a.jpg"), _add_image(product, "b.jpg")
    retired = _paths(a.image.name, a.renditions) | _paths(b.image.name, b.renditions)
    captured.run()
    first = invalidations(aws)
    assert [_media(i) for i in first] == [set()]  # first uploads replace no file (the page's tags go)

    _replace(a, "a2.jpg", "red")
    retired |= _paths(a.image.name, a.renditions)
    _replace(b, "b2.jpg", "blue")
    _replace(a, "a3.jpg", "green")

    assert [t.name for t, _, _ in captured.sent] == ["cdn.tasks.flush_paths"]  # three saves, one flush
    assert captured.sent[0][2]["countdown"] == 1.0
    captured.run()

    sent = [i for i in invalidations(aws) if i["Id"] != first[0]["Id"]]
    assert len(sent) == 1 and len(retired) == 12
    assert _media(sent[0]) == retired
    assert f"#product:{product.slug}" in sent[0]["InvalidationBatch"]["Paths"]["Items"]
    record = CdnInvalidation.objects.get(invalidation_id=sent[0]["Id"])
    assert record.path_count == len(sent[0]["InvalidationBatch"]["Paths"]["Items"]) == 12 + record.tag_count
    assert record.status == CdnInvalidation.Status.COMPLETED  # moto completes at once
    keys = _bucket_keys(aws)
    assert not {p.removeprefix("/") for p in retired} & keys  # old files deleted after commit
    a.refresh_from_db()
    assert {p.removeprefix("/") for p in _paths(a.image.name, a.renditions)} <= keys


def test_deleting_an_image_deletes_its_files_and_invalidates_them(aws, captured):
    image = _add_image(ProductFactory())
    paths = _paths(image.image.name, image.renditions)
    image.delete()
    captured.run()
    assert _bucket_keys(aws) == set()
    assert set().union(*(_media(i) for i in invalidations(aws))) == paths


def test_redelivered_tasks_do_not_create_a_second_invalidation(aws, captured):
    cdn_services.paths_queue(["/media/products/x.jpg", "/media/products/y.jpg"])
    ((flush, args, _),) = captured.sent
    captured.sent.clear()
    flush.apply(args=args)
    # As if the worker died after recording but before removing the paths from Redis: the message is
    # redelivered and the same flush meets the same paths again.
    queue.push(
        get_redis_connection("default"),
        cdn_services.queue_name(aws.distribution),
        ["/media/products/x.jpg", "/media/products/y.jpg"],
        token="other",
        guard_seconds=60,
    )
    flush.apply(args=args)
    assert CdnInvalidation.objects.count() == 1
    assert len(captured.sent) == 2  # two submit messages for the one record
    captured.run()
    record = CdnInvalidation.objects.get()
    from cdn.tasks import submit_invalidation

    submit_invalidation.apply(args=[record.pk])  # and once more, redelivered after success
    assert len(invalidations(aws)) == 1
    assert invalidations(aws)[0]["InvalidationBatch"]["CallerReference"] == record.caller_reference
    record.refresh_from_db()
    assert record.attempts == 1


def test_throttling_and_too_many_in_progress_are_retried_with_backoff(aws, captured, monkeypatch, settings):
    """moto never throttles, so botocore's Stubber answers the first two CreateInvalidation calls with
    Throttling and TooManyInvalidationsInProgress; the third call reaches moto's server."""
    settings.CDN_RETRY_BASE_SECONDS = 2.0
    cdn_services.paths_queue(["/media/products/z.jpg"])
    flush, args, _ = captured.sent.pop()
    flush.apply(args=args)
    record = CdnInvalidation.objects.get()
    expected = {
        "DistributionId": aws.distribution,
        "InvalidationBatch": {
            "Paths": {"Quantity": 1, "Items": ["/media/products/z.jpg"]},
            "CallerReference": record.caller_reference,
        },
    }
    stubbed = boto3.client(
        "cloudfront", endpoint_url=aws.endpoint, region_name="us-east-1", config=Config(retries={"max_attempts": 1})
    )
    stubber = Stubber(stubbed)
    stubber.add_client_error("create_invalidation", "Throttling", http_status_code=400, expected_params=expected)
    stubber.add_client_error(
        "create_invalidation", "TooManyInvalidationsInProgress", http_status_code=400, expected_params=expected
    )
    stubber.activate()
    clients = iter([stubbed, stubbed, cdn_aws.cloudfront_client()])
    monkeypatch.setattr(cdn_aws, "cloudfront_client", lambda: next(clients))
    delays = []
    real_delay = cdn_services.retry_delay
    monkeypatch.setattr(cdn_services, "retry_delay", lambda n: delays.append(real_delay(n)) or delays[-1])

    captured.run()

    stubber.assert_no_pending_responses()
    record.refresh_from_db()
    assert record.attempts == 3 and record.status == CdnInvalidation.Status.COMPLETED
    assert 1.0 <= delays[0] <= 2.0 and 2.0 <= delays[1] <= 4.0  # exponential, jittered
    sent = invalidations(aws)
    assert len(sent) == 1 and sent[0]["InvalidationBatch"]["CallerReference"] == record.caller_reference


def test_month_budget_counts_paths_and_a_wildcard_as_one(aws, captured, settings):
    settings.CDN_WILDCARD_THRESHOLD = 10
    cdn_services.paths_queue([f"/media/products/{i}.jpg" for i in range(3)])
    captured.run()
    assert selectors.paths_used_this_month() == 3
    cdn_services.paths_queue([f"/media/products/big-{i}.jpg" for i in range(25)])
    captured.run()
    assert selectors.paths_used_this_month() == 4
    last_month = timezone.now().replace(day=1) - datetime.timedelta(days=1)
    CdnInvalidation.objects.filter(path_count=3).update(submitted_at=last_month)
    assert selectors.paths_used_this_month() == 1
    assert selectors.paths_budget() == {"used": 1, "free": 1000, "remaining": 999}
    assert [r.path_count for r in selectors.recent_invalidations(limit=5)] == [1, 3]


def test_large_batch_switches_to_a_wildcard(aws, captured, settings):
    settings.CDN_WILDCARD_THRESHOLD = 10
    cdn_services.paths_queue([f"/media/products/{i:03}-p.jpg" for i in range(25)])
    captured.run()
    (sent,) = invalidations(aws)
    assert sent["InvalidationBatch"]["Paths"]["Items"] == ["/media/products/*"]
    record = CdnInvalidation.objects.get()
    assert (record.requested_count, record.path_count) == (25, 1)


def test_batch_becomes_wildcard_near_the_in_flight_file_limit(aws, captured):
    CdnInvalidation.objects.create(
        distribution_id=aws.distribution,
        invalidation_id="IFLIGHT",
        caller_reference="busy",
        paths=[f"/media/old/{i}.jpg" for i in range(2995)],
        path_count=2995,
        status=CdnInvalidation.Status.IN_PROGRESS,
    )
    cdn_services.paths_queue([f"/media/products/{i}.jpg" for i in range(8)])
    captured.run()
    record = CdnInvalidation.objects.exclude(caller_reference="busy").get()
    assert record.paths == ["/media/products/*"]


def test_purge_from_cdn_admin_action_invalidates_the_products_files(aws, captured, client):
    product = ProductFactory()
    image = _add_image(product)
    client.force_login(StaffFactory())
    response = client.post(
        "/admin/catalog/product/", {"action": "purge_from_cdn", "_selected_action": [product.pk]}, follow=True
    )
    assert b"Queued 4 CloudFront paths" in response.content
    captured.run()
    assert set().union(*(_media(i) for i in invalidations(aws))) == _paths(image.image.name, image.renditions)


def test_beat_refreshes_in_progress_statuses(aws, captured):
    cdn_services.paths_queue(["/media/products/q.jpg"])
    captured.run()
    record = CdnInvalidation.objects.get()
    CdnInvalidation.objects.filter(pk=record.pk).update(status=CdnInvalidation.Status.IN_PROGRESS)
    from cdn.tasks import refresh_invalidations

    assert refresh_invalidations.apply().get() == 1
    record.refresh_from_db()
    assert record.status == CdnInvalidation.Status.COMPLETED
