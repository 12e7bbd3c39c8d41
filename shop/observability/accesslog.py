"""One structured access-log line per request; python-json-logger prints it as JSON (LOGGING["formatters"]).

The fields travel as the record's ``extra`` attributes, so the JSON formatter puts them at the top level
and the plain formatter of local development leaves them out of its one-line summary.
"""

import logging
import os
import re
import time

from django.db import connection

logger = logging.getLogger("shop.access")

# Request ids from the ALB (X-Amzn-Trace-Id: "Root=1-…;Sampled=1") or an upstream proxy; anything
# else is replaced so a client cannot inject arbitrary text into the logs.
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:;=+/-]{1,200}$")


def request_id(request) -> str:
    """Return the request id from X-Request-ID or X-Amzn-Trace-Id, or a new one."""
    return _request_id(request.META)


def _request_id(environ: dict) -> str:
    for header in ("HTTP_X_REQUEST_ID", "HTTP_X_AMZN_TRACE_ID"):
        value = environ.get(header, "")
        if _REQUEST_ID.match(value):
            return value
    return os.urandom(16).hex()  # as random as uuid4().hex, without building a UUID


def log_answered(environ: dict, status: int, cache: str, started: float) -> list[tuple[str, str]]:
    """Log a request answered before Django (shop.cache.wsgi) as the middleware would; return its id header."""
    rid = _request_id(environ)
    if logger.isEnabledFor(logging.INFO):
        method, path = environ.get("REQUEST_METHOD", ""), environ.get("PATH_INFO", "")
        duration_ms = round((time.perf_counter() - started) * 1000, 1)
        fields = {"request_id": rid, "method": method, "path": path, "status": status}
        fields |= {"duration_ms": duration_ms, "cache": cache, "sql_queries": 0}
        logger.info("%s %s %s %sms", method, path, status, duration_ms, extra=fields)
    return [("X-Request-ID", rid)]


class _QueryCounter:
    """A ``connection.execute_wrapper`` that only counts."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


class AccessLogMiddleware:
    """Log method, path, status, duration, cache outcome and SQL query count of every request."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request):
        rid = request_id(request)
        request.request_id = rid
        queries = _QueryCounter()
        start = time.perf_counter()
        with connection.execute_wrapper(queries):
            response = self.get_response(request)
        duration_ms = round((time.perf_counter() - start) * 1000, 1)
        response["X-Request-ID"] = rid
        fields = {
            "request_id": rid,
            "method": request.method,
            "path": request.path,
            "status": response.status_code,
            "duration_ms": duration_ms,
            "cache": response.get("X-Cache", "-"),
            "sql_queries": queries.count,
        }
        logger.info("%s %s %s %sms", request.method, request.path, response.status_code, duration_ms, extra=fields)
        return response
