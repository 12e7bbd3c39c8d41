"""Local development: DEBUG on, files on disk, whitenoise serves static files."""

from .base import *  # noqa: F403
from .base import env

DEBUG = env.bool("DJANGO_DEBUG", default=True)
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG
CACHE_METRICS_TO_CLOUDWATCH = env.bool("CACHE_METRICS_TO_CLOUDWATCH", default=False)
