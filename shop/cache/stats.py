"""Hit/miss accounting per namespace, cheap enough for every request.

Hits and misses of cached reads are counted inside the Redis fetch script itself (no extra
round trip, exact across processes). Everything counted in Python (session hits, stampede
waits, degraded reads) waits in ``pending`` and rides along with the next fetch.
"""

import threading
from collections import Counter

_lock = threading.Lock()
pending: Counter[str] = Counter()
# Running totals of this process, for tests and the staff panel; never reset by flushing.
local_totals: Counter[str] = Counter()


def incr(field: str, amount: int = 1) -> None:
    """Count ``amount`` occurrences of ``field`` (``"<namespace>:<outcome>"``)."""
    with _lock:
        pending[field] += amount
        local_totals[field] += amount


def take_pending() -> list[tuple[str, int]]:
    """Remove and return the counts not yet sent to Redis."""
    with _lock:
        items = list(pending.items())
        pending.clear()
    return items


def restore(items: list[tuple[str, int]]) -> None:
    """Put back counts whose flush failed, so none is lost."""
    with _lock:
        for field, amount in items:
            pending[field] += amount
