"""Run the local edge: varnishd with deploy/varnish/shopfront.vcl on 127.0.0.1:8080, in the foreground.

Run through ``make edge``, beside ``make run`` (the VCL's backend, 127.0.0.1:8000) started with
``EDGE_PURGE_URL=http://127.0.0.1:8080`` so that writes purge the edge. Ctrl-C stops it. docs/edge.md.
"""

import argparse
import shutil
import signal
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VCL = ROOT / "deploy" / "varnish" / "shopfront.vcl"
INSTALL = "sudo apt-get install -y varnish varnish-modules"
SHIPPED_BACKEND = '.port = "8000";'


def vcl_for(workdir: Path, backend_port: int) -> Path:
    """Return the VCL to load: the shipped file, or a copy beside ``workdir`` whose backend is ``backend_port``."""
    if backend_port == 8000:
        return VCL
    copy = workdir.with_name(workdir.name + ".vcl")  # varnishd locks its working directory down
    copy.write_text(VCL.read_text().replace(SHIPPED_BACKEND, f'.port = "{backend_port}";'))
    return copy


def _stop(signum, frame) -> None:
    raise SystemExit(0)  # a requested stop, not a failure


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--listen", default="127.0.0.1:8080", help="address varnishd listens on")
    parser.add_argument("--storage", default="malloc,256m", help="varnishd -s storage")
    parser.add_argument("--workdir", default=str(ROOT / ".services" / "varnish"), help="varnishd -n directory")
    parser.add_argument("--backend-port", type=int, default=8000, help="origin port on 127.0.0.1 (benchmarks)")
    args = parser.parse_args()
    varnishd = shutil.which("varnishd") or shutil.which("varnishd", path="/usr/sbin:/usr/local/sbin")
    if not varnishd:
        print(f"varnishd not found; install Varnish and its modules (xkey): {INSTALL}", file=sys.stderr)
        return 2
    workdir = Path(args.workdir).resolve()
    workdir.mkdir(parents=True, exist_ok=True)
    vcl = vcl_for(workdir, args.backend_port)
    # Compile first: a VCL error is reported as such, not as a manager that exits.
    check = subprocess.run(
        [varnishd, "-C", "-j", "none", "-f", str(vcl), "-n", str(workdir)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    if check.returncode != 0:
        print(check.stderr.decode(errors="replace"), file=sys.stderr)
        return check.returncode
    signal.signal(signal.SIGINT, _stop)
    signal.signal(signal.SIGTERM, _stop)
    # -j none: no privilege separation, so any user can run it on its own working directory.
    command = [varnishd, "-F", "-j", "none", "-n", str(workdir), "-a", args.listen, "-f", str(vcl)]
    proc = subprocess.Popen([*command, "-s", args.storage])
    origin = f"http://127.0.0.1:{args.backend_port}/"
    print(f"\nEdge: http://{args.listen}/ -> origin {origin}  Ctrl-C stops it\n", flush=True)
    try:
        return proc.wait()
    finally:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


if __name__ == "__main__":
    sys.exit(main())
