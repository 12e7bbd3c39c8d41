"""Bare benchmark server: the floor and hello views with no middleware at all (issue 12's honest floor)."""

from .bench import *  # noqa: F403

MIDDLEWARE: list[str] = []
ROOT_URLCONF = "bench.urls"
