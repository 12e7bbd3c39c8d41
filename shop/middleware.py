"""Middleware: sliding session expiry without a database write on every request."""

import time

from django.conf import settings

from .cache.shared import is_shared

TOUCH_KEY = "_touched"


class SlidingSessionMiddleware:
    """Re-save an active session at most once per SESSION_TOUCH_INTERVAL.

    Each save pushes the expiry (database row, Redis copy and cookie) SESSION_COOKIE_AGE into
    the future, so a shopper is logged out after that long idle, not after that long in total.
    """

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if is_shared(request):
            return response  # a shared page never reads the session (it would make the page personal)
        session = getattr(request, "session", None)
        if session is not None and session.session_key and not session.is_empty():
            now = int(time.time())
            if now - int(session.get(TOUCH_KEY, 0)) >= settings.SESSION_TOUCH_INTERVAL:
                session[TOUCH_KEY] = now
                # SessionMiddleware (outside this one) saves a modified session and resets the cookie.
        return response
