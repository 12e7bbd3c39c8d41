"""Catalog bodies: the category tree, listings, product detail and search results."""

from rest_framework import serializers

from .fields import SORT_CHOICES, Availability, Image, Page, UrlField, money


class CategoryRef(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    slug = serializers.SlugField()
    url = UrlField(help_text="The category's listing in this API.")


class CategoryNode(CategoryRef):
    """A category and, below it, its subcategories."""


# Declared after the class: a node's children are nodes (one recursive schema component).
CategoryNode._declared_fields["children"] = CategoryNode(many=True)


class CategoryTree(serializers.Serializer):
    categories = CategoryNode(many=True, help_text="The top-level categories, each with its subcategories.")


class Card(serializers.Serializer):
    """A product as listings, search results and home show it."""

    id = serializers.IntegerField()
    name = serializers.CharField()
    slug = serializers.SlugField()
    url = UrlField(help_text="The product's detail in this API.")
    price = money()
    currency = serializers.CharField()
    availability = Availability()
    image = Image(allow_null=True, help_text="The first picture, if any.")


class CategoryListing(Page):
    category = CategoryRef()
    breadcrumbs = CategoryRef(many=True, help_text="From the top-level category down to this one.")
    subcategories = CategoryRef(many=True)
    sort = serializers.ChoiceField(choices=SORT_CHOICES)
    results = Card(many=True)


class ProductDetail(serializers.Serializer):
    """A product as its page shows it."""

    id = serializers.IntegerField()
    name = serializers.CharField()
    slug = serializers.SlugField()
    url = UrlField(help_text="This resource.")
    web_url = UrlField(help_text="The product's page in the storefront.")
    description = serializers.CharField(allow_blank=True)
    price = money()
    currency = serializers.CharField()
    availability = Availability()
    category = CategoryRef(allow_null=True)
    breadcrumbs = CategoryRef(many=True)
    images = Image(many=True)


class SearchResults(Page):
    query = serializers.CharField(help_text="The search terms as understood (spaces collapsed, lower case).")
    results = Card(many=True)
