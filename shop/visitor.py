"""The per-visitor part of the shop: cart count, log-in, messages and the CSRF token, never in shared pages.

Shared pages (home, listings, products, search) are the same bytes for everyone, so an edge can keep them.
What differs per visitor comes from ``/visitor/`` (``private, no-store``), which ``static/js/shop.js`` reads
when the ``sf_v`` cookie says there is something to show (a cart, a log-in, a message) or a form is about
to be posted. Without JavaScript the shop still works: pages that are never shared render the header
themselves, and an add-to-cart posted from a shared page without a token is confirmed on a page of its own.
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import SESSION_KEY
from django.contrib.messages.storage.cookie import CookieStorage
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.middleware.csrf import get_token
from django.shortcuts import render
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.views.csrf import csrf_failure as django_csrf_failure
from django.views.decorators.http import require_GET

from .cart import Cart, CartError, parse_product_id, parse_quantity

VISITOR_KEY = "_visitor"
HINT_COOKIE = "sf_v"  # "1" while the visitor has something /visitor/ would show; readable by shop.js


def visitor(request) -> dict | None:
    """Return the logged-in visitor's name and staff flag, kept in the session.

    Reading them from the session (already loaded for the cart) keeps the user row out of the header; pages
    that act for the user use ``request.user``, which Django checks against the session's auth hash.
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


@require_GET
def visitor_state(request: HttpRequest) -> JsonResponse:
    """Return what shared pages leave out for this visitor (and consume their pending messages)."""
    who = visitor(request)
    data = {
        "cart_count": Cart(request.session).count(),
        "user": {"name": who["name"], "is_staff": who["is_staff"]} if who else None,
        "messages": [{"level": m.level_tag, "text": str(m)} for m in messages.get_messages(request)],
        "csrf_token": get_token(request),
    }
    response = JsonResponse(data)
    patch_cache_control(response, private=True, no_store=True)
    return response


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """Ask a visitor without JavaScript to confirm an add-to-cart posted from a shared page (no token in it)."""
    if request.method == "POST" and request.path_info == reverse("cart_add"):
        try:
            product_id = parse_product_id(request.POST.get("product_id"))
            quantity = parse_quantity(request.POST.get("quantity", "1"))
        except CartError:
            pass
        else:
            context = {"product_id": product_id, "quantity": quantity, "product": _product_name(product_id)}
            # Still a 403: nothing was added; the page offers the same add with a token of this visitor's.
            return render(request, "shop/confirm_add.html", context, status=403)
    return django_csrf_failure(request, reason)


def _product_name(product_id: int) -> str | None:
    from catalog.models import Product

    return Product.objects.active().filter(pk=product_id).values_list("name", flat=True).first()


class VisitorHintMiddleware:
    """Keep the ``sf_v`` cookie telling shop.js whether /visitor/ has anything to show.

    Placed after the session and message middleware run on the response, so it sees the session as saved
    and the messages as stored. Only requests that used the session can change the answer.
    """

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        session = getattr(request, "session", None)
        if session is None or not session.accessed:
            return response
        pending = response.cookies.get(CookieStorage.cookie_name)
        has_state = not session.is_empty() or bool(pending is not None and pending.value)
        if has_state and request.COOKIES.get(HINT_COOKIE) != "1":
            response.set_cookie(HINT_COOKIE, "1", samesite="Lax", secure=settings.SESSION_COOKIE_SECURE)
        elif not has_state and HINT_COOKIE in request.COOKIES:
            response.delete_cookie(HINT_COOKIE, samesite="Lax")
        return response
