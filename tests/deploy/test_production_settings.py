"""config.settings.production booted in a fresh interpreter, the way a container starts it."""

import json
import os
import subprocess
import sys

import pytest

from .conftest import ROOT

# What the stack's user data writes into the instance's environment files (secret values made up).
COMPLETE_ENV = {
    "DJANGO_SETTINGS_MODULE": "config.settings.production",
    "DJANGO_SECRET_KEY": "k3y-" + "x9Qa7Lm2Zp" * 6,
    "DJANGO_ALLOWED_HOSTS": "shop.example.com",
    "DJANGO_CSRF_TRUSTED_ORIGINS": "https://shop.example.com",
    "DATABASE_URL": "postgres://shopfront:pa%2Fss@db.internal.example:5432/shopfront",
    "REDIS_URL": "rediss://master.shop.cache.example:6379/0",
    "REDIS_AUTH_TOKEN": "t0ken/with+odd=chars",
    "SHOPFRONT_ENVIRONMENT": "production",
    "AWS_DEFAULT_REGION": "eu-west-1",
    "AWS_S3_REGION_NAME": "eu-west-1",
    "AWS_STORAGE_BUCKET_NAME": "shopfront-assets",
    "AWS_S3_CUSTOM_DOMAIN": "d111111abcdef8.cloudfront.net",
    "CLOUDFRONT_DISTRIBUTION_ID": "E2EXAMPLE",
}
REQUIRED = ["DJANGO_SECRET_KEY", "DJANGO_ALLOWED_HOSTS", "DATABASE_URL", "REDIS_URL"]


def _run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    # Start from the machine's environment minus anything Django, Redis, database or AWS related.
    base = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "DATABASE_", "REDIS_", "AWS_", "CELERY_", "CACHE_", "SHOP"))
    }
    return subprocess.run(
        [sys.executable, *args], cwd=ROOT, env={**base, **env}, capture_output=True, text=True, timeout=120
    )


def test_check_deploy_reports_no_warnings_with_a_complete_environment():
    result = _run(COMPLETE_ENV, "manage.py", "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


@pytest.mark.parametrize("missing", REQUIRED)
def test_start_up_fails_naming_a_missing_required_variable(missing):
    env = {k: v for k, v in COMPLETE_ENV.items() if k != missing}
    result = _run(env, "manage.py", "check", "--deploy")
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert f"Set the {missing} environment variable" in result.stderr


INSPECT = """
import json, django
django.setup()
from django.conf import settings
from django.core.cache import caches
from config.celery_app import app
out = {}
for alias in ("default", "sessions"):
    pool = caches[alias].client.get_client().connection_pool
    out[alias] = {
        "connection_class": pool.connection_class.__name__,
        "cert_reqs": str(pool.connection_kwargs.get("ssl_cert_reqs")),
        "password": pool.connection_kwargs.get("password"),
        "host": pool.connection_kwargs.get("host"),
    }
out["broker_url"] = app.conf.broker_url
out["backend"] = app.conf.result_backend
out["broker_use_ssl"] = str(app.conf.broker_use_ssl)
out["backend_use_ssl"] = str(app.conf.redis_backend_use_ssl)
out["hsts"] = [settings.SECURE_HSTS_SECONDS, settings.SECURE_HSTS_INCLUDE_SUBDOMAINS, settings.SECURE_HSTS_PRELOAD]
out["proxy"] = list(settings.SECURE_PROXY_SSL_HEADER)
out["cookies"] = [settings.SESSION_COOKIE_SECURE, settings.CSRF_COOKIE_SECURE]
out["sslmode"] = settings.DATABASES["default"]["OPTIONS"]["sslmode"]
out["csrf"] = settings.CSRF_TRUSTED_ORIGINS
from csp.utils import build_policy
out["csp"] = build_policy()
print(json.dumps(out))
"""


def test_rediss_url_and_auth_token_reach_redis_py_and_celery_with_certificate_checks():
    result = _run(COMPLETE_ENV, "-c", INSPECT)
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout.strip().splitlines()[-1])
    for alias in ("default", "sessions"):
        assert out[alias]["connection_class"] == "SSLConnection"
        assert out[alias]["cert_reqs"] == "required"
        assert out[alias]["password"] == COMPLETE_ENV["REDIS_AUTH_TOKEN"]
        assert out[alias]["host"] == "master.shop.cache.example"
    # The token travels URL-encoded in Celery's URLs, on databases 2 and 3 of the same server.
    assert out["broker_url"] == "rediss://:t0ken%2Fwith%2Bodd%3Dchars@master.shop.cache.example:6379/2"
    assert out["backend"] == "rediss://:t0ken%2Fwith%2Bodd%3Dchars@master.shop.cache.example:6379/3"
    assert out["broker_use_ssl"] == out["backend_use_ssl"] == "{'ssl_cert_reqs': <VerifyMode.CERT_REQUIRED: 2>}"
    assert out["hsts"] == [31536000, True, True]
    assert out["proxy"] == ["HTTP_X_FORWARDED_PROTO", "https"]
    assert out["cookies"] == [True, True]
    assert out["sslmode"] == "require"


def test_plain_redis_url_gets_no_tls_options():
    env = {**COMPLETE_ENV, "REDIS_URL": "redis://127.0.0.1:6379/0"}
    env.pop("REDIS_AUTH_TOKEN")
    result = _run(env, "-c", INSPECT)
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout.strip().splitlines()[-1])
    assert out["default"]["connection_class"] == "Connection"
    assert out["default"]["password"] is None
    assert out["broker_url"] == "redis://127.0.0.1:6379/2"
    assert out["broker_use_ssl"] == "False"


def test_csrf_trusted_origins_default_to_the_served_hosts_over_https():
    env = {k: v for k, v in COMPLETE_ENV.items() if k != "DJANGO_CSRF_TRUSTED_ORIGINS"}
    env["DJANGO_ALLOWED_HOSTS"] = "shop.example.com,.example.org"
    result = _run(env, "-c", INSPECT)
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout.strip().splitlines()[-1])
    assert out["csrf"] == ["https://shop.example.com", "https://*.example.org"]


def test_content_security_policy_allows_the_asset_cdn_for_images_styles_and_scripts():
    result = _run(COMPLETE_ENV, "-c", INSPECT)
    assert result.returncode == 0, result.stderr
    header = json.loads(result.stdout.strip().splitlines()[-1])["csp"]
    policy = dict(part.split(" ", 1) for part in header.split("; "))
    cdn = "https://d111111abcdef8.cloudfront.net"
    assert policy["img-src"] == f"'self' data: {cdn}"
    assert policy["style-src"] == f"'self' {cdn}" and policy["script-src"] == f"'self' {cdn}"
    assert policy["default-src"] == "'self'" and policy["frame-ancestors"] == "'none'"
