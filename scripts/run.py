"""Migrate, seed a demo catalog on first start, then serve the storefront with a Celery worker beside it.

Run through ``make run`` (scripts/services.py provides Postgres and Redis when none is configured).
"""

import argparse
import os
import signal
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _stop(signum, frame) -> None:
    raise SystemExit(0)  # a requested stop, not a failure


def main() -> int:
    # Ctrl-C in a terminal or SIGTERM from scripts/services.py: stop the server and the worker.
    signal.signal(signal.SIGINT, _stop)
    signal.signal(signal.SIGTERM, _stop)
    parser = argparse.ArgumentParser()
    parser.add_argument("--seed", type=int, default=300, help="products to seed when the catalog is empty")
    parser.add_argument("--addr", default=os.environ.get("SHOPFRONT_ADDR", "127.0.0.1:8000"))
    args = parser.parse_args()
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": os.environ.get("DJANGO_SETTINGS_MODULE", "config.settings.local")}
    py = sys.executable
    manage = [py, str(ROOT / "manage.py")]
    subprocess.run([*manage, "migrate", "--no-input", "-v", "1"], check=True, env=env)
    subprocess.run([*manage, "seed_catalog", "--if-empty", "--products", str(args.seed)], check=True, env=env)
    worker = subprocess.Popen(
        [
            py,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "--beat",
            "--loglevel",
            "INFO",
            "--concurrency",
            "2",
            "--schedule",
            str(ROOT / ".services" / "celerybeat-schedule"),
        ],
        env=env,
        cwd=ROOT,
    )
    try:
        print(f"\nShopfront: http://{args.addr}/  (admin at /admin/, `python manage.py createsuperuser` for a login)\n")
        return subprocess.call([*manage, "runserver", args.addr, "--noreload"], env=env)
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=15)
        except subprocess.TimeoutExpired:
            worker.kill()


if __name__ == "__main__":
    sys.exit(main())
