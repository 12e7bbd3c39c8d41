"""Pure helpers of the invalidation flow: path planning, caller references, retry delays."""

import hashlib
import posixpath
import random
from collections.abc import Iterable

MEDIA_PREFIX = "/media/"


def media_paths(names: Iterable[str]) -> list[str]:
    """Return the CloudFront paths of media storage ``names`` (the distribution serves ``media/`` there)."""
    return sorted({MEDIA_PREFIX + name.lstrip("/") for name in names if name})


def wildcards(paths: Iterable[str]) -> list[str]:
    """Return one ``<folder>/*`` path per folder of ``paths`` (CloudFront bills each as one path)."""
    return sorted({posixpath.dirname(p).rstrip("/") + "/*" for p in paths})


def plan(paths: Iterable[str], *, threshold: int, file_room: int) -> list[str]:
    """Return the paths to submit: ``paths`` as they are, or folder wildcards when the batch is large.

    ``file_room`` is how many more file paths CloudFront accepts in flight for the distribution.
    """
    paths = sorted(set(paths))
    if len(paths) > threshold or len(paths) > file_room:
        return wildcards(paths)
    return paths


def caller_reference(distribution_id: str, token: str, paths: Iterable[str]) -> str:
    """Return the CallerReference of a batch: a hash of the sorted paths and the flush that took them.

    The same flush (a retried or redelivered task) always yields the same reference, and CloudFront answers
    a repeated reference with the invalidation it already has instead of creating a second one.
    """
    text = "\n".join([distribution_id, token, *sorted(paths)])
    return "sf-" + hashlib.sha256(text.encode()).hexdigest()[:40]


def backoff(attempt: int, *, base: float, cap: float) -> float:
    """Return the delay before retry ``attempt`` (0-based): exponential, with jitter over its upper half."""
    ceiling = min(cap, base * 2**attempt)
    return random.uniform(ceiling / 2, ceiling)
