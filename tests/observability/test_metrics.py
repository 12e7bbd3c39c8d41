"""The publisher sends exactly the hits and misses the traffic produced, once, across processes."""

import json
import os
import socket
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from botocore.exceptions import EndpointConnectionError
from django.conf import settings

from shop.cache import keys, stats, store
from shop.observability import metrics
from shop.observability.tasks import publish_cache_metrics
from tests.support import child_database_url

pytestmark = pytest.mark.django_db(transaction=True)

ROOT = Path(__file__).resolve().parents[2]

# Runs in a second process against the same Redis prefix and test database; prints X-Cache per page.
CHILD = """
import json
from django.test import Client
c = Client(HTTP_HOST="127.0.0.1")
paths = ["/products/chef-knife/"] * 3 + ["/products/paring-knife/"] * 2 + ["/categories/kitchen/"] * 2
print("RESULT " + json.dumps([c.get(p)["X-Cache"] for p in paths]))
"""


@pytest.fixture(autouse=True)
def data_entries_only(settings):
    """Count the data entries (product, listing, tree) by switching off whole-page caching.

    With pages on, a warm page never reads its data entries; the page namespace has its own test.
    """
    settings.SHOP_CACHE = {**settings.SHOP_CACHE, "PAGES": False}


def cloudwatch_sum(cw, metric: str, namespace: str | None = None) -> float:
    dims = [{"Name": "Environment", "Value": settings.ENVIRONMENT_NAME}]
    if namespace:
        dims.append({"Name": "Namespace", "Value": namespace})
    now = datetime.now(UTC)
    points = cw.get_metric_statistics(
        Namespace=settings.CACHE_METRICS_NAMESPACE,
        MetricName=metric,
        Dimensions=dims,
        StartTime=now - timedelta(hours=1),
        EndTime=now + timedelta(minutes=5),
        Period=60,
        Statistics=["Sum"],
    )["Datapoints"]
    return sum(p["Sum"] for p in points)


def outcomes(headers: list[str]) -> tuple[int, int]:
    return headers.count("HIT"), headers.count("MISS")


def test_published_hits_and_misses_equal_the_traffic(client, catalog, aws):
    product = [client.get("/products/chef-knife/")["X-Cache"] for _ in range(4)]
    listing = [client.get("/categories/kitchen/")["X-Cache"] for _ in range(3)]
    assert outcomes(product) == (3, 1) and outcomes(listing) == (2, 1)

    sent = publish_cache_metrics.apply().result

    assert sent["product:hit"] == 3 and sent["product:miss"] == 1
    assert cloudwatch_sum(aws.cloudwatch, "Hits", "product") == 3
    assert cloudwatch_sum(aws.cloudwatch, "Misses", "product") == 1
    assert cloudwatch_sum(aws.cloudwatch, "Hits", "listing") == 2
    assert cloudwatch_sum(aws.cloudwatch, "Misses", "listing") == 1
    # Every page reads the category tree once: one miss, then hits.
    assert cloudwatch_sum(aws.cloudwatch, "Hits", "tree") + cloudwatch_sum(aws.cloudwatch, "Misses", "tree") == 7
    assert cloudwatch_sum(aws.cloudwatch, "HitRatio", "product") == pytest.approx(75.0)


