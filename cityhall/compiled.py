"""Querysets of a fixed shape turned into SQL once. Django spends milliseconds compiling a
queryset with a few subqueries (a member's chat rooms: 3.4 ms to build and compile, 0.04 ms to
run), and a page asks the same query with other values on every request. A ``FixedQuery``
builds its queryset from stand-in values, compiles it once per database and shape, and later
binds the real values where the stand-ins stood. The queryset stays the one statement of the
rule (a policy's selector), so nothing is written twice.

The builder must use each value as given (no arithmetic on it: ``now + delta`` is a value the
stand-in cannot be found in). It is compiled with two sets of stand-ins, and a parameter that
changes with them but is no stand-in raises, so a builder that breaks this fails its first
call rather than binding the wrong thing. A value may go unused in a shape (a site
moderator's rooms do not depend on who they are)."""

import copy
import functools
import threading
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from django.core.exceptions import EmptyResultSet
from django.db import connections, models
from django.db.models import BooleanField, QuerySet
from django.db.models.expressions import RawSQL
from django.db.models.sql import Query

from cityhall import prepared

# Numbers the stand-in queries (compiled, never run) hold: positive and small, so that Django
# does not find them outside a field's range (a positive or small integer field) and drop or
# empty the condition they stand in.
_FIRST_STAND_IN = 30_011
_INT64 = (-(2**63), 2**63 - 1)
MAX_SHAPES = 64  # compiled shapes kept per query, the first compiled dropped first


class FixedQuery:
    """``FixedQuery(build)(*values, shape=...)``: the rows of ``build(*values)`` as tuples,
    each value converted as the ORM converts it (``values_list``). ``values`` are ints, text,
    aware datetimes or saved model instances (bound by primary key); ``shape`` names what
    changes the SQL itself (e.g. whether the member is a site moderator) and is passed on to
    ``build`` as a keyword."""

    def __init__(self, build: Callable[..., QuerySet], *, plan_each_run: bool = False):
        self._build = build
        # what the SQL is made of, with the shape (a key for rows kept per value: knowledge)
        self.name = f"{build.__module__}.{build.__qualname__}"
        self._compiled: dict = {}
        self._lock = threading.Lock()
        # its best plan depends on the values (a LIKE prefix): planned on each run, not prepared
        self._plan_each_run = plan_each_run

    def __call__(self, *values, shape=None, using: str = "default") -> list[tuple]:
        if _overflows(values):
            return []  # no column holds it (an id from a URL, say), so nothing matches it
        compiled = self._compiled_for(values, shape, using)
        if not compiled.sql:
            return []
        rows = prepared.rows(
            compiled.sql, compiled.bound(values, using), using, server_bound=not self._plan_each_run
        )
        converters, connection = compiled.converters, connections[using]
        if not converters:
            return rows
        return [prepared.converted(row, converters, connection) for row in rows]

    def _compiled_for(self, values: tuple, shape, using: str) -> "_Compiled":
        key = (using, shape)
        compiled = self._compiled.get(key)
        if compiled is None:
            with self._lock:
                compiled = self._compiled.get(key) or self._compile(values, shape, using)
                if len(self._compiled) >= MAX_SHAPES:  # a shape from a URL (a page number)
                    self._compiled.pop(next(iter(self._compiled)))
                self._compiled[key] = compiled
        return compiled

    def _compile(self, values: tuple, shape, using: str) -> "_Compiled":
        """The SQL, its parameters and where each value goes, from two sets of stand-ins: a
        parameter that differs between them and is no stand-in was worked out from a value."""
        first = self._with_stand_ins(values, shape, using, 0)
        second = self._with_stand_ins(values, shape, using, 1)
        bound = {position for position, _index in first.slots}
        if first.sql != second.sql or first.slots != second.slots or any(
            a != b for position, (a, b) in enumerate(zip(first.params, second.params, strict=True))
            if position not in bound
        ):  # fmt: skip
            raise ValueError("the query must use each value as given (no arithmetic on it)")
        return first

    def _with_stand_ins(self, values: tuple, shape, using: str, round_: int) -> "_Compiled":
        stand_ins = [_stand_in(value, index, round_) for index, value in enumerate(values)]
        return self._compile_queryset(self._build(*stand_ins, shape=shape), stand_ins, using)

    @staticmethod
    def _compile_queryset(queryset: QuerySet, stand_ins: list, using: str) -> "_Compiled":
        if queryset._known_related_objects:  # a related manager's: it would hand out stand-ins
            raise ValueError("build the query from the model's manager, not a related one")
        compiler = queryset.query.get_compiler(using)
        try:
            sql, params = compiler.as_sql()
        except EmptyResultSet:  # nothing, whatever the values (an empty slice, .none())
            sql, params = "", ()
        converters = compiler.get_converters([s[0] for s in compiler.select[: compiler.col_count]])
        prepared = {index: _prepared(value, using) for index, value in enumerate(stand_ins)}
        slots = tuple(
            (position, index) for position, param in enumerate(params)
            for index, value in prepared.items() if param == value
        )  # fmt: skip
        return _Compiled(sql, tuple(params), slots, converters, queryset, compiler)


