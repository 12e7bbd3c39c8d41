"""Local development settings (`make run`)."""

import importlib


def test_local_static_files_are_not_cached_for_a_year_and_requests_are_logged_once():
    local = importlib.import_module("config.settings.local")

    assert local.WHITENOISE_MAX_AGE == 0  # unhashed files: an edited stylesheet shows on the next load
    assert local.LOGGING["loggers"]["django.server"]["level"] == "ERROR"  # shop.access logs each request
