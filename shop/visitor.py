"""The per-visitor part of every page: cart count and login state, kept in the session."""

from functools import lru_cache

from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.template.loader import render_to_string

from .cart import Cart

VISITOR_KEY = "_visitor"
TEMPLATE = "partials/user_nav.html"


def visitor(request) -> dict | None:
    """Return the logged-in visitor's name and staff flag, kept in the session.

    The header shows who is logged in on every page; reading it from the session (already loaded for
    the cart) keeps the user row out of pages that need nothing else from it. Pages that act for the
    user use ``request.user``, which Django checks against the database and the session's auth hash.
    """
    session = request.session
    user_id = session.get(SESSION_KEY)
    if user_id is None:
        return None
    known = session.get(VISITOR_KEY)
    if isinstance(known, dict) and known.get("id") == user_id:
        return known
    user = request.user
    if not user.is_authenticated:
        return None
    known = {"id": user_id, "name": user.get_username(), "is_staff": user.is_staff}
    session[VISITOR_KEY] = known
    return known


def header_html(request, csrf_token: str) -> str:
    """Return the visitor's part of the page header, with ``csrf_token`` in it.

    It is a pure function of the cart count, the visitor's name and staff flag and the token, so each
    distinct header is rendered once per process (a bounded LRU); a visitor without a session (no cart,
    not logged in) costs no session read at all.
    """
    if settings.SESSION_COOKIE_NAME not in request.COOKIES:
        return _header(0, "", False, csrf_token)
    who = visitor(request) or {}
    return _header(Cart(request.session).count(), who.get("name", ""), bool(who.get("is_staff")), csrf_token)


@lru_cache(maxsize=2048)
def _header(cart_count: int, name: str, is_staff: bool, csrf_token: str) -> str:
    who = {"name": name, "is_staff": is_staff} if name else {}
    return render_to_string(TEMPLATE, {"cart_count": cart_count, "visitor": who, "csrf_token": csrf_token})
