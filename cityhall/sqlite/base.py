"""Django's SQLite backend, keeping closed connections for the next request, converting a
statement's placeholders once, and compiling a statement once per connection.

Under ASGI each request runs its sync code in a thread of its own, so Django's persistent
connections (one per thread) are never used again, and every request opened the file anew:
connect, register Django's SQL functions, run the pragmas (a sixth of a profile page's time
in daphne, bench/pages.py with py-spy). Django pools connections for PostgreSQL only. Here a
closed connection that is outside any transaction goes back to a small idle list, from which
the next connect() takes it; one thread uses it at a time (Django opens SQLite connections
with check_same_thread off). The list is keyed by the file's identity, so a test database
deleted and made again never gets a connection to the old file.

Django's cursor turns every statement's ``%s`` into SQLite's ``?`` with a regular expression,
on every run: 0.1 to 0.3 ms of a page's ten queries, some of them several kilobytes long (the
signed-in member, the navigation's counts). The converted text is kept per statement text.

Each connection runs with SQLite's query planner stability guarantee (QPSG): a statement's
plan never depends on the values bound to it. Without it, a parameter compared with a column
that a partial index is conditioned on (``verified = %s`` beside allauth's index of verified
addresses, ``live = %s`` beside Wagtail's pages) made SQLite compile the statement again on
every run, to see whether the index applied: the signed-in member's row took 0.57 ms instead
of 0.13, the navigation's counts 0.29 instead of 0.04, about 0.5 ms of every page
(in-process). With it, a read uses a partial index only where the statement writes the
index's condition out (cityhall.compiled.index_condition); the task worker's poll, which
bound it, has an index of its own (cityhall/migrations/0002)."""

import functools
import os
import sqlite3
import threading

from django.db.backends.sqlite3 import base

IDLE_PER_FILE = 8

_idle: dict[tuple, list] = {}
_lock = threading.Lock()


def _file_key(conn_params: dict) -> tuple | None:
    """The database file's (path, device, inode); None for memory databases and URIs."""
    name = str(conn_params["database"])
    if name == ":memory:" or name.startswith("file:"):
        return None
    try:
        found = os.stat(name)
    except OSError:
        return None
    return (name, found.st_dev, found.st_ino)


class CursorWrapper(base.SQLiteCursorWrapper):
    def convert_query(self, query, *, param_names=None):
        if param_names is None:
            return _qmark_style(query)
        return super().convert_query(query, param_names=param_names)


@functools.lru_cache(maxsize=2048)
def _qmark_style(query: str) -> str:
    return base.FORMAT_QMARK_REGEX.sub("?", query).replace("%%", "%")


class DatabaseWrapper(base.DatabaseWrapper):
    def create_cursor(self, name=None):
        return self.connection.cursor(factory=CursorWrapper)

    def get_new_connection(self, conn_params):
        self._pool_key = _file_key(conn_params)
        with _lock:
            idle = _idle.get(self._pool_key)
            kept = idle.pop() if idle else None
        if kept is None:
            kept = super().get_new_connection(conn_params)
            kept.setconfig(sqlite3.SQLITE_DBCONFIG_ENABLE_QPSG, True)
            if self._pool_key is None:  # a file this connection made: it has an identity now
                self._pool_key = _file_key(conn_params)
            return kept
        # Setting a pragma expires every statement the connection has prepared, and each
        # would be compiled again: 1.3-1.7 ms of a search page. Set only when it was turned off.
        if not kept.execute("PRAGMA foreign_keys").fetchone()[0]:
            kept.execute("PRAGMA foreign_keys = ON")
        return kept

    def _close(self):
        if self._reusable():
            with _lock:
                idle = _idle.setdefault(self._pool_key, [])
                if len(idle) < IDLE_PER_FILE:
                    idle.append(self.connection)
                    return None
        return super()._close()

    def _reusable(self) -> bool:
        return (
            getattr(self, "_pool_key", None) is not None
            and self.connection is not None
            and not self.connection.in_transaction
            and not self.in_atomic_block
            and not self.errors_occurred
        )
