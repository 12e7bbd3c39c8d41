"""Where a request's cart lives.

- A browser, or any client without a token: in its own session (the session cookie), the very cart the
  HTML pages show. Logging in through the pages keeps it (Django keeps the session's data).
- A token client (``Authorization: Token …``): in a session of the same engine bound to the account
  (``AccountCart``), kept ``API_CART_IDLE_SECONDS`` after its last change and shared by the account's
  token clients. It is not the browser's cart: a browser's cart stays with the browser.
- Obtaining a token with a session cookie whose cart has lines moves them into the account's cart (a line
  from before the log-in replaces the account's line for that product), as a log-in through the pages keeps
  the cart the shopper filled before it.
"""

from importlib import import_module

from django.conf import settings
from django.contrib.sessions.backends.base import SessionBase
from rest_framework.authentication import TokenAuthentication

from shop.services import cart_carry_over

from . import selectors, services


def _session_store(key: str | None) -> SessionBase:
    return import_module(settings.SESSION_ENGINE).SessionStore(key)


def is_token_client(request) -> bool:
    """Return whether ``request`` (a DRF request) was authenticated by a token."""
    return isinstance(request.successful_authenticator, TokenAuthentication)


def session_for(request) -> SessionBase:
    """Return the session holding ``request``'s cart; save it with ``persist`` after a change."""
    if not is_token_client(request):
        return request.session
    return _session_store(selectors.account_cart_key(user=request.user))


def persist(request, session: SessionBase) -> None:
    """Save a changed token-client cart session (SessionMiddleware saves a browser's)."""
    if session is not request.session and session.modified:
        _save(request.user, session)


def _save(user, session: SessionBase) -> None:
    new = session.session_key is None  # never saved, or expired and gone: saving makes a new one
    session.set_expiry(settings.API_CART_IDLE_SECONDS)
    session.save()
    if new:
        services.account_cart_bind(user=user, session_key=session.session_key)


def carry_over(request, user) -> None:
    """Move the lines of the cart in ``request``'s session cookie (if any) into ``user``'s account cart."""
    if settings.SESSION_COOKIE_NAME not in request.COOKIES:
        return
    target = _session_store(selectors.account_cart_key(user=user))
    cart_carry_over(source=request.session, target=target)
    if target.modified:
        _save(user, target)
