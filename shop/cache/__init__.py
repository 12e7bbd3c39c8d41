"""The storefront's cache layer: keys, tags, TTLs, single-flight reads and invalidation."""
