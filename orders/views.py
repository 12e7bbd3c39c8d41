"""Checkout, order confirmation and order history."""

import re

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render

from shop import services as cart_services
from shop.cart import Cart, cart_total

from . import selectors
from .checkout_session import checkout_done, checkout_token, placed_orders
from .exceptions import CheckoutError, PriceChanged
from .forms import CheckoutForm
from .services import Contact, order_place

TOKEN_RE = re.compile(r"[A-Za-z0-9_-]{1,64}")


def checkout(request):
    submitted_token = request.POST.get("checkout_token", "") if request.method == "POST" else ""
    # The session is read before the order: a concurrent submit of this form that already placed the order
    # has then either not yet saved this session (its token still places nothing twice) or is seen here.
    lines = Cart(request.session).lines()
    # Only a token this view could have issued is looked up; anything else (NUL bytes, junk) is ignored.
    if TOKEN_RE.fullmatch(submitted_token):
        # The same form posted again: show the order it already placed.
        done = selectors.order_placed_in_session(
            checkout_token=submitted_token, session_order_ids=placed_orders(request.session)
        )
        if done is not None:
            return redirect(done)
    # A line that vanished since the shopper last saw the cart is named, never silently left out of an order.
    dropped = cart_services.cart_drop_unavailable(session=request.session, lines=lines)
    for name in dropped:
        messages.error(request, f"{name} is no longer available and was removed from your cart.")
    if not lines:
        messages.info(request, "Your cart is empty.")
        return redirect("cart")
    initial = {}
    if request.user.is_authenticated:
        initial["email"] = request.user.email
    form = CheckoutForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST":
        status = 400
        if dropped:
            status = 409  # the shopper reviews the order without those lines first
        elif form.is_valid():
            # The session's own token, never the posted one: a token copied from another
            # shopper's form must not return (and reveal) their order.
            token = checkout_token(request.session)
            try:
                order = order_place(
                    lines=lines, contact=Contact(**form.cleaned_data), user=request.user, checkout_token=token
                )
            except PriceChanged as exc:
                cart_services.cart_accept_prices(session=request.session)
                lines = Cart(request.session).lines()
                messages.warning(request, str(exc))
                status = 409
            except CheckoutError as exc:
                messages.error(request, str(exc))
                status = 409
            else:
                checkout_done(session=request.session, order=order)
                messages.success(request, "Thank you! Your order is placed.")
                return redirect(order)
    context = {
        "form": form,
        "lines": lines,
        "total": cart_total(lines),
        "checkout_token": checkout_token(request.session),
    }
    return render(request, "orders/checkout.html", context, status=status)


def order_detail(request, pk: int):
    order = selectors.order_visible_to(pk=pk, user=request.user, session_order_ids=placed_orders(request.session))
    if order is None:
        raise Http404("No such order.")
    return render(request, "orders/order_detail.html", {"order": order})


@login_required
def order_history(request):
    return render(request, "orders/order_history.html", {"orders": selectors.orders_for_user(user=request.user)})
