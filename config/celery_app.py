"""Celery application: broker, result backend and beat schedule come from Django settings."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

app = Celery("shopfront")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
