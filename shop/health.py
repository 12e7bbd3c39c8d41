"""Liveness and readiness endpoints, answered before host validation so the ALB's checks pass.

The ALB sends its health checks with the instance's private IP as Host; those requests must not
reach anything that calls ``request.get_host()`` (CommonMiddleware, CSRF, views), or Django
would answer 400 unless ALLOWED_HOSTS were opened to every host.
"""

import logging

from django.db import DatabaseError, connection
from django.http import HttpResponse, HttpResponseNotAllowed, JsonResponse

from shop.cache import clients

logger = logging.getLogger(__name__)


def healthz(request) -> HttpResponse:
    """Answer that the process is up; touches neither Postgres nor Redis."""
    return _no_store(HttpResponse("ok", content_type="text/plain"))


def readyz(request) -> HttpResponse:
    """Answer 200 when Postgres and Redis both reply, 503 with the failing check otherwise."""
    checks = {"postgres": _check("postgres", _postgres), "redis": _check("redis", _redis)}
    status = 200 if all(v == "ok" for v in checks.values()) else 503
    return _no_store(JsonResponse(checks, status=status))


def _postgres() -> None:
    # The connection's connect_timeout (DATABASE_CONNECT_TIMEOUT) bounds a dead server.
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


def _redis() -> None:
    # REDIS_CONNECT_TIMEOUT / REDIS_SOCKET_TIMEOUT (0.25 s) bound a dead server; on a cluster every primary answers.
    clients.client("default").ping()


def _check(name: str, probe) -> str:
    try:
        probe()
    except (DatabaseError, *clients.ERRORS) as exc:
        logger.warning("readyz: %s not ready: %s", name, exc)
        # The class name only: the body is public and the message names internal hosts.
        return f"error: {type(exc).__name__}"
    return "ok"


def _no_store(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = "no-store"
    return response


VIEWS = {"/healthz": healthz, "/readyz": readyz}


class HealthCheckMiddleware:
    """Answer /healthz and /readyz before any other middleware; keep it first in MIDDLEWARE."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request):
        view = VIEWS.get(request.path_info)
        if view is None:
            return self.get_response(request)
        if request.method not in ("GET", "HEAD"):
            return HttpResponseNotAllowed(["GET", "HEAD"])
        return view(request)
