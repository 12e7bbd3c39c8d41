"""Signals of the cache layer, for apps that mirror its invalidations elsewhere (an edge cache)."""

from django.dispatch import Signal

# Sent with ``tags`` (list of tag names) and ``alias`` once a write that invalidates them has committed:
# by the writer after commit, whether or not Redis could be reached, and again by the outbox drain when it
# delivers a row later. Receivers must be cheap and must not raise.
tags_invalidated = Signal()
