"""/healthz and /readyz answer the ALB (Host = private IP) and report Postgres and Redis readiness."""

import pytest
from django.urls import Resolver404, resolve

from tests.factories import ProductFactory

ALB_HOST = "10.0.3.7"


def test_healthz_answers_a_foreign_host_without_database_or_redis(client, redis_server, use_redis):
    # No django_db mark: any database access would raise. Redis is pointed at a server that is stopped.
    use_redis(redis_server)
    redis_server.stop()

    response = client.get("/healthz", HTTP_HOST=ALB_HOST)

    assert response.status_code == 200
    assert response.content == b"ok"
    assert response["Cache-Control"] == "no-store"


@pytest.mark.django_db
def test_readyz_answers_a_foreign_host_while_a_page_with_that_host_is_refused(client):
    ProductFactory(slug="chef-knife")

    ready = client.get("/readyz", HTTP_HOST=ALB_HOST)
    page = client.get("/products/chef-knife/", HTTP_HOST=ALB_HOST)

    assert ready.status_code == 200
    assert ready.json() == {"postgres": "ok", "redis": "ok"}
    assert page.status_code == 400
    assert client.get("/products/chef-knife/").status_code == 200


@pytest.mark.django_db
def test_readyz_is_503_while_redis_is_down_and_200_once_it_is_back(client, redis_server, use_redis):
    use_redis(redis_server)
    assert client.get("/readyz").status_code == 200

    redis_server.stop()
    down = client.get("/readyz", HTTP_HOST=ALB_HOST)

    assert down.status_code == 503
    assert down.json()["postgres"] == "ok"
    assert down.json()["redis"].startswith("error: ")

    redis_server.start()
    back = client.get("/readyz", HTTP_HOST=ALB_HOST)

    assert back.status_code == 200
    assert back.json() == {"postgres": "ok", "redis": "ok"}


@pytest.mark.django_db
def test_readyz_is_503_when_postgres_does_not_answer(client, settings, monkeypatch):
    from django.db import OperationalError

    from shop import health

    def refuse():
        raise OperationalError("connection refused")

    # Stopping the shared Postgres is not allowed here; the probe itself is replaced instead.
    monkeypatch.setattr(health, "_postgres", refuse)

    response = client.get("/readyz")

    assert response.status_code == 503
    assert response.json() == {"postgres": "error: OperationalError", "redis": "ok"}


def test_health_endpoints_refuse_writes(client):
    assert client.post("/healthz", HTTP_HOST=ALB_HOST).status_code == 405


@pytest.mark.django_db
def test_health_answers_plain_http_with_the_https_redirect_on_and_no_url_route(client, settings):
    settings.SECURE_SSL_REDIRECT = True
    settings.ALLOWED_HOSTS = ["shop.example.com"]
    # The redirect is really on for every other path...
    assert client.get("/cart/", HTTP_HOST="shop.example.com").status_code == 301
    for path in ("/healthz", "/readyz"):
        # ...while the middleware answers health checks first, over plain HTTP, from the ALB's Host.
        assert client.get(path, HTTP_HOST=ALB_HOST).status_code == 200, path
        with pytest.raises(Resolver404):
            resolve(path)
