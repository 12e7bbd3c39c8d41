"""The local edge (issue 12): varnishd with deploy/varnish/shopfront.vcl in front of the Shopfront server.

varnishd runs from a temporary copy of the VCL whose backend port is the Shopfront gunicorn's, with its own
``-n`` directory and port, pinned to the server core like gunicorn (so "× the origin" compares one core with
one core). The freshness round starts one Celery worker (concurrency 1: purges go through Celery) and
bench/freshness.py, which commits price changes and polls the edge until each shows.
"""

import json
import re
import shutil
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

from bench import fetch
from bench.common import CELERY, PY, ROOT, SERVER_CORE, VCL
from bench.procs import StartError, free_port, log

BACKEND_PORT = re.compile(r'(\.port\s*=\s*")8000(")')
BACKEND_HOSTPORT = re.compile(r'(\.host\s*=\s*"(?:127\.0\.0\.1|localhost)):8000(")')
COUNTERS = ["client_req", "cache_hit", "cache_miss", "cache_hitpass", "cache_hitmiss", "backend_req", "n_object"]


def backend_vcl(text: str, port: int) -> str:
    """Return the VCL with its backend's port 8000 replaced by ``port``; ValueError if there is none."""
    out, n = BACKEND_PORT.subn(rf"\g<1>{port}\g<2>", text)
    out, m = BACKEND_HOSTPORT.subn(rf"\g<1>:{port}\g<2>", out)
    if not n + m:
        raise ValueError("no backend on port 8000 in the VCL")
    return out


def unavailable(vcl: Path = VCL) -> str | None:
    """Return why the edge cannot be measured here, or None."""
    if not shutil.which("varnishd"):
        return "varnishd is not installed"
    if not vcl.exists():
        return f"{vcl} does not exist (the edge is not built yet)"
    return None


def start_varnish(ctx, backend: dict) -> dict:
    """Start varnishd in front of ``backend``; return it as a server of the rounds (counters: the origin's)."""
    try:
        vcl = backend_vcl(Path(ctx.args.vcl).read_text(), backend["port"])
    except ValueError as exc:
        raise StartError(f"{ctx.args.vcl}: {exc}") from exc
    (ctx.tmp / "shopfront.vcl").write_text(vcl)
    port, admin, workdir = free_port(), free_port(), ctx.tmp / "varnish"
    # -j none: no privilege separation, so the worker can read the VCL in our private temporary directory.
    cmd = ["taskset", "-c", SERVER_CORE, "varnishd", "-F", "-j", "none", "-n", str(workdir)]
    cmd += ["-a", f"127.0.0.1:{port}", "-T", f"127.0.0.1:{admin}", "-f", str(ctx.tmp / "shopfront.vcl")]
    cmd += ["-s", f"malloc,{ctx.args.edge_memory}"]
    log_file = ctx.tmp / "varnish.log"
    proc = ctx.procs.start(cmd, stdout=open(log_file, "w"), stderr=subprocess.STDOUT)  # noqa: SIM115
    url = f"http://127.0.0.1:{port}"
    for _ in range(100):
        if proc.poll() is not None:
            break
        try:
            with urllib.request.urlopen(url + "/healthz", timeout=2):  # noqa: S310 - our own http URL
                pass
        except urllib.error.HTTPError:
            pass  # any HTTP answer: varnishd is up
        except OSError:
            time.sleep(0.1)
            continue
        return backend | {
            "name": "edge",
            "url": url,
            "port": port,
            "proc": proc,
            "varnish": workdir,
            "connections": ctx.args.edge_connections,
            "wrk_threads": ctx.args.edge_threads,
        }
    ctx.procs.stop(proc)
    raise StartError("varnishd did not start: " + " | ".join(log_file.read_text().strip().splitlines()[-3:]))


def varnish_stats(workdir: Path) -> dict[str, int]:
    """Return the MAIN counters of ``COUNTERS`` (varnishstat -j)."""
    out = subprocess.run(["varnishstat", "-n", str(workdir), "-j"], capture_output=True, text=True, check=True)
    data = json.loads(out.stdout)
    counters = data.get("counters", data)
    return {name: int(counters.get(f"MAIN.{name}", {}).get("value", 0)) for name in COUNTERS}


