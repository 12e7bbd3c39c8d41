from django.apps import AppConfig


class CacheConfig(AppConfig):
    name = "shop.cache"
    label = "shop_cache"
    verbose_name = "cache"
