"""Test settings: real Postgres and Redis, fast password hashing, an isolated media root."""

import tempfile

from .base import *  # noqa: F403
from .base import env

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
MEDIA_ROOT = tempfile.mkdtemp(prefix="shopfront-media-")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
CELERY_TASK_ALWAYS_EAGER = False
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True

# No outbox backstop thread in the test process (it would drain outbox rows behind the tests' backs);
# tests/cache/test_trust.py runs one round of it directly.
SHOP_CACHE = {**SHOP_CACHE, "OUTBOX_BACKSTOP_SECONDS": env.float("CACHE_OUTBOX_BACKSTOP_SECONDS", default=0.0)}  # noqa: F405
