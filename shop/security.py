"""The log-in limit's django-axes handler and lock-out page.

Log-in failures are counted by django-axes (AXES_* settings) in Postgres, per username and client address
(``shop.proxies.client_address``), so a stranger's wrong passwords never lock the owner out elsewhere.
"""

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_cool_off
from django.conf import settings
from django.db.models import Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

# Log-in limit (django-axes) ----------------------------------------------------------------


class LoginLimitHandler(AxesDatabaseHandler):
    """Axes' database handler with a second, higher limit per client address alone.

    AXES_LOCKOUT_PARAMETERS is ``[["username", "ip_address"], "ip_address"]``; axes compares the larger of the
    two counts with one AXES_FAILURE_LIMIT. The address count is scaled so that it reaches that limit at
    SHOPFRONT_LOGIN_ADDRESS_FAILURE_LIMIT: one address guessing many usernames is stopped too, while a few
    typos by people sharing an office NAT are not. A successful log-in clears only its own username and
    address pair, so an attacker cannot wipe the address count by logging in to an account of their own.
    """

    def get_failures(self, request, credentials: dict | None = None) -> int:
        pair, address = (
            attempts.aggregate(n=Sum("failures_since_start"))["n"] or 0
            for attempts in self.get_user_attempts(request, credentials)
        )
        # floor(address * limit / address_limit) >= limit exactly when address >= address_limit.
        return max(pair, address * settings.AXES_FAILURE_LIMIT // settings.SHOPFRONT_LOGIN_ADDRESS_FAILURE_LIMIT)

    def reset_user_attempts(self, request, credentials: dict | None = None) -> int:
        pair = self.filter_user_attempts(request, credentials)[0]
        count, _ = pair.delete()
        return count


def lockout_response(request: HttpRequest, original_response: HttpResponse | None, credentials: dict | None):
    """Return the 429 page shown instead of the log-in form while this username and address are locked."""
    cool_off = get_cool_off(request)
    minutes = max(1, round(cool_off.total_seconds() / 60)) if cool_off else None
    response = render(request, "registration/locked_out.html", {"minutes": minutes}, status=429)
    if cool_off:
        response["Retry-After"] = str(int(cool_off.total_seconds()))
    response["Cache-Control"] = "private, no-store"
    return response
