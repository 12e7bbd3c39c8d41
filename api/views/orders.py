"""Checkout (an order from the cart, as the HTML checkout places it) and the shopper's orders."""

from django.core.paginator import Paginator
from django.urls import reverse
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.exceptions import NotFound
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from catalog.display import PAGE_SIZE
from orders import selectors
from orders.checkout_session import TOKEN_KEY, checkout_done, checkout_token, placed_orders
from orders.exceptions import CheckoutError, OutOfStock, PriceChanged
from orders.services import Contact, order_place
from shop import services as cart_services
from shop.cart import Cart

from .. import carts, schema
from ..exceptions import Conflict
from ..paging import page_param, paged
from ..serializers import shopping as bodies
from ..serializers.fields import CURRENCY
from .base import ShopperView
from .cart import cart_data

CONTACT = ["email", "full_name", "address", "city", "postal_code", "country"]


def order_data(order) -> dict:
    return {
        "id": order.pk,
        "url": reverse("api:order", kwargs={"order_id": order.pk}),
        "status": order.status,
        "created_at": order.created_at,
        "total": order.total,
        "currency": CURRENCY,
        **{field: getattr(order, field) for field in CONTACT},
        "lines": [
            {
                "product_id": line.product_id,
                "product_name": line.product_name,
                "quantity": line.quantity,
                "unit_price": line.unit_price,
                "line_total": line.line_total,
            }
            for line in order.lines.all()
        ],
    }


def _price_changes(exc: PriceChanged, lines) -> list[dict]:
    ids = {line.product.name: line.product.pk for line in lines}
    changes = [{"product_id": ids.get(name), "name": name, "was": was, "now": now} for name, was, now in exc.changes]
    return bodies.PriceChange(changes, many=True).data  # decimals as strings, like every price


class CheckoutView(ShopperView):
    """Checkout: the HTML checkout's stock guarantees, one order per checkout token, prices confirmed."""

    @extend_schema(
        tags=["checkout"],
        operation_id="checkout_start",
        summary="The cart with the checkout token to place its order with",
        responses={200: bodies.Checkout, **schema.errors(401)},
    )
    def get(self, request):
        session = carts.session_for(request)
        lines = Cart(session).lines()
        token = checkout_token(session)
        carts.persist(request, session)
        return Response(bodies.Checkout({**cart_data(lines), "checkout_token": token}).data)

    @extend_schema(
        tags=["checkout"],
        operation_id="checkout_place",
        summary="Place the order for the cart",
        description=(
            "The same checkout token twice places one order: a repeated call gets that order back (200). "
            "409 `price_changed` lists the new prices, which the cart has now accepted: call again to order "
            "at them. 409 `out_of_stock`, `unavailable` (lines removed), `empty_cart`, `stale_checkout_token` "
            "(use the token in the answer)."
        ),
        request=bodies.PlaceOrder,
        responses={
            201: OpenApiResponse(bodies.Order, description="The order, placed."),
            200: OpenApiResponse(bodies.Order, description="The order this token placed already."),
            **schema.errors(400, 401, 403, 409, 415, 429),
        },
    )
    def post(self, request):
        body = bodies.PlaceOrder(data=request.data)
        body.is_valid(raise_exception=True)
        submitted = body.validated_data["checkout_token"]
        session = carts.session_for(request)
        # The session is read before the order, as the HTML checkout does (a concurrent repeat finds its order).
        lines = Cart(session).lines()
        placed = placed_orders(session)
        done = selectors.order_placed_in_session(checkout_token=submitted, session_order_ids=placed)
        if done is not None:
            return Response(bodies.Order(order_data(done)).data)
        dropped = cart_services.cart_drop_unavailable(session=session, lines=lines)
        if dropped:
            carts.persist(request, session)
            names = ", ".join(dropped)
            raise Conflict(f"No longer available, removed from your cart: {names}.", "unavailable", removed=dropped)
        if not lines:
            raise Conflict("Your cart is empty.", "empty_cart")
        if submitted != session.get(TOKEN_KEY):
            current = checkout_token(session)
            carts.persist(request, session)
            raise Conflict(
                "This checkout token is not the cart's current one: send the one in this answer.",
                "stale_checkout_token",
                checkout_token=current,
            )
        contact = Contact(**{field: body.validated_data[field] for field in CONTACT})
        try:
            order = order_place(lines=lines, contact=contact, user=request.user, checkout_token=submitted)
        except PriceChanged as exc:
            cart_services.cart_accept_prices(session=session)
            carts.persist(request, session)
            raise Conflict(str(exc), "price_changed", changes=_price_changes(exc, lines)) from exc
        except OutOfStock as exc:
            raise Conflict(str(exc), "out_of_stock", product=exc.name, available=exc.available) from exc
        except CheckoutError as exc:
            raise Conflict(str(exc), "checkout") from exc
        checkout_done(session=session, order=order)
        carts.persist(request, session)
        return Response(bodies.Order(order_data(order)).data, status=201)


class OrderListView(ShopperView):
    """The orders of the logged-in account."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        tags=["orders"],
        operation_id="orders_list",
        summary="The account's orders, newest first",
        parameters=[schema.PAGE],
        responses={200: bodies.OrderList, **schema.errors(400, 401, 404)},
    )
    def get(self, request):
        page = page_param(request)
        paginator = Paginator(selectors.orders_for_user(user=request.user), PAGE_SIZE)
        if page > paginator.num_pages:
            raise NotFound(f"No such page; the last is {paginator.num_pages}.")
        found = {"count": paginator.count, "page": page, "num_pages": paginator.num_pages}
        data = {
            **paged(reverse("api:orders"), {}, found),
            "results": [order_data(order) for order in paginator.page(page).object_list],
        }
        return Response(bodies.OrderList(data).data)


class OrderView(ShopperView):
    """One order: of the logged-in account, or placed in this session."""

    @extend_schema(
        tags=["orders"],
        operation_id="orders_detail",
        summary="An order of the account, or one placed in this session",
        responses={200: bodies.Order, **schema.errors(401, 404)},
    )
    def get(self, request, order_id: int):
        placed = placed_orders(carts.session_for(request))
        order = selectors.order_visible_to(pk=order_id, user=request.user, session_order_ids=placed)
        if order is None:
            raise NotFound("No such order.")
        return Response(bodies.Order(order_data(order)).data)
