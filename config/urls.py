from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from catalog.views import sitemap_xml

urlpatterns = [
    path("", include("shop.urls")),
    path("", include("catalog.urls")),
    path("", include("orders.urls")),
    path("accounts/", include("django.contrib.auth.urls")),
    path("sitemap.xml", sitemap_xml, name="sitemap"),
    path("admin/cache/", include("shop.observability.urls")),
    path("admin/", admin.site.urls),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
