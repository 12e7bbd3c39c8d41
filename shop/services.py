"""Cart writes. The cart lives in the session, so these change the session only."""

from catalog.models import Product

from .cart import MAX_QUANTITY, Cart, CartError, CartLine, NotInCart, ProductUnavailable, StockShort


def _product_on_sale(product_id: int) -> Product:
    product = Product.objects.active().filter(pk=product_id).first()
    if product is None:
        raise ProductUnavailable("That product is not available.")
    return product


def cart_add(*, session, product_id: int, quantity: int) -> Product:
    """Add ``quantity`` of a product, keeping the price it had when first added."""
    product = _product_on_sale(product_id)
    cart = Cart(session)
    data = cart.data
    item = data.get(str(product.pk), {"q": 0, "p": str(product.price)})
    new_quantity = int(item["q"]) + quantity
    if new_quantity > MAX_QUANTITY:
        raise CartError(f"You can have at most {MAX_QUANTITY} of one product in the cart.")
    if product.stock <= 0:
        raise StockShort(f"{product.name} is sold out.")
    if new_quantity > product.stock:
        raise StockShort(f"Only {product.stock} of {product.name} left.")
    data[str(product.pk)] = {"q": new_quantity, "p": item["p"]}
    cart.save(data)
    return product


def cart_set_quantity(*, session, product_id: int, quantity: int) -> None:
    """Set a line's quantity; 0 removes it."""
    cart = Cart(session)
    data = cart.data
    if str(product_id) not in data:
        raise NotInCart("That product is not in your cart.")
    if quantity == 0:
        del data[str(product_id)]
    else:
        product = _product_on_sale(product_id)
        if quantity > product.stock:
            raise StockShort(f"Only {product.stock} of {product.name} left.")
        data[str(product_id)]["q"] = quantity
    cart.save(data)


def cart_remove(*, session, product_id: int) -> None:
    cart = Cart(session)
    data = cart.data
    data.pop(str(product_id), None)
    cart.save(data)


def cart_accept_prices(*, session) -> None:
    """Record that the shopper has seen the current prices of every line."""
    cart = Cart(session)
    data = cart.data
    current = dict(Product.objects.filter(pk__in=[int(pk) for pk in data]).values_list("pk", "price"))
    for pk, item in data.items():
        if int(pk) in current:
            item["p"] = str(current[int(pk)])
    cart.save(data)


def cart_clear(*, session) -> None:
    Cart(session).save({})


def cart_drop_unavailable(*, session, lines: list[CartLine]) -> list[str]:
    """Remove the lines whose product is no longer on sale (``lines`` are those still on sale); return their names."""
    cart = Cart(session)
    kept = {str(line.product.pk) for line in lines}
    gone = [pk for pk in cart.data if pk not in kept]
    if not gone:
        return []
    cart.save({pk: item for pk, item in cart.data.items() if pk in kept})
    return list(Product.objects.filter(pk__in=[int(pk) for pk in gone]).values_list("name", flat=True))


def cart_carry_over(*, source, target) -> None:
    """Move the lines of ``source``'s cart into ``target``'s (a line of ``source`` wins) and empty ``source``'s."""
    moved = Cart(source).data
    if not moved:
        return
    Cart(target).save({**Cart(target).data, **moved})
    cart_clear(session=source)
