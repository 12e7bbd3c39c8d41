"""Field types shared by the API's bodies."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from catalog.display import SORTS

CURRENCY = "EUR"  # the storefront's prices are euros (the pages show "€")
SORT_CHOICES = list(SORTS)


@extend_schema_field({"type": "string", "format": "uri-reference"})
class UrlField(serializers.CharField):
    """A URL as the storage or the router gives it: absolute (a CDN) or relative to the API's origin."""


def money() -> serializers.DecimalField:
    """Return a price field: a decimal string such as "50.00" (never a float)."""
    return serializers.DecimalField(max_digits=12, decimal_places=2)


class Availability(serializers.Serializer):
    """What the product page shows about stock: the label and its state."""

    label = serializers.CharField(help_text='As shown on the page: "In stock", "Only 3 left" or "Sold out".')
    state = serializers.ChoiceField(choices=["in", "low", "out"])


class Renditions(serializers.Serializer):
    """URLs of the resized copies of an image (absent for an image stored without them)."""

    thumb = UrlField(required=False, help_text="160 px on the longest side.")
    listing = UrlField(required=False, help_text="400 px on the longest side.")
    detail = UrlField(required=False, help_text="1000 px on the longest side.")


class Image(serializers.Serializer):
    id = serializers.IntegerField()
    url = UrlField(help_text="The original upload.")
    alt = serializers.CharField(allow_blank=True)
    position = serializers.IntegerField()
    renditions = Renditions(source="sizes")


class Page(serializers.Serializer):
    """Page numbers and links of a paged list (24 items a page; links are relative to the API's origin)."""

    count = serializers.IntegerField(help_text="Items in every page together.")
    page = serializers.IntegerField()
    num_pages = serializers.IntegerField()
    page_size = serializers.IntegerField()
    next = UrlField(allow_null=True)
    previous = UrlField(allow_null=True)
