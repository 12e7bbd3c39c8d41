"""The settings the cache layer reads on every request, looked up once per process (again when they change).

Every ``settings.NAME`` goes through Django's lazy settings object; a warm page reads a dozen of them, which
on the fastest path is a measurable share of the request.
"""

from typing import Any

from django.conf import settings
from django.core.signals import setting_changed

_values: dict[str, Any] = {}


def get(name: str) -> Any:
    """Return ``settings.<name>``."""
    try:
        return _values[name]
    except KeyError:
        value = _values[name] = getattr(settings, name)
        return value


def _forget(**kwargs: Any) -> None:
    _values.clear()


setting_changed.connect(_forget)
