"""WSGI entry of the bare benchmark server: Django's own handler, nothing wrapped around it (unlike config.wsgi,
which may gain layers), so the floor stays a bare view."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.bench_floor")

application = get_wsgi_application()
