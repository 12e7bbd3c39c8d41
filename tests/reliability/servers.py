"""Web server processes for tests that need more than one: gunicorn on a free port, the test's database and Redis."""

import contextlib
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import requests

from tests.support import child_database_url, wait_for

ROOT = Path(__file__).resolve().parents[2]
HTTP_TIMEOUT = 20  # seconds; bounds one request so a hung server fails the test instead of hanging it


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class WebServer:
    """One gunicorn (one worker process) with config.settings.test, on the test database and ``redis_url``."""

    def __init__(self, name: str, redis_url: str, log_dir: Path, env: dict[str, str] | None = None) -> None:
        self.name = name
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = log_dir / f"{name}.log"
        base = {k: v for k, v in os.environ.items() if not k.startswith(("GUNICORN_", "AWS_", "CDN_", "CACHE_"))}
        for name_ in ("REDIS_SESSION_URL", "CELERY_BROKER_URL", "CELERY_RESULT_BACKEND"):
            base.pop(name_, None)  # derived from REDIS_URL unless ``env`` says otherwise
        self.env = {
            **base,
            "DJANGO_SETTINGS_MODULE": "config.settings.test",
            "DATABASE_URL": child_database_url(),
            "REDIS_URL": redis_url,
            "CLOUDFRONT_DISTRIBUTION_ID": "",
            "GUNICORN_BIND": f"127.0.0.1:{self.port}",
            "GUNICORN_WORKERS": "1",  # one process: "this server" and "this process" are the same thing
            "GUNICORN_THREADS": "4",
            "GUNICORN_MAX_REQUESTS": "0",
            # A worker told to quit while it starts a thread can deadlock in gunicorn's gthread worker; the
            # master then kills it after this many seconds instead of 30.
            "GUNICORN_GRACEFUL_TIMEOUT": "5",
            **(env or {}),
        }
        self.proc: subprocess.Popen | None = None

    def start(self) -> "WebServer":
        with self.log.open("w") as out:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "config.wsgi:application"],
                env=self.env,
                cwd=ROOT,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group: stop() can take the workers down with it
            )
        wait_for(self._ready, 90, f"server {self.name} to answer /healthz", self.log)
        return self

    def _ready(self) -> bool:
        if self.proc.poll() is not None:
            raise AssertionError(f"server {self.name} exited:\n{self.log.read_text()[-4000:]}")
        try:
            return requests.get(self.url + "/healthz", timeout=2).status_code == 200
        except requests.ConnectionError:
            return False

    def stop(self) -> None:
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)  # gunicorn's quick shutdown: nothing in flight is worth waiting for
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.proc.wait(timeout=20)
        # Whatever is left of the group (a master that did not exit, a worker it left behind) holds database
        # connections that would keep the next test run from recreating its database.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait()

    def log_tail(self) -> str:
        return self.log.read_text()[-3000:]
