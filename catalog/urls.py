from django.urls import path

from . import views

urlpatterns = [
    path("categories/<slug:slug>/", views.category_detail, name="category"),
    path("products/<slug:slug>/", views.product_detail, name="product"),
]
