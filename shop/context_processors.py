"""Template context shared by every page."""

from django.utils.functional import SimpleLazyObject

from .cache.shared import is_shared
from .http import site_url


def storefront(request) -> dict:
    from catalog.selectors import category_tree

    from .cart import Cart
    from .visitor import visitor

    return {
        # A shared page (the same bytes for everyone) leaves the visitor's part to shop.js and /visitor/.
        "shared": is_shared(request),
        "site_url": site_url(request),
        # Views that read the tree with their page data pass it themselves; others read it here.
        "tree": SimpleLazyObject(category_tree),
        "cart_count": SimpleLazyObject(lambda: Cart(request.session).count()),
        "visitor": SimpleLazyObject(lambda: visitor(request) or {}),
    }
