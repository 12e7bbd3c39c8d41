"""The cache layer: tag-validated entries on Redis, single-flight fills, invalidation, a breaker.

It knows no app. Apps declare their entries (key parts, tags, TTL, how to compute) and which tags a
write touches beside their models, and call ``read``/``read_many``/``read_composite`` and ``invalidate``.
Import the functions from their modules: ``shop.cache.store``, ``composite``, ``invalidation``, ``pages``.
"""