class FixedQuerySet(FixedQuery):
    """A FixedQuery that answers what its queryset itself answers: model instances with their
    ``select_related`` objects, annotations and ``prefetch_related`` lists (or the values of a
    ``values()`` queryset), as a list. Only the compiling is skipped: the rows are made by
    Django's own iterable from the compiler that compiled the stand-ins' query."""

    def __call__(self, *values, shape=None, using: str = "default") -> list:
        if _overflows(values):
            return []
        compiled = self._compiled_for(values, shape, using)
        if not compiled.sql:
            return []
        answer = (compiled.sql, compiled.bound(values, using))
        compiler = copy.copy(compiled.compiler)
        connection = connections[using]
        compiler.connection = (
            connection if self._plan_each_run else prepared.server_bound(connection)
        )
        compiler.as_sql = lambda *args, **kwargs: answer
        queryset = compiled.queryset._chain()
        queryset._db = using
        queryset.query.get_compiler = lambda *args, **kwargs: compiler
        return list(queryset)


class FixedUnion(FixedQuerySet):
    """A FixedQuerySet over several querysets read in one statement: ``build`` returns them
    (each with its own order and slice), and the answer is their rows, one after the other, as
    the first one's instances. They must select the same columns in the same order: the same
    model, fields, ``select_related`` and annotation names (a ValueError otherwise)."""

    def _with_stand_ins(self, values: tuple, shape, using: str, round_: int) -> "_Compiled":
        stand_ins = [_stand_in(value, index, round_) for index, value in enumerate(values)]
        parts = [self._compile_queryset(queryset, stand_ins, using)
                 for queryset in self._build(*stand_ins, shape=shape)]  # fmt: skip
        if any(_layout(part) != _layout(parts[0]) for part in parts[1:]):
            raise ValueError("the parts of a FixedUnion must select the same columns in order")
        parts = [part for part in parts if part.sql] or parts[:1]
        sql, params, slots = [], [], []
        for part in parts:
            slots += [(len(params) + position, index) for position, index in part.slots]
            params += part.params
            sql.append(f"SELECT * FROM ({part.sql}) part")
        sql = " UNION ALL ".join(sql) if parts[0].sql else ""
        return replace(parts[0], sql=sql, params=tuple(params), slots=tuple(slots))


def _layout(compiled: "_Compiled") -> list:
    """What a compiled queryset selects: each column's field or annotation name, and type."""
    return [
        (alias or getattr(getattr(expression, "target", None), "attname", None),
         type(getattr(expression, "output_field", None)))
        for expression, _sql, alias in compiled.compiler.select
    ]  # fmt: skip


class FixedCount(FixedQuery):
    """How many rows the queryset of ``build`` holds, counted by a statement compiled once."""

    def __init__(self, build: Callable[..., QuerySet]):
        super().__init__(lambda *values, shape: build(*values, shape=shape).order_by().values("pk"))

    def __call__(self, *values, shape=None, using: str = "default") -> int:
        rows = super().__call__(*values, shape=shape, using=using)
        return rows[0][0] if rows else 0

    def _with_stand_ins(self, values: tuple, shape, using: str, round_: int) -> "_Compiled":
        compiled = super()._with_stand_ins(values, shape, using, round_)
        counted = f"SELECT COUNT(*) FROM ({compiled.sql}) counted" if compiled.sql else ""
        return replace(compiled, sql=counted, converters={})


class FixedIds(FixedQuery):
    """``FixedIds(build)(ids)``: the rows of ``build(ids)`` (e.g. ``pk__in=ids``) for any number
    of ids, compiled once for each power of two of their number: the ids are padded with 0,
    which no row's id is."""

    def __init__(self, build: Callable[[tuple], QuerySet]):
        super().__init__(lambda *ids, shape: build(ids))

    def __call__(self, ids, using: str = "default") -> list[tuple]:
        ids, size = padded(ids)
        if not ids:
            return []
        return super().__call__(*ids, shape=size, using=using)


