"""moto's server over real HTTP for S3 + CloudFront, one bucket and distribution per test."""

import io
import socket
import uuid
from types import SimpleNamespace

import boto3
import pytest
from django_redis import get_redis_connection
from moto.server import ThreadedMotoServer
from PIL import Image

from cdn.storages import s3_storages

CDN_DOMAIN = "d111111abcdef8.cloudfront.net"
REGION = "us-east-1"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def moto_endpoint():
    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


def create_distribution(cloudfront, bucket: str) -> str:
    origin = f"{bucket}.s3.{REGION}.amazonaws.com"
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


@pytest.fixture
def aws(moto_endpoint, settings, monkeypatch):
    """Point storage and CloudFront at moto; give the test its own bucket, distribution and Redis prefix."""
    env = {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": REGION,
        "AWS_ENDPOINT_URL": moto_endpoint,
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    bucket = f"shopfront-{uuid.uuid4().hex[:12]}"
    s3 = boto3.client("s3", endpoint_url=moto_endpoint, region_name=REGION)
    s3.create_bucket(Bucket=bucket)
    cloudfront = boto3.client("cloudfront", endpoint_url=moto_endpoint, region_name=REGION)
    distribution = create_distribution(cloudfront, bucket)
    prefix = f"tcdn{uuid.uuid4().hex[:10]}"
    settings.AWS_ENDPOINT_URL = moto_endpoint
    settings.CLOUDFRONT_DISTRIBUTION_ID = distribution
    settings.CDN_REDIS_PREFIX = prefix
    settings.CDN_COALESCE_SECONDS = 1.0
    production = s3_storages(
        bucket=bucket,
        custom_domain=CDN_DOMAIN,
        region=REGION,
        endpoint_url=moto_endpoint,
        media_cache_control="public, max-age=86400, s-maxage=31536000",
    )
    # Media on S3; static stays as in test settings (pages render without a manifest) unless a test opts in.
    settings.STORAGES = {**settings.STORAGES, "default": production["default"]}
    yield SimpleNamespace(
        endpoint=moto_endpoint,
        env=env,
        bucket=bucket,
        distribution=distribution,
        prefix=prefix,
        s3=s3,
        cloudfront=cloudfront,
        storages=production,
    )
    conn = get_redis_connection("default")
    for key in conn.scan_iter(f"*{prefix}:*"):
        conn.delete(key)


def invalidations(aws) -> list[dict]:
    """Return every invalidation moto holds for the test's distribution, with its paths."""
    summaries = aws.cloudfront.list_invalidations(DistributionId=aws.distribution)["InvalidationList"]
    out = []
    for item in summaries.get("Items", []):
        got = aws.cloudfront.get_invalidation(DistributionId=aws.distribution, Id=item["Id"])["Invalidation"]
        out.append(got)
    return out


def jpeg(color: str = "teal", size: int = 1200) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (size, size), color).save(buf, "JPEG")
    return buf.getvalue()


@pytest.fixture
def captured(monkeypatch):
    """Collect the CDN tasks callers send, instead of the broker (test_worker.py covers the real one).

    ``run()`` executes them in order in this process with Celery's ``apply`` (retries included).
    """
    from cdn import tasks

    sent: list[tuple] = []

    def capture(task):
        def apply_async(args=None, kwargs=None, **options):
            sent.append((task, list(args or []), options))

        return apply_async

    for task in (tasks.flush_paths, tasks.submit_invalidation, tasks.flush_edge, tasks.purge_edge_tags):
        monkeypatch.setattr(task, "apply_async", capture(task))

    def run() -> None:
        while sent:
            task, args, _ = sent.pop(0)
            task.apply(args=args)

    return SimpleNamespace(sent=sent, run=run)
