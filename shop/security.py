"""Content-Security-Policy header and a login rate limit per username and client address."""

import hashlib
import logging
from collections.abc import Callable
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib import admin, messages
from django.contrib.auth.views import LoginView
from django.core.cache import caches
from django.http import HttpRequest, HttpResponse

logger = logging.getLogger(__name__)

LOGIN_MAX_FAILURES = 5
LOGIN_WINDOW_SECONDS = 15 * 60
LOGIN_LIMITED_MESSAGE = "Too many failed log-in attempts for this username. Please wait 15 minutes and try again."


# Content-Security-Policy ------------------------------------------------------------------


def _asset_origins() -> list[str]:
    """Return the origins static and media files are served from when they are not this site (CloudFront)."""
    origins = []
    domain = getattr(settings, "AWS_S3_CUSTOM_DOMAIN", "")
    if domain:
        origins.append(f"https://{domain}")
    for url in (settings.STATIC_URL, settings.MEDIA_URL):
        parts = urlsplit(url or "")
        if parts.scheme and parts.netloc:
            origins.append(f"{parts.scheme}://{parts.netloc}")
    return list(dict.fromkeys(origins))


def content_security_policy() -> str:
    """Return the policy: everything from this site, plus images, styles and scripts from the asset CDN."""
    assets = "".join(f" {origin}" for origin in _asset_origins())
    return "; ".join(
        [
            "default-src 'self'",
            f"img-src 'self' data:{assets}",
            f"style-src 'self'{assets}",
            f"script-src 'self'{assets}",
            "frame-ancestors 'none'",
            "base-uri 'self'",
            "form-action 'self'",
        ]
    )


class ContentSecurityPolicyMiddleware:
    """Add Content-Security-Policy to every response that does not set its own."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if "Content-Security-Policy" not in response:
            response["Content-Security-Policy"] = content_security_policy()
        return response


# Login rate limit -------------------------------------------------------------------------


def _failures_key(request: HttpRequest) -> str:
    username = str(request.POST.get("username", ""))[:150].strip().lower()
    address = request.META.get("REMOTE_ADDR", "")
    digest = hashlib.sha256(f"{username}\x00{address}".encode("utf-8", "replace")).hexdigest()[:32]
    # The shop cache prefix keeps environments (and tests) sharing one Redis apart.
    return f"{settings.SHOP_CACHE['PREFIX']}:login-failures:{digest}"


def login_failures(request: HttpRequest) -> int:
    """Return the failed logins counted for this username and address; 0 when Redis cannot say."""
    try:
        return int(caches["default"].get(_failures_key(request)) or 0)
    except Exception as exc:
        # Fail open: a Redis outage must not lock every shopper out.
        logger.warning("login rate limit unavailable (%s); not limiting", exc)
        return 0


def login_failure_record(request: HttpRequest) -> None:
    """Count one failed login; the window starts at the first failure."""
    key = _failures_key(request)
    cache = caches["default"]
    try:
        if not cache.add(key, 1, LOGIN_WINDOW_SECONDS):
            cache.incr(key)
    except Exception as exc:
        logger.warning("login rate limit unavailable (%s); failure not counted", exc)


def login_failures_clear(request: HttpRequest) -> None:
    try:
        caches["default"].delete(_failures_key(request))
    except Exception as exc:
        logger.warning("login rate limit unavailable (%s); failures not cleared", exc)


def rate_limited(view: Callable[[HttpRequest], HttpResponse]) -> Callable[[HttpRequest], HttpResponse]:
    """Wrap a login view: after LOGIN_MAX_FAILURES failures, answer 429 with the form and a message."""

    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if request.method != "POST":
            return view(request, *args, **kwargs)
        if login_failures(request) >= LOGIN_MAX_FAILURES:
            logger.warning("login rate limit reached for %s", request.META.get("REMOTE_ADDR", ""))
            messages.error(request, LOGIN_LIMITED_MESSAGE)
            # Show the empty form without checking the password at all.
            request.method = "GET"
            response = view(request, *args, **kwargs)
            response.status_code = 429
            return response
        response = view(request, *args, **kwargs)
        if response.status_code == 200:  # the form came back with an error
            login_failure_record(request)
        elif response.status_code in (301, 302, 303):
            login_failures_clear(request)
        return response

    wrapped.__name__ = getattr(view, "__name__", "login")
    wrapped.__doc__ = view.__doc__
    return wrapped


login = rate_limited(LoginView.as_view())


def _admin_login(request: HttpRequest) -> HttpResponse:
    return admin.site.login(request)


admin_login = rate_limited(_admin_login)
