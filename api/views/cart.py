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


def _operation(operation_id: str, summary: str, request=None, errors=WRITE_ERRORS):
    """The schema of a cart operation: it answers the cart, or one of ``errors``."""
    return extend_schema(
        tags=["cart"],
        operation_id=operation_id,
        summary=summary,
        request=request,
        responses={200: bodies.Cart, **errors},
    )


def _change(request, change, body_class=None, *, unknown_product_is_invalid: bool = False, **kwargs) -> Response:
    """Apply ``change`` (a cart service) to the request's cart with the validated body; answer the cart."""
    if body_class is not None:
        body = body_class(data=request.data)
        body.is_valid(raise_exception=True)
        kwargs |= body.validated_data
    session = carts.session_for(request)
    try:
        change(session=session, **kwargs)
    except CartError as exc:
        raise _refused(exc, unknown_product_is_invalid=unknown_product_is_invalid) from exc
    carts.persist(request, session)
    return Response(bodies.Cart(cart_data(Cart(session).lines())).data)


class CartView(ShopperView):
    """The cart: a browser's is its session's (the pages' cart), a token client's is its account's."""

    @_operation("cart_read", "The cart", errors=schema.errors(401))
    def get(self, request):
        return Response(bodies.Cart(cart_data(Cart(carts.session_for(request)).lines())).data)


class CartItemsView(ShopperView):
    """Adding to the cart (JSON body; a session log-in sends its CSRF token)."""

    @_operation("cart_add", "Add a product (its price is kept as it was when first added)", bodies.CartAdd)
    def post(self, request):
        return _change(request, services.cart_add, bodies.CartAdd, unknown_product_is_invalid=True)


class CartItemView(ShopperView):
    """One line of the cart, by product id."""

    @_operation("cart_set_quantity", "Change a line's quantity (0 removes it)", bodies.CartQuantity)
    def patch(self, request, product_id: int):
        return _change(request, services.cart_set_quantity, bodies.CartQuantity, product_id=product_id)

    @_operation(
        "cart_remove",
        "Remove a line (done already if the product is not in the cart)",
        errors=schema.errors(401, 403, 404, 429),
    )
    def delete(self, request, product_id: int):
        return _change(request, services.cart_remove, product_id=product_id)
