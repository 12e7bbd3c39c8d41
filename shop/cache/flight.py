"""In-process single flight: while Redis is away, concurrent requests for one key share one compute.

A request takes the value of a compute only if that compute started after the request did, so it never
gets a value read from the database before it arrived (a commit it could know of is always seen); a
finished compute still serves requests that arrived before it started (their Redis timeouts end apart).
Requests that arrive while an older compute runs wait for it to end and then share the next one.
"""

import contextvars
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

_started: contextvars.ContextVar[float | None] = contextvars.ContextVar("shop_cache_request_started", default=None)


class RequestStartMiddleware:
    """Record when the request started, so in-process flights know which computes it may share."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request):
        token = _started.set(time.monotonic())
        try:
            return self.get_response(request)
        finally:
            _started.reset(token)


class _Flight:
    def __init__(self) -> None:
        self.started = time.monotonic()
        self.done = threading.Event()
        self.value: Any = None
        self.error: BaseException | None = None


_flights: OrderedDict[tuple[str, str], _Flight] = OrderedDict()
_lock = threading.Lock()
KEEP_DONE = 256  # finished computes kept for requests that arrived before they started (timeouts end apart)


def run(alias: str, key: str, compute: Callable[[], Any]) -> Any:
    """Return ``compute()``, sharing one call with concurrent callers for the same key."""
    arrived = _started.get() or time.monotonic()
    while True:
        with _lock:
            flight = _flights.get((alias, key))
            leader = flight is None or (flight.done.is_set() and flight.started < arrived)
            if leader:
                flight = _flights[(alias, key)] = _Flight()
                _flights.move_to_end((alias, key))
                while len(_flights) > KEEP_DONE and next(iter(_flights.values())).done.is_set():
                    _flights.popitem(last=False)
        if leader:
            return _lead(alias, key, flight, compute)
        flight.done.wait()
        if flight.started >= arrived:
            if flight.error is not None:
                raise flight.error
            return flight.value
        # That compute began before this request: wait for it to end, then take part in the next one.


def _lead(alias: str, key: str, flight: _Flight, compute: Callable[[], Any]) -> Any:
    try:
        flight.value = compute()
        return flight.value
    except BaseException as exc:
        flight.error = exc
        with _lock:
            if _flights.get((alias, key)) is flight:
                del _flights[(alias, key)]
        raise
    finally:
        flight.done.set()
