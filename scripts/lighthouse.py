"""Lighthouse on home, a listing and a product page (`make lighthouse`; docs/testing.md#lighthouse).

Not part of `make test`: it needs npm (Node 20) and a Chromium. It seeds the demo catalog into a database of its
own, serves it with gunicorn and the production-like bench settings (DEBUG off, hashed static files; media from
a throwaway URLconf, as CloudFront would serve them), runs Lighthouse 12.2.3 (npm, installed into a temporary
folder) with the mobile and desktop presets, prints the four scores of each page and exits 1 if any is below 100.
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.procs import database_url  # noqa: E402
from tests.browser.chromium import find  # noqa: E402

LIGHTHOUSE = "lighthouse@12.2.3"  # 13.x needs Node 22
SETTINGS = 'from config.settings.bench import *  # noqa\nROOT_URLCONF = "lh_urls"\n'
URLS = """from django.conf import settings
from django.urls import re_path
from django.views.static import serve
from config.urls import urlpatterns as shop
urlpatterns = [re_path(r"^media/(?P<path>.*)$", serve, {"document_root": settings.MEDIA_ROOT}), *shop]
"""


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--postgres", default=os.environ.get("DATABASE_URL", ""), help="any database on the server")
    p.add_argument("--database", default="shopfront_lighthouse")
    p.add_argument("--port", type=int, default=8765)
    args = p.parse_args()
    chromium, _ = find()
    if chromium is None or not args.postgres or not os.environ.get("REDIS_URL"):
        sys.exit("needs a Chromium (see `make test`), DATABASE_URL and REDIS_URL (make lighthouse sets both)")
    tmp = Path(tempfile.mkdtemp(prefix="shopfront-lighthouse-"))
    (tmp / "lh_settings.py").write_text(SETTINGS)
    (tmp / "lh_urls.py").write_text(URLS)
    with psycopg.connect(database_url(args.postgres, "postgres"), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{args.database}"')
        conn.execute(f'CREATE DATABASE "{args.database}"')
    env = {
        **os.environ,
        "PYTHONPATH": f"{tmp}{os.pathsep}{ROOT}",
        "DJANGO_SETTINGS_MODULE": "lh_settings",
        "DATABASE_URL": database_url(args.postgres, args.database),
        "SHOP_CACHE_PREFIX": f"lh{int(time.time())}",  # nothing cached by an earlier run can be read
        "BENCH_STATIC_ROOT": str(tmp / "static"),
        "DJANGO_MEDIA_ROOT": str(tmp / "media"),
    }
    manage = [sys.executable, str(ROOT / "manage.py")]
    print(f"== the demo catalog in database {args.database}; Lighthouse in a temporary folder")
    for command in (["migrate", "-v0"], ["seed_catalog", "--products", "300"], ["collectstatic", "--noinput", "-v0"]):
        _quiet([*manage, *command], env=env)
    _quiet(["npm", "i", "-E", LIGHTHOUSE, "--prefix", str(tmp)])
    origin = f"http://127.0.0.1:{args.port}"
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "--bind", origin[7:], "config.wsgi:application"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        return _run(tmp, origin, chromium)
    finally:
        server.terminate()
        server.wait()
        shutil.rmtree(tmp, ignore_errors=True)


def _quiet(command: list[str], **kwargs) -> None:
    done = subprocess.run(command, capture_output=True, text=True, **kwargs)
    if done.returncode:
        sys.exit(f"{' '.join(command)} failed:\n{done.stdout[-2000:]}{done.stderr[-2000:]}")


def _get(url: str) -> str:
    for _ in range(100):
        try:
            with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 (our own http://127.0.0.1 origin)
                return response.read().decode()
        except OSError:
            time.sleep(0.1)
    sys.exit(f"{url} did not answer")


def _run(tmp: Path, origin: str, chromium: Path) -> int:
    listing = _get(f"{origin}/categories/lighting/")
    product = listing.split('href="/products/', 1)[1].split('"', 1)[0]
    pages = ["/", "/categories/lighting/", f"/products/{product}"]
    for page in pages:
        _get(origin + page)  # warm, as a shop in steady state is
    failed = False
    for preset in ("mobile", "desktop"):
        for page in pages:
            out = tmp / "report.json"
            command = [str(tmp / "node_modules/.bin/lighthouse"), origin + page, "--quiet", f"--output-path={out}"]
            command += ["--output=json", "--chrome-flags=--headless=new --no-sandbox"]
            command += ["--preset=desktop"] if preset == "desktop" else []
            env = {**os.environ, "CHROME_PATH": str(chromium)}
            # Lighthouse now and then loses its Chromium (a protocol timeout): one more try before giving up.
            if subprocess.run(command, env=env).returncode and subprocess.run(command, env=env).returncode:
                print(f"{preset:8} {page:40} Lighthouse failed twice")
                failed = True
                continue
            scores = {k: round(v["score"] * 100) for k, v in json.loads(out.read_text())["categories"].items()}
            failed |= min(scores.values()) < 100
            print(f"{preset:8} {page:40} " + "  ".join(f"{k} {v}" for k, v in scores.items()))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
