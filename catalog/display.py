"""How the storefront presents catalog facts: availability labels, sorts, page size."""

PAGE_SIZE = 24
LOW_STOCK = 5
SORTS = {
    "newest": ("-created_at", "-id"),
    "price": ("price", "id"),
    "-price": ("-price", "id"),
    "name": ("name", "id"),
}
DEFAULT_SORT = "newest"


def availability(stock: int) -> dict[str, str]:
    """Return the label and CSS state shoppers see for ``stock`` units."""
    if stock <= 0:
        return {"label": "Sold out", "state": "out"}
    if stock <= LOW_STOCK:
        return {"label": f"Only {stock} left", "state": "low"}
    return {"label": "In stock", "state": "in"}
