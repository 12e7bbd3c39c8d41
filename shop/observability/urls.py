from django.urls import path

from . import panel

urlpatterns = [path("", panel.cache_panel, name="cache_panel")]
