"""The release a rendered page belongs to: pages rendered by other templates or static files never match."""

import hashlib
from functools import lru_cache
from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles.storage import staticfiles_storage

from . import conf


def _template_files() -> list[Path]:
    # The storefront's pages are built from the project's templates (TEMPLATES' DIRS), not the apps' (admin).
    dirs = [Path(d) for conf in settings.TEMPLATES for d in conf.get("DIRS", [])]
    return sorted(p for d in dirs if d.is_dir() for p in d.rglob("*.html"))


def _fingerprint() -> str:
    digest = hashlib.blake2b(digest_size=6)
    for path in _template_files():
        digest.update(str(path).encode())
        digest.update(path.read_bytes())
    # Hashed static names (manifest storage) appear in the HTML: a new stylesheet is a new release.
    hashed = getattr(staticfiles_storage, "hashed_files", None) or {}
    for name in sorted(hashed):
        digest.update(f"{name}={hashed[name]}".encode())
    return digest.hexdigest()


_cached_fingerprint = lru_cache(maxsize=1)(_fingerprint)


def release() -> str:
    """Return ``SHOPFRONT_RELEASE`` if set, else a digest of the templates and static manifest.

    Computed once per process; under DEBUG on every call, so an edited template shows at once.
    """
    configured = conf.get("SHOP_CACHE").get("RELEASE")
    if configured:
        return configured
    return _fingerprint() if conf.get("DEBUG") else _cached_fingerprint()
