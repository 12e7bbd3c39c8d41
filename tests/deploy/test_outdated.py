"""scripts/outdated.py keeps pip's outdated list to the pinned requirements, following -r includes."""

import runpy

from .conftest import ROOT

outdated = runpy.run_path(str(ROOT / "scripts" / "outdated.py"))


def test_pins_follow_includes_and_compare_names_as_pypi_does(tmp_path):
    (tmp_path / "base.txt").write_text("# runtime\nDjango==5.2.19\ncelery[redis]==5.7.0\npsycopg[binary]==3.3.9\n")
    (tmp_path / "dev.txt").write_text("-r base.txt\nfactory_boy==3.3.3\npytest>=9  # not a pin\n")

    pins = outdated["pins"](tmp_path / "dev.txt")

    assert pins == {"django": "5.2.19", "celery": "5.7.0", "psycopg": "3.3.9", "factory-boy": "3.3.3"}


def test_only_pins_behind_pips_latest_are_listed():
    pins = {"django": "5.2.19", "factory-boy": "3.3.2", "celery": "5.7.0"}
    reported = [
        {"name": "Django", "version": "5.2.19", "latest_version": "6.1.3"},
        {"name": "factory_boy", "version": "3.3.2", "latest_version": "3.3.3"},
        {"name": "setuptools", "version": "65.5.0", "latest_version": "84.2.1"},  # not pinned
    ]

    assert outdated["behind"](pins, reported) == [("Django", "5.2.19", "6.1.3"), ("factory_boy", "3.3.2", "3.3.3")]


def test_the_real_pins_are_all_found():
    pins = outdated["pins"](ROOT / "requirements-dev.txt")
    assert {"django", "django-axes", "python-json-logger", "pip-audit", "pytest"} <= pins.keys()
