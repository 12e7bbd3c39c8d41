"""Interactive docs (Swagger UI) that keep to the Content-Security-Policy: no inline script or style."""

from drf_spectacular.views import SpectacularSwaggerSplitView


class DocsView(SpectacularSwaggerSplitView):
    """Swagger UI from drf-spectacular-sidecar's files; its start-up script is a second request (``?script``)."""

    template_name = "api/swagger_ui.html"
    title = "Shopfront API"
