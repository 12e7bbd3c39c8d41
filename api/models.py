"""Where the cart of an account's token clients lives."""

from django.conf import settings
from django.db import models


class AccountCart(models.Model):
    """The session holding the cart of ``user``'s token clients (mobile apps), one per account.

    A browser keeps its cart in its own session (the cookie); a token client has no cookie to name one, so
    its cart is a session of the same engine bound to the account. It outlives a token: log in again and
    the cart is still there.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, primary_key=True, related_name="account_cart", on_delete=models.CASCADE
    )
    session_key = models.CharField(max_length=40)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"cart of {self.user}"
