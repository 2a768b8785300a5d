"""SQLite connections outlive the request that opened them (cityhall/sqlite): under daphne each
request runs in a new thread, and opening the file anew cost a sixth of a small page."""

import sqlite3
import threading
from pathlib import Path

import pytest
from django.db import connection, transaction
from django.test import Client

from tests.factories import MemberFactory

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "sqlite", reason="the SQLite backend's own pool"),
]


def _raw_after_close() -> object:
    connection.ensure_connection()
    raw = connection.connection
    connection.close()
    return raw


def test_the_next_request_gets_the_connection_the_last_one_closed():
    member = MemberFactory()
    client = Client()
    client.force_login(member)
    raw = _raw_after_close()

    assert client.get(f"/members/{member.pk}/").status_code == 200
    connection.ensure_connection()

    assert connection.connection is raw


def test_another_thread_takes_over_a_closed_connection_and_sees_committed_rows():
    raw = _raw_after_close()
    member = MemberFactory()
    connection.close()
    seen = {}

    def in_a_request_thread():
        from django.db import connection as theirs

        seen["same"] = theirs.cursor().connection is not None and theirs.connection is raw
        seen["found"] = type(member).objects.filter(pk=member.pk).exists()
        theirs.close()

    worker = threading.Thread(target=in_a_request_thread)
    worker.start()
    worker.join()

    assert seen == {"same": True, "found": True}


def test_a_connection_closed_inside_a_transaction_is_not_kept():
    raw = _raw_after_close()
    connection.ensure_connection()
    with transaction.atomic():
        MemberFactory()
        connection.close()
    connection.ensure_connection()

    assert connection.connection is not raw


def test_foreign_keys_are_checked_on_a_kept_connection():
    connection.ensure_connection()
    connection.cursor().execute("PRAGMA foreign_keys = OFF")
    connection.close()

    with connection.cursor() as cursor:
        cursor.execute("PRAGMA foreign_keys")
        assert cursor.fetchone() == (1,)


def test_a_database_file_made_anew_never_gets_a_connection_to_the_old_one(tmp_path):
    from cityhall.sqlite.base import DatabaseWrapper

    settings = {**connection.settings_dict, "NAME": str(tmp_path / "one.sqlite3")}
    sqlite3.connect(settings["NAME"]).close()
    first = DatabaseWrapper(settings, alias="pool-test")
    first.cursor().execute("CREATE TABLE note (body TEXT)")
    old = first.connection
    first.close()
    Path(settings["NAME"]).unlink()
    sqlite3.connect(settings["NAME"]).close()

    second = DatabaseWrapper(settings, alias="pool-test")
    with second.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM sqlite_master WHERE name = 'note'")
        assert cursor.fetchone() == (0,)
    assert second.connection is not old
    second.close()


def test_a_kept_connection_keeps_its_prepared_statements():
    """Setting a pragma expires every prepared statement of the connection (each is compiled
    again on its next run), so a kept connection whose foreign keys are on is given none."""
    connection.ensure_connection()
    connection.connection.execute("PRAGMA foreign_keys").fetchone()
    statements = []
    connection.connection.set_trace_callback(statements.append)
    connection.close()

    connection.ensure_connection()
    connection.connection.set_trace_callback(None)

    assert [sql for sql in statements if "=" in sql] == []


def test_placeholders_are_converted_as_django_converts_them_each_time():
    with connection.cursor() as cursor:
        for _ in range(2):  # the second run takes the kept conversion
            cursor.execute("SELECT %s, '100%%', %s || '%%s'", ["a", "b"])
            assert cursor.fetchone() == ("a", "100%", "b%s")
        cursor.execute("SELECT %(first)s, %(second)s", {"first": 1, "second": 2})
        assert cursor.fetchone() == (1, 2)
        cursor.execute("SELECT %s", [3])
        assert cursor.fetchone() == (3,)


def test_a_connection_reads_the_file_through_a_memory_map_in_wal_mode():
    """Every connection, new or kept, reads the file mapped (settings: SQLITE_MMAP_MB) rather
    than through its own 2 MB page cache, and writes ahead to the log."""
    connection.ensure_connection()
    pragma = connection.connection.execute
    assert pragma("PRAGMA mmap_size").fetchone()[0] == 256 * 2**20
    assert pragma("PRAGMA journal_mode").fetchone()[0] == "wal"
    kept = _raw_after_close()
    connection.ensure_connection()
    assert connection.connection is kept
    assert pragma("PRAGMA mmap_size").fetchone()[0] == 256 * 2**20


def _plan(sql: str, params) -> str:
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN QUERY PLAN " + sql, params)
        return "\n".join(row[3] for row in cursor.fetchall())


def test_a_bound_value_never_chooses_the_plan_on_a_new_or_kept_connection():
    """With the planner's stability guarantee, SQLite compiles a statement once per
    connection: without it, a value compared with the column of a partial index's condition
    (allauth's verified addresses) chose the plan, and the statement was compiled again on
    every run to see whether the index applied (the signed-in member's row: 0.57 ms, not 0.13)."""
    sql = "SELECT id FROM account_emailaddress WHERE email = %s AND verified = %s"
    for kept in (False, True):
        if kept:
            _raw_after_close()
        plans = {_plan(sql, ["a@city.kobe.lg.jp", value]) for value in (True, False)}
        assert len(plans) == 1, plans
        assert "unique_verified_email" not in plans.pop()
        assert connection.connection.getconfig(sqlite3.SQLITE_DBCONFIG_ENABLE_QPSG)


def test_the_task_worker_finds_ready_tasks_through_an_index():
    """The worker's poll: django_tasks_db's index holds only ready tasks, which a bound status
    cannot use under the stability guarantee; cityhall's migration 0002 adds one that can."""
    from django_tasks_db.models import DBTaskResult

    ready = DBTaskResult.objects.ready().filter(queue_name__in=["default"], backend_name="x")
    found = _plan(*ready.query.sql_with_params())

    assert "USING INDEX cityhall_tasks_ready" in found
    assert "TEMP B-TREE" not in found
