"""The CloudFront client and the error codes CloudFront answers when it wants the caller to wait."""

import boto3
from botocore.config import Config
from django.conf import settings

# botocore never retries TooManyInvalidationsInProgress, and retries throttling only a few times within one
# call; when either reaches the caller, the task backs off (minutes, with jitter) and tries again.
RETRYABLE_CODES = frozenset({"TooManyInvalidationsInProgress", "Throttling", "ThrottlingException"})
# CloudFront's limits on invalidations in progress per distribution.
MAX_FILE_PATHS_IN_FLIGHT = 3000
MAX_WILDCARDS_IN_FLIGHT = 15


def cloudfront_client():
    """Return a CloudFront client; ``AWS_ENDPOINT_URL`` points it at moto in tests and the local stack."""
    return boto3.client(
        "cloudfront",
        endpoint_url=settings.AWS_ENDPOINT_URL or None,
        region_name="us-east-1",  # CloudFront is global; its API lives in us-east-1
        config=Config(retries={"mode": "standard", "max_attempts": 3}, connect_timeout=5, read_timeout=20),
    )
