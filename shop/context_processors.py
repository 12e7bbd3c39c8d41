"""Template context shared by every page."""

from django.contrib.auth import SESSION_KEY
from django.utils.functional import SimpleLazyObject

VISITOR_KEY = "_visitor"


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


def storefront(request) -> dict:
    from catalog.selectors import category_tree

    from .cart import Cart

    return {
        # Views that read the tree with their page data pass it themselves; others read it here.
        "tree": SimpleLazyObject(category_tree),
        "cart_count": SimpleLazyObject(lambda: Cart(request.session).count()),
        "visitor": SimpleLazyObject(lambda: visitor(request) or {}),
    }
