"""Local development: DEBUG on, files on disk, whitenoise serves static files."""

from .base import *  # noqa: F403
from .base import env

DEBUG = env.bool("DJANGO_DEBUG", default=True)
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG
CACHE_METRICS_TO_CLOUDWATCH = env.bool("CACHE_METRICS_TO_CLOUDWATCH", default=False)
# Unhashed files are served locally (DEBUG): no browser may keep an edited stylesheet for a year.
WHITENOISE_MAX_AGE = 0
# One line per request: shop.access has it (with the cache outcome and SQL count), so runserver's own is off.
LOGGING = {**LOGGING, "loggers": {**LOGGING["loggers"], "django.server": {"level": "ERROR"}}}  # noqa: F405
