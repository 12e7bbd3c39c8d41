"""Settings shared by every environment; each value comes from the environment (django-environ)."""

import ipaddress
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent.parent
env = environ.Env()

# GENERAL
# https://docs.djangoproject.com/en/5.2/ref/settings/#core-settings
SECRET_KEY = env("DJANGO_SECRET_KEY", default="django-insecure-shopfront-development-only")
DEBUG = env.bool("DJANGO_DEBUG", default=False)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])
ENVIRONMENT_NAME = env("SHOPFRONT_ENVIRONMENT", default="local")
TIME_ZONE = "UTC"
LANGUAGE_CODE = "en-us"
USE_I18N = False
USE_TZ = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
ROOT_URLCONF = "config.urls"
# Public origin for canonical links, Open Graph, JSON-LD and the sitemap, e.g. https://shop.example.com.
# Unset: each request's own origin (fine locally; production sets it so every cached page has the same bytes).
SITE_URL = env("SHOPFRONT_SITE_URL", default="").rstrip("/")
WSGI_APPLICATION = "config.wsgi.application"

# DATABASES
# https://docs.djangoproject.com/en/5.2/ref/databases/#persistent-connections
DATABASES = {"default": env.db("DATABASE_URL")}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=600)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DATABASES["default"].setdefault("OPTIONS", {})["connect_timeout"] = env.int("DATABASE_CONNECT_TIMEOUT", default=3)

# APPS
INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "django.contrib.humanize",
    "axes",
    "shop.cache",
    "django.contrib.sitemaps",
    "shop",
    "catalog",
    "orders",
    "cdn",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "api",
]

MIDDLEWARE = [
    "shop.health.HealthCheckMiddleware",
    "shop.cache.flight.RequestStartMiddleware",
    "shop.observability.accesslog.AccessLogMiddleware",
    # Shared pages and API reads are answered here, headers and all, before everything below runs.
    "shop.cache.shared.SharedResponseMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "shop.visitor.VisitorHintMiddleware",
    "shop.middleware.SlidingSessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Last, as axes asks: it turns a locked-out log-in's response into the 429 page.
    "axes.middleware.AxesMiddleware",
]

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "shop.context_processors.storefront",
            ],
            "builtins": ["shop.templatetags.shop_tags"],
        },
    }
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"

# STATIC AND MEDIA
# https://docs.djangoproject.com/en/5.2/ref/settings/#storages
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = env.path("DJANGO_MEDIA_ROOT", default=BASE_DIR / "media")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
WHITENOISE_MAX_AGE = 31536000
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024


# REDIS, THE CACHE LAYER, THE EDGE AND THE CDN (config/settings/caching.py)
from .caching import *  # noqa: E402, F403
from .caching import CDN_STATUS_REFRESH_SECONDS, REDIS_CLUSTER, REDIS_URL, _redis_db_url  # noqa: E402

# SESSIONS
# https://docs.djangoproject.com/en/5.2/topics/http/sessions/#using-cached-sessions
SESSION_ENGINE = "shop.sessions"
SESSION_CACHE_ALIAS = "sessions"
SESSION_COOKIE_AGE = env.int("SESSION_IDLE_SECONDS", default=30 * 60)
SESSION_TOUCH_INTERVAL = env.int("SESSION_TOUCH_INTERVAL", default=60)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

# CELERY
# https://docs.celeryq.dev/en/stable/userguide/configuration.html
# Celery's Redis transport does not speak Redis Cluster: in cluster mode the broker is named explicitly (SQS in
# production, docs/cluster.md) and no task result is stored unless CELERY_RESULT_BACKEND says where (none is read).
if REDIS_CLUSTER:
    CELERY_BROKER_URL = env("CELERY_BROKER_URL", default="")
    CELERY_RESULT_BACKEND = env("CELERY_RESULT_BACKEND", default=None)
    if not CELERY_BROKER_URL:
        raise ImproperlyConfigured(
            "REDIS_CLUSTER=True needs CELERY_BROKER_URL: Celery cannot use a Redis Cluster as its broker. "
            "Set it to sqs:// (SQS) or to a separate, non-cluster redis:// server (docs/cluster.md)."
        )
    if urlsplit(CELERY_BROKER_URL).netloc.rpartition("@")[2] == urlsplit(REDIS_URL).netloc.rpartition("@")[2]:
        raise ImproperlyConfigured("CELERY_BROKER_URL must not name the cache's Redis Cluster (REDIS_URL)")
