"""Statements every page runs, planned once per database connection. PostgreSQL plans a
statement anew each time Django sends it with its parameters bound on the client (Django's
default): the navigation's counts took 1.2 ms to plan and 0.2 ms to run. Sent with its
parameters bound on the server, psycopg prepares it after a few runs on a connection (its
``prepare_threshold``, settings.DATABASES) and PostgreSQL keeps the plan; the pool keeps the
connection. For raw statements and those compiled once (cityhall.compiled), whose SQL is the
same on every run, unless its best plan depends on the values (``plan_each_run``): after five
runs PostgreSQL may keep one plan for all values. Django's other queries keep their cursors.
A prepared statement outlives a migration that changes what it selects: restart the web
processes after migrating, as for any deploy."""

from django.db import connections


def cursor(connection):
    """A cursor of ``connection`` binding parameters on the server on PostgreSQL, wrapped as
    Django wraps its own (queries counted and logged alike); Django's own cursor elsewhere."""
    if connection.vendor != "postgresql":
        return connection.cursor()
    from django.db.backends.postgresql.base import ServerBindingCursor
    from psycopg.types.numeric import Int8Dumper

    connection.close_if_health_check_failed()
    connection.ensure_connection()
    with connection.wrap_database_errors:
        raw = ServerBindingCursor(connection.connection)
    # every int as bigint: psycopg types an int by its size, and a prepared statement is kept
    # per parameter types (ids of mixed sizes would each prepare it again)
    raw.adapters.register_dumper(int, Int8Dumper)
    return connection._prepare_cursor(raw)


def rows(sql: str, params: list, using: str = "default", server_bound: bool = True) -> list:
    """The rows of ``sql`` (``%s`` placeholders, each given a typed value: a text value that
    stands alone in a select list is written ``CAST(%s AS text)``)."""
    connection = connections[using]
    with cursor(connection) if server_bound else connection.cursor() as found:
        found.execute(sql, params)
        return found.fetchall()


def server_bound(connection):
    """``connection`` as a compiler uses it, its cursors binding on the server (PostgreSQL)."""
    return _ServerBound(connection) if connection.vendor == "postgresql" else connection


class _ServerBound:
    def __init__(self, connection):
        self._connection = connection

    def __getattr__(self, name):
        return getattr(self._connection, name)

    def cursor(self):
        return cursor(self._connection)


def instances(model, sql: str, params: list, using: str = "default") -> list[tuple]:
    """(instance, *the other values) for each row of ``sql``, whose first columns are
    ``model``'s concrete fields in order, converted as the ORM converts them; sent as rows()
    sends it (a statement that Django's raw() would have PostgreSQL plan on every run)."""
    connection = connections[using]
    fields = model._meta.concrete_fields
    names = [field.attname for field in fields]
    converters = _converters(model, connection)
    found = []
    for row in rows(sql, params, using):
        values = converted(row[: len(fields)], converters, connection)
        found.append((model.from_db(using, names, values), *row[len(fields) :]))
    return found


def converted(row: tuple, converters: dict, connection) -> tuple:
    """``row`` with the value at each position of ``converters`` ({position: (functions,
    expression)}, as Django's compiler gives them) converted as the ORM converts it."""
    values = list(row)
    for position, (functions, expression) in converters.items():
        for function in functions:
            values[position] = function(values[position], expression, connection)
    return tuple(values)


def _converters(model, connection) -> dict:
    """converted()'s converters for a row of ``model``'s concrete fields, in order."""
    converters = {}
    for position, field in enumerate(model._meta.concrete_fields):
        column = field.get_col(model._meta.db_table)
        functions = connection.ops.get_db_converters(column) + column.get_db_converters(connection)
        if functions:
            converters[position] = (functions, column)
    return converters
