"""Helpers for tests that start other processes (workers, servers) against the test database."""

import time
from pathlib import Path
from urllib.parse import quote, urlencode

import pytest
from django.db import connection


def child_database_url() -> str:
    """Return a DATABASE_URL for the database this test runs on, for a child process.

    Works for TCP servers and for the embedded server's Unix socket (HOST empty, OPTIONS["host"]).
    """
    db = connection.settings_dict
    auth = quote(db["USER"] or "", safe="") + (f":{quote(db['PASSWORD'], safe='')}" if db["PASSWORD"] else "")
    host = db["HOST"] or ""
    socket_dir = (db.get("OPTIONS") or {}).get("host")
    if host or not socket_dir:
        return f"postgres://{auth}@{host or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    return f"postgres://{auth}@/{db['NAME']}?{urlencode({'host': socket_dir})}"


def wait_for(predicate, timeout: float, what: str, log: Path | None = None, interval: float = 0.1):
    """Return ``predicate()``'s first truthy value, or fail the test (with the tail of ``log``, if given)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    tail = f"; log:\n{log.read_text()[-4000:]}" if log is not None else ""
    pytest.fail(f"timed out waiting for {what}{tail}")
