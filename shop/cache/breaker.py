"""A per-process circuit breaker so a sick Redis costs one timeout, not one per request."""

import threading
import time
from collections.abc import Callable

from django.conf import settings


def now() -> float:
    """Return the breaker's clock (monotonic seconds)."""
    return time.monotonic()


class Breaker:
    """Open for a cool-down after a failure; the first call after it probes Redis again.

    ``tripped`` stays set until ``recovered()``: the cache layer uses it to run its recovery
    step (draining pending invalidations) before it trusts anything Redis says again.
    """

    def __init__(self, name: str, clock: Callable[[], float] | None = None) -> None:
        self.name = name
        self._clock = clock or (lambda: now())
        self._lock = threading.Lock()
        self._open_until = 0.0
        self.tripped = False
        self.trips = 0

    def allow(self) -> bool:
        return self._clock() >= self._open_until

    def trip(self) -> None:
        with self._lock:
            cooldown = settings.SHOP_CACHE["BREAKER_COOLDOWN_SECONDS"]
            self._open_until = self._clock() + cooldown
            self.tripped = True
            self.trips += 1

    def recovered(self) -> None:
        with self._lock:
            self._open_until = 0.0
            self.tripped = False

    def reset(self) -> None:
        self.recovered()
        self.trips = 0


_breakers: dict[str, Breaker] = {}


def get(name: str) -> Breaker:
    """Return this process's breaker for the cache alias ``name``."""
    try:
        return _breakers[name]
    except KeyError:
        return _breakers.setdefault(name, Breaker(name))


def reset_all() -> None:
    for breaker in _breakers.values():
        breaker.reset()
