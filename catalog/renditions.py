"""Product image renditions: the resized copies the storefront serves, stored beside the original."""

import io
import os
from typing import Any

from django.core.files.base import ContentFile
from django.db.models.fields.files import FieldFile
from PIL import Image, ImageOps, features

# Longest side in pixels of each size the templates use.
SIZES = {"thumb": 160, "listing": 400, "detail": 1000}
QUALITY = 80


def _format() -> tuple[str, str]:
    """Return the Pillow format and file extension: WebP when this Pillow has it, else JPEG."""
    return ("WEBP", "webp") if features.check("webp") else ("JPEG", "jpg")


def rendition_name(name: str, size: str) -> str:
    """Return the storage name of ``size`` for the original ``name``, in the same folder."""
    stem, _ = os.path.splitext(name)
    return f"{stem}.{size}.{_format()[1]}"


def _prepared(img: Image.Image, fmt: str) -> Image.Image:
    img = ImageOps.exif_transpose(img)
    has_alpha = "A" in img.getbands() or "transparency" in img.info
    if fmt == "WEBP" and has_alpha:
        return img.convert("RGBA")
    return img.convert("RGB")


def generate(file: FieldFile) -> dict[str, dict[str, Any]]:
    """Make every size of the stored image ``file``; return ``{size: {"name", "width"}}``."""
    fmt, _ = _format()
    with file.open("rb"):
        source = Image.open(file)
        source.load()
    source = _prepared(source, fmt)
    made = {}
    for size, box in SIZES.items():
        copy = source.copy()
        copy.thumbnail((box, box), Image.Resampling.LANCZOS)
        buf = io.BytesIO()
        copy.save(buf, fmt, quality=QUALITY)
        name = rendition_name(file.name, size)
        # Upload names carry a uuid and storage never overwrites: a taken name means this size exists.
        if not file.storage.exists(name):
            name = file.storage.save(name, ContentFile(buf.getvalue()))
        made[size] = {"name": name, "width": copy.width}
    return made


def names(image_name: str, renditions: dict[str, dict[str, Any]]) -> list[str]:
    """Return the storage names of an original and all its renditions."""
    return [image_name, *(r["name"] for r in renditions.values())] if image_name else []


def urls(file: FieldFile, renditions: dict[str, dict[str, Any]]) -> dict[str, str]:
    """Return ``{size: url}`` for the renditions that exist."""
    return {size: file.storage.url(r["name"]) for size, r in renditions.items()}


def srcset(file: FieldFile, renditions: dict[str, dict[str, Any]]) -> str:
    """Return an ``<img srcset>`` value listing each rendition with its width, narrowest first."""
    by_width = {}
    for r in sorted(renditions.values(), key=lambda r: r["width"]):
        by_width.setdefault(r["width"], r["name"])  # a small original yields equal widths: list each once
    return ", ".join(f"{file.storage.url(name)} {width}w" for width, name in by_width.items())
