"""Django's database sessions, read by a query compiled once (cityhall.compiled): every page a
member opens reads their session first."""

from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore
from django.contrib.sessions.models import Session
from django.utils import timezone

from cityhall.compiled import FixedQuery


def _session_data(session_key, now, *, shape=None):
    return Session.objects.filter(session_key=session_key, expire_date__gt=now).values_list(
        "session_data"
    )


_SESSION_DATA = FixedQuery(_session_data)


class SessionStore(DatabaseSessionStore):
    def load(self):
        rows = _SESSION_DATA(self.session_key, timezone.now()) if self.session_key else []
        if not rows:
            self._session_key = None  # as Django's: a missing or expired session starts anew
            return {}
        return self.decode(rows[0][0])
