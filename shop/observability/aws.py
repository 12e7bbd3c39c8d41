"""boto3 clients for CloudWatch, honouring the endpoint and region settings."""

import boto3
from botocore.config import Config
from django.conf import settings


def cloudwatch(region: str | None = None):
    """Return a CloudWatch client; ``region`` overrides CACHE_METRICS_REGION (CloudFront lives in us-east-1)."""
    return boto3.client(
        "cloudwatch",
        region_name=region or settings.CACHE_METRICS_REGION,
        endpoint_url=settings.CACHE_METRICS_ENDPOINT_URL or None,
        config=Config(connect_timeout=3, read_timeout=10, retries={"max_attempts": 3, "mode": "standard"}),
    )
