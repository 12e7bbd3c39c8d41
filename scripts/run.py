"""Migrate, seed a demo catalog on first start, then serve the storefront with a Celery worker beside it.

Run through ``make run`` (scripts/services.py provides Postgres and Redis when none is configured).

Stopping: Ctrl-C (SIGINT) or SIGTERM at any moment, during migrate, seed, start-up or serving, stops
the step in progress and everything started so far. Each child runs in its own process group, so its
own children (Celery's pool and beat) go with it: the group is sent SIGTERM, its leader waited for,
then whatever is left of the group is killed. The signal handler only records the request; every wait
below checks it, so a stop never interrupts the bookkeeping of which processes exist.
"""

import argparse
import contextlib
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
STAFF_LINE = re.compile(r"^Staff log-in: (\S+) / (\S+)$")
STAFF_USER = "staff"


class Stopped(Exception):
    """A stop was requested (Ctrl-C or SIGTERM)."""


class Children:
    """The processes this script started, each the leader of its own process group."""

    def __init__(self) -> None:
        self.procs: list[subprocess.Popen] = []
        self.stop_requested = False

    def request_stop(self, signum, frame) -> None:
        self.stop_requested = True

    def start(self, cmd: list[str], **kwargs) -> subprocess.Popen:
        proc = subprocess.Popen(cmd, start_new_session=True, cwd=ROOT, **kwargs)
        self.procs.append(proc)
        return proc

    def wait(self, proc: subprocess.Popen) -> int:
        """Wait for ``proc`` to exit; raise Stopped as soon as a stop is requested."""
        while True:
            if self.stop_requested:
                raise Stopped
            try:
                return proc.wait(timeout=0.1)
            except subprocess.TimeoutExpired:
                continue

    def run(self, cmd: list[str], what: str, **kwargs) -> None:
        code = self.wait(self.start(cmd, **kwargs))
        if code != 0:
            raise SystemExit(f"shopfront: {what} failed (exit code {code})")

    def stop_all(self, grace: float = 10.0) -> None:
        """SIGTERM every group, wait up to ``grace`` seconds for the leaders, then SIGKILL what is left."""
        for proc in self.procs:
            _signal_group(proc, signal.SIGTERM)
        deadline = time.monotonic() + grace
        for proc in self.procs:
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
        # Members outlive a leader that exits first (beat, pool processes): the group id still reaches them.
        for proc in self.procs:
            _signal_group(proc, signal.SIGKILL)
            proc.wait()
        deadline = time.monotonic() + 5
        while any(_group_alive(proc) for proc in self.procs) and time.monotonic() < deadline:
            time.sleep(0.05)


def _signal_group(proc: subprocess.Popen, sig: int) -> None:
    with contextlib.suppress(ProcessLookupError):  # the whole group has exited
        os.killpg(proc.pid, sig)


def _group_alive(proc: subprocess.Popen) -> bool:
    try:
        os.killpg(proc.pid, 0)
    except ProcessLookupError:
        return False
    return True


def _parse_addr(addr: str) -> tuple[str, int]:
    host, _, port = addr.rpartition(":")
    if not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise SystemExit(f"shopfront: ADDR must be host:port, e.g. 127.0.0.1:8000 (got {addr!r})")
    return host.strip("[]"), int(port)


def _port_free(host: str, port: int) -> bool:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family) as s:
        try:
            s.bind((host, port))
        except OSError:
            return False
    return True


def _seed(children: Children, manage: list[str], products: int, env: dict) -> tuple[str, str] | None:
    """Seed an empty catalog (and the demo staff user); return that user's log-in when it was created now."""
    proc = children.start(
        [*manage, "seed_catalog", "--if-empty", "--products", str(products), "--staff-user", STAFF_USER],
        env=env,
        stdout=subprocess.PIPE,
        text=True,
    )
    found: list[tuple[str, str]] = []

    def echo() -> None:
        for line in proc.stdout:
            match = STAFF_LINE.match(line.strip())
            if match:
                found.append((match[1], match[2]))  # shown in the banner, not here
            else:
                print(line, end="", flush=True)

    reader = threading.Thread(target=echo, daemon=True)
    reader.start()
    code = children.wait(proc)
    reader.join(timeout=5)
    if code != 0:
        raise SystemExit(f"shopfront: seeding the demo catalog failed (exit code {code})")
    return found[0] if found else None


def _wait_listening(children: Children, server: subprocess.Popen, host: str, port: int) -> None:
    while True:
        if children.stop_requested:
            raise Stopped
        if server.poll() is not None:
            raise SystemExit(f"shopfront: the web server exited (code {server.returncode})")
        try:
            wildcard = host in ("0.0.0.0", "::")  # noqa: S104 (connecting, not binding)
            socket.create_connection(("127.0.0.1" if wildcard else host, port), 0.2).close()
            return
        except OSError:
            time.sleep(0.1)


def _banner(addr: str, login: tuple[str, str] | None) -> str:
    url = f"http://{addr}/"
    if login:
        admin = f"log in as {login[0]} / {login[1]}   (shown once: note it down)"
    else:
        admin = f"log in as {STAFF_USER} (its password was shown at the first start); another log-in: make superuser"
    return f"\n  Shopfront is ready:  {url}\n  Admin:  {url}admin/  {admin}\n  Stop:   Ctrl-C\n"


def main() -> int:
    children = Children()
    signal.signal(signal.SIGINT, children.request_stop)
    signal.signal(signal.SIGTERM, children.request_stop)
    parser = argparse.ArgumentParser()
    parser.add_argument("--seed", type=int, default=300, help="products to seed when the catalog is empty")
    parser.add_argument("--addr", default=os.environ.get("SHOPFRONT_ADDR") or "127.0.0.1:8000")
    args = parser.parse_args()
    host, port = _parse_addr(args.addr)
    if not _port_free(host, port):
        raise SystemExit(f"shopfront: {args.addr} is in use; pick another address: make run ADDR=127.0.0.1:8001")
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": os.environ.get("DJANGO_SETTINGS_MODULE", "config.settings.local")}
    manage = [sys.executable, str(ROOT / "manage.py")]
    celery = [sys.executable, "-m", "celery", "-A", "config", "--quiet", "worker", "--beat", "--concurrency", "2"]
    try:
        print("shopfront: migrating the database…", flush=True)
        children.run([*manage, "migrate", "--no-input", "-v", "0"], "migrate", env=env)
        print("shopfront: checking the demo catalog…", flush=True)
        login = _seed(children, manage, args.seed, env)
        # WARNING: beat's "Sending due task" every 5 s and each task's success stay out of the terminal.
        schedule = ROOT / ".services" / "celerybeat-schedule"
        schedule.parent.mkdir(exist_ok=True)
        children.start([*celery, "--loglevel", "WARNING", "--schedule", str(schedule)], env=env)
        print(f"shopfront: starting the web server on {args.addr}…", flush=True)
        server = children.start([*manage, "runserver", args.addr, "--noreload", "--skip-checks"], env=env)
        _wait_listening(children, server, host, port)
        print(_banner(args.addr, login), flush=True)
        code = children.wait(server)
        raise SystemExit(f"shopfront: the web server exited (code {code})")
    except Stopped:
        print("\nshopfront: stopping…", flush=True)
        return 0
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C must not cut the clean-up short
        children.stop_all()


if __name__ == "__main__":
    sys.exit(main())
