from django.urls import path

from . import views, visitor

urlpatterns = [
    path("", views.home, name="home"),
    path("search/", views.search, name="search"),
    path("cart/", views.cart_detail, name="cart"),
    path("cart/add/", views.cart_add, name="cart_add"),
    path("cart/update/", views.cart_update, name="cart_update"),
    path("cart/remove/", views.cart_remove, name="cart_remove"),
    path("accounts/signup/", views.signup, name="signup"),
    path("visitor/", visitor.visitor_state, name="visitor"),
    path("robots.txt", views.robots_txt, name="robots_txt"),
    path("favicon.ico", views.favicon, name="favicon"),
]
