"""Key and tag names: the only place that spells a cache key.

Every key carries SCHEMA_VERSION, so a deploy that changes the shape of cached values never
reads an entry written by the previous release.
"""

import hashlib

from django.conf import settings

SCHEMA_VERSION = 3


def _prefix() -> str:
    return f"{settings.SHOP_CACHE['PREFIX']}:v{SCHEMA_VERSION}"


def entry(namespace: str, *parts: object) -> str:
    """Return the key of a cached value in ``namespace`` identified by ``parts``."""
    return ":".join([_prefix(), namespace, *map(str, parts)])


def lock(key: str) -> str:
    """Return the single-flight lock key guarding ``key``."""
    return f"{key}:lock"


def tag(*parts: object) -> str:
    """Return the key holding the current version of a tag."""
    return ":".join([_prefix(), "tag", *map(str, parts)])


def stats() -> str:
    """Return the hash where every process adds its hit/miss counts."""
    return f"{_prefix()}:stats"


def stats_history() -> str:
    """Return the capped list of published stats snapshots (the staff panel's chart)."""
    return f"{_prefix()}:stats:history"


def digest(text: str) -> str:
    """Return a short, key-safe digest of free text such as a search query."""
    return hashlib.blake2b(text.encode(), digest_size=12).hexdigest()


# Tags. A write bumps tags; an entry is valid only while every tag it was read under is unchanged.
def product_tag(slug: str) -> str:
    return tag("product", slug)


def category_tag(slug: str) -> str:
    return tag("category", slug)


def tree_tag() -> str:
    return tag("tree")


def home_tag() -> str:
    return tag("home")


def bestsellers_tag() -> str:
    return tag("bestsellers")


def search_tag() -> str:
    return tag("search")
