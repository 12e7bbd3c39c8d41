"""shop.proxies.client_address: X-Forwarded-For is believed only as far as our trusted proxies wrote it."""

import pytest
from django.test import RequestFactory

from shop.proxies import client_address

VPC = ["10.0.0.0/16", "fd00::/8"]


def address(remote: str, forwarded: str | None = None) -> str | None:
    meta = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        meta["HTTP_X_FORWARDED_FOR"] = forwarded
    return client_address(RequestFactory().get("/", **meta))


@pytest.fixture(autouse=True)
def trusted(settings):
    settings.SHOPFRONT_TRUSTED_PROXY_CIDRS = VPC


@pytest.mark.parametrize(
    ("remote", "forwarded", "expected"),
    [
        # Straight from the internet: the header is the client's own text.
        ("192.0.2.50", "198.51.100.1", "192.0.2.50"),
        # Through the ALB: the right-most entry it appended.
        ("10.0.3.7", "203.0.113.9", "203.0.113.9"),
        ("10.0.3.7", "1.2.3.4, 203.0.113.9", "203.0.113.9"),
        # Two trusted hops (e.g. a Varnish in the VPC behind the ALB) are skipped.
        ("10.0.3.7", "1.2.3.4, 203.0.113.9, 10.0.9.9", "203.0.113.9"),
        # Through the ALB with no header, or only trusted hops: the left-most trusted hop.
        ("10.0.3.7", None, "10.0.3.7"),
        ("10.0.3.7", "10.0.1.1", "10.0.1.1"),
        # Garbage where a proxy would have written an address: the last trusted hop, never the garbage.
        ("10.0.3.7", "203.0.113.9, not-an-ip", "10.0.3.7"),
        ("10.0.3.7", "", "10.0.3.7"),
        # IPv6, normalised.
        ("fd00::1", "2001:DB8:0:0::7", "2001:db8::7"),
        ("2001:db8::9", "203.0.113.9", "2001:db8::9"),
    ],
)
def test_client_address(remote, forwarded, expected):
    assert address(remote, forwarded) == expected


def test_local_default_trusts_loopback_only(settings):
    settings.SHOPFRONT_TRUSTED_PROXY_CIDRS = ["127.0.0.1/32", "::1/128"]
    assert address("127.0.0.1", "203.0.113.9") == "203.0.113.9"
    assert address("::1", "203.0.113.9") == "203.0.113.9"
    assert address("10.0.3.7", "203.0.113.9") == "10.0.3.7"
