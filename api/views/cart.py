"""The shopper's cart: read it, add a product, change a quantity, remove a line (``carts`` says where it lives)."""

from django.urls import reverse
from drf_spectacular.utils import extend_schema
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.response import Response

from catalog import renditions
from catalog.display import availability
from shop import services
from shop.cart import Cart, CartError, CartLine, NotInCart, ProductUnavailable, StockShort, cart_total

from .. import carts, schema
from ..exceptions import Conflict
from ..serializers import shopping as bodies
from ..serializers.fields import CURRENCY
from .base import ShopperView


def _image(product) -> dict | None:
    images = list(product.images.all())  # prefetched, in position order
    if not images:
        return None
    image = images[0]
    sizes = renditions.urls(image.image, image.renditions)
    return {"id": image.pk, "url": image.image.url, "alt": image.alt, "position": image.position, "sizes": sizes}


def _line(line: CartLine) -> dict:
    product = line.product
    return {
        "product": {
            "id": product.pk,
            "name": product.name,
            "slug": product.slug,
            "url": reverse("api:product", kwargs={"slug": product.slug}),
            "image": _image(product),
        },
        "quantity": line.quantity,
        "unit_price": line.unit_price,
        "added_price": line.added_price,
        "price_changed": line.price_changed,
        "line_total": line.line_total,
        "availability": availability(product.stock),
    }


def cart_data(lines: list[CartLine]) -> dict:
    """Return the body of a cart with ``lines``."""
    return {
        "lines": [_line(line) for line in lines],
        "count": sum(line.quantity for line in lines),
        "total": cart_total(lines),
        "currency": CURRENCY,
    }


def _refused(exc: CartError, *, unknown_product_is_invalid: bool) -> Exception:
    """Return the API error for a cart change the cart refused."""
    if isinstance(exc, StockShort):
        return Conflict(str(exc), "out_of_stock")
    if isinstance(exc, NotInCart):
        return NotFound(str(exc))
    if isinstance(exc, ProductUnavailable):
        if unknown_product_is_invalid:
            return ValidationError({"product_id": [str(exc)]})
        return Conflict(str(exc), "unavailable")
    return ValidationError({"quantity": [str(exc)]})


WRITE_ERRORS = schema.errors(400, 401, 403, 404, 409, 415, 429)


class CartView(ShopperView):
    """The cart: a browser's is its session's (the pages' cart), a token client's is its account's."""

    @extend_schema(
        tags=["cart"], operation_id="cart_read", summary="The cart", responses={200: bodies.Cart, **schema.errors(401)}
    )
    def get(self, request):
        return Response(bodies.Cart(cart_data(Cart(carts.session_for(request)).lines())).data)


class CartItemsView(ShopperView):
    """Adding to the cart (JSON body; a session log-in sends its CSRF token)."""

    @extend_schema(
        tags=["cart"],
        operation_id="cart_add",
        summary="Add a product (its price is kept as it was when first added)",
        request=bodies.CartAdd,
        responses={200: bodies.Cart, **WRITE_ERRORS},
    )
    def post(self, request):
        body = bodies.CartAdd(data=request.data)
        body.is_valid(raise_exception=True)
        session = carts.session_for(request)
        try:
            services.cart_add(session=session, **body.validated_data)
        except CartError as exc:
            raise _refused(exc, unknown_product_is_invalid=True) from exc
        carts.persist(request, session)
        return Response(bodies.Cart(cart_data(Cart(session).lines())).data)


class CartItemView(ShopperView):
    """One line of the cart, by product id."""

    @extend_schema(
        tags=["cart"],
        operation_id="cart_set_quantity",
        summary="Change a line's quantity (0 removes it)",
        request=bodies.CartQuantity,
        responses={200: bodies.Cart, **WRITE_ERRORS},
    )
    def patch(self, request, product_id: int):
        body = bodies.CartQuantity(data=request.data)
        body.is_valid(raise_exception=True)
        session = carts.session_for(request)
        try:
            services.cart_set_quantity(session=session, product_id=product_id, **body.validated_data)
        except CartError as exc:
            raise _refused(exc, unknown_product_is_invalid=False) from exc
        carts.persist(request, session)
        return Response(bodies.Cart(cart_data(Cart(session).lines())).data)

    @extend_schema(
        tags=["cart"],
        operation_id="cart_remove",
        summary="Remove a line (done already if the product is not in the cart)",
        responses={200: bodies.Cart, **schema.errors(401, 403, 404, 429)},
    )
    def delete(self, request, product_id: int):
        session = carts.session_for(request)
        services.cart_remove(session=session, product_id=product_id)
        carts.persist(request, session)
        return Response(bodies.Cart(cart_data(Cart(session).lines())).data)
