from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from catalog.views import sitemap_xml

urlpatterns = [
    # First: an API read (answered from Redis before sessions run) resolves without trying the pages' patterns.
    path("api/", include("api.urls")),
    path("", include("shop.urls")),
    path("", include("catalog.urls")),
    path("", include("orders.urls")),
    path("accounts/", include("django.contrib.auth.urls")),
    path("sitemap.xml", sitemap_xml, name="sitemap"),
    path("admin/cache/", include("shop.observability.urls")),
    path("admin/", admin.site.urls),
]

# JSON under /api/, the storefront's pages elsewhere (api/exceptions.py).
handler400 = "api.exceptions.bad_request"
handler403 = "api.exceptions.permission_denied"
handler404 = "api.exceptions.page_not_found"
handler500 = "api.exceptions.server_error"

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
