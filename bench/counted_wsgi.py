"""WSGI entry of the Shopfront bench servers: config.wsgi (its fast path included) inside the counters."""

from config.wsgi import application as shop

from .counters import CountingApplication

application = CountingApplication(shop)
