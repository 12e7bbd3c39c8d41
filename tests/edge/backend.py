"""A stand-in origin for the VCL tests: pages answer as a test configures them and count what they served."""

import http.client
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

SHARED = "public, max-age=0, s-maxage=60, stale-while-revalidate=30, stale-if-error=600"
PERSONAL = "private, no-store"


@dataclass
class Page:
    cache_control: str = SHARED
    tags: list[str] = field(default_factory=list)
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    served: int = 0


class Origin:
    """A threaded HTTP server on ``port``: ``/healthz`` is always up; other paths are ``page()``s, else 404.

    Each body is ``<path> v<n> cookie=<Cookie header or ->``, n counting the requests that page served.
    """

    def __init__(self, port: int) -> None:
        self.port = port
        self.pages: dict[str, Page] = {}
        self.seen: list[tuple[str, str, dict[str, str]]] = []
        self._server: ThreadingHTTPServer | None = None
        self._lock = threading.Lock()

    def page(self, path: str, **options) -> Page:
        self.pages[path] = Page(**options)
        return self.pages[path]

    def requests_for(self, path: str) -> list[tuple[str, dict[str, str]]]:
        return [(method, headers) for method, p, headers in self.seen if p == path]

    def start(self) -> None:
        origin = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:
                pass

            def _answer(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                if length:
                    self.rfile.read(length)
                if self.path == "/healthz":
                    return self._send(200, {"Cache-Control": PERSONAL}, b"ok")
                with origin._lock:
                    origin.seen.append((self.command, self.path, dict(self.headers)))
                    page = origin.pages.get(self.path)
                    if page is None:
                        return self._send(404, {"Cache-Control": PERSONAL}, b"not found")
                    page.served += 1
                    served = page.served
                body = f"{self.path} v{served} cookie={self.headers.get('Cookie') or '-'}".encode()
                headers = {"Cache-Control": page.cache_control, **page.headers}
                if page.tags:
                    headers["Cache-Tag"] = ",".join(page.tags)
                self._send(page.status, headers, body)

            def _send(self, status: int, headers: dict[str, str], body: bytes) -> None:
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(body)

            do_GET = do_HEAD = do_POST = do_PUT = do_DELETE = _answer

        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None


@dataclass
class Response:
    status: int
    headers: http.client.HTTPMessage
    body: str

    @property
    def cache(self) -> str | None:
        return self.headers.get("X-Edge-Cache")


def request(
    port: int,
    path: str,
    *,
    method: str = "GET",
    headers: dict[str, str] | None = None,
    body: bytes | None = None,
    source: str | None = None,
) -> Response:
    """Send one request to 127.0.0.1:``port`` (from address ``source``), with no proxy in between."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30, source_address=(source, 0) if source else None)
    try:
        conn.request(method, path, body=body, headers={"Host": "shop.test", **(headers or {})})
        response = conn.getresponse()
        return Response(response.status, response.headers, response.read().decode())
    finally:
        conn.close()
