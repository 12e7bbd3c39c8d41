"""Cart, checkout, order and token bodies."""

from rest_framework import serializers
from rest_framework.authtoken.serializers import AuthTokenSerializer

from orders.models import Order as OrderModel
from shop.cart import MAX_QUANTITY

from .fields import Availability, Image, Page, UrlField, money

MAX_ID = 2**63 - 1  # the largest id Postgres' bigint holds
CHECKOUT_TOKEN = r"^[A-Za-z0-9_-]{1,64}$"  # noqa: S105 (a pattern, not a secret)


# Cart --------------------------------------------------------------------------------------------------


class CartProduct(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    slug = serializers.SlugField()
    url = UrlField(help_text="The product's detail in this API.")
    image = Image(allow_null=True)


class CartLine(serializers.Serializer):
    product = CartProduct()
    quantity = serializers.IntegerField(min_value=1, max_value=MAX_QUANTITY)
    unit_price = money()
    added_price = money()
    price_changed = serializers.BooleanField(help_text="The price now differs from the price when added.")
    line_total = money()
    availability = Availability()


class Cart(serializers.Serializer):
    lines = CartLine(many=True, help_text="Lines of products still on sale, in the order they were added.")
    count = serializers.IntegerField(help_text="Units in the cart.")
    total = money()
    currency = serializers.CharField()


class CartAdd(serializers.Serializer):
    product_id = serializers.IntegerField(min_value=1, max_value=MAX_ID)
    quantity = serializers.IntegerField(min_value=1, max_value=MAX_QUANTITY, default=1)


class CartQuantity(serializers.Serializer):
    quantity = serializers.IntegerField(min_value=0, max_value=MAX_QUANTITY, help_text="0 removes the line.")


# Checkout and orders -----------------------------------------------------------------------------------


class Checkout(Cart):
    checkout_token = serializers.CharField(
        help_text="Send it with the order: the same token twice places one order (a retry gets that order back)."
    )


class PlaceOrder(serializers.ModelSerializer):
    checkout_token = serializers.RegexField(CHECKOUT_TOKEN, help_text="From GET /api/v1/checkout/.")

    class Meta:
        model = OrderModel
        fields = ["checkout_token", "email", "full_name", "address", "city", "postal_code", "country"]


class OrderLine(serializers.Serializer):
    product_id = serializers.IntegerField()
    product_name = serializers.CharField()
    quantity = serializers.IntegerField()
    unit_price = money()
    line_total = money()


class Order(serializers.Serializer):
    id = serializers.IntegerField()
    url = UrlField()
    status = serializers.ChoiceField(choices=OrderModel.Status.values)
    created_at = serializers.DateTimeField()
    total = money()
    currency = serializers.CharField()
    email = serializers.EmailField()
    full_name = serializers.CharField()
    address = serializers.CharField()
    city = serializers.CharField()
    postal_code = serializers.CharField()
    country = serializers.CharField()
    lines = OrderLine(many=True)


class OrderList(Page):
    results = Order(many=True)


# Tokens ------------------------------------------------------------------------------------------------


class Credentials(AuthTokenSerializer):
    """DRF's token request (authenticates through Django, so django-axes counts failures), lengths bounded."""

    username = serializers.CharField(max_length=150, write_only=True)
    password = serializers.CharField(
        max_length=4096, write_only=True, trim_whitespace=False, style={"input_type": "password"}
    )


class Token(serializers.Serializer):
    token = serializers.CharField(help_text='Send it as "Authorization: Token <token>".')


# Errors ------------------------------------------------------------------------------------------------


class Error(serializers.Serializer):
    detail = serializers.CharField(help_text="What went wrong, in one sentence.")
    code = serializers.CharField(help_text='A stable name, e.g. "invalid", "not_found", "throttled".')
    errors = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        required=False,
        help_text="Validation errors: field name (or non_field_errors) → messages.",
    )


class PriceChange(serializers.Serializer):
    product_id = serializers.IntegerField(allow_null=True)
    name = serializers.CharField()
    was = money()
    now = money()


class Conflict(Error):
    """409: the cart, the stock or the prices refuse the request; the fields present depend on ``code``."""

    changes = PriceChange(many=True, required=False, help_text="price_changed: the new prices, now accepted.")
    product = serializers.CharField(required=False, help_text="out_of_stock: the product.")
    available = serializers.IntegerField(required=False, help_text="out_of_stock: units left.")
    removed = serializers.ListField(
        child=serializers.CharField(), required=False, help_text="unavailable: products taken out of the cart."
    )
    checkout_token = serializers.CharField(required=False, help_text="stale_checkout_token: the current token.")
