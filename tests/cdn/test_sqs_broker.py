"""Cluster mode's broker: Celery over SQS (moto's server), a real worker, the cache on the local Redis Cluster.

A web-side process queues CloudFront paths (pending set on the cluster, flush task sent to SQS with a countdown);
a `celery worker` process takes the flush from SQS, reads the set from the cluster and sends the batch to moto's
CloudFront through a second SQS message. Both processes boot with REDIS_CLUSTER=True and production's broker
settings shape: sqs:// plus CELERY_BROKER_TRANSPORT_OPTIONS naming the stack's queue.
"""

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import boto3
import pytest

from cdn.models import CdnInvalidation
from tests.conftest import AWS_REGION as REGION
from tests.support import child_database_url, wait_for

from .conftest import invalidations

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]

PRODUCE = """
import django
django.setup()
from django.db import transaction
from cdn import services
with transaction.atomic():
    services.paths_queue(["/media/a.jpg", "/media/b.jpg"])
with transaction.atomic():
    services.paths_queue(["/media/b.jpg", "/media/c.jpg"])
print("queued")
"""


@pytest.fixture
def cluster_env(aws, redis_cluster, tmp_path):
    """The environment of a web or worker process in cluster mode with an SQS queue of the test's own."""
    queue = f"cdn-{uuid.uuid4().hex[:8]}"
    sqs = boto3.client("sqs", endpoint_url=aws.endpoint, region_name=REGION, **_keys(aws))
    queue_url = sqs.create_queue(QueueName=f"shopfront-test-{queue}", Attributes={"VisibilityTimeout": "3600"})
    host = aws.endpoint.removeprefix("http://")
    options = {
        "region": REGION,
        "is_secure": False,  # moto's server speaks plain HTTP; SQS itself is HTTPS (the default)
        "predefined_queues": {queue: {"url": queue_url["QueueUrl"]}},
        "visibility_timeout": 3600,
        "wait_time_seconds": 1,
        "polling_interval": 0.2,
    }
    return {
        **os.environ,
        **aws.env,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": child_database_url(),
        "REDIS_CLUSTER": "True",
        "REDIS_URL": redis_cluster.url,
        "CELERY_BROKER_URL": f"sqs://testing:testing@{host}",
        "CELERY_BROKER_TRANSPORT_OPTIONS": json.dumps(options),
        "CLOUDFRONT_DISTRIBUTION_ID": aws.distribution,
        "CDN_REDIS_PREFIX": aws.prefix,
        "CDN_CELERY_QUEUE": queue,
        "CDN_COALESCE_SECONDS": "1",
    }


def _keys(aws) -> dict:
    return {
        "aws_access_key_id": aws.env["AWS_ACCESS_KEY_ID"],
        "aws_secret_access_key": aws.env["AWS_SECRET_ACCESS_KEY"],
    }


@pytest.fixture
def sqs_worker(cluster_env, tmp_path):
    log = tmp_path / "worker.log"
    queue = cluster_env["CDN_CELERY_QUEUE"]
    with log.open("w") as out:
        proc = subprocess.Popen(
            [
                *(sys.executable, "-m", "celery", "-A", "config", "worker", "--pool", "solo", "--concurrency", "1"),
                *("-Q", queue, "-n", f"{queue}@%h", "--without-gossip", "--without-mingle", "--without-heartbeat"),
                *("--loglevel", "INFO"),
            ],
            env=cluster_env,
            cwd=ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        wait_for(lambda: proc.poll() is not None or " ready." in log.read_text(), 90, "the worker to start", log)
        assert proc.poll() is None, log.read_text()
        yield log
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def test_a_real_worker_takes_cdn_tasks_from_sqs_in_cluster_mode(aws, redis_cluster, cluster_env, sqs_worker):
    produced = subprocess.run(
        [sys.executable, "-c", PRODUCE], env=cluster_env, cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert produced.returncode == 0, produced.stderr
    record = wait_for(
        lambda: CdnInvalidation.objects.exclude(invalidation_id="").first(), 60, "the invalidation", sqs_worker
    )
    (sent,) = invalidations(aws)
    assert sorted(sent["InvalidationBatch"]["Paths"]["Items"]) == ["/media/a.jpg", "/media/b.jpg", "/media/c.jpg"]
    assert sent["Id"] == record.invalidation_id
    log = sqs_worker.read_text()
    assert "cdn.tasks.flush_paths" in log and "cdn.tasks.submit_invalidation" in log
    # The coalescing set lived on the cluster and was emptied by the worker.
    pending = f"{aws.prefix}:pending:{aws.distribution}"
    assert redis_cluster.master_of(pending).client().exists(pending) == 0
