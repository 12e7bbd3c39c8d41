"""API writes: tokens, and binding an account to the session of its token-client cart."""

from rest_framework.authtoken.models import Token

from .models import AccountCart


def token_obtain(*, user) -> Token:
    """Return ``user``'s token, creating it on first use (one per account, shared by its clients)."""
    token, _ = Token.objects.get_or_create(user=user)
    return token


def token_revoke(*, token: Token) -> None:
    """Delete ``token``: every client using it must log in again (the account's cart stays)."""
    token.delete()


def account_cart_bind(*, user, session_key: str) -> None:
    """Record that ``user``'s token-client cart lives in session ``session_key``."""
    AccountCart.objects.update_or_create(user=user, defaults={"session_key": session_key})
