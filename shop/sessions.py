"""Session engine: Postgres holds every session, the cache layer a copy that no Redis blip can revive.

Each session's copy is an entry of the cache layer on the ``sessions`` alias, guarded by the tag
``session:<key>``. Saving or deleting a session invalidates that tag in the transaction of the database
write: fenced in Redis before commit, or put in the outbox when Redis does not answer, bumped after
commit. Every process drains the outbox before it trusts Redis again (``shop.cache.trust``).

Invariant: once a session save or delete has committed, no process reads the copy from before it. A
process that never saw Redis fail looks at the outbox before its next Redis call when it may have missed a
blip (``shop.cache.trust``: a gap or a slow reply of ``CACHE_OUTBOX_CHECK_SECONDS``/2), so the bound is 0 for
a hang or a restart, and ``CACHE_OUTBOX_BACKSTOP_SECONDS`` (5 s) for a write that failed while Redis still
answered that process (a partition). So a cart change made while Redis did not answer is not undone, and a
logout is final. Reads never store a copy older than a committed write (the cache layer's "no stale set"),
and a flushed or restarted Redis costs one database read per session.
"""

import time

from django.conf import settings
from django.contrib.sessions.backends import db
from django.contrib.sessions.backends.base import UpdateError
from django.core.exceptions import SuspiciousOperation
from django.db import router, transaction
from django.utils import timezone

from .cache.entry import Entry, Transient
from .cache.invalidation import invalidate
from .cache.store import read


def _tag(session_key: str) -> str:
    return f"session:{session_key}"


class SessionStore(db.SessionStore):
    def _entry(self, session_key: str) -> Entry:
        return Entry(
            "session",
            (session_key,),
            (_tag(session_key),),
            settings.SESSION_COOKIE_AGE,
            lambda: self._row(session_key),
            alias=settings.SESSION_CACHE_ALIAS,
        )

    def _row(self, session_key: str):
        try:
            row = self.model.objects.get(session_key=session_key, expire_date__gt=timezone.now())
        except (self.model.DoesNotExist, SuspiciousOperation):
            return Transient(None)  # no copy of a missing session: creating it later needs no invalidation
        return {"data": row.session_data, "expires": row.expire_date.timestamp()}

    def load(self):
        copy = read(self._entry(self.session_key)).value
        if copy is None or copy["expires"] <= time.time():
            self._session_key = None
            return {}
        return self.decode(copy["data"])

    def save(self, must_create=False):
        if self.session_key is None:
            return self.create()
        using = router.db_for_write(self.model)
        with transaction.atomic(using=using):
            try:
                super().save(must_create)
            except UpdateError:
                # Django's db backend reports any DatabaseError on update as "session deleted", which
                # SessionMiddleware answers with 400; asking again lets an unreachable database raise (500).
                self.exists(self.session_key)
                raise
            invalidate({_tag(self.session_key)}, alias=settings.SESSION_CACHE_ALIAS, using=using)

    def delete(self, session_key=None):
        session_key = session_key or self.session_key
        if session_key is None:
            return
        using = router.db_for_write(self.model)
        with transaction.atomic(using=using):
            super().delete(session_key)
            invalidate({_tag(session_key)}, alias=settings.SESSION_CACHE_ALIAS, using=using)
