"""A Celery worker SIGKILLed inside a CDN invalidation task: the task is delivered again and completes once.

The test owns the broker (its own redis-server) and both worker processes. The first worker's CloudFront
call goes through a proxy that holds it, so the worker is killed while the task is running (unacked, acks
late); a second worker gets the redelivered message once the broker's visibility timeout has passed.
"""

import json
import os
import signal
import subprocess
import uuid
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from cdn import services, tasks
from cdn.models import CdnInvalidation
from config.celery_app import app
from tests.cdn.conftest import invalidations
from tests.support import child_database_url, start_celery_worker, stop_process, wait_for

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

VISIBILITY_TIMEOUT = 3


@pytest.fixture
def start_worker(aws, redis_server, tmp_path):  # noqa: F811
    """Start `celery worker` processes on the test's own broker; every one is stopped at the end."""
    procs: list[subprocess.Popen] = []
    queue = f"cdn-kill-{uuid.uuid4().hex[:8]}"
    # The unacked message becomes visible again VISIBILITY_TIMEOUT after delivery; workers look for such
    # messages every second (kombu's default sweep is every 10th call of a 10 s timer).
    transport = {"visibility_timeout": VISIBILITY_TIMEOUT, "unacked_restore_interval": 1, "unacked_restore_throttle": 1}

    def _start(name: str, endpoint: str) -> tuple[subprocess.Popen, Path]:
        env = {
            **os.environ,
            **aws.env,
            "AWS_ENDPOINT_URL": endpoint,
            "DJANGO_SETTINGS_MODULE": "config.settings.test",
            "DATABASE_URL": child_database_url(),
            "CELERY_BROKER_URL": redis_server.url,
            "CELERY_BROKER_TRANSPORT_OPTIONS": json.dumps(transport),
            "CLOUDFRONT_DISTRIBUTION_ID": aws.distribution,
            "CDN_REDIS_PREFIX": aws.prefix,
            "CDN_CELERY_QUEUE": queue,
        }
        log = tmp_path / f"{name}.log"
        proc = start_celery_worker(name=name, queue=queue, env=env, log=log)
        procs.append(proc)
        return proc, log

    _start.queue = queue
    yield _start
    for proc in procs:
        stop_process(proc)


def test_worker_killed_mid_invalidation_is_redelivered_and_sends_one_invalidation(
    aws,  # noqa: F811
    start_worker,
    redis_server,
    tcp_proxy,
):
    moto = urlsplit(aws.endpoint)
    proxy = tcp_proxy(moto.hostname, moto.port)
    proxy.hold()  # the first worker's CreateInvalidation reaches the proxy and waits there
    first, first_log = start_worker("first", f"http://127.0.0.1:{proxy.port}")
    record = services.batch_record(aws.distribution, ["/media/products/a.jpg", "/media/products/b.jpg"], "kill")

    with app.connection_for_write(redis_server.url) as conn:
        tasks.submit_invalidation.apply_async(args=[record.pk], queue=start_worker.queue, connection=conn)

    assert proxy.held_event.wait(60), first_log.read_text()[-4000:]
    record.refresh_from_db()
    assert record.attempts == 1 and record.invalidation_id == ""  # inside the task, before CloudFront answered
    os.kill(first.pid, signal.SIGKILL)
    first.wait(timeout=10)
    proxy.release()  # the killed worker's request is dropped, never forwarded
    assert invalidations(aws) == []

    # The second worker takes the message over once its visibility timeout has passed.
    _, second_log = start_worker("second", f"http://127.0.0.1:{proxy.port}")
    sent = wait_for(
        lambda: CdnInvalidation.objects.exclude(invalidation_id="").first(), 60, "the redelivered task", second_log
    )

    assert "submit_invalidation" in second_log.read_text()
    # Acknowledged: nothing is left for the broker to deliver again, so the counts below are final.
    broker = redis_server.client()
    wait_for(
        lambda: broker.hlen("unacked") == 0 and broker.llen(start_worker.queue) == 0,
        60,
        "the broker to hold nothing unacknowledged",
        second_log,
    )
    record.refresh_from_db()
    assert record.attempts == 2  # run by the killed worker, then once more by the second
    assert CdnInvalidation.objects.count() == 1
    created = invalidations(aws)
    assert len(created) == 1
    assert created[0]["Id"] == sent.invalidation_id
    assert created[0]["InvalidationBatch"]["CallerReference"] == record.caller_reference
    assert sorted(created[0]["InvalidationBatch"]["Paths"]["Items"]) == [
        "/media/products/a.jpg",
        "/media/products/b.jpg",
    ]
