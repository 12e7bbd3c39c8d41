"""Serializers: the API's request and response bodies (and so its OpenAPI schema)."""
