"""Write throttles: per account and per client address, counted in the cache layer's Redis.

DRF's ``SimpleRateThrottle`` keeps a list of recent request times per key. Its store here goes through
the cache layer's breaker (``shop.cache.trust.call``), so a Redis outage costs one timeout per process,
not one per write, and throttling steps aside (fails open) until Redis answers again: the shop keeps
selling while Redis is down, as the rest of it does. Keys live under ``SHOP_CACHE["PREFIX"]``.
"""

import json
import logging

from django.conf import settings
from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle

from shop.cache.trust import CacheUnavailable, call
from shop.proxies import client_address

logger = logging.getLogger("api")


class _RedisStore:
    """The two calls ``SimpleRateThrottle`` makes of a cache, on Redis behind the breaker."""

    def get(self, key: str, default=None):
        raw = call(lambda backend: backend.client().get(key))
        return json.loads(raw) if raw else default

    def set(self, key: str, value, timeout: float) -> None:
        data = json.dumps(value)
        call(lambda backend: backend.client().set(key, data, ex=max(1, int(timeout) + 1)))


class _Throttle(SimpleRateThrottle):
    cache = _RedisStore()

    def get_rate(self) -> str | None:
        # Read at each request (DRF's class attribute is fixed at import), so settings can change in tests.
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)

    def ident(self, request) -> str | None:
        raise NotImplementedError

    def get_cache_key(self, request, view) -> str | None:
        ident = self.ident(request)
        return None if ident is None else f"{settings.SHOP_CACHE['PREFIX']}:throttle:{self.scope}:{ident}"

    def allow_request(self, request, view) -> bool:
        try:
            return super().allow_request(request, view)
        except CacheUnavailable:
            logger.warning("api: throttle %s not applied, Redis unavailable", self.scope)
            return True


class UserWriteThrottle(_Throttle):
    """Writes per account (token or session log-in); anonymous clients are left to the address limit."""

    scope = "api_user_writes"

    def ident(self, request) -> str | None:
        return str(request.user.pk) if request.user.is_authenticated else None


class AddressWriteThrottle(_Throttle):
    """Writes per client address, as the trusted proxies report it (``shop.proxies``)."""

    scope = "api_address_writes"

    def ident(self, request) -> str | None:
        return client_address(request) or "unknown"


class TokenThrottle(AddressWriteThrottle):
    """Token requests (username and password) per client address."""

    scope = "api_token"
