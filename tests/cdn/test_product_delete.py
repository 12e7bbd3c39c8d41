"""Deleting a product in the admin takes its images with it: files gone from storage, CloudFront paths queued."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from catalog import renditions, services
from catalog.models import Product, ProductImage
from tests.factories import ProductFactory, StaffFactory

from .conftest import invalidations, jpeg

pytestmark = pytest.mark.django_db(transaction=True)


def test_product_deleted_in_the_admin_removes_its_image_files_and_invalidates_their_paths(aws, captured, client):
    product = ProductFactory(name="Old Kettle", slug="old-kettle")
    kept = ProductFactory(slug="other")  # another product's image stays where it is
    images = [
        services.product_image_add(product=product, image=SimpleUploadedFile(f"{n}.jpg", jpeg(c)))
        for n, c in (("front", "teal"), ("back", "navy"))
    ]
    other = services.product_image_add(product=kept, image=SimpleUploadedFile("other.jpg", jpeg("red")))
    files = {n for img in images for n in renditions.names(img.image.name, img.renditions)}
    other_files = set(renditions.names(other.image.name, other.renditions))
    assert len(files) == 8 and {f"media/{n}" for n in files | other_files} <= _bucket_keys(aws)
    assert "Old Kettle" in client.get("/products/old-kettle/").content.decode()
    assert client.get("/products/old-kettle/")["X-Cache"] == "HIT"
    staff = Client()
    staff.force_login(StaffFactory())

    response = staff.post(f"/admin/catalog/product/{product.pk}/delete/", {"post": "yes"})

    assert response.status_code == 302
    assert not Product.objects.filter(pk=product.pk).exists()
    assert not ProductImage.objects.filter(pk__in=[img.pk for img in images]).exists()
    assert client.get("/products/old-kettle/").status_code == 404
    keys = _bucket_keys(aws)
    assert not {f"media/{n}" for n in files} & keys  # every original and rendition is gone from storage
    assert {f"media/{n}" for n in other_files} <= keys
    assert [task.name for task, _, _ in captured.sent] == ["cdn.tasks.flush_paths"]  # one coalesced flush queued
    captured.run()
    (sent,) = invalidations(aws)
    items = set(sent["InvalidationBatch"]["Paths"]["Items"])
    assert {i for i in items if i.startswith("/")} == {f"/media/{n}" for n in files}  # exactly its files
    assert "#product:old-kettle" in items  # and the pages that showed it, by tag


def _bucket_keys(aws) -> set[str]:
    return {o["Key"] for o in aws.s3.list_objects_v2(Bucket=aws.bucket).get("Contents", [])}
