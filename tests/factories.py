"""factory_boy factories for the storefront's models."""

from decimal import Decimal

import factory
from django.contrib.auth import get_user_model
from factory.django import DjangoModelFactory

from catalog.models import Category, Product, ProductImage
from orders.models import Order, OrderLine

# What a shopper types into the checkout form (tests post it, with their own e-mail where it matters).
CHECKOUT_FORM = {
    "email": "ada@example.com",
    "full_name": "Ada Lovelace",
    "address": "12 Analytical Row",
    "city": "London",
    "postal_code": "N1 1AA",
    "country": "UK",
}


class UserFactory(DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ["username"]

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.com")
    password = factory.django.Password("correct horse battery staple")


class StaffFactory(UserFactory):
    is_staff = True
    is_superuser = True


class CategoryFactory(DjangoModelFactory):
    class Meta:
        model = Category

    name = factory.Sequence(lambda n: f"Category {n}")
    slug = factory.Sequence(lambda n: f"category-{n}")


class ProductFactory(DjangoModelFactory):
    class Meta:
        model = Product

    name = factory.Sequence(lambda n: f"Product {n}")
    slug = factory.Sequence(lambda n: f"product-{n}")
    description = factory.LazyAttribute(lambda o: f"A fine {o.name.lower()} for everyday use.")
    price = Decimal("10.00")
    stock = 20
    category = factory.SubFactory(CategoryFactory)


class ProductImageFactory(DjangoModelFactory):
    class Meta:
        model = ProductImage

    product = factory.SubFactory(ProductFactory)
    image = factory.django.ImageField(color="teal", width=64, height=64, filename="photo.jpg")
    alt = "a photo"
    position = factory.Sequence(lambda n: n)


class OrderFactory(DjangoModelFactory):
    class Meta:
        model = Order

    checkout_token = factory.Sequence(lambda n: f"token-{n}")
    email = "buyer@example.com"
    full_name = "A Buyer"
    address = "1 Main St"
    city = "Town"
    postal_code = "1000"
    country = "BE"
    total = Decimal("0.00")


class OrderLineFactory(DjangoModelFactory):
    """A line of a placed order: ``OrderLineFactory(product=p, quantity=2)`` records 2 units of p as sold."""

    class Meta:
        model = OrderLine

    order = factory.SubFactory(
        OrderFactory, total=factory.LazyAttribute(lambda o: o.factory_parent.unit_price * o.factory_parent.quantity)
    )
    product = factory.SubFactory(ProductFactory)
    product_name = factory.LazyAttribute(lambda o: o.product.name)
    quantity = 1
    unit_price = factory.LazyAttribute(lambda o: o.product.price)
