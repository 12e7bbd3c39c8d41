"""Fixtures for the deploy tests: the template as data, and moto's server over real HTTP."""

import socket
from pathlib import Path

import boto3
import pytest
from cfnlint.decode import decode
from moto.server import ThreadedMotoServer

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = ROOT / "deploy" / "template.yaml"
REGION = "us-east-1"


@pytest.fixture(scope="session")
def template() -> dict:
    """Return deploy/template.yaml decoded (short-form intrinsics become Fn::* dicts)."""
    decoded, errors = decode(str(TEMPLATE))
    assert not errors, errors
    return decoded


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def moto_endpoint():
    """Start moto's server on a loopback port; boto3 reaches it over HTTP like it would reach AWS."""
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=_free_port(), verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture(scope="module")
def aws(moto_endpoint):
    """Return a factory of boto3 clients bound to moto's server."""

    def client(service: str):
        return boto3.client(
            service,
            endpoint_url=moto_endpoint,
            region_name=REGION,
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )

    return client
