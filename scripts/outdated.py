"""List the pinned requirements that are behind their latest release: `pip list --outdated`, kept to the pins.

Usage: python scripts/outdated.py [requirements-dev.txt]   (follows -r includes; prints nothing else)
"""

import json
import re
import subprocess
import sys
from pathlib import Path

PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[^\]]*\])?==([^\s;#]+)")


def canonical(name: str) -> str:
    """Return the name as PyPI compares names (PEP 503)."""
    return re.sub(r"[-_.]+", "-", name).lower()


def pins(path: Path) -> dict[str, str]:
    """Return {canonical name: pinned version} of a requirements file and the files it includes with -r."""
    found: dict[str, str] = {}
    for raw in path.read_text().splitlines():
        line = raw.strip()
        if line.startswith(("-r ", "--requirement ")):
            found |= pins(path.parent / line.split(maxsplit=1)[1])
        elif match := PIN.match(line):
            found[canonical(match.group(1))] = match.group(2)
    return found


def behind(pinned: dict[str, str], outdated: list[dict]) -> list[tuple[str, str, str]]:
    """Return (name, pinned, latest) for each pin that pip reports a newer release of."""
    rows = []
    for package in outdated:
        name = canonical(package["name"])
        if name in pinned and pinned[name] != package["latest_version"]:
            rows.append((package["name"], pinned[name], package["latest_version"]))
    return sorted(rows, key=lambda row: row[0].lower())


def main(argv: list[str]) -> int:
    path = Path(argv[0] if argv else "requirements-dev.txt")
    listing = subprocess.run(
        [sys.executable, "-m", "pip", "list", "--outdated", "--format=json", "--disable-pip-version-check"],
        capture_output=True,
        text=True,
        check=True,
    )
    rows = behind(pins(path), json.loads(listing.stdout or "[]"))
    width = max([len(name) for name, _, _ in rows] + [7])
    print(f"{'package':<{width}}  {'pinned':<12}  latest")
    for name, pinned, latest in rows:
        print(f"{name:<{width}}  {pinned:<12}  {latest}")
    print(f"{len(rows)} pin(s) behind their latest release")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
