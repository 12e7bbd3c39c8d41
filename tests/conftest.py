"""Shared fixtures: real Postgres (pytest-django), real Redis, an isolated cache namespace per test, a small
catalog, and moto's server standing in for AWS."""

import os
import socket
import subprocess
import time
import uuid
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace

import boto3
import pytest
import redis
from moto.server import ThreadedMotoServer

from catalog.services import sales_ranking_refresh
from cdn.storages import s3_storages
from shop.cache import breaker, clients, keys, stats, trust
from tests.cluster import (  # noqa: F401 (a local Redis Cluster)
    cluster_mode,
    cluster_overrides,
    redis_cluster,
    redis_cluster_session,
)
from tests.cluster_node import RedisProcess, redis_server_binary
from tests.factories import CategoryFactory, OrderLineFactory, ProductFactory, ProductImageFactory

AWS_REGION = "us-east-1"
CDN_DOMAIN = "d111111abcdef8.cloudfront.net"


CLUSTER_PASS_ENV = "SHOPFRONT_TEST_REDIS_CLUSTER"


def pytest_addoption(parser):
    parser.addoption(
        "--redis-cluster",
        action="store_true",
        help=f"run every cache alias on the local Redis Cluster (cluster mode; also {CLUSTER_PASS_ENV}=1)",
    )


def cluster_pass(config) -> bool:
    """Return whether this run puts every cache alias on the local Redis Cluster."""
    return bool(config.getoption("--redis-cluster")) or os.environ.get(CLUSTER_PASS_ENV) == "1"


def pytest_collection_modifyitems(config, items):
    """In the cluster pass, leave out tests about one redis-server process (they ran in the first pass;
    tests/redis_cluster has their cluster analogues, which pause or kill a node instead)."""
    if not cluster_pass(config):
        return
    single = [i for i in items if {"redis_server", "use_redis"} & set(getattr(i, "fixturenames", ()))]
    single += [i for i in items if i.get_closest_marker("single_node") and i not in single]
    if single:
        config.hook.pytest_deselected(items=single)
        items[:] = [i for i in items if i not in single]


