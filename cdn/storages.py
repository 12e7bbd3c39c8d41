"""The production ``STORAGES`` for S3 behind CloudFront, built from plain values (no Django imports)."""

STATIC_CACHE_CONTROL = "public, max-age=31536000, immutable"


def s3_storages(
    *,
    bucket: str,
    custom_domain: str,
    region: str,
    endpoint_url: str | None,
    media_cache_control: str,
    url_protocol: str = "https:",
) -> dict[str, dict]:
    """Return ``STORAGES``: static under ``static/`` (hashed names), media under ``media/`` (never overwritten).

    The bucket is private: CloudFront reads it through Origin Access Control, so objects carry no ACL and
    URLs carry no query-string signature; every URL points at ``custom_domain`` (the distribution).
    """
    common = {
        "bucket_name": bucket,
        "custom_domain": custom_domain,
        "region_name": region,
        "endpoint_url": endpoint_url,
        "default_acl": None,
        "querystring_auth": False,
        "url_protocol": url_protocol,
    }
    return {
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                **common,
                "location": "media",
                "file_overwrite": False,
                "object_parameters": {"CacheControl": media_cache_control},
            },
        },
        "staticfiles": {
            "BACKEND": "storages.backends.s3.S3ManifestStaticStorage",
            "OPTIONS": {**common, "location": "static", "object_parameters": {"CacheControl": STATIC_CACHE_CONTROL}},
        },
    }
