"""Real Chromium driven by Playwright against pytest-django's live server.

The browser is found as on a user's machine (tests/browser/chromium.py); without one these tests fail
with the command that installs it. Media files are not served by Django with DEBUG off (S3 + CloudFront
serve them in production), so the browser's /media/ requests are answered from MEDIA_ROOT by a
Playwright route, the way the CDN would. Every wait is on a condition (Playwright's auto-waiting
``expect``, ``expect_navigation``, ``wait_for_function``), never on time.
"""

import io
import mimetypes
import os
from pathlib import Path

import pytest
from django.conf import settings
from PIL import Image

# Playwright's sync API runs an event loop in this thread; the test's own ORM calls are still synchronous.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

from axe_playwright_python.sync_playwright import Axe  # noqa: E402
from playwright.sync_api import sync_playwright  # noqa: E402

from . import chromium as finder  # noqa: E402

SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
BLOCKING = ("serious", "critical")


@pytest.fixture(scope="session")
def chromium():
    path, source = finder.find()
    if path is None:
        pytest.fail(
            finder.INSTALL_HELP if source == "none found" else f"{source}.\n{finder.INSTALL_HELP}", pytrace=False
        )
    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=str(path),
            headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        yield browser
        browser.close()


def _serve_media(route) -> None:
    name = route.request.url.split("/media/", 1)[1].split("?")[0]
    path = (Path(settings.MEDIA_ROOT) / name).resolve()
    if not path.is_relative_to(Path(settings.MEDIA_ROOT).resolve()) or not path.is_file():
        route.fulfill(status=404, body="not found")
        return
    route.fulfill(status=200, body=path.read_bytes(), content_type=mimetypes.guess_type(path.name)[0])


def _open(chromium, site: str, **options):
    context = chromium.new_context(viewport=DESKTOP, base_url=site, **options)
    context.route("**/media/**", _serve_media)
    # Every Content-Security-Policy violation the page reports, for assert_no_csp_violation.
    context.add_init_script(
        "document.addEventListener('securitypolicyviolation',"
        " e => (window.__csp = window.__csp || []).push(e.violatedDirective + ' ' + e.blockedURI));"
    )
    tab = context.new_page()
    tab.problems = []
    # Console errors include Content-Security-Policy violations and failed loads (a missing favicon, say).
    tab.on("console", lambda msg: msg.type == "error" and tab.problems.append(msg.text))
    tab.on("pageerror", lambda exc: tab.problems.append(str(exc)))
    tab.on(
        "response",
        lambda r: r.url.startswith(site) and r.status >= 400 and tab.problems.append(f"{r.status} {r.url}"),
    )
    tab.set_default_timeout(15_000)
    return context, tab


@pytest.fixture
def site(live_server) -> str:
    """Where the browser goes: the origin itself (test_edge_journeys.py puts a real Varnish in front)."""
    return live_server.url


@pytest.fixture
def page(chromium, site):
    """A fresh browser context at 1280 px; console errors, page errors and 4xx/5xx responses are collected."""
    context, tab = _open(chromium, site)
    yield tab
    context.close()


@pytest.fixture
def page_without_js(chromium, site):
    context, tab = _open(chromium, site, java_script_enabled=False)
    yield tab
    context.close()


def wait_styled(tab) -> None:
    """Wait until the page has loaded and shop.css is applied (the body is the flex column it sets)."""
    tab.wait_for_load_state("load")
    tab.wait_for_function("() => getComputedStyle(document.body).display === 'flex'")
    rules = tab.evaluate("Array.from(document.styleSheets).reduce((n, s) => n + s.cssRules.length, 0)")
    assert rules > 20


def _set_width(tab, size: dict) -> None:
    tab.set_viewport_size(size)
    tab.wait_for_function("w => document.documentElement.clientWidth === w", arg=size["width"])


@pytest.fixture
def shoot():
    """Save a full-page screenshot of the current page at 1280 and at 390 px, as ``<kind>-<width>.png``."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def _shoot(tab, kind: str) -> None:
        wait_styled(tab)
        for size in (DESKTOP, PHONE):
            _set_width(tab, size)
            tab.wait_for_function("() => Array.from(document.images).every(i => i.complete)")
            path = SCREENSHOTS / f"{kind}-{size['width']}.png"
            tab.screenshot(path=str(path), full_page=True)
            assert path.stat().st_size > 1000
            # Nothing wider than the screen: no sideways scrolling at either width.
            assert tab.evaluate("document.documentElement.scrollWidth") <= size["width"], (kind, size)
        _set_width(tab, DESKTOP)

    return _shoot


_axe = Axe()


def assert_accessible(tab, kind: str) -> None:
    """Run axe-core (axe-playwright-python, offline) on the page: no serious or critical violation."""
    wait_styled(tab)
    violations = _axe.run(tab).response["violations"]
    blocking = [
        f"{v['impact']} {v['id']}: {v['help']} — {[n['target'] for n in v['nodes']][:3]}"
        for v in violations
        if v["impact"] in BLOCKING
    ]
    assert blocking == [], f"{kind}: " + "\n".join(blocking)


def assert_no_csp_violation(tab) -> None:
    assert tab.evaluate("window.__csp || []") == []


def jpeg(color: str, size: int = 640) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (size, size), color).save(buf, "JPEG")
    return buf.getvalue()