@pytest.fixture(autouse=True)
def isolated_cache(request, settings):
    """Give each test its own key prefix (as Zulip does) and a closed circuit breaker; in the cluster pass,
    every cache alias on the local Redis Cluster."""
    if cluster_pass(request.config):
        for name, value in cluster_overrides(request.getfixturevalue("redis_cluster"), settings.CACHES).items():
            setattr(settings, name, value)
    settings.SHOP_CACHE = {**settings.SHOP_CACHE, "PREFIX": f"t{uuid.uuid4().hex[:12]}"}
    breaker.reset_all()
    trust.reset()
    stats.take_pending()
    yield
    breaker.reset_all()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class RedisServer(RedisProcess):
    """A redis-server process owned by one test: it may be killed, paused and restarted."""

    def __init__(self, tmp: Path) -> None:
        self.port = _free_port()
        self.dir = tmp

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        args = ["--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
        self.proc = subprocess.Popen([redis_server_binary(), *args, "--dir", str(self.dir)], stdout=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                if redis.Redis(port=self.port, socket_timeout=0.2).ping():
                    return
            except redis.RedisError:
                time.sleep(0.02)
        raise RuntimeError(f"redis-server on port {self.port} did not start")

    stop = RedisProcess.kill

    def client(self) -> redis.Redis:
        return redis.Redis(port=self.port, socket_timeout=1)


@pytest.fixture
def redis_server(tmp_path):
    server = RedisServer(tmp_path)
    server.start()
    yield server
    if server.proc is not None and server.proc.poll() is None:
        server.resume()
    server.stop()


@pytest.fixture
def after_cooldown(monkeypatch):
    """Move the breaker's clock past its cool-down."""

    def _skip() -> None:
        later = breaker.now() + 3600
        monkeypatch.setattr(breaker, "now", lambda: later)

    return _skip


@pytest.fixture
def use_redis(settings):
    """Point both cache aliases at ``server`` (a RedisServer) for the rest of the test."""

    def _use(server: RedisServer) -> None:
        caches = {}
        for alias, conf in settings.CACHES.items():
            caches[alias] = {**conf, "LOCATION": server.url}
        settings.CACHES = caches

    return _use


@pytest.fixture
def catalog(transactional_db):
    """Kitchen > Knives with two knives (one featured, with an image, a best-seller), and an empty Garden."""
    kitchen = CategoryFactory(name="Kitchen", slug="kitchen")
    knives = CategoryFactory(name="Knives", slug="knives", parent=kitchen)
    garden = CategoryFactory(name="Garden", slug="garden")
    knife = ProductFactory(
        name="Chef Knife",
        slug="chef-knife",
        category=knives,
        price=Decimal("50.00"),
        stock=10,
        is_featured=True,
        description="A forged steel knife for every kitchen.",
    )
    spare = ProductFactory(name="Paring Knife", slug="paring-knife", category=knives, price=Decimal("20.00"))
    image = ProductImageFactory(product=knife, position=0, alt="knife photo")
    sale = OrderLineFactory(product=knife, quantity=2)  # a best-seller ...
    sales_ranking_refresh()  # ... once the periodic ranking has run
    return SimpleNamespace(
        kitchen=kitchen, knives=knives, garden=garden, knife=knife, spare=spare, image=image, order=sale.order
    )


# AWS (moto) -----------------------------------------------------------------------------------


def aws_client(endpoint: str, service: str, region: str = AWS_REGION):
    """Return a boto3 client of ``service`` bound to moto's server, with moto's dummy credentials."""
    return boto3.client(
        service,
        endpoint_url=endpoint,
        region_name=region,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


@pytest.fixture(scope="session")
def moto_endpoint():
    """Run moto's server on a loopback port for the session; boto3 reaches it over HTTP as it would AWS."""
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=_free_port(), verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


def _create_distribution(cloudfront, bucket: str) -> str:
    origin = f"{bucket}.s3.{AWS_REGION}.amazonaws.com"
    config = {
        "CallerReference": uuid.uuid4().hex,
        "Comment": "shopfront test",
        "Enabled": True,
        "Origins": {
            "Quantity": 1,
            "Items": [{"Id": "s3", "DomainName": origin, "S3OriginConfig": {"OriginAccessIdentity": ""}}],
        },
        "DefaultCacheBehavior": {"TargetOriginId": "s3", "ViewerProtocolPolicy": "redirect-to-https"},
    }
    return cloudfront.create_distribution(DistributionConfig=config)["Distribution"]["Id"]


class Aws(SimpleNamespace):
    """What the ``aws`` fixture made; ``aws("ec2")`` is a client of any service on moto."""

    def __call__(self, service: str, region: str = AWS_REGION):
        return aws_client(self.endpoint, service, region)


@pytest.fixture
def aws(moto_endpoint, settings, monkeypatch) -> Aws:
    """Point every AWS client of the app at moto: media storage on a bucket of this test's own, CloudFront
    on a distribution of its own, metrics under an environment name of its own; CDN Redis keys of its own.

    ``env`` holds the variables a child process (a Celery worker) needs to see the same."""
    env = {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": AWS_REGION,
        "AWS_ENDPOINT_URL": moto_endpoint,
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    bucket = f"shopfront-{uuid.uuid4().hex[:12]}"
    s3 = aws_client(moto_endpoint, "s3")
    s3.create_bucket(Bucket=bucket)
    cloudfront = aws_client(moto_endpoint, "cloudfront")
    distribution = _create_distribution(cloudfront, bucket)
    prefix = f"tcdn{uuid.uuid4().hex[:10]}"
    settings.AWS_ENDPOINT_URL = moto_endpoint
    settings.CLOUDFRONT_DISTRIBUTION_ID = distribution
    settings.CDN_REDIS_PREFIX = prefix
    settings.CDN_COALESCE_SECONDS = 1.0
    settings.CACHE_METRICS_ENDPOINT_URL = moto_endpoint
    settings.CACHE_METRICS_REGION = AWS_REGION
    settings.ENVIRONMENT_NAME = f"test-{uuid.uuid4().hex[:10]}"
    env["SHOP_CACHE_PREFIX"] = settings.SHOP_CACHE["PREFIX"]  # the CDN keys live under the cache's prefix
    production = s3_storages(
        bucket=bucket,
        custom_domain=CDN_DOMAIN,
        region=AWS_REGION,
        endpoint_url=moto_endpoint,
        media_cache_control="public, max-age=86400, s-maxage=31536000",
    )
    # Media on S3; static stays as in test settings (pages render without a manifest) unless a test opts in.
    settings.STORAGES = {**settings.STORAGES, "default": production["default"]}
    yield Aws(
        endpoint=moto_endpoint,
        env=env,
        bucket=bucket,
        distribution=distribution,
        prefix=prefix,
        s3=s3,
        cloudfront=cloudfront,
        cloudwatch=aws_client(moto_endpoint, "cloudwatch"),
        storages=production,
    )
    for conn in clients.primaries(clients.client("default")):  # one server, or every master of a cluster
        for key in conn.scan_iter(keys.entry(prefix, "*")):
            conn.delete(key)
