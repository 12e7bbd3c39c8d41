"""API reads."""

from .models import AccountCart


def account_cart_key(*, user) -> str | None:
    """Return the key of the session holding ``user``'s token-client cart, if there is one."""
    return AccountCart.objects.filter(user=user).values_list("session_key", flat=True).first()
