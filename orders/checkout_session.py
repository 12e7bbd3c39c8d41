"""What a shopper's session holds for checkout: its single-use checkout token and the orders placed in it.

The HTML checkout and the API's share it, so a token issued by one is honoured by the other.
"""

import secrets

from shop import services as cart_services

TOKEN_KEY = "checkout_token"  # noqa: S105 (a session key name, not a secret)
ORDERS_KEY = "orders"
REMEMBERED_ORDERS = 20  # a visitor without an account can see this many of the orders placed in its session


def checkout_token(session) -> str:
    """Return the session's checkout token, issuing one if it has none."""
    if not session.get(TOKEN_KEY):
        session[TOKEN_KEY] = secrets.token_urlsafe(24)
    return session[TOKEN_KEY]


def placed_orders(session) -> list[int]:
    """Return the ids of the orders placed in this session (the latest last)."""
    return session.get(ORDERS_KEY, [])


def checkout_done(*, session, order) -> None:
    """After ``order`` is placed: empty the cart, remember the order, retire the token it was placed with."""
    cart_services.cart_clear(session=session)
    session[ORDERS_KEY] = [*placed_orders(session)[-(REMEMBERED_ORDERS - 1) :], order.pk]
    session.pop(TOKEN_KEY, None)