def padded(ids) -> tuple[tuple, int]:
    """The distinct ids padded with 0 (no row's id) to the next power of two of their number,
    and that number: the values and shape of a query compiled once for each such number."""
    ids = tuple(dict.fromkeys(ids))
    size = 1 << (len(ids) - 1).bit_length() if ids else 0
    return (*ids, *(0,) * (size - len(ids))), size


class FixedPages:
    """A queryset compiled once for Django's Paginator: ``FixedPages(build)(*values, shape=...)``
    is a sequence whose count and slices (the paginator's pages) are each a statement compiled
    once, a page's rows answered as FixedQuerySet answers them. ``count``: the same rows without
    what ``build`` adds to show them (annotations and their joins), to count them cheaply."""

    def __init__(self, build: Callable[..., QuerySet], count: Callable | None = None):
        self.count = FixedCount(count or build)
        self.rows = FixedQuerySet(
            lambda *values, shape: build(*values, shape=shape[0])[shape[1] : shape[2]]
        )

    def __call__(self, *values, shape=None) -> "_Sequence":
        return _Sequence(self, values, shape)


@dataclass(frozen=True)
class _Sequence:
    pages: FixedPages
    values: tuple
    shape: object

    def count(self) -> int:
        return self.pages.count(*self.values, shape=self.shape)

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, key: slice) -> list:
        if not isinstance(key, slice) or key.step is not None:
            raise TypeError("a FixedPages sequence is read a slice at a time")
        return self.pages.rows(*self.values, shape=(self.shape, key.start, key.stop))


def as_prefetched(instance, name: str, rows: list) -> None:
    """``rows`` kept as ``instance``'s prefetched ``name`` (a many-to-many field, or a reverse
    foreign key by its related name), as ``prefetch_related`` leaves them: ``instance.<name>
    .all()`` answers them without a query. For rows from a FixedQuerySet."""
    queryset = getattr(instance, name).get_queryset()
    queryset._result_cache = list(rows)
    queryset._prefetch_done = True
    if not hasattr(instance, "_prefetched_objects_cache"):
        instance._prefetched_objects_cache = {}
    instance._prefetched_objects_cache[name] = queryset


@dataclass(frozen=True)
class _Compiled:
    sql: str
    params: tuple
    slots: tuple  # (position in params, index of the value bound there)
    converters: dict
    queryset: QuerySet
    compiler: object

    def bound(self, values: tuple, using: str) -> list:
        bound = list(self.params)
        for position, index in self.slots:
            bound[position] = _prepared(values[index], using)
        return bound


def _overflows(values: tuple) -> bool:
    return any(isinstance(value, int) and not _INT64[0] <= value <= _INT64[1] for value in values)


def _stand_in(value, index: int, round_: int):
    number = _FIRST_STAND_IN + 100 * round_ + index
    if isinstance(value, models.Model):  # its own id and, inherited (a Wagtail page), its parents'
        stand_in = copy.copy(value)
        for model in (value.__class__, *value._meta.get_parent_list()):
            setattr(stand_in, model._meta.pk.attname, number)
        return stand_in
    if isinstance(value, datetime):
        return datetime(1901, 2, 3 + round_, 4, 5, index % 60, tzinfo=UTC)
    if isinstance(value, int) and not isinstance(value, bool):
        return number
    if isinstance(value, str):  # LIKE's escapes change it, so iexact and the like are refused
        return f"fixed-query-stand-in_%\\{number}"
    raise TypeError(f"a FixedQuery binds ints, text, datetimes and model instances, not {value!r}")


def _prepared(value, using: str):
    """The value as the compiled SQL's parameters hold it."""
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, datetime):
        return connections[using].ops.adapt_datetimefield_value(value)
    return value


def index_condition(model, name: str, using: str = "default") -> RawSQL:
    """The condition of ``model``'s partial constraint ``name``, as a filter with its values
    written out, not bound: SQLite, whose plans never depend on a bound value (cityhall/sqlite),
    reads a partial index only for a statement that holds its condition as written."""
    return RawSQL(_condition_sql(model, name, using), (), output_field=BooleanField())


@functools.cache
def _condition_sql(model, name: str, using: str) -> str:
    (constraint,) = [found for found in model._meta.constraints if found.name == name]
    connection = connections[using]
    query = Query(model=model)
    sql, params = query.build_where(constraint.condition).as_sql(
        query.get_compiler(connection=connection), connection
    )
    editor = connection.SchemaEditorClass(connection)  # quotes values as migrations write them
    return sql % tuple(editor.quote_value(value) for value in params)