def test_two_processes_are_summed_and_a_second_publish_adds_nothing(client, catalog, aws):
    here = [client.get("/products/chef-knife/")["X-Cache"] for _ in range(2)]
    here += [client.get("/categories/kitchen/")["X-Cache"]]
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "SHOP_CACHE_PREFIX": settings.SHOP_CACHE["PREFIX"],
        "DATABASE_URL": child_database_url(),
        "REDIS_URL": settings.CACHES["default"]["LOCATION"],
        "CACHE_PAGES": "false",
        **({"REDIS_CLUSTER": "True", "CELERY_BROKER_URL": "memory://"} if settings.REDIS_CLUSTER else {}),
    }
    child = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", CHILD],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert child.returncode == 0, child.stderr
    there = json.loads(child.stdout.split("RESULT ", 1)[1])

    product_here, product_there = outcomes(here[:2]), outcomes(there[:5])
    listing_here, listing_there = outcomes(here[2:]), outcomes(there[5:])
    # chef-knife: miss then hit here, 3 hits there; paring-knife: miss then hit; kitchen: miss here, 2 hits there.
    assert (product_here, product_there) == ((1, 1), (4, 1))
    assert (listing_here, listing_there) == ((0, 1), (2, 0))

    sent = metrics.publish()

    assert cloudwatch_sum(aws.cloudwatch, "Hits", "product") == product_here[0] + product_there[0] == 5
    assert cloudwatch_sum(aws.cloudwatch, "Misses", "product") == product_here[1] + product_there[1] == 2
    assert cloudwatch_sum(aws.cloudwatch, "Hits", "listing") == 2
    assert cloudwatch_sum(aws.cloudwatch, "Misses", "listing") == 1
    assert sent["tree:hit"] + sent["tree:miss"] == len(here) + len(there)

    again = metrics.publish()

    assert again == {}
    assert cloudwatch_sum(aws.cloudwatch, "Hits", "product") == 5
    assert cloudwatch_sum(aws.cloudwatch, "Misses", "product") == 2
    assert store.client().exists(*keys.stats_shards()) == 0


def test_whole_page_hits_and_misses_are_published(client, catalog, aws, settings):
    settings.SHOP_CACHE = {**settings.SHOP_CACHE, "PAGES": True}
    pages = [client.get("/products/chef-knife/")["X-Cache"] for _ in range(4)]
    pages += [client.get("/categories/kitchen/")["X-Cache"] for _ in range(2)]
    assert outcomes(pages) == (4, 2)

    sent = metrics.publish()

    assert (sent["page:hit"], sent["page:miss"]) == (4, 2)
    assert cloudwatch_sum(aws.cloudwatch, "Hits", "page") == 4
    assert cloudwatch_sum(aws.cloudwatch, "Misses", "page") == 2
    # The data entries were read only by the two page misses.
    assert sent["product:miss"] == 1 and sent["listing:miss"] == 1 and "product:hit" not in sent


def test_python_counts_of_this_process_are_published(aws):
    stats.incr("session:hit", 4)
    stats.incr("session:miss")
    stats.incr("product:stampede_wait", 2)
    stats.incr("listing:degraded", 3)
    stats.incr("invalidation:delivered", 6)

    metrics.publish()

    assert cloudwatch_sum(aws.cloudwatch, "Hits", "session") == 4
    assert cloudwatch_sum(aws.cloudwatch, "Misses", "session") == 1
    assert cloudwatch_sum(aws.cloudwatch, "HitRatio", "session") == pytest.approx(80.0)
    assert cloudwatch_sum(aws.cloudwatch, "StampedeWaits", "product") == 2
    assert cloudwatch_sum(aws.cloudwatch, "DegradedReads", "listing") == 3
    assert cloudwatch_sum(aws.cloudwatch, "InvalidationsDelivered") == 6
    assert stats.take_pending() == []


def test_counts_are_kept_when_cloudwatch_is_unreachable_and_sent_next_time(aws, settings):
    stats.incr("session:hit", 2)
    moto = settings.CACHE_METRICS_ENDPOINT_URL
    with socket.socket() as s:  # a loopback port nobody listens on
        s.bind(("127.0.0.1", 0))
        settings.CACHE_METRICS_ENDPOINT_URL = f"http://127.0.0.1:{s.getsockname()[1]}"

    with pytest.raises(EndpointConnectionError):
        metrics.publish()

    assert sum(int(store.client().hget(shard, "session:hit") or 0) for shard in keys.stats_shards()) == 2
    settings.CACHE_METRICS_ENDPOINT_URL = moto
    metrics.publish()
    assert cloudwatch_sum(aws.cloudwatch, "Hits", "session") == 2


def test_each_publish_adds_a_snapshot_to_the_capped_history(client, catalog, aws, settings):
    settings.CACHE_METRICS_HISTORY_SIZE = 3
    client.get("/products/chef-knife/")
    client.get("/products/chef-knife/")
    for _ in range(4):
        metrics.publish()

    snapshots = metrics.history(store.client())

    assert len(snapshots) == 3
    assert snapshots[-1]["counts"] == {}
    assert [s["ts"] for s in snapshots] == sorted(s["ts"] for s in snapshots)
