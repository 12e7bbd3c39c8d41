"""Composite entries (a rendered page, an API response) guarded by the tags of what they were built from.

While a composite is built, every read records the tags of the entries it returned and the version each
tag had for that value: the version the entry was validated against on a hit, or the one read before the
compute on a miss. The composite is stored under exactly those versions, so it is valid only while every
value it shows is, and a write to any of them makes it unreachable. Its tags are known only after it was
built (which cards a listing shows), yet no version is ever read after the data it guards.
"""

import contextvars
from contextlib import contextmanager
from dataclasses import dataclass, field


@dataclass
class Recording:
    """Tag key → version seen while building one composite; ``spoiled`` when it must not be stored."""

    versions: dict[str, str] = field(default_factory=dict)
    spoiled: bool = False

    def add(self, tag_keys, versions) -> None:
        for tag, version in zip(tag_keys, versions):
            seen = self.versions.setdefault(tag, version)
            if seen != version:
                self.spoiled = True  # two values read under different versions of one tag: a write in between


_current: contextvars.ContextVar[Recording | None] = contextvars.ContextVar("shop_cache_recording", default=None)


@contextmanager
def recording():
    """Record the tag versions of every cached read inside the block (nested blocks feed their parent)."""
    parent = _current.get()
    rec = Recording()
    token = _current.set(rec)
    try:
        yield rec
    finally:
        _current.reset(token)
        if parent is not None:
            parent.add(rec.versions.keys(), rec.versions.values())
            parent.spoiled |= rec.spoiled


def note(tag_keys, versions) -> None:
    rec = _current.get()
    if rec is not None:
        rec.add(tag_keys, versions)


def spoil() -> None:
    """Mark the composite being built as not storable (a value came from the database without a version)."""
    rec = _current.get()
    if rec is not None:
        rec.spoiled = True
