"""`make edge` (scripts/edge.py): varnishd in the foreground on the project VCL; Ctrl-C stops all of it."""

import os
import signal
import subprocess
import sys

import pytest

from tests.support import wait_for

from .backend import Origin, request
from .conftest import ROOT, free_port, varnishd_binary

pytestmark = pytest.mark.slow


def _answers(port: int) -> bool:
    try:
        request(port, "/healthz")
        return True
    except OSError:
        return False


def test_make_edge_serves_the_vcl_and_ctrl_c_stops_varnishd(tmp_path):
    varnishd_binary()
    port = free_port()
    log = tmp_path / "edge.log"
    origin = Origin(free_port())
    origin.start()
    origin.page("/products/x/")
    command = [
        *(sys.executable, "scripts/edge.py", "--listen", f"127.0.0.1:{port}", "--workdir", str(tmp_path / "n")),
        *("--backend-port", str(origin.port)),
    ]
    with log.open("w") as out:
        # A session of its own, like a terminal's foreground job: Ctrl-C signals the whole group.
        proc = subprocess.Popen(command, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        wait_for(lambda: proc.poll() is not None or _answers(port), 60, "the edge to answer", log)
        assert proc.poll() is None, log.read_text()
        assert request(port, "/healthz").headers["X-Edge-Cache"] == "PASS"
        assert [request(port, "/products/x/").cache for _ in range(2)] == ["MISS", "HIT"]
        os.killpg(proc.pid, signal.SIGINT)
        assert proc.wait(timeout=30) == 0, log.read_text()
    finally:
        origin.stop()
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    assert not _answers(port)
    leftover = subprocess.run(["pgrep", "-s", str(proc.pid)], capture_output=True, text=True)
    assert leftover.stdout == "", "processes left in the edge's session"
    assert "Edge: http://127.0.0.1:" in log.read_text()
