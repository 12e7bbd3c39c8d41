"""Fixtures for the observability tests: moto's server over real HTTP, CloudWatch read-back helpers."""

import os
import socket
import uuid

import boto3
import pytest
from moto.server import ThreadedMotoServer

AWS_ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
}


@pytest.fixture(scope="session")
def moto_server():
    """Run moto's HTTP server on a free loopback port; CloudWatch is the one AWS service not here."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    saved = {k: os.environ.get(k) for k in AWS_ENV}
    os.environ.update(AWS_ENV)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


@pytest.fixture
def aws(moto_server, settings):
    """Point the publisher and the alarm command at moto, under an environment name of this test's own."""
    settings.CACHE_METRICS_ENDPOINT_URL = moto_server
    settings.CACHE_METRICS_REGION = "us-east-1"
    settings.ENVIRONMENT_NAME = f"test-{uuid.uuid4().hex[:10]}"
    return boto3.client("cloudwatch", region_name="us-east-1", endpoint_url=moto_server)
