"""Template context shared by every page."""

from django.utils.functional import SimpleLazyObject

from .http import site_url


def storefront(request) -> dict:
    from catalog.selectors import category_tree

    from .cart import Cart
    from .visitor import visitor

    return {
        "site_url": site_url(request),
        # Views that read the tree with their page data pass it themselves; others read it here.
        "tree": SimpleLazyObject(category_tree),
        "cart_count": SimpleLazyObject(lambda: Cart(request.session).count()),
        "visitor": SimpleLazyObject(lambda: visitor(request) or {}),
    }
