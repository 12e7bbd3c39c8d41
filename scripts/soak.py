"""Soak: a bounded load run against gunicorn with a Celery worker (and beat) beside it; memory at start and end.

Run through ``make soak`` (scripts/services.py provides Postgres and Redis when none is configured). Traffic goes
to 127.0.0.1 only. The mix: home, category listings, product pages, searches, cart adds and, now and then, a
checkout (a write that invalidates cached pages and wakes the outbox drain). RSS is read from
/proc/<pid>/status (VmRSS) for the gunicorn master and workers and for the Celery processes, after a warm-up
and at the end. Prints a report; it asserts nothing about speed.
"""

import argparse
import os
import random
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
CSRF_RE = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
TOKEN_RE = re.compile(r'name="checkout_token" value="([^"]+)"')
WORDS = ["steel", "oak", "mug", "blue", "lamp", "wool", "knife", "chair", "green", "classic"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _children(pid: int) -> list[int]:
    """Return every descendant of ``pid`` (from /proc; psutil is not a dependency)."""
    parents: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        parents.setdefault(ppid, []).append(int(entry))
    out, todo = [], [pid]
    while todo:
        kids = parents.get(todo.pop(), [])
        out += kids
        todo += kids
    return out


def rss_kib(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def tree_rss(pid: int) -> dict[str, int]:
    kids = _children(pid)
    return {"main_kib": rss_kib(pid), "children": len(kids), "total_kib": rss_kib(pid) + sum(map(rss_kib, kids))}


class Load:
    """Worker threads, each a shopper with its own session, hitting the server until ``stop`` is set."""

    def __init__(self, base: str, categories: list[str], products: list[str], ids: dict[str, str], think: float):
        self.base, self.categories, self.products, self.ids, self.think = base, categories, products, ids, think
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.latencies: list[float] = []
        self.statuses: dict[int, int] = {}
        self.errors: list[str] = []

    def _record(self, started: float, status: int | None, what: str) -> None:
        with self.lock:
            self.latencies.append(time.perf_counter() - started)
            if status is None:
                self.errors.append(what)
            else:
                self.statuses[status] = self.statuses.get(status, 0) + 1
                if status >= 500:
                    self.errors.append(f"{status} {what}")

    def _get(self, http: requests.Session, path: str) -> requests.Response | None:
        started = time.perf_counter()
        try:
            response = http.get(self.base + path, timeout=30, allow_redirects=False)
        except requests.RequestException as exc:
            self._record(started, None, f"GET {path}: {exc}")
            return None
        self._record(started, response.status_code, f"GET {path}")
        return response

    def _post(self, http: requests.Session, path: str, data: dict) -> requests.Response | None:
        started = time.perf_counter()
        try:
            response = http.post(self.base + path, data=data, timeout=30, allow_redirects=False)
        except requests.RequestException as exc:
            self._record(started, None, f"POST {path}: {exc}")
            return None
        self._record(started, response.status_code, f"POST {path}")
        return response

    def shopper(self, seed: int) -> None:
        rnd = random.Random(seed)
        http = requests.Session()
        n = 0
        while not self.stop.is_set():
            n += 1
            time.sleep(self.think)  # shoppers pause; the machine is shared
            # Zipf-ish: a few products are hot.
            slug = self.products[min(int(rnd.paretovariate(1.2)) - 1, len(self.products) - 1)]
            roll = rnd.random()
            if roll < 0.15:
                self._get(http, "/")
            elif roll < 0.35:
                self._get(http, f"/categories/{rnd.choice(self.categories)}/?page=1")
            elif roll < 0.45:
                self._get(http, f"/search/?q={rnd.choice(WORDS)}")
            elif roll < 0.90:
                self._get(http, f"/products/{slug}/")
            else:
                page = self._get(http, f"/products/{slug}/")
                token = CSRF_RE.search(page.text) if page is not None else None
                if token:
                    self._post(
                        http,
                        "/cart/add/",
                        {"product_id": self.ids[slug], "quantity": "1", "csrfmiddlewaretoken": token.group(1)},
                    )
                if n % 7 == 0:
                    self.checkout(http)
                else:
                    self._get(http, "/cart/")

    def checkout(self, http: requests.Session) -> None:
        form = self._get(http, "/checkout/")
        if form is None or form.status_code != 200:
            return
        csrf, token = CSRF_RE.search(form.text), TOKEN_RE.search(form.text)
        if csrf and token:
            data = {
                "email": "soak@example.com",
                "full_name": "Soak Test",
                "address": "1 Loop St",
                "city": "Localhost",
                "postal_code": "127",
                "country": "Loopback",
                "csrfmiddlewaretoken": csrf.group(1),
                "checkout_token": token.group(1),
            }
            self._post(http, "/checkout/", data)


def discover(base: str) -> tuple[list[str], list[str], dict[str, str]]:
    home = requests.get(base + "/", timeout=30).text
    categories = sorted(set(re.findall(r'href="/categories/([\w-]+)/"', home)))
    products: list[str] = []
    for slug in categories:
        page = requests.get(f"{base}/categories/{slug}/", timeout=30).text
        products += [p for p in re.findall(r'href="/products/([\w-]+)/"', page) if p not in products]
    ids = {}
    for slug in products[:40]:
        found = re.search(r'name="product_id" value="(\d+)"', requests.get(f"{base}/products/{slug}/", timeout=30).text)
        if found:
            ids[slug] = found.group(1)
    products = [p for p in products if p in ids]
    if not categories or not products:
        raise SystemExit("soak: the catalog is empty; seeding failed?")
    return categories, products, ids


def wait_http(url: str, proc: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"soak: {url} server exited with {proc.returncode}")
        try:
            if requests.get(url, timeout=2).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.3)
    raise SystemExit(f"soak: {url} did not answer")


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=120.0, help="seconds of measured load (after warm-up)")
    parser.add_argument("--warmup", type=float, default=15.0, help="seconds of load before the first RSS reading")
    parser.add_argument("--threads", type=int, default=4, help="concurrent shoppers")
    parser.add_argument("--think", type=float, default=0.02, help="seconds each shopper waits between requests")
    parser.add_argument("--web-workers", type=int, default=2, help="gunicorn worker processes")
    parser.add_argument("--seed-products", type=int, default=120)
    args = parser.parse_args()
    if args.duration > 600:
        parser.error("--duration is capped at 600 s: a soak here is bounded")

    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    logs = Path(tempfile.mkdtemp(prefix="shopfront-soak-"))
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": os.environ.get("DJANGO_SETTINGS_MODULE", "config.settings.local"),
        "DJANGO_DEBUG": "False",
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "GUNICORN_WORKERS": str(args.web_workers),
        "GUNICORN_MAX_REQUESTS": "0",  # no recycling: growth must be visible, not reset
        "GUNICORN_ACCESS_LOG": "off",
        "DJANGO_LOG_LEVEL": "WARNING",
        # Beat's CloudWatch publisher must not leave the machine: a closed loopback port.
        "AWS_ENDPOINT_URL": "http://127.0.0.1:9",
        "AWS_ACCESS_KEY_ID": "soak",
        "AWS_SECRET_ACCESS_KEY": "soak",
        "CLOUDFRONT_DISTRIBUTION_ID": "",
    }
    py = sys.executable
    manage = [py, str(ROOT / "manage.py")]
    subprocess.run([*manage, "migrate", "--no-input", "-v", "0"], check=True, env=env, cwd=ROOT)
    # DEBUG off: static files come from the hashed manifest, as in production.
    subprocess.run([*manage, "collectstatic", "--no-input", "-v", "0"], check=True, env=env, cwd=ROOT)
    subprocess.run(
        [*manage, "seed_catalog", "--if-empty", "--products", str(args.seed_products), "--images-per-product", "1"],
        check=True,
        env=env,
        cwd=ROOT,
    )
    web_log, worker_log = (logs / "web.log").open("w"), (logs / "worker.log").open("w")
    web = subprocess.Popen(
        [py, "-m", "gunicorn", "-c", str(ROOT / "gunicorn.conf.py"), "config.wsgi:application"],
        env=env,
        cwd=ROOT,
        stdout=web_log,
        stderr=subprocess.STDOUT,
    )
    worker = subprocess.Popen(
        [
            *(py, "-m", "celery", "-A", "config", "worker", "--beat", "--concurrency", "1"),
            *("--schedule", str(logs / "celerybeat-schedule"), "--loglevel", "WARNING"),
        ],
        env=env,
        cwd=ROOT,
        stdout=worker_log,
        stderr=subprocess.STDOUT,
    )
    try:
        wait_http(base + "/healthz", web)
        categories, products, ids = discover(base)
        load = Load(base, categories, products, ids, args.think)
        threads = [threading.Thread(target=load.shopper, args=(i,), daemon=True) for i in range(args.threads)]
        for t in threads:
            t.start()
        time.sleep(args.warmup)
        if worker.poll() is not None:
            raise SystemExit(f"soak: the Celery worker exited; see {logs / 'worker.log'}")
        with load.lock:
            skip = len(load.latencies)
            load.statuses.clear()
        start_rss = {"web": tree_rss(web.pid), "worker": tree_rss(worker.pid)}
        started = time.monotonic()
        time.sleep(args.duration)
        end_rss = {"web": tree_rss(web.pid), "worker": tree_rss(worker.pid)}
        elapsed = time.monotonic() - started
        load.stop.set()
        for t in threads:
            t.join(timeout=60)
        ready = requests.get(base + "/readyz", timeout=10)
    finally:
        stop(web)
        stop(worker)
        web_log.close()
        worker_log.close()

    measured = sorted(load.latencies[skip:])
    count = len(measured)
    print("\nShopfront soak report")
    print(f"  duration           {elapsed:.0f} s measured (+{args.warmup:.0f} s warm-up), {args.threads} shoppers")
    print(f"  requests           {count} ({count / elapsed:.1f}/s)  statuses {dict(sorted(load.statuses.items()))}")
    print(f"  errors (5xx/conn)  {len(load.errors)}" + (f"  e.g. {load.errors[:3]}" if load.errors else ""))
    if measured:
        p50, p99 = measured[count // 2], measured[min(count - 1, int(0.99 * count))]
        print(
            f"  latency            p50 {p50 * 1000:.1f} ms  p99 {p99 * 1000:.1f} ms  max {measured[-1] * 1000:.1f} ms"
        )
    for name in ("web", "worker"):
        a, b = start_rss[name], end_rss[name]
        delta = b["total_kib"] - a["total_kib"]
        print(
            f"  RSS {name:<7}        start {a['total_kib'] / 1024:.1f} MiB -> end {b['total_kib'] / 1024:.1f} MiB "
            f"({delta / 1024:+.1f} MiB; main process + {b['children']} children)"
        )
    print(f"  readyz at the end  {ready.status_code} {ready.text}")
    print(f"  logs               {logs}")
    return 1 if load.errors or ready.status_code != 200 else 0


if __name__ == "__main__":
    sys.exit(main())
