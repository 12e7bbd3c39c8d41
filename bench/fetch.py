"""Plain HTTP GETs from a few threads: warming an edge, reading ETags (cheaper than a wrk run for one pass)."""

import http.client
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlsplit


def get_all(url: str, paths: list[str], threads: int = 4) -> dict[str, tuple[int, dict[str, str]]]:
    """GET every path once on keep-alive connections; return path -> (status, response headers)."""
    target = urlsplit(url)

    def chunk(part: list[str]) -> dict[str, tuple[int, dict[str, str]]]:
        conn = http.client.HTTPConnection(target.hostname, target.port, timeout=15)
        found = {}
        for path in part:
            conn.request("GET", path)
            response = conn.getresponse()
            response.read()
            found[path] = (response.status, dict(response.headers))
        conn.close()
        return found

    out: dict[str, tuple[int, dict[str, str]]] = {}
    with ThreadPoolExecutor(threads) as pool:
        for found in pool.map(chunk, [paths[i::threads] for i in range(threads)]):
            out |= found
    return out