else:
    CELERY_BROKER_URL = env("CELERY_BROKER_URL", default=_redis_db_url(REDIS_URL, 2))
    CELERY_RESULT_BACKEND = env("CELERY_RESULT_BACKEND", default=_redis_db_url(REDIS_URL, 3))
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_BEAT_SCHEDULE = {
    # Web processes drain the outbox themselves (OUTBOX_CHECK_SECONDS); beat covers an idle shop.
    "drain-cache-invalidation-outbox": {
        "task": "shop.tasks.drain_invalidation_outbox",
        "schedule": env.float("CACHE_OUTBOX_DRAIN_SECONDS", default=5.0),
    },
    # Best-sellers and their "N sold" counts are periodic, never per order (<= 5 min by design).
    "refresh-sales-ranking": {
        "task": "catalog.tasks.refresh_sales_ranking",
        "schedule": env.float("SALES_RANKING_REFRESH_SECONDS", default=60.0),
    },
}

# SECURITY
# https://docs.djangoproject.com/en/5.2/ref/middleware/#module-django.middleware.security
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
X_FRAME_OPTIONS = "DENY"


def content_security_policy(*asset_origins: str) -> dict:
    """django-csp's policy: everything from this site, plus images, styles and scripts from ``asset_origins``."""
    return {
        "DIRECTIVES": {
            "default-src": ["'self'"],
            "img-src": ["'self'", "data:", *asset_origins],
            "style-src": ["'self'", *asset_origins],
            "script-src": ["'self'", *asset_origins],
            "frame-ancestors": ["'none'"],
            "base-uri": ["'self'"],
            "form-action": ["'self'"],
        }
    }


# No inline script or style anywhere (static/js/shop.js does the page's work); production adds the asset CDN.
CONTENT_SECURITY_POLICY = content_security_policy()
CSRF_COOKIE_HTTPONLY = False
# An add-to-cart posted from a shared page without JavaScript carries no token: it is confirmed, not refused.
CSRF_FAILURE_VIEW = "shop.visitor.csrf_failure"
# Proxies whose X-Forwarded-For is believed (shop/proxies.py); the stack sets the VPC range (the ALB).
SHOPFRONT_TRUSTED_PROXY_CIDRS = [
    str(ipaddress.ip_network(cidr, strict=False))
    for cidr in env.list("SHOPFRONT_TRUSTED_PROXY_CIDRS", default=["127.0.0.1/32", "::1/128"])
]

# LOG-IN LIMIT (django-axes; counts in Postgres, so it works while Redis is down)
# https://django-axes.readthedocs.io/en/latest/4_configuration.html
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_HANDLER = "shop.security.LoginLimitHandler"
# Per username from one address; an address alone has the higher SHOPFRONT_LOGIN_ADDRESS_FAILURE_LIMIT.
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "ip_address"]
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
SHOPFRONT_LOGIN_ADDRESS_FAILURE_LIMIT = env.int("SHOPFRONT_LOGIN_ADDRESS_FAILURE_LIMIT", default=50)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "shop.proxies.client_address"
AXES_LOCKOUT_CALLABLE = "shop.security.lockout_response"
# Successful log-ins are in the auth logs already; keep only the failures' rows.
AXES_DISABLE_ACCESS_LOG = True

