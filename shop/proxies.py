"""The client's address when requests arrive through trusted proxies (the ALB).

Invariant: a client can only choose the left part of ``X-Forwarded-For``. Each trusted proxy appends
the address it received the connection from, so the right-most entry that is not a trusted proxy is
the client as our own infrastructure saw it; anything left of it is the client's word and is ignored.
A request whose REMOTE_ADDR is not a trusted proxy came straight to us and its header is ignored whole.
"""

import ipaddress
from functools import lru_cache

from django.conf import settings
from django.http import HttpRequest

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@lru_cache(maxsize=4)
def _networks(cidrs: tuple[str, ...]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(cidr, strict=False) for cidr in cidrs)


def _address(value: str) -> str | None:
    """Return value as a normalised IP address, or None when it is not one."""
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        return None


def _trusted(address: str, networks: tuple[Network, ...]) -> bool:
    ip = ipaddress.ip_address(address)
    return any(ip in network for network in networks if network.version == ip.version)


def client_address(request: HttpRequest) -> str | None:
    """Return the client's IP address: REMOTE_ADDR, or the right-most untrusted X-Forwarded-For hop."""
    nearest = _address(request.META.get("REMOTE_ADDR", ""))
    networks = _networks(tuple(settings.SHOPFRONT_TRUSTED_PROXY_CIDRS))
    if nearest is None or not _trusted(nearest, networks):
        return nearest
    for hop in reversed(request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")):
        address = _address(hop)
        if address is None:
            # Our proxies write addresses only, so this is the client's own text: stop at the last proxy.
            return nearest
        if not _trusted(address, networks):
            return address
        nearest = address
    return nearest
