"""gunicorn.conf.py: ALB-friendly defaults, environment overrides, and a real server's JSON access log."""

import json
import multiprocessing
import os
import runpy
import socket
import subprocess
import sys
import time
import urllib.request

from .conftest import ROOT

CONF = ROOT / "gunicorn.conf.py"
ALB_IDLE_TIMEOUT = 60

APP = """
def application(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain"), ("X-Request-ID", "req-42")])
    return [b"ok"]
"""


def _load(monkeypatch, **env) -> dict:
    for name in list(os.environ):
        if name.startswith("GUNICORN_"):
            monkeypatch.delenv(name)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(CONF))


def test_defaults_outlive_the_alb_idle_timeout_with_a_keep_alive_worker(monkeypatch):
    conf = _load(monkeypatch)
    assert conf["keepalive"] > ALB_IDLE_TIMEOUT
    assert conf["worker_class"] == "gthread"
    assert conf["threads"] > 1
    assert conf["workers"] == multiprocessing.cpu_count() * 2 + 1
    assert 0 < conf["graceful_timeout"] <= 60
    assert conf["forwarded_allow_ips"] == "127.0.0.1,::1"
    # Django's shop.access line is the one access line per request; gunicorn's own stays off.
    assert conf["logconfig_dict"]["loggers"]["gunicorn.access"]["level"] == "WARNING"


def test_every_setting_is_overridable_from_the_environment(monkeypatch):
    conf = _load(
        monkeypatch,
        GUNICORN_BIND="127.0.0.1:9000",
        GUNICORN_WORKERS="3",
        GUNICORN_THREADS="8",
        GUNICORN_KEEPALIVE="120",
        GUNICORN_TIMEOUT="45",
        GUNICORN_GRACEFUL_TIMEOUT="20",
        GUNICORN_FORWARDED_ALLOW_IPS="10.0.0.0/16",
        GUNICORN_MAX_REQUESTS="0",
        GUNICORN_ACCESS_LOG="on",
    )
    assert (conf["bind"], conf["workers"], conf["threads"], conf["keepalive"]) == ("127.0.0.1:9000", 3, 8, 120)
    assert (conf["timeout"], conf["graceful_timeout"], conf["max_requests"]) == (45, 20, 0)
    assert conf["forwarded_allow_ips"] == "10.0.0.0/16"
    assert conf["logconfig_dict"]["loggers"]["gunicorn.access"]["level"] == "INFO"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_a_real_gunicorn_with_its_access_log_on_writes_one_json_line_per_request(tmp_path):
    (tmp_path / "tinyapp.py").write_text(APP)
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("GUNICORN_")}
    env.update(GUNICORN_BIND=f"127.0.0.1:{port}", GUNICORN_WORKERS="1", GUNICORN_THREADS="2", HOME=str(tmp_path))
    env["GUNICORN_ACCESS_LOG"] = "on"
    log = tmp_path / "gunicorn.log"
    with log.open("w") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--config", str(CONF), "tinyapp:application"],
            cwd=tmp_path,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}/products/lamp/?page=2",
            headers={"User-Agent": 'agent "quoted"', "X-Forwarded-For": "203.0.113.7", "X-Amzn-Trace-Id": "Root=1-abc"},
        )
        deadline = time.monotonic() + 20
        while True:
            try:
                with urllib.request.urlopen(request, timeout=2) as response:  # noqa: S310 - loopback http URL
                    assert response.read() == b"ok"
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        deadline = time.monotonic() + 10
        while '"gunicorn.access"' not in log.read_text() and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    lines = [line for line in log.read_text().splitlines() if '"gunicorn.access"' in line]
    assert len(lines) == 1, log.read_text()
    entry = json.loads(lines[0])
    assert entry["method"] == "GET"
    assert entry["path"] == "/products/lamp/"
    assert entry["query"] == "page=2"
    assert entry["status"] == "200"
    assert entry["forwarded_for"] == "203.0.113.7"
    assert entry["trace_id"] == "Root=1-abc"
    assert entry["request_id"] == "req-42"
    assert entry["user_agent"] == 'agent "quoted"'
    assert isinstance(entry["duration_ms"], int) and entry["time"].startswith("20")
    assert "Using worker: gthread" in log.read_text()
