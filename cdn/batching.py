"""Pure helpers of the invalidation flow: path and tag planning, caller references, retry delays."""

import hashlib
import logging
import posixpath
import random
import re
from collections.abc import Iterable

logger = logging.getLogger(__name__)

MEDIA_PREFIX = "/media/"
# CloudFront tag items start with '#'; a tag is ASCII 33-126 without commas, at most 256 characters.
TAG_PREFIX = "#"
TAG_RE = re.compile(r"[!-+\--~]{1,256}")
# What a batch with too many tags invalidates instead: every object, billed as one path.
EVERYTHING = "/*"


def media_paths(names: Iterable[str]) -> list[str]:
    """Return the CloudFront paths of media storage ``names`` (the distribution serves ``media/`` there)."""
    return sorted({MEDIA_PREFIX + name.lstrip("/") for name in names if name})


def valid_tags(tags: Iterable[str]) -> list[str]:
    """Return the distinct tags CloudFront and xkey accept, sorted; log and drop the others."""
    good, bad = set(), set()
    for tag in tags:
        (good if isinstance(tag, str) and TAG_RE.fullmatch(tag) else bad).add(tag)
    if bad:
        logger.error("cdn: dropped %d invalid cache tags: %r", len(bad), sorted(map(repr, bad))[:5])
    return sorted(good)


def tag_items(tags: Iterable[str]) -> list[str]:
    """Return the CreateInvalidation items of ``tags``."""
    return [TAG_PREFIX + tag for tag in tags]


def is_wildcard(item: str) -> bool:
    """Tell whether ``item`` is a wildcard path (a tag may end in '*' and is still one exact tag)."""
    return item.startswith("/") and item.endswith("*")


def wildcards(paths: Iterable[str]) -> list[str]:
    """Return one ``<folder>/*`` path per folder of ``paths`` (CloudFront bills each as one path)."""
    return sorted({posixpath.dirname(p).rstrip("/") + "/*" for p in paths})


def plan(items: Iterable[str], *, threshold: int, file_room: int, tag_limit: int | None = None) -> list[str]:
    """Return the items to submit: paths and ``#tags`` as they are, or fewer, wider ones when the batch is large.

    More than ``threshold`` paths become folder wildcards. Tags have no wildcard: more than ``tag_limit`` of
    them become ``/*`` (everything, one billed path; it covers the paths too). ``file_room`` is how many more
    file paths CloudFront accepts in flight for the distribution; a tag counts as one.
    """
    items = sorted(set(items))
    tags = [i for i in items if i.startswith(TAG_PREFIX)]
    paths = [i for i in items if not i.startswith(TAG_PREFIX)]
    if tags and ((tag_limit is not None and len(tags) > tag_limit) or len(tags) > file_room):
        return [EVERYTHING]
    if len(paths) > threshold or len(paths) > file_room - len(tags):
        paths = wildcards(paths)
    return sorted(paths + tags)


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
