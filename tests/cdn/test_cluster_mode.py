"""CDN path coalescing in cluster mode: the pending set and the flush guard on a Redis Cluster."""

import pytest
from django.conf import settings
from django.db import transaction
from django.test import override_settings

from cdn import selectors as cdn_selectors
from cdn import services as cdn_services
from cdn.models import CdnInvalidation
from tests.cluster import cluster_overrides

from .conftest import invalidations

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


def test_queued_paths_are_coalesced_and_sent_through_the_cluster(aws, captured, redis_cluster):
    # Around the body only: the aws fixture's teardown cleans the test's keys with django-redis.
    with override_settings(**cluster_overrides(redis_cluster, settings.CACHES)):
        with transaction.atomic():
            cdn_services.paths_queue(["/media/a.jpg", "/media/b.jpg"])
        with transaction.atomic():
            cdn_services.paths_queue(["/media/b.jpg", "/media/c.jpg"])
        assert [t.name for t, _, _ in captured.sent] == ["cdn.tasks.flush_paths"]  # two queues, one flush
        assert sorted(cdn_selectors.queued_paths(aws.distribution)) == ["/media/a.jpg", "/media/b.jpg", "/media/c.jpg"]
        captured.run()
        (sent,) = invalidations(aws)
        assert sorted(sent["InvalidationBatch"]["Paths"]["Items"]) == ["/media/a.jpg", "/media/b.jpg", "/media/c.jpg"]
        assert CdnInvalidation.objects.get().status == CdnInvalidation.Status.COMPLETED
        assert cdn_selectors.queued_paths(aws.distribution) == []
