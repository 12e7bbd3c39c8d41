"""End to end: an admin image replace reaches CloudFront (moto's server) through a real Celery worker process."""

import uuid
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from catalog import renditions, services
from cdn.models import CdnInvalidation
from tests.factories import ProductFactory, StaffFactory
from tests.support import admin_product_form, celery_worker, wait_for, worker_env

from .conftest import invalidations, jpeg
from .test_invalidation import _media

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def worker(aws, settings, tmp_path):
    """A `celery worker` process on a queue of its own, using the test database, broker and moto."""
    queue = f"cdn-test-{uuid.uuid4().hex[:8]}"
    settings.CDN_CELERY_QUEUE = queue
    env = worker_env(
        settings, queue, **aws.env, CLOUDFRONT_DISTRIBUTION_ID=aws.distribution, CDN_REDIS_PREFIX=aws.prefix
    )
    with celery_worker(name="cdn", queue=queue, env=env, log=tmp_path / "worker.log") as log:
        yield log


def test_admin_image_replace_is_invalidated_by_a_real_worker(aws, worker, client):
    product = ProductFactory()
    first = services.product_image_add(product=product, image=SimpleUploadedFile("a.jpg", jpeg("teal")))
    second = services.product_image_add(product=product, image=SimpleUploadedFile("b.jpg", jpeg("navy")))
    old = {f"/media/{n}" for img in (first, second) for n in renditions.names(img.image.name, img.renditions)}
    client.force_login(StaffFactory())
    form = admin_product_form(
        product,
        [
            {"id": img.pk, "alt": f"new {i}", "image": SimpleUploadedFile(f"new-{i}.jpg", jpeg("red"), "image/jpeg")}
            for i, img in enumerate((first, second))
        ],
        initial=2,
    )

    response = client.post(f"/admin/catalog/product/{product.pk}/change/", form)

    assert response.status_code == 302, response.content.decode()[:2000]

    # The uploads and the change also invalidate the product's page tags ('#...'), in this batch or earlier ones.
    def with_media():
        return [i for i in invalidations(aws) if _media(i)]

    (sent,) = wait_for(with_media, 60, "the invalidation of the old files", worker)  # one, not two
    assert _media(sent) == old and len(old) == 8
    record = CdnInvalidation.objects.get(invalidation_id=sent["Id"])
    assert sent["InvalidationBatch"]["CallerReference"] == record.caller_reference
    first.refresh_from_db()
    assert f"/media/{first.image.name}" not in old and first.image.name.endswith("-new-0.jpg")
    assert set(first.renditions) == {"thumb", "listing", "detail"}
    keys = {o["Key"] for o in aws.s3.list_objects_v2(Bucket=aws.bucket)["Contents"]}
    assert not {p.removeprefix("/") for p in old} & keys
    assert {f"media/{n}" for n in renditions.names(first.image.name, first.renditions)} <= keys