def edge_figures(before: dict, after: dict, summary: dict) -> dict:
    """Return the edge round's origin load: origin page requests per 1,000 edge requests, edge hit ratio.

    Edge requests are varnishd's own count (client_req): wrk does not count the requests still in flight when
    it stops, 64 of them here. Origin requests are the product pages the origin's middleware counted: its
    health probes (if the VCL has any) are reported apart.
    """
    d = {k: after[k] - before[k] for k in after}
    requests = d["client_req"] or summary["requests"]
    pages = sum(v["requests"] for k, v in summary["per_kind"].items() if k.startswith("product/"))
    looked_up = d["cache_hit"] + d["cache_miss"] + d["cache_hitpass"] + d["cache_hitmiss"]
    return {
        "varnish": d,
        "edge_requests": requests,
        "origin_requests": pages,
        "origin_other_requests": summary["server_requests"] - pages,
        "origin_per_1000": 1000 * pages / requests if requests else None,
        "backend_req_per_1000": 1000 * d["backend_req"] / requests if requests else None,
        "edge_hit_ratio": d["cache_hit"] / looked_up if looked_up else None,
    }


def warm_edge(server: dict, list_file: Path) -> int:
    """GET every distinct URL of the round's list through the edge once, so it holds them (as the origin does)."""
    paths = sorted({line.split("\t", 1)[0] for line in Path(list_file).read_text().splitlines()})
    fetch.get_all(server["url"], paths)
    return len(paths)


def window(ctx) -> dict:
    """Return the coalescing window the target allows (+ 1 s): --freshness-window, else from the settings."""
    if ctx.args.freshness_window is not None:
        return {"seconds": ctx.args.freshness_window, "source": "--freshness-window"}
    found = ctx.prep["features"]["coalesce_settings"]
    # An edge-specific window wins over the CloudFront one (CDN_COALESCE_SECONDS).
    for name in sorted(found, key=lambda k: (not k.startswith("EDGE_"), k)):
        return {"seconds": float(found[name]), "source": name}
    return {"seconds": 0.0, "source": "no coalescing setting found"}


def run_freshness(ctx) -> dict:
    """Commit price changes and time how long the edge takes to show each; stops its worker after."""
    server = ctx.servers["edge"]
    env = ctx.env | {"EDGE_PURGE_URL": server["url"], "DJANGO_SETTINGS_MODULE": "config.settings.bench"}
    worker_log = ctx.tmp / "celery.log"
    worker = ctx.procs.start(
        [CELERY, "-A", "config.celery_app", "worker", "--concurrency", "1", "-l", "INFO", "--without-gossip"]
        + ["--without-mingle", "--without-heartbeat", "-Q", ",".join(ctx.prep["features"]["celery_queues"])]
        + (["--beat", "--schedule", str(ctx.tmp / "beat-schedule")] if ctx.args.freshness_beat else []),
        cwd=ROOT,
        env=env,
        stdout=open(worker_log, "w"),  # noqa: SIM115 - the worker outlives this statement
        stderr=subprocess.STDOUT,
    )
    try:
        for _ in range(300):
            if worker.poll() is not None or " ready." in worker_log.read_text():
                break
            time.sleep(0.1)
        if worker.poll() is not None or " ready." not in worker_log.read_text():
            return {"error": "Celery worker did not start: " + worker_log.read_text()[-300:]}
        plan = ctx.tmp / "freshness.json"
        hot = ctx.requests["anon_ranked"]
        plan.write_text(
            json.dumps(
                {
                    "edge": server["url"],
                    # Popular but not the very top: pages the edge surely holds, one change per product.
                    "slugs": hot[10 : 10 + ctx.args.freshness_changes],
                    "poll_ms": ctx.args.freshness_poll_ms,
                    "timeout_s": ctx.args.freshness_timeout,
                    "after_polls": 5,
                }
            )
        )
        t0 = time.time()
        out = subprocess.run(
            [PY, "-m", "bench.freshness", str(plan)], cwd=ROOT, env=env, capture_output=True, text=True
        )
        lines = [line for line in out.stdout.splitlines() if line.startswith("FRESHJSON ")]
        if out.returncode or not lines:
            return {"error": f"bench.freshness failed: {(out.stderr or out.stdout).strip()[-400:]}"}
        result = json.loads(lines[-1].removeprefix("FRESHJSON "))
        p99 = "–" if result["p99_ms"] is None else f"{result['p99_ms']:.0f}"
        log(f"freshness: {result['changes']} changes in {time.time() - t0:.0f}s, p99 {p99} ms")
        return result | {"window_s": window(ctx)}
    finally:
        ctx.procs.stop(worker)
