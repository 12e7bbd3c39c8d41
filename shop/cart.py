"""The shopping cart, kept in the session as plain data."""

from dataclasses import dataclass
from decimal import Decimal

from catalog.models import Product

SESSION_KEY = "cart"
MAX_QUANTITY = 99


class CartError(Exception):
    """A cart change that cannot be made; the message is shown to the shopper."""


class ProductUnavailable(CartError):
    """The product is not on sale (unknown, inactive or deleted)."""


class NotInCart(CartError):
    """The cart has no line for the product."""


class StockShort(CartError):
    """Fewer units are left than the cart would hold."""


def parse_quantity(raw: object, *, allow_zero: bool = False) -> int:
    """Return ``raw`` as a whole quantity within 1..MAX_QUANTITY (0 too if ``allow_zero``)."""
    text = str(raw).strip() if raw is not None else ""
    low = 0 if allow_zero else 1
    message = f"Quantity must be a whole number from {low} to {MAX_QUANTITY}."
    if not text.isascii() or not text.isdigit() or len(text) > 4:
        raise CartError(message)
    value = int(text)
    if not low <= value <= MAX_QUANTITY:
        raise CartError(message)
    return value


def parse_product_id(raw: object) -> int:
    text = str(raw).strip() if raw is not None else ""
    if not text.isascii() or not text.isdigit() or len(text) > 18:
        raise CartError("That product does not exist.")
    return int(text)


@dataclass(frozen=True)
class CartLine:
    product: Product
    quantity: int
    added_price: Decimal

    @property
    def unit_price(self) -> Decimal:
        return self.product.price

    @property
    def price_changed(self) -> bool:
        return self.added_price != self.product.price

    @property
    def line_total(self) -> Decimal:
        return self.product.price * self.quantity


class Cart:
    """A view of ``session["cart"]``: ``{"<product id>": {"q": quantity, "p": "price when added"}}``."""

    def __init__(self, session) -> None:
        self.session = session

    @property
    def data(self) -> dict[str, dict[str, object]]:
        data = self.session.get(SESSION_KEY)
        return data if isinstance(data, dict) else {}

    def save(self, data: dict[str, dict[str, object]]) -> None:
        self.session[SESSION_KEY] = data

    def count(self) -> int:
        return sum(int(item.get("q", 0)) for item in self.data.values())

    def lines(self) -> list[CartLine]:
        """Return the cart's lines for products still on sale, in the order they were added."""
        from catalog.selectors import products_for_cart

        data = self.data
        products = products_for_cart([int(pk) for pk in data])
        return [
            CartLine(product=products[int(pk)], quantity=int(item["q"]), added_price=Decimal(str(item["p"])))
            for pk, item in data.items()
            if int(pk) in products
        ]

    def __bool__(self) -> bool:
        return bool(self.data)


def cart_total(lines: list[CartLine]) -> Decimal:
    return sum((line.line_total for line in lines), Decimal("0.00"))
