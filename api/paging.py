"""Page numbers and links, as the HTML listings have them (24 items a page, pages from 1)."""

from urllib.parse import urlencode

from rest_framework.exceptions import ValidationError

from catalog.display import PAGE_SIZE
from shop.http import page_number


def page_param(request) -> int:
    """Return the ``page`` query parameter (1 when absent); raise ValidationError when it is not a page number."""
    page = page_number(request.GET.get("page"))
    if page is None:
        raise ValidationError({"page": ["A page number is a whole number from 1 to 999999."]})
    return page


def paged(path: str, params: dict, found: dict) -> dict:
    """Return count, page numbers and next/previous links (relative URLs) for one page of ``found``."""
    page, last = found["page"], found["num_pages"]

    def link(number: int) -> str | None:
        return f"{path}?{urlencode({**params, 'page': number})}" if 1 <= number <= last else None

    return {
        "count": found["count"],
        "page": page,
        "num_pages": last,
        "page_size": PAGE_SIZE,
        "next": link(page + 1),
        "previous": link(page - 1),
    }
