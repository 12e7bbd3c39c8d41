"""Helpers for tests that start other processes (workers, servers) against the test database."""

import os
import subprocess
import sys
import time
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path
from urllib.parse import quote, urlencode

import pytest
from django.db import connection

from catalog.models import Product
from shop.cart import MAX_QUANTITY

ROOT = Path(__file__).resolve().parents[1]


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
    """Return ``predicate()``'s first truthy value, or fail the test (with the tail of ``log`` if given)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    tail = f"; log:\n{log.read_text()[-4000:]}" if log is not None else ""
    pytest.fail(f"timed out waiting for {what}{tail}")


def start_celery_worker(*, name: str, queue: str, env: dict[str, str], log: Path) -> subprocess.Popen:
    """Start a `celery worker` (solo pool) consuming only ``queue`` with ``env``; return once it is ready."""
    with log.open("w") as out:
        proc = subprocess.Popen(
            [
                *(sys.executable, "-m", "celery", "-A", "config", "worker", "--pool", "solo"),
                *("-Q", queue, "-n", f"{name}-{queue}@%h", "--without-gossip", "--without-mingle"),
                *("--without-heartbeat", "--loglevel", "INFO"),
            ],
            env=env,
            cwd=ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        wait_for(lambda: proc.poll() is not None or " ready." in log.read_text(), 90, f"{name} to start", log)
        assert proc.poll() is None, log.read_text()
    except BaseException:
        stop_process(proc)
        raise
    return proc


def stop_process(proc: subprocess.Popen) -> None:
    """Stop ``proc`` (SIGTERM, then SIGKILL after 20 s) unless it has already exited."""
    if proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def admin_product_form(product, images: list[dict] = (), initial: int = 0, **fields) -> dict:
    """The admin change form of ``product`` as a browser posts it; ``images`` are the inline rows' fields.

    ``initial`` is how many of those rows are existing images; ``fields`` override the product's own.
    """
    form = {
        "name": product.name,
        "slug": product.slug,
        "description": product.description,
        "price": "10.00",
        "stock": "20",
        "is_active": "on",
        "category": product.category_id,
        "images-TOTAL_FORMS": str(len(images)),
        "images-INITIAL_FORMS": str(initial),
        "images-MIN_NUM_FORMS": "0",
        "images-MAX_NUM_FORMS": "1000",
        "_save": "Save",
        **fields,
    }
    for i, row in enumerate(images):
        form |= {f"images-{i}-product": product.pk, f"images-{i}-position": str(i)}
        form |= {f"images-{i}-{key}": value for key, value in row.items()}
    return form


def assert_cart_data_well_formed(cart) -> None:
    """Assert a session's cart (``shop.cart.SESSION_KEY``) holds only active products and sane quantities/prices."""
    assert isinstance(cart, dict)
    active = set(Product.objects.filter(is_active=True).values_list("pk", flat=True))
    for key, item in cart.items():
        assert key.isdigit() and int(key) in active, key
        assert set(item) == {"q", "p"}
        assert isinstance(item["q"], int) and 1 <= item["q"] <= MAX_QUANTITY
        assert Decimal(item["p"]) > 0


def worker_env(settings, queue: str, **extra: str) -> dict[str, str]:
    """The environment of a `celery worker` child on ``queue`` using this test's database and broker."""
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": child_database_url(),
        "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
        "CDN_CELERY_QUEUE": queue,
        **extra,
    }


@contextmanager
def celery_worker(*, name: str, queue: str, env: dict[str, str], log: Path):
    """Run a `celery worker` (see start_celery_worker) for the ``with`` block; yield its log's path."""
    proc = start_celery_worker(name=name, queue=queue, env=env, log=log)
    try:
        yield log
    finally:
        stop_process(proc)
