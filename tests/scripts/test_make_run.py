"""`make run`'s script stopped with Ctrl-C at random points of its start-up and while serving: nothing survives.

The script (scripts/services.py + scripts/run.py, as the Makefile runs them) gets its own database and
redis-server and a free port, so it never meets a `make run` on :8000. Ctrl-C is simulated as a terminal
sends it: SIGINT to the foreground process group. Every process it starts is recorded while it runs.
"""

import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import psycopg
import pytest
from django.db import connection

from tests.support import child_database_url, wait_for

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[2]
SEED = int(os.environ.get("SHOPFRONT_STOP_SEED", time.time_ns() % 100_000))

# Stage: (line in the output that starts it, longest random delay after it in seconds).
STAGES = {
    "starting": (None, 0.4),
    "migrating": ("migrating the database", 1.0),
    "seeding": ("checking the demo catalog", 2.0),
    "starting the server": ("starting the web server", 0.8),
    "serving": ("Stop:   Ctrl-C", 1.5),
}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _stat(pid: int) -> tuple[int, str, int] | None:
    """Return (parent pid, state, start time) of ``pid``, or None once it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError):
        return None
    return int(fields[1]), fields[0], int(fields[19])


class ProcessRecorder(threading.Thread):
    """Record every descendant of ``root`` (pid and start time, so a reused pid is not mistaken) while it runs."""

    def __init__(self, root: int) -> None:
        super().__init__(daemon=True)
        self.root, self.seen, self.done = root, {}, threading.Event()

    def run(self) -> None:
        while not self.done.is_set():
            parents = {}
            for entry in Path("/proc").iterdir():
                if entry.name.isdigit() and (stat := _stat(int(entry.name))):
                    parents[int(entry.name)] = stat
            family, frontier = {self.root}, {self.root}
            while frontier:
                frontier = {pid for pid, (ppid, _, _) in parents.items() if ppid in frontier} - family
                family |= frontier
            for pid in family - {self.root}:
                self.seen.setdefault(pid, parents[pid][2])
            self.done.wait(0.02)

    def survivors(self) -> list[str]:
        alive = []
        for pid, started in self.seen.items():
            stat = _stat(pid)
            if stat and stat[2] == started and stat[1] != "Z":
                args = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
                alive.append(f"{pid}: {args[:120]}")
        return alive


@pytest.fixture
def fresh_database():
    """A database of its own (CREATE DATABASE on the test server), dropped afterwards."""
    test_db = connection.settings_dict["NAME"]
    name = f"{test_db}_makerun"
    admin_url = child_database_url().replace(f"/{test_db}", "/postgres")
    with psycopg.connect(admin_url, autocommit=True) as db:
        db.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        db.execute(f'CREATE DATABASE "{name}"')
    yield child_database_url().replace(f"/{test_db}", f"/{name}")
    with psycopg.connect(admin_url, autocommit=True) as db:
        db.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.mark.parametrize("stage", list(STAGES))
def test_ctrl_c_at_any_moment_leaves_no_process_behind(stage, fresh_database, redis_server, tmp_path):
    rng = random.Random(f"{SEED}-{stage}")
    marker, longest = STAGES[stage]
    delay = rng.uniform(0, longest)
    port = _free_port()
    env = {
        **os.environ,
        "DATABASE_URL": fresh_database,
        "REDIS_URL": redis_server.url,
        "DJANGO_MEDIA_ROOT": str(tmp_path / "media"),
        "DJANGO_SETTINGS_MODULE": "config.settings.local",
    }
    log = tmp_path / "run.log"
    cmd = [sys.executable, "scripts/services.py", "--", sys.executable, "scripts/run.py", "--seed", "60"]
    with log.open("w") as out:
        # A session of its own: its process group is what a terminal's Ctrl-C reaches.
        proc = subprocess.Popen(
            [*cmd, "--addr", f"127.0.0.1:{port}"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    recorder = ProcessRecorder(proc.pid)
    recorder.start()
    try:
        if marker:
            wait_for(lambda: marker in log.read_text(), 120, f"'{marker}'", log)
        else:  # "starting": from the moment the script has started its first child
            wait_for(lambda: recorder.seen, 60, "the first child process", log, interval=0.01)
        if stage == "serving":
            assert urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=10).status == 200  # noqa: S310
        # The random point itself: a deliberate pause, not a synchronisation.
        time.sleep(delay)
        os.killpg(proc.pid, signal.SIGINT)
        try:
            code = proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            pytest.fail(f"still running 60 s after Ctrl-C ({stage} + {delay:.2f} s, seed {SEED}):\n{log.read_text()}")
    finally:
        recorder.done.set()
        recorder.join()
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    context = f"Ctrl-C {delay:.2f} s into {stage} (SHOPFRONT_STOP_SEED={SEED}); log:\n{log.read_text()[-3000:]}"
    assert code in (0, 130, -signal.SIGINT), context  # -SIGINT: stopped before its handler was set
    assert recorder.seen, context  # it did start processes
    assert recorder.survivors() == [], context
