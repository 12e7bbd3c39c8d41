"""The JSON API: version 1 under /api/v1/, its OpenAPI schema and interactive docs."""

from django.urls import path
from drf_spectacular.views import SpectacularAPIView

from .views import auth, cart, catalog, docs, orders

app_name = "api"

urlpatterns = [
    path("v1/categories/", catalog.category_tree, name="categories"),
    path("v1/categories/<slug:slug>/", catalog.category_listing, name="category"),
    path("v1/products/<slug:slug>/", catalog.product_detail, name="product"),
    path("v1/search/", catalog.search, name="search"),
    path("v1/cart/", cart.CartView.as_view(), name="cart"),
    path("v1/cart/items/", cart.CartItemsView.as_view(), name="cart_items"),
    path("v1/cart/items/<int:product_id>/", cart.CartItemView.as_view(), name="cart_item"),
    path("v1/checkout/", orders.CheckoutView.as_view(), name="checkout"),
    path("v1/orders/", orders.OrderListView.as_view(), name="orders"),
    path("v1/orders/<int:order_id>/", orders.OrderView.as_view(), name="order"),
    path("v1/auth/token/", auth.TokenView.as_view(), name="token"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", docs.DocsView.as_view(url_name="api:schema"), name="docs"),
]
