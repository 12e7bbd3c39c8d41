"""Fixtures for the deploy tests: the template as data (moto's server: ``aws`` in tests/conftest.py)."""

from pathlib import Path

import pytest
from cfnlint.decode import decode

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = ROOT / "deploy" / "template.yaml"


@pytest.fixture(scope="session")
def template() -> dict:
    """Return deploy/template.yaml decoded (short-form intrinsics become Fn::* dicts)."""
    decoded, errors = decode(str(TEMPLATE))
    assert not errors, errors
    return decoded
