"""Template helpers for the storefront's plain-data pages."""

from django import template

register = template.Library()


@register.filter
def children_of(tree, node) -> list:
    """Return the child categories of ``node`` in ``tree``."""
    return tree.children(node)
