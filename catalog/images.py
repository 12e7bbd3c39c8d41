"""Product image file names."""

import os
import uuid

from django.utils.text import get_valid_filename


def upload_path(instance, filename: str) -> str:
    """Return ``products/<uuid>-<safe name>``, so no upload ever replaces another file."""
    base = get_valid_filename(os.path.basename(filename.replace("\\", "/"))) or "image"
    stem, ext = os.path.splitext(base)
    return f"products/{uuid.uuid4().hex[:12]}-{stem[:60]}{ext.lower()[:5]}"
