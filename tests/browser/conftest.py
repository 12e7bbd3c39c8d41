"""Real Chromium (Debian's, no download) driven by Playwright against pytest-django's live server.

Media files are not served by Django with DEBUG off (S3 + CloudFront serve them in production), so the
browser's /media/ requests are answered from MEDIA_ROOT by a Playwright route, the way the CDN would.
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

from playwright.sync_api import sync_playwright  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"


@pytest.fixture(scope="session")
def chromium():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium not found at {CHROMIUM} (apt-get install chromium)")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=CHROMIUM,
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


@pytest.fixture
def page(chromium, live_server):
    """A fresh browser context; CSP violations, console errors and failed same-site requests are collected."""
    context = chromium.new_context(viewport={"width": 1280, "height": 900}, base_url=live_server.url)
    context.route("**/media/**", _serve_media)
    tab = context.new_page()
    tab.problems = []
    tab.on("console", lambda msg: msg.type == "error" and tab.problems.append(msg.text))
    tab.on("pageerror", lambda exc: tab.problems.append(str(exc)))
    tab.on(
        "response",
        lambda r: r.url.startswith(live_server.url) and r.status >= 500 and tab.problems.append(f"{r.status} {r.url}"),
    )
    tab.set_default_timeout(15_000)
    yield tab
    context.close()


@pytest.fixture
def screenshot(request):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def _shot(tab, name: str) -> Path:
        path = SCREENSHOTS / f"{request.node.name}-{name}.png"
        tab.screenshot(path=str(path), full_page=True)
        assert path.stat().st_size > 1000
        return path

    return _shot


def jpeg(color: str, size: int = 640) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (size, size), color).save(buf, "JPEG")
    return buf.getvalue()
