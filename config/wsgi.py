"""WSGI entry point for gunicorn."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

django_application = get_wsgi_application()

from shop.cache.wsgi import SharedResponses  # noqa: E402 (Django is set up above)
from shop.observability.accesslog import log_answered  # noqa: E402

# Warm shared pages are answered before Django builds a request (shop/cache/wsgi.py); the rest is Django.
application = SharedResponses(django_application, log=log_answered)