# JSON API (api/; docs/api.md)
# https://www.django-rest-framework.org/api-guide/settings/
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Token first: an anonymous call to a personal endpoint is answered 401 with WWW-Authenticate: Token.
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    # JSON bodies only: a cross-site HTML form cannot send one, so anonymous cart writes need no CSRF token.
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "api.exceptions.handler",
    "DEFAULT_THROTTLE_RATES": {
        "api_user_writes": env("API_THROTTLE_USER_WRITES", default="60/min"),
        "api_address_writes": env("API_THROTTLE_ADDRESS_WRITES", default="300/min"),
        "api_token": env("API_THROTTLE_TOKEN", default="10/min"),
    },
}
# The cart of a token client (a mobile app) lives in a session of its own, kept this long after its last change.
API_CART_IDLE_SECONDS = env.int("API_CART_IDLE_SECONDS", default=14 * 24 * 3600)
# https://drf-spectacular.readthedocs.io/en/latest/settings.html
SPECTACULAR_SETTINGS = {
    "TITLE": "Shopfront API",
    "DESCRIPTION": "The storefront's catalog, cart, checkout and orders as JSON (docs/api.md).",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    # Swagger UI's files come from drf-spectacular-sidecar through staticfiles: no CDN, CSP 'self'.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

# LOGGING
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("DJANGO_LOG_LEVEL", default="INFO")},
    # axes announces its version at INFO in every process that starts: noise in `make run`.
    "loggers": {"django.db.backends": {"level": "INFO"}, "axes.apps": {"level": "WARNING"}},
}

CELERY_BEAT_SCHEDULE["cdn-refresh-invalidations"] = {
    "task": "cdn.tasks.refresh_invalidations",
    "schedule": CDN_STATUS_REFRESH_SECONDS,
}
# https://docs.celeryq.dev/en/stable/getting-started/backends-and-brokers/sqs.html
# For an sqs:// broker, e.g. {"region": "eu-west-1", "visibility_timeout": 3600, "queue_name_prefix": "shop-"};
# visibility_timeout must exceed the longest retry countdown (CDN_RETRY_MAX_SECONDS) since tasks ack late.
CELERY_BROKER_TRANSPORT_OPTIONS = env.json("CELERY_BROKER_TRANSPORT_OPTIONS", default={})

# OBSERVABILITY (shop/observability/, shop/health.py)
# https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/publishingMetrics.html
INSTALLED_APPS += ["shop.observability"]
CACHE_METRICS_NAMESPACE = env("CACHE_METRICS_NAMESPACE", default="Shopfront/Cache")
CACHE_METRICS_INTERVAL_SECONDS = env.int("CACHE_METRICS_INTERVAL_SECONDS", default=60)
CACHE_METRICS_HISTORY_SIZE = env.int("CACHE_METRICS_HISTORY_SIZE", default=60)
CACHE_METRICS_REGION = env("AWS_REGION", default=env("AWS_DEFAULT_REGION", default="us-east-1"))
CACHE_METRICS_ENDPOINT_URL = env("AWS_ENDPOINT_URL", default=None)
# Off: the publisher still keeps the panel's history, but sends nothing to CloudWatch (local development).
CACHE_METRICS_TO_CLOUDWATCH = env.bool("CACHE_METRICS_TO_CLOUDWATCH", default=True)
CELERY_BEAT_SCHEDULE["publish-cache-metrics"] = {
    "task": "shop.observability.tasks.publish_cache_metrics",
    "schedule": float(CACHE_METRICS_INTERVAL_SECONDS),
    # A run that waited longer than one interval is superseded by the next, which sends its counts too.
    "options": {"expires": CACHE_METRICS_INTERVAL_SECONDS},
}
# Alarms live in deploy/template.yaml only (docs/observability.md).
# Access log: one line per request from "shop.access"; production sets DJANGO_LOG_FORMAT=json.
# https://nhairs.github.io/python-json-logger/latest/quickstart/
LOGGING["formatters"]["json"] = {
    "()": "pythonjsonlogger.json.JsonFormatter",
    "fmt": "%(levelname)s %(name)s %(message)s",
    "rename_fields": {"levelname": "level", "name": "logger"},
    "timestamp": "time",
}
LOGGING["handlers"]["console"]["formatter"] = env("DJANGO_LOG_FORMAT", default="plain")
