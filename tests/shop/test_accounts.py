"""Accounts: sign up, log in, log out, order history, and who may see an order."""

from decimal import Decimal

import pytest
from django.test import Client

from orders.models import Order
from orders.services import Contact, order_place
from shop.cart import SESSION_KEY, CartLine
from tests.factories import ProductFactory, UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"
CONTACT = Contact(
    email="ada@example.com",
    full_name="Ada Lovelace",
    address="12 Analytical Row",
    city="London",
    postal_code="N1 1AA",
    country="UK",
)


def _order_for(user, token: str, price: str = "10.00") -> Order:
    product = ProductFactory(price=Decimal(price), stock=5)
    line = CartLine(product=product, quantity=1, added_price=product.price)
    return order_place(lines=[line], contact=CONTACT, user=user, checkout_token=token)


def _checkout(client, product) -> Order:
    client.post("/cart/add/", {"product_id": str(product.pk), "quantity": "1"})
    token = client.get("/checkout/").context["checkout_token"]
    client.post("/checkout/", {**CONTACT.__dict__, "checkout_token": token})
    return Order.objects.latest("pk")


def test_login_page_loads(client):
    response = client.get("/accounts/login/")

    assert response.status_code == 200
    assert b'name="username"' in response.content


SIGNUP = {"username": "newbie", "email": "newbie@example.com", "password1": "s3cret-Pass-word"}


def _signup(client, **fields):
    data = SIGNUP | {"password2": SIGNUP["password1"]} | fields
    return client.post("/accounts/signup/", data)


def test_sign_up_creates_an_account_with_its_email_and_logs_in(client, django_user_model):
    response = _signup(client)

    assert response.status_code == 302
    user = django_user_model.objects.get(username="newbie")
    assert user.email == "newbie@example.com"
    assert client.session["_auth_user_id"] == str(user.pk)


def test_sign_up_without_an_email_is_refused(client, django_user_model):
    response = _signup(client, email="")

    assert response.status_code == 400
    assert b"This field is required." in response.content
    assert not django_user_model.objects.filter(username="newbie").exists()


def test_sign_up_with_an_email_already_used_is_refused(client, django_user_model):
    UserFactory(username="first", email="Newbie@Example.com")

    response = _signup(client)

    assert response.status_code == 400
    assert b"An account with this e-mail address exists already" in response.content
    assert not django_user_model.objects.filter(username="newbie").exists()


def test_sign_up_with_mismatched_passwords_is_refused(client, django_user_model):
    response = _signup(client, password2="other-Pass-word")

    assert response.status_code == 400
    assert b"password fields didn" in response.content
    assert not django_user_model.objects.filter(username="newbie").exists()


def test_checkout_is_prefilled_with_the_email_given_at_sign_up(client):
    _signup(client)
    mug = ProductFactory(stock=5)
    client.post("/cart/add/", {"product_id": str(mug.pk), "quantity": "1"})

    response = client.get("/checkout/")

    assert response.status_code == 200
    assert b'value="newbie@example.com"' in response.content


def test_log_in_and_log_out(client):
    user = UserFactory(username="grace")

    logged_in = client.post("/accounts/login/", {"username": "grace", "password": PASSWORD})
    assert logged_in.status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)
    assert b"Log out grace" in client.get("/cart/").content  # a personal page renders the header itself
    assert client.get("/visitor/").json()["user"] == {"name": "grace", "is_staff": False}  # shared pages ask

    logged_out = client.post("/accounts/logout/")
    assert logged_out.status_code == 302
    assert "_auth_user_id" not in client.session
    assert b"Log in" in client.get("/cart/").content
    assert client.get("/visitor/").json()["user"] is None


def test_wrong_password_is_refused(client):
    UserFactory(username="grace")

    response = client.post("/accounts/login/", {"username": "grace", "password": "wrong"})

    assert response.status_code == 200
    assert b"Please enter a correct username and password." in response.content
    assert "_auth_user_id" not in client.session


def test_anonymous_cart_survives_login_and_the_session_key_changes(client):
    UserFactory(username="grace")
    mug = ProductFactory(stock=5)
    client.post("/cart/add/", {"product_id": str(mug.pk), "quantity": "2"})
    anonymous_key = client.session.session_key

    client.post("/accounts/login/", {"username": "grace", "password": PASSWORD})

    assert client.session.session_key != anonymous_key
    assert client.session[SESSION_KEY] == {str(mug.pk): {"q": 2, "p": "10.00"}}
    assert [line.quantity for line in client.get("/cart/").context["lines"]] == [2]


def test_order_history_requires_login(client):
    response = client.get("/accounts/orders/")

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=/accounts/orders/")


def test_order_history_lists_only_my_orders(client):
    me, other = UserFactory(), UserFactory()
    mine = _order_for(me, "mine", "11.00")
    theirs = _order_for(other, "theirs", "22.00")
    client.force_login(me)

    response = client.get("/accounts/orders/")

    assert response.status_code == 200
    assert list(response.context["orders"]) == [mine]
    assert f"#{mine.pk}".encode() in response.content
    assert f"#{theirs.pk}<".encode() not in response.content


def test_order_is_visible_to_its_owner(client):
    me = UserFactory()
    order = _order_for(me, "mine")
    client.force_login(me)

    assert client.get(order.get_absolute_url()).status_code == 200


def test_order_is_hidden_from_another_user(client):
    order = _order_for(UserFactory(), "theirs")
    client.force_login(UserFactory())

    assert client.get(order.get_absolute_url()).status_code == 404


def test_anonymous_order_is_visible_to_the_session_that_placed_it_only(client):
    order = _checkout(client, ProductFactory(stock=5))

    assert client.get(order.get_absolute_url()).status_code == 200
    assert Client().get(order.get_absolute_url()).status_code == 404


def test_unknown_order_is_404(client):
    client.force_login(UserFactory())

    assert client.get("/orders/999999/").status_code == 404
    assert client.get(f"/orders/{10**30}/").status_code == 404
