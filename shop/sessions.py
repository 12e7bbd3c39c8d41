"""Session engine: Django's cached_db on its own Redis alias, behind the circuit breaker.

Postgres holds every session, Redis a copy: a Redis flush or restart costs one database read
per session, never a login or a cart. While Redis is down, sessions are read from Postgres
without waiting for a timeout on each request.
"""

import logging

from django.contrib.sessions.backends import cached_db
from django.contrib.sessions.backends.base import UpdateError

from .cache import breaker, stats

logger = logging.getLogger(__name__)


class SessionStore(cached_db.SessionStore):
    def _breaker(self):
        return breaker.get("sessions")

    def _cache_get(self):
        brk = self._breaker()
        if not brk.allow():
            return None
        try:
            data = self._cache.get(self.cache_key)
        except Exception as exc:
            brk.trip()
            logger.warning("sessions: Redis unavailable (%s); reading from the database", exc)
            return None
        brk.recovered()
        return data

    def _cache_set(self, data, age) -> None:
        brk = self._breaker()
        if not brk.allow():
            return
        try:
            self._cache.set(self.cache_key, data, age)
        except Exception as exc:
            brk.trip()
            logger.warning("sessions: Redis unavailable (%s); session kept in the database", exc)

    def load(self):
        data = self._cache_get()
        if data is not None:
            stats.incr("session:hit")
            return data
        stats.incr("session:miss")
        s = self._get_session_from_db()
        if not s:
            return {}
        data = self.decode(s.session_data)
        self._cache_set(data, self.get_expiry_age(expiry=s.expire_date))
        return data

    def exists(self, session_key):
        return super(cached_db.SessionStore, self).exists(session_key)

    def save(self, must_create=False):
        try:
            super(cached_db.SessionStore, self).save(must_create)
        except UpdateError:
            # Django's db backend reports any DatabaseError on update as "session deleted", which
            # SessionMiddleware answers with 400; asking again lets an unreachable database raise (500).
            self.exists(self.session_key)
            raise
        self._cache_set(self._session, self.get_expiry_age())

    def delete(self, session_key=None):
        super(cached_db.SessionStore, self).delete(session_key)
        if session_key is None:
            if self.session_key is None:
                return
            session_key = self.session_key
        brk = self._breaker()
        if brk.allow():
            try:
                self._cache.delete(self.cache_key_prefix + session_key)
            except Exception:
                brk.trip()
