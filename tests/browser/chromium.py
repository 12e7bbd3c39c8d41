"""Find the Chromium the browser tests drive, the way a user's machine has one.

In order: SHOPFRONT_CHROMIUM (a path), Playwright's own Chromium (``playwright install chromium``), then a
system Chromium or Chrome. ``python -m tests.browser.chromium`` (run by ``make test``) first tries to install
Playwright's Chromium when it is missing, then says which browser the tests will use.
"""

import os
import shutil
import subprocess
import sys
from pathlib import Path

SYSTEM = ["chromium", "chromium-browser", "google-chrome", "google-chrome-stable"]
INSTALL_HELP = (
    "No Chromium for the browser tests. Install one, then run `make test` again:\n"
    "  .venv/bin/python -m playwright install --with-deps chromium   (downloads Playwright's Chromium)\n"
    "  or: sudo apt-get install chromium   (Debian/Ubuntu; any Chromium or Chrome on PATH works)\n"
    "  or: SHOPFRONT_CHROMIUM=/path/to/chrome make test"
)


def playwright_chromium() -> Path | None:
    """Return Playwright's downloaded Chromium if it is installed."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        path = Path(pw.chromium.executable_path)
    return path if path.is_file() else None


def find() -> tuple[Path | None, str]:
    """Return the browser to use and where it came from (path None: there is none)."""
    override = os.environ.get("SHOPFRONT_CHROMIUM")
    if override:
        path = Path(override)
        return (path, "SHOPFRONT_CHROMIUM") if path.is_file() else (None, f"SHOPFRONT_CHROMIUM={override} not found")
    bundled = playwright_chromium()
    if bundled:
        return bundled, "Playwright's Chromium"
    for name in SYSTEM:
        found = shutil.which(name)
        if found:
            return Path(found), "the system's Chromium"
    return None, "none found"


def main() -> int:
    if not os.environ.get("SHOPFRONT_CHROMIUM") and playwright_chromium() is None:
        print("browser tests: installing Playwright's Chromium (`playwright install chromium`)…", flush=True)
        try:
            done = subprocess.run(
                [sys.executable, "-m", "playwright", "install", "chromium"], capture_output=True, text=True, timeout=600
            )
            ok, why = done.returncode == 0, (done.stderr or done.stdout).strip().splitlines()[:1]
        except subprocess.TimeoutExpired:
            ok, why = False, ["timed out"]
        if not ok:
            print(f"browser tests: could not install it ({' '.join(why) or 'no network?'}); looking for a system one")
    path, source = find()
    if path is None:
        print(f"browser tests: {source}. They will fail.\n{INSTALL_HELP}")
        return 0  # the tests themselves fail, loudly, with the same help
    print(f"browser tests: using {source} at {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
