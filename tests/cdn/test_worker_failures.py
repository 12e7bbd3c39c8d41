"""CDN invalidations that go wrong, through a real Celery worker process and moto's CloudFront.

A refused invalidation and one whose retries run out end as failed rows that staff see in the admin and on
the cache panel; work whose task was lost is sent again by the beat task.
"""

import datetime
import os
import uuid

import pytest
from django.db import transaction
from django.test import Client
from django.utils import timezone
from django_redis import get_redis_connection

from cdn import queue as cdn_queue
from cdn import services as cdn_services
from cdn import tasks
from cdn.models import CdnInvalidation
from config.celery_app import app
from tests.factories import StaffFactory
from tests.support import child_database_url, start_celery_worker, stop_process, wait_for

from .conftest import invalidations

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


@pytest.fixture
def worker(aws, settings, tmp_path):
    """Start one `celery worker` on a queue of this test's own, with extra settings; stopped and purged at the end."""
    queue = f"cdn-fail-{uuid.uuid4().hex[:8]}"
    settings.CDN_CELERY_QUEUE = queue
    procs = []

    def _start(**extra: str):
        env = {
            **os.environ,
            **aws.env,
            "DJANGO_SETTINGS_MODULE": "config.settings.test",
            "DATABASE_URL": child_database_url(),
            "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
            "CLOUDFRONT_DISTRIBUTION_ID": settings.CLOUDFRONT_DISTRIBUTION_ID,
            "CDN_REDIS_PREFIX": aws.prefix,
            "CDN_CELERY_QUEUE": queue,
            "CDN_COALESCE_SECONDS": str(settings.CDN_COALESCE_SECONDS),
            **extra,
        }
        log = tmp_path / "worker.log"
        procs.append(start_celery_worker(name="cdn", queue=queue, env=env, log=log))
        return log

    yield _start
    for proc in procs:
        stop_process(proc)
    with app.connection_for_write() as conn:
        conn.default_channel.queue_purge(queue)  # the shared broker keeps nothing of this test


@pytest.fixture
def staff() -> Client:
    client = Client()
    client.force_login(StaffFactory())
    return client


def _staff_sees_failed(staff: Client, error: str) -> None:
    changelist = staff.get("/admin/cdn/cdninvalidation/?status__exact=failed").content.decode()
    assert "failed" in changelist and error in changelist
    panel = staff.get("/admin/cache/").content.decode()
    assert "<td>failed</td>" in panel


def test_invalidation_refused_by_cloudfront_is_marked_failed_and_shown_to_staff(aws, worker, settings, staff):
    settings.CLOUDFRONT_DISTRIBUTION_ID = "EDELETEDDIST1"  # a distribution that no longer exists: never retried
    log = worker()
    with transaction.atomic():
        cdn_services.paths_queue(["/media/products/gone.jpg", "/media/products/gone.thumb.webp"])

    failed = wait_for(
        lambda: CdnInvalidation.objects.filter(status=CdnInvalidation.Status.FAILED).first(), 60, "a failed row", log
    )

    assert failed.invalidation_id == "" and failed.attempts == 1
    assert failed.error.startswith("NoSuchDistribution")
    assert failed.paths == ["/media/products/gone.jpg", "/media/products/gone.thumb.webp"]
    assert "Retry in" not in log.read_text()
    _staff_sees_failed(staff, "NoSuchDistribution")


def test_invalidation_that_stays_busy_gives_up_after_its_retries_and_is_shown_to_staff(aws, worker, settings, staff):
    # CloudFront already works on its limit of 15 wildcard invalidations for this distribution.
    CdnInvalidation.objects.create(
        distribution_id=aws.distribution,
        invalidation_id="IBUSY",
        caller_reference="busy",
        paths=[f"/media/import-{i}/*" for i in range(15)],
        path_count=15,
        status=CdnInvalidation.Status.IN_PROGRESS,
    )
    log = worker(
        CDN_MAX_RETRIES="2", CDN_RETRY_BASE_SECONDS="0.2", CDN_RETRY_MAX_SECONDS="0.4", CDN_WILDCARD_THRESHOLD="2"
    )
    with transaction.atomic():
        cdn_services.paths_queue([f"/media/products/{i}.jpg" for i in range(3)])  # one more wildcard

    failed = wait_for(
        lambda: CdnInvalidation.objects.filter(status=CdnInvalidation.Status.FAILED).first(), 60, "a failed row", log
    )

    assert failed.paths == ["/media/products/*"]
    assert failed.error == "gave up: in-flight limit"
    assert failed.attempts == 0  # never sent: CloudFront would have refused it
    assert log.read_text().count("Retry in") == 2  # CDN_MAX_RETRIES, then it gave up
    assert invalidations(aws) == []
    _staff_sees_failed(staff, "gave up: in-flight limit")


def test_beat_resends_work_whose_task_was_lost(aws, worker, settings, monkeypatch):
    log = worker()
    # A batch recorded ten minutes ago whose submit message the broker lost.
    lost = cdn_services.batch_record(aws.distribution, ["/media/products/lost-a.jpg"], "lost-token")
    stale = timezone.now() - datetime.timedelta(seconds=cdn_services.STALE_PENDING_SECONDS + 60)
    CdnInvalidation.objects.filter(pk=lost.pk).update(updated_at=stale)
    # Paths queued whose flush message was lost too (the broker is the one thing that cannot lose it here).
    with monkeypatch.context() as patch:
        patch.setattr(tasks.flush_paths, "apply_async", lambda *args, **kwargs: None)
        with transaction.atomic():
            cdn_services.paths_queue(["/media/products/lost-b.jpg"])
    guard = cdn_queue.keys(cdn_services.queue_name(aws.distribution))[1]
    get_redis_connection("default").delete(guard)  # its guard's TTL ran out

    tasks.refresh_invalidations.apply_async(queue=settings.CDN_CELERY_QUEUE)  # as beat sends it

    sent = wait_for(
        lambda: CdnInvalidation.objects.exclude(invalidation_id="").count() == 2 and invalidations(aws),
        60,
        "both lost batches to reach CloudFront",
        log,
    )
    assert sorted(tuple(s["InvalidationBatch"]["Paths"]["Items"]) for s in sent) == [
        ("/media/products/lost-a.jpg",),
        ("/media/products/lost-b.jpg",),
    ]
    lost.refresh_from_db()
    assert lost.invalidation_id in {s["Id"] for s in sent}
    assert lost.status == CdnInvalidation.Status.COMPLETED and lost.attempts == 1
