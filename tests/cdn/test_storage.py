"""Static and media on S3 (moto's server over HTTP) with the production STORAGES from cdn.storages."""

import json
import os
import subprocess
import sys

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command

from catalog import services
from tests.factories import ProductFactory

from .conftest import CDN_DOMAIN, jpeg

pytestmark = pytest.mark.django_db


def test_media_upload_lands_in_bucket_with_cache_control_and_cdn_url(aws):
    name = default_storage.save("products/abc123-mug.jpg", ContentFile(jpeg()))
    head = aws.s3.head_object(Bucket=aws.bucket, Key=f"media/{name}")
    assert head["CacheControl"] == "public, max-age=86400, s-maxage=31536000"
    assert head["ContentType"] == "image/jpeg"
    url = default_storage.url(name)
    assert url == f"https://{CDN_DOMAIN}/media/products/abc123-mug.jpg"
    assert "?" not in url  # no query-string signature on public images
    grants = aws.s3.get_object_acl(Bucket=aws.bucket, Key=f"media/{name}")["Grants"]
    assert [g["Permission"] for g in grants] == ["FULL_CONTROL"]  # owner only: no public-read ACL


def test_media_is_never_overwritten(aws):
    first = default_storage.save("products/same.jpg", ContentFile(b"one"))
    second = default_storage.save("products/same.jpg", ContentFile(b"two"))
    assert first != second
    body = aws.s3.get_object(Bucket=aws.bucket, Key=f"media/{first}")["Body"].read()
    assert body == b"one"


def test_product_image_upload_stores_renditions_beside_original(aws):
    product = ProductFactory()
    image = services.product_image_add(product=product, image=SimpleUploadedFile("Mug Photo.JPG", jpeg()))
    keys = {o["Key"] for o in aws.s3.list_objects_v2(Bucket=aws.bucket, Prefix="media/")["Contents"]}
    stem = image.image.name.rsplit(".", 1)[0]
    assert keys == {f"media/{image.image.name}"} | {f"media/{stem}.{s}.webp" for s in ("thumb", "listing", "detail")}
    assert {s: r["width"] for s, r in image.renditions.items()} == {"thumb": 160, "listing": 400, "detail": 1000}
    head = aws.s3.head_object(Bucket=aws.bucket, Key=f"media/{stem}.listing.webp")
    assert head["ContentType"] == "image/webp"
    assert head["CacheControl"].startswith("public")


def test_collectstatic_writes_hashed_names_with_immutable_headers(aws, settings, tmp_path):
    (tmp_path / "css").mkdir()
    (tmp_path / "img").mkdir()
    (tmp_path / "css" / "app.css").write_text('body { background: url("../img/dot.png"); }\n')
    (tmp_path / "img" / "dot.png").write_bytes(jpeg(size=2))
    settings.STATICFILES_DIRS = [str(tmp_path)]
    settings.STATICFILES_FINDERS = ["django.contrib.staticfiles.finders.FileSystemFinder"]
    settings.STORAGES = aws.storages

    call_command("collectstatic", interactive=False, verbosity=0)

    keys = {o["Key"] for o in aws.s3.list_objects_v2(Bucket=aws.bucket, Prefix="static/")["Contents"]}
    hashed_css = [k for k in keys if k.startswith("static/css/app.") and k != "static/css/app.css"]
    assert len(hashed_css) == 1 and len(hashed_css[0].split(".")) == 3
    assert "static/staticfiles.json" in keys
    head = aws.s3.head_object(Bucket=aws.bucket, Key=hashed_css[0])
    assert head["CacheControl"] == "public, max-age=31536000, immutable"
    css = aws.s3.get_object(Bucket=aws.bucket, Key=hashed_css[0])["Body"].read().decode()
    assert "../img/dot." in css and "dot.png" not in css  # references rewritten to hashed names
    from django.templatetags.static import static

    assert static("css/app.css") == f"https://{CDN_DOMAIN}/{hashed_css[0]}"


def test_production_settings_build_s3_storages(moto_endpoint):
    """Import config.settings.production in a child process: it edits dicts shared with the running settings."""
    env = {
        **os.environ,
        "DJANGO_SECRET_KEY": "x" * 50,
        "DJANGO_ALLOWED_HOSTS": "shop.example.com",
        "AWS_STORAGE_BUCKET_NAME": "shop-media",
        "AWS_S3_CUSTOM_DOMAIN": CDN_DOMAIN,
        "AWS_ENDPOINT_URL": moto_endpoint,
    }
    code = "import json, config.settings.production as p; print(json.dumps([p.STORAGES, p.STATIC_URL, p.MEDIA_URL]))"
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    storages, static_url, media_url = json.loads(out.stdout.strip().splitlines()[-1])
    media, static = storages["default"], storages["staticfiles"]
    assert media["BACKEND"] == "storages.backends.s3.S3Storage"
    assert media["OPTIONS"]["location"] == "media" and media["OPTIONS"]["file_overwrite"] is False
    assert static["BACKEND"] == "storages.backends.s3.S3ManifestStaticStorage"
    assert static["OPTIONS"]["location"] == "static"
    assert static["OPTIONS"]["object_parameters"] == {"CacheControl": "public, max-age=31536000, immutable"}
    for options in (media["OPTIONS"], static["OPTIONS"]):
        assert options["custom_domain"] == CDN_DOMAIN
        assert options["default_acl"] is None and options["querystring_auth"] is False
        assert options["endpoint_url"] == moto_endpoint and options["bucket_name"] == "shop-media"
    assert (static_url, media_url) == (f"https://{CDN_DOMAIN}/static/", f"https://{CDN_DOMAIN}/media/")
