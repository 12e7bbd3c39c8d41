from decimal import Decimal


class CheckoutError(Exception):
    """The order cannot be placed as it stands; the message is shown to the shopper."""


class OutOfStock(CheckoutError):
    def __init__(self, name: str, available: int) -> None:
        self.name, self.available = name, available
        left = f"only {available} left" if available else "sold out"
        super().__init__(f"{name} is {left}.")


class PriceChanged(CheckoutError):
    def __init__(self, changes: list[tuple[str, Decimal, Decimal]]) -> None:
        self.changes = changes
        super().__init__("Some prices changed since you added the products. Please review your order.")
