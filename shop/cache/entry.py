"""What the cache layer stores: entries an app declares, and what a read of one returns."""

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from . import keys

HIT = "hit"
MISS = "miss"
DEGRADED = "degraded"
BYPASS = "bypass"


@dataclass(frozen=True)
class Entry:
    """One cached value: where it lives, which tags guard it, and how to compute it.

    ``tags`` are names chosen by the app ("product:chef-knife"); a write that bumps one of them makes the
    entry unreachable. ``compute_many`` computes several missing entries of the same kind at once (one
    query for a page of cards): it gets the entries and returns their values in the same order.
    """

    namespace: str
    parts: tuple
    tags: tuple[str, ...]
    ttl: int
    compute: Callable[[], Any]
    compute_many: Callable[[Sequence["Entry"]], list[Any]] | None = field(default=None, compare=False)
    alias: str = "default"

    @property
    def key(self) -> str:
        return keys.entry(self.namespace, *self.parts)


@dataclass(frozen=True)
class Transient:
    """Return this from a compute to hand ``value`` back without caching it (a missing session, an error page)."""

    value: Any


@dataclass(frozen=True)
class Result:
    value: Any
    outcome: str

    @property
    def hit(self) -> bool:
        return self.outcome == HIT
