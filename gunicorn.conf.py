"""gunicorn settings for the web container behind an AWS Application Load Balancer; every value from the environment.

Variables (default): GUNICORN_BIND (0.0.0.0:8000), GUNICORN_WORKERS (2 x CPUs + 1), GUNICORN_THREADS (4),
GUNICORN_WORKER_CLASS (gthread), GUNICORN_KEEPALIVE (75), GUNICORN_TIMEOUT (30), GUNICORN_GRACEFUL_TIMEOUT (30),
GUNICORN_MAX_REQUESTS (2000), GUNICORN_MAX_REQUESTS_JITTER (200), GUNICORN_FORWARDED_ALLOW_IPS (127.0.0.1,::1),
GUNICORN_ACCESS_LOG (off), GUNICORN_LOG_LEVEL (info), GUNICORN_WORKER_TMP_DIR (/dev/shm).
"""

import logging
import multiprocessing
import os
from collections.abc import Mapping

from pythonjsonlogger.json import JsonFormatter


def _int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")  # noqa: S104 - the container's port, reached via the ALB

# gthread keeps idle keep-alive connections open while other threads serve; sync workers close after each
# response, which makes the ALB reopen connections constantly.
worker_class = os.environ.get("GUNICORN_WORKER_CLASS", "gthread")
workers = _int("GUNICORN_WORKERS", multiprocessing.cpu_count() * 2 + 1)
threads = _int("GUNICORN_THREADS", 4)

# Longer than the ALB idle timeout (60 s): the ALB must close idle connections first, otherwise it can send a
# request on a socket gunicorn is closing and answer the shopper with a 502.
keepalive = _int("GUNICORN_KEEPALIVE", 75)
timeout = _int("GUNICORN_TIMEOUT", 30)
# Instance refresh and scale-in deregister first (ALB deregistration delay), then SIGTERM: finish what is in flight.
graceful_timeout = _int("GUNICORN_GRACEFUL_TIMEOUT", 30)
max_requests = _int("GUNICORN_MAX_REQUESTS", 2000)
max_requests_jitter = _int("GUNICORN_MAX_REQUESTS_JITTER", 200)

# The ALB's addresses change; the stack passes the VPC CIDR (only the ALB's security group reaches the app).
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1,::1")

# Heartbeat files in memory, not on the container's overlay disk; /dev/shm is the container's private tmpfs.
_shm = "/dev/shm"  # noqa: S108
worker_tmp_dir = os.environ.get("GUNICORN_WORKER_TMP_DIR", _shm if os.path.isdir(_shm) else None)

loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
# Off by default: Django's shop.access logger writes the one access line per request (with the request id, cache
# outcome and SQL count gunicorn cannot know). "on" adds gunicorn's own line, e.g. while debugging the proxy hop.
_access_level = "INFO" if os.environ.get("GUNICORN_ACCESS_LOG", "off").lower() in ("on", "1", "true") else "WARNING"

# Atom (gunicorn's access log names) -> JSON field.
ACCESS_FIELDS = {
    "h": "remote_addr",
    "{x-forwarded-for}i": "forwarded_for",
    "{x-amzn-trace-id}i": "trace_id",
    "{x-request-id}o": "request_id",
    "m": "method",
    "U": "path",
    "q": "query",
    "s": "status",
    "B": "bytes",
    "M": "duration_ms",
    "a": "user_agent",
    "f": "referer",
}


class JsonAccessFormatter(JsonFormatter):
    """Add gunicorn's access atoms (the record's args) as fields; python-json-logger writes the JSON."""

    def add_fields(self, log_data: dict, record: logging.LogRecord, message_dict: dict) -> None:
        super().add_fields(log_data, record, message_dict)
        atoms = record.args if isinstance(record.args, Mapping) else {}
        for atom, field in ACCESS_FIELDS.items():
            value = atoms.get(atom, "-")
            if isinstance(value, str):
                # gunicorn's SafeAtoms pre-escapes quotes for its text format; the JSON encoder escapes them again.
                value = value.replace('\\"', '"')
            log_data[field] = None if value == "-" else value


logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "root": {"level": "INFO", "handlers": ["console"]},
    "loggers": {
        "gunicorn.error": {"level": loglevel.upper(), "handlers": ["console"], "propagate": False},
        "gunicorn.access": {"level": _access_level, "handlers": ["access"], "propagate": False},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "generic", "stream": "ext://sys.stdout"},
        "access": {"class": "logging.StreamHandler", "formatter": "json_access", "stream": "ext://sys.stdout"},
    },
    "formatters": {
        "generic": {"format": "%(asctime)s [%(process)d] [%(levelname)s] %(name)s %(message)s"},
        "json_access": {
            "()": JsonAccessFormatter,
            "fmt": "%(name)s",
            "rename_fields": {"name": "logger"},
            "timestamp": "time",
        },
    },
}
