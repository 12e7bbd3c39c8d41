"""The cache tests' page helpers, for their cluster analogues."""

from tests.cache.conftest import page, warm  # noqa: F401 (fixtures)
