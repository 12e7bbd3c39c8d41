from django.apps import AppConfig


class CdnConfig(AppConfig):
    name = "cdn"
    verbose_name = "CDN"

    def ready(self) -> None:
        from . import receivers  # noqa: F401
