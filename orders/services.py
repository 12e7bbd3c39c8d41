"""Checkout: turn a cart into an order, atomically, without ever overselling."""

from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction

from catalog.models import Product
from shop.cart import CartLine

from .exceptions import CheckoutError, OutOfStock, PriceChanged
from .models import Order, OrderLine


@dataclass(frozen=True)
class Contact:
    email: str
    full_name: str
    address: str
    city: str
    postal_code: str
    country: str


def order_place(
    *, lines: list[CartLine], contact: Contact, user: AbstractBaseUser | None, checkout_token: str
) -> Order:
    """Place the order for ``lines``; the same ``checkout_token`` twice returns the first order."""
    try:
        return _order_place(lines=lines, contact=contact, user=user, checkout_token=checkout_token)
    except IntegrityError:
        # A concurrent submit of the same form won the unique token; that order is this order.
        existing = Order.objects.filter(checkout_token=checkout_token).first()
        if existing is None:
            raise
        return existing


@transaction.atomic
def _order_place(*, lines, contact, user, checkout_token) -> Order:
    if not lines:
        raise CheckoutError("Your cart is empty.")
    ids = sorted(line.product.pk for line in lines)
    # Lock the rows in id order so concurrent checkouts cannot deadlock.
    locked = {p.pk: p for p in Product.objects.select_for_update().filter(pk__in=ids).order_by("pk")}
    existing = Order.objects.filter(checkout_token=checkout_token).first()
    if existing is not None:
        return existing
    changes = []
    for line in lines:
        product = locked.get(line.product.pk)
        if product is None or not product.is_active:
            raise CheckoutError(f"{line.product.name} is no longer available.")
        if product.stock < line.quantity:
            raise OutOfStock(product.name, product.stock)
        if product.price != line.added_price:
            changes.append((product.name, line.added_price, product.price))
    if changes:
        raise PriceChanged(changes)
    priced = [(locked[line.product.pk], line.quantity) for line in lines]
    order = Order.objects.create(
        user=user if user is not None and user.is_authenticated else None,
        checkout_token=checkout_token,
        total=sum((p.price * q for p, q in priced), Decimal("0.00")),
        **contact.__dict__,
    )
    OrderLine.objects.bulk_create(
        OrderLine(order=order, product=p, product_name=p.name, quantity=q, unit_price=p.price) for p, q in priced
    )
    # One statement for every line, and one invalidation for the order: only what pages show changes.
    Product.objects.stock_decrement(locked, {product.pk: quantity for product, quantity in priced})
    return order
