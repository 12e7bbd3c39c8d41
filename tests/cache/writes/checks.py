"""Checks the write-path tests share: a text on every page and API read that should show it, or on none."""

import io
import json

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from tests.cache.conftest import PAGES, api_url

LISTS_SHOWING_KNIFE = ["/categories/knives/", "/categories/kitchen/", "/", "/search/?q=knife"]


def jpeg(name="new.jpg", color=(200, 30, 30)) -> SimpleUploadedFile:
    buf = io.BytesIO()
    Image.new("RGB", (32, 32), color).save(buf, "JPEG")
    return SimpleUploadedFile(name, buf.getvalue(), content_type="image/jpeg")


def api_json(api, url: str) -> dict:
    return json.loads(api(url))


def _shown_by_api(text: str) -> str:
    # Pages print a price as "€61.00"; the API as the string "61.00".
    return f'"{text[1:]}"' if text.startswith("€") else text


def assert_everywhere(page, text: str, urls=PAGES) -> None:
    for url in urls:
        assert text in page(url), f"{text!r} missing from {url}"
        if api_url(url):
            assert _shown_by_api(text) in page(api_url(url)), f"{text!r} missing from {api_url(url)}"


def assert_nowhere(page, text: str, urls=PAGES) -> None:
    for url in urls:
        assert text not in page(url), f"{text!r} still on {url}"
        if api_url(url):
            assert _shown_by_api(text) not in page(api_url(url)), f"{text!r} still on {api_url(url)}"
