"""The staff cache panel: staff only; chart, Redis INFO, CDN budget; purges go through the cache layer."""

import uuid

import pytest
from amqp.exceptions import ChannelError
from django.conf import settings as django_settings
from django_redis import get_redis_connection

from cdn import batching
from cdn import queue as redis_queue
from cdn import selectors as cdn_selectors
from cdn import services as cdn_services
from config.celery_app import app
from shop.cache import clients
from shop.observability import metrics
from tests.factories import CategoryFactory, ProductFactory, ProductImageFactory, StaffFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

PANEL = "/admin/cache/"


@pytest.fixture
def product():
    p = ProductFactory(name="Chef Knife", slug="chef-knife", category=CategoryFactory(slug="kitchen"))
    ProductImageFactory(product=p)
    return p


def test_anonymous_visitors_are_sent_to_the_admin_login(client):
    response = client.get(PANEL)

    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_shoppers_without_staff_status_are_sent_to_the_admin_login(client):
    client.force_login(UserFactory(username="shopper"))

    response = client.get(PANEL)
    post = client.post(PANEL, {"slug": "chef-knife", "purge_cache": ""})

    assert response.status_code == 302 and response["Location"].startswith("/admin/login/")
    assert post.status_code == 302 and post["Location"].startswith("/admin/login/")


def test_staff_see_the_hit_ratio_chart_redis_info_and_cdn_budget(client, product, aws):
    client.get("/products/chef-knife/")
    client.get("/products/chef-knife/")
    metrics.publish()
    client.force_login(StaffFactory(username="boss"))

    response = client.get(PANEL)

    assert response.status_code == 200
    html = response.content.decode()
    assert "<svg" in html and "<polyline" in html
    assert "page: 50.0% (latest)" in html  # the second load was a whole-page hit
    evicted = sum(node.info()["evicted_keys"] for node in clients.primaries(clients.client()))
    assert f"<td>{evicted}</td>" in html
    assert "Invalidation paths used this month: <strong>0</strong>" in html
    assert "Purge from CDN" in html


def test_admin_index_links_to_the_panel(client):
    client.force_login(StaffFactory(username="boss"))
    assert f'href="{PANEL}"' in client.get("/admin/").content.decode()


def test_purging_a_product_makes_its_next_read_a_miss(client, product):
    assert client.get("/products/chef-knife/")["X-Cache"] == "MISS"
    assert client.get("/products/chef-knife/")["X-Cache"] == "HIT"
    client.force_login(StaffFactory(username="boss"))

    response = client.post(PANEL, {"slug": "chef-knife", "purge_cache": ""}, follow=True)

    assert "Cache of “chef-knife” purged" in response.content.decode()
    assert client.get("/products/chef-knife/")["X-Cache"] == "MISS"


def test_purging_an_unknown_slug_says_so_and_changes_nothing(client, product):
    client.get("/products/chef-knife/")
    client.force_login(StaffFactory(username="boss"))

    response = client.post(PANEL, {"slug": "no-such-thing", "purge_cache": ""}, follow=True)

    assert "No product with slug “no-such-thing”" in response.content.decode()
    assert client.get("/products/chef-knife/")["X-Cache"] == "HIT"


@pytest.fixture
def cdn_queue(settings):
    """A queue of this test's own on the broker, emptied at the end: nothing it schedules outlives the test."""
    queue = f"panel-test-{uuid.uuid4().hex[:10]}"
    settings.CDN_CELERY_QUEUE = queue
    yield queue
    with app.connection_for_write() as conn:
        conn.default_channel.queue_purge(queue)


def _messages_in(queue: str) -> int:
    with app.connection_for_write() as conn:
        try:
            return conn.default_channel.queue_declare(queue=queue, passive=True).message_count
        except ChannelError:  # the Redis transport has no queue until a message is sent to it
            return 0


@pytest.mark.single_node  # Celery's broker is the Redis server (cluster mode: SQS, tests/cdn/test_sqs_broker.py)
def test_purge_from_cdn_queues_the_products_image_paths(client, product, settings, cdn_queue):
    settings.CLOUDFRONT_DISTRIBUTION_ID = "E2PANELTEST"
    settings.CDN_REDIS_PREFIX = f"{django_settings.SHOP_CACHE['PREFIX']}-cdn"
    settings.CDN_COALESCE_SECONDS = 3600  # the flush waits in the test's queue; only what was queued is checked
    client.force_login(StaffFactory(username="boss"))
    image = product.images.get()

    response = client.post(PANEL, {"slug": "chef-knife", "purge_cdn": ""}, follow=True)

    assert "CloudFront invalidation of" in response.content.decode()
    pending = cdn_selectors.queued_paths("E2PANELTEST")
    get_redis_connection("default").delete(*redis_queue.keys(cdn_services.queue_name("E2PANELTEST")))
    assert set(batching.media_paths([image.image.name])) <= set(pending)
    assert _messages_in(cdn_queue) == 1  # one flush scheduled for the window
