"""Bench URLconf (config.settings.bench only): the storefront plus the floor view."""

from django.urls import include, path

from bench.views import floor

urlpatterns = [
    path("bench/floor/", floor, name="bench_floor"),
    path("", include("config.urls")),
]
