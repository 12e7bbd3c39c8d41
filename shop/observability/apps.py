from django.apps import AppConfig


class ObservabilityConfig(AppConfig):
    name = "shop.observability"
    label = "observability"
    verbose_name = "Cache observability"
