"""The JSON API rounds (issue 14): warm anonymous product detail, and its 304 revalidation.

``api`` replays the anonymous product-page list against ``--api-path`` (bench/common.py); ``api-304``
replays it again with each response's ETag as ``If-None-Match``. The ETags are read once per distinct URL
(which also warms the API's cache entries) before the rounds.
"""

from bench import fetch


def unavailable(prep: dict, path: str) -> str | None:
    """Return why the API cannot be measured here, or None."""
    f = prep["features"]
    if f["api_status"] != 200:
        return f"GET {path} answered {f['api_status']} (no JSON API yet)"
    if "json" not in f["api_content_type"]:
        return f"GET {path} answered {f['api_content_type'] or 'no Content-Type'}, not JSON"
    return None


def fetch_etags(url: str, paths: list[str]) -> dict[str, str]:
    """GET every path once (warming it); return path -> ETag for the 200 answers that carry one."""
    answers = fetch.get_all(url, paths)
    return {path: h["ETag"] for path, (status, h) in answers.items() if status == 200 and h.get("ETag")}
