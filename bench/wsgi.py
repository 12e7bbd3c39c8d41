"""WSGI entry of the bare benchmark server: Django's own handler and no middleware (unlike config.wsgi, which
answers warm pages before Django), inside the same counters as the Shopfront servers."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.bench_floor")

from .counters import CountingApplication  # noqa: E402 (after Django is set up)

application = CountingApplication(get_wsgi_application())
