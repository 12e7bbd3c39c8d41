"""Tokens for mobile clients: obtain one with a username and password, revoke it."""

from axes.helpers import get_cool_off
from django.contrib.auth import user_logged_in
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.authentication import TokenAuthentication
from rest_framework.exceptions import Throttled
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from .. import carts, schema, services
from ..serializers import shopping as bodies
from ..throttles import TokenThrottle
from .base import ShopperView


class LockedOut(Throttled):
    default_detail = "Too many failed log-ins from this address; try again later."


class TokenView(ShopperView):
    """Tokens for mobile clients (django-axes counts failed log-ins, as on the log-in page)."""

    def get_authenticators(self):
        # Asking for a token ignores any credentials sent along; revoking one needs it.
        request = getattr(self, "request", None)  # None while the schema is generated
        return [] if request is not None and request.method == "POST" else [TokenAuthentication()]

    def get_throttles(self):
        return [TokenThrottle()] if self.request.method == "POST" else []

    def get_permissions(self):
        return [IsAuthenticated()] if self.request.method == "DELETE" else []

    @extend_schema(
        tags=["auth"],
        operation_id="token_obtain",
        auth=[],
        summary="A token for a username and password (the cart of the session cookie, if any, comes along)",
        request=bodies.Credentials,
        responses={200: bodies.Token, **schema.errors(400, 415, 429)},
    )
    def post(self, request):
        # Django's authenticate() runs django-axes: failures are counted per username and address.
        body = bodies.Credentials(data=request.data, context={"request": request})
        if not body.is_valid():
            if getattr(request, "axes_locked_out", False):
                cool_off = get_cool_off(request)
                raise LockedOut(wait=cool_off.total_seconds() if cool_off else None)
            body.is_valid(raise_exception=True)
        user = body.validated_data["user"]
        token = services.token_obtain(user=user)
        # A log-in: django-axes clears this username's failures from this address, last_login is set.
        user_logged_in.send(sender=type(user), request=request, user=user)
        carts.carry_over(request, user)
        return Response(bodies.Token({"token": token.key}).data)

    @extend_schema(
        tags=["auth"],
        operation_id="token_revoke",
        summary="Revoke the token this request carries",
        request=None,
        responses={204: OpenApiResponse(description="Revoked."), **schema.errors(401)},
    )
    def delete(self, request):
        services.token_revoke(token=request.auth)
        return Response(status=204)
