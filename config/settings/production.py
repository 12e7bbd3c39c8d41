"""Production: secrets without defaults, HTTPS behind the ALB, ElastiCache over TLS, S3 + CloudFront storage."""

import ssl
from urllib.parse import quote, urlsplit, urlunsplit

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import CACHES, LOGGING, REDIS_AUTH_TOKEN, content_security_policy, env

# GENERAL
# https://docs.djangoproject.com/en/5.2/howto/deployment/checklist/
# No defaults: a missing variable stops start-up with ImproperlyConfigured naming it.
SECRET_KEY = env("DJANGO_SECRET_KEY")
DEBUG = False
# The ALB health check sends the instance's private IP as Host. /healthz and /readyz answer before host
# validation (shop middleware, observability issue), so ALLOWED_HOSTS never needs "*" or instance IPs.
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS")
# https://docs.djangoproject.com/en/5.2/ref/settings/#csrf-trusted-origins
# Default: every served host over HTTPS (".example.com" in ALLOWED_HOSTS becomes "https://*.example.com").
CSRF_TRUSTED_ORIGINS = env.list(
    "DJANGO_CSRF_TRUSTED_ORIGINS",
    default=[f"https://*{host}" if host.startswith(".") else f"https://{host}" for host in ALLOWED_HOSTS],
)

# DATABASES
# https://docs.djangoproject.com/en/5.2/ref/databases/#postgresql-connection-settings
DATABASES["default"]["OPTIONS"]["sslmode"] = env("DATABASE_SSLMODE", default="require")  # noqa: F405

# SECURITY
# https://docs.djangoproject.com/en/5.2/ref/settings/#secure-proxy-ssl-header
# The ALB terminates TLS and always sets X-Forwarded-Proto; the app security group admits only the ALB.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
# https://docs.djangoproject.com/en/5.2/ref/middleware/#http-strict-transport-security
SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = env.bool("DJANGO_SECURE_HSTS_PRELOAD", default=True)

# REDIS (ElastiCache: rediss:// with an AUTH token)
# https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/in-transit-encryption.html
# base.py passes REDIS_AUTH_TOKEN as PASSWORD to both cache aliases. redis-py verifies the server certificate
# of rediss:// URLs (ssl_cert_reqs "required"); ElastiCache's certificate chains to Amazon's public CAs, which
# the image's CA bundle trusts, so verification stays on.
_SSL_CERT_REQS = {"required": ssl.CERT_REQUIRED, "optional": ssl.CERT_OPTIONAL, "none": ssl.CERT_NONE}
REDIS_SSL_CERT_REQS = env("REDIS_SSL_CERT_REQS", default="required")
if REDIS_SSL_CERT_REQS not in _SSL_CERT_REQS:
    raise ImproperlyConfigured(f"REDIS_SSL_CERT_REQS must be one of {', '.join(_SSL_CERT_REQS)}")
for _cache in CACHES.values():
    if _cache["LOCATION"].startswith("rediss://"):
        _cache["OPTIONS"]["CONNECTION_POOL_KWARGS"]["ssl_cert_reqs"] = REDIS_SSL_CERT_REQS


def _with_auth_token(url: str | None) -> str | None:
    """Return url carrying REDIS_AUTH_TOKEN as its password unless it already has one."""
    parts = urlsplit(url or "")
    if not REDIS_AUTH_TOKEN or parts.password or parts.scheme not in ("redis", "rediss"):
        return url
    netloc = f"{parts.username or ''}:{quote(REDIS_AUTH_TOKEN, safe='')}@{parts.netloc}"
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


# https://docs.celeryq.dev/en/stable/userguide/configuration.html#broker-use-ssl
# Celery reads no PASSWORD option, so the token travels in its URLs.
CELERY_BROKER_URL = _with_auth_token(CELERY_BROKER_URL)  # noqa: F405
CELERY_RESULT_BACKEND = _with_auth_token(CELERY_RESULT_BACKEND)  # noqa: F405
if CELERY_BROKER_URL.startswith("rediss://"):
    CELERY_BROKER_USE_SSL = {"ssl_cert_reqs": _SSL_CERT_REQS[REDIS_SSL_CERT_REQS]}
if (CELERY_RESULT_BACKEND or "").startswith("rediss://"):
    CELERY_REDIS_BACKEND_USE_SSL = {"ssl_cert_reqs": _SSL_CERT_REQS[REDIS_SSL_CERT_REQS]}

# LOGGING
# Plain lines to stdout; the container runtime ships them (awslogs driver).
LOGGING["root"]["level"] = env("DJANGO_LOG_LEVEL", default="INFO")

# STORAGES (CDN issue) BEGIN
# https://django-storages.readthedocs.io/en/latest/backends/amazon-S3.html
# Static and media in one private S3 bucket behind CloudFront (Origin Access Control). Static names are
# hashed (manifest), so they are cached for a year and never invalidated; media names carry a uuid and are
# never overwritten. Credentials come from the instance role (boto3's default chain).
from cdn.storages import s3_storages  # noqa: E402

AWS_STORAGE_BUCKET_NAME = env("AWS_STORAGE_BUCKET_NAME")
AWS_S3_CUSTOM_DOMAIN = env("AWS_S3_CUSTOM_DOMAIN")
AWS_S3_REGION_NAME = env("AWS_S3_REGION_NAME", default="us-east-1")
# Browsers keep an image a day, CloudFront a year: a purge reaches the edge, not browser caches.
AWS_S3_MEDIA_CACHE_CONTROL = env("AWS_S3_MEDIA_CACHE_CONTROL", default="public, max-age=86400, s-maxage=31536000")
STORAGES = s3_storages(
    bucket=AWS_STORAGE_BUCKET_NAME,
    custom_domain=AWS_S3_CUSTOM_DOMAIN,
    region=AWS_S3_REGION_NAME,
    endpoint_url=env("AWS_ENDPOINT_URL", default=None),
    media_cache_control=AWS_S3_MEDIA_CACHE_CONTROL,
    # "http:" only for the local stack, where moto's server stands in for CloudFront.
    url_protocol=env("AWS_S3_URL_PROTOCOL", default="https:"),
)
STATIC_URL = f"{STORAGES['staticfiles']['OPTIONS']['url_protocol']}//{AWS_S3_CUSTOM_DOMAIN}/static/"
MEDIA_URL = f"{STORAGES['default']['OPTIONS']['url_protocol']}//{AWS_S3_CUSTOM_DOMAIN}/media/"
CONTENT_SECURITY_POLICY = content_security_policy(
    f"{STORAGES['staticfiles']['OPTIONS']['url_protocol']}//{AWS_S3_CUSTOM_DOMAIN}"
)
# STORAGES (CDN issue) END
