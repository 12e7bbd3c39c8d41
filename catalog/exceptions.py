class CatalogError(Exception):
    """A catalog write that cannot be done as asked; the message is safe to show staff."""
