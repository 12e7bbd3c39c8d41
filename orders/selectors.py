"""Order reads."""

from django.db.models import QuerySet

from .models import Order


def orders_for_user(*, user) -> QuerySet[Order]:
    return Order.objects.filter(user=user).prefetch_related("lines")


def order_visible_to(*, pk: int, user, session_order_ids: list[int]) -> Order | None:
    """Return order ``pk`` if it belongs to ``user`` or was placed in this session."""
    order = Order.objects.filter(pk=pk).prefetch_related("lines").first()
    if order is None:
        return None
    if user.is_authenticated and order.user_id == user.pk:
        return order
    if pk in session_order_ids:
        return order
    return None


def order_placed_in_session(*, checkout_token: str, session_order_ids: list[int]) -> Order | None:
    """Return the order this session already placed with ``checkout_token`` (a repeated submit), if any."""
    order = Order.objects.filter(checkout_token=checkout_token).prefetch_related("lines").first()
    return order if order is not None and order.pk in session_order_ids else None
