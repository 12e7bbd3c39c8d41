"""Template helpers for the storefront's plain-data pages."""

import json
from functools import lru_cache

from django import template
from django.template.loader import render_to_string
from django.urls import get_script_prefix
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

# As django.utils.html.json_script: no "</script>" or "<!--" can end the data block early.
_JSON_ESCAPES = {ord(">"): "\\u003E", ord("<"): "\\u003C", ord("&"): "\\u0026"}

register = template.Library()


@register.filter
def children_of(tree, node) -> list:
    """Return the child categories of ``node`` in ``tree``."""
    return tree.children(node)


@register.simple_tag
def category_nav(tree) -> SafeString:
    """Return the category navigation of ``tree`` as HTML.

    The fragment is a pure function of the tree's nodes (and the URL prefix), so it is rendered once per
    distinct tree in each process instead of reversing a URL per category on every page: with 100
    categories that was most of a warm page's rendering time (bench/README.md).
    """
    nodes = tuple((n["id"], n["name"], n["slug"], n["parent_id"]) for n in tree.nodes)
    return _category_nav(nodes, get_script_prefix())


@lru_cache(maxsize=8)
def _category_nav(nodes: tuple, script_prefix: str) -> SafeString:
    from catalog.selectors import Tree

    tree = Tree([{"id": i, "name": name, "slug": slug, "parent_id": parent} for i, name, slug, parent in nodes])
    return render_to_string("partials/category_nav.html", {"tree": tree})


@register.simple_tag
def product_card(card: dict) -> SafeString:
    """Return the listing card of ``card`` (plain cached data) as HTML.

    A card is a pure function of its data, so each distinct card is rendered once per process (a bounded
    LRU, a few MB at most): listing, home and search pages show 8-24 cards, and rendering them through
    ``{% include %}`` was most of those pages' time (bench/README.md). Any change to the data (price,
    stock, image) is a different card.
    """
    return _product_card(json.dumps(card, sort_keys=True, separators=(",", ":")), get_script_prefix())


@lru_cache(maxsize=4096)
def _product_card(card_json: str, script_prefix: str) -> SafeString:
    return render_to_string("partials/product_card.html", {"p": json.loads(card_json)})


@register.filter
def absolute(url: str, site_url: str) -> str:
    """Return ``url`` with ``site_url`` in front when it is a path (media on a CDN is absolute already)."""
    return f"{site_url}{url}" if url.startswith("/") else url


@register.filter
def ld_json(data) -> SafeString:
    """Return ``data`` as a ``<script type="application/ld+json">`` block (structured data, not code)."""
    if not data:
        return SafeString("")
    text = json.dumps(data, separators=(",", ":"), ensure_ascii=False).translate(_JSON_ESCAPES)
    return format_html('<script type="application/ld+json">{}</script>', mark_safe(text))  # noqa: S308
