"""The embedded backend: the index lives in the site's own database, so it needs nothing else
installed, survives restarts and is shared by every server process. Words are tokenised in
Python (search.text) and stored pre-split: SQLite keeps them in an FTS5 table ranked by BM25,
PostgreSQL in a weighted tsvector column with a GIN index ranked by ts_rank. The full-text parts
are SQL because the ORM has no words for FTS5; everything else goes through the ORM."""

from datetime import UTC, datetime, time

from django.db import connection, transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from search import text
from search.documents import AUDIENCE_SLOTS, Document, Hit, Page, Query
from search.models import Entry, IndexState, Outbox

FACETS = ("kind", "group_id", "organization_id")
# Weights of title, tags and body.
_SQLITE_WEIGHTS = "10.0, 4.0, 1.0"
_PG_WEIGHTS = "'{0.1, 0.2, 0.4, 1.0}'"


def _postgres() -> bool:
    return connection.vendor == "postgresql"


def _entry_values(generation: int, document: Document) -> dict:
    slots = document.slots()
    return {
        "generation": generation, "key": document.key, "kind": document.kind,
        "title": document.title[:300], "body": document.body, "url": document.url[:500],
        "date": document.date, "group_id": document.group_id,
        "organization_id": document.organization_id, "solved": document.solved,
        **{f"audience_{i}": slots[i] for i in range(AUDIENCE_SLOTS)},
    }  # fmt: skip


def _fields(document: Document) -> tuple[list[str], list[str], list[str]]:
    return (text.tokens(document.title), text.tokens(" ".join(document.tags)),
            text.tokens(document.body))  # fmt: skip


def _tsvector(fields) -> str:
    """A tsvector literal: each token at its position with the weight of its field."""
    parts, position = [], 0
    for weight, words in zip("ABD", fields, strict=True):
        for word in words:
            position = min(position + 1, 16383)
            parts.append(f"'{word}':{position}{weight if weight != 'D' else ''}")
    return " ".join(parts)


class EmbeddedBackend:
    name = "embedded"
    # Pending changes that may hide a document are read from the outbox table in the query.
    needs_hidden_keys = False

    def health(self) -> dict:
        return {"ok": True, "backend": self.name, "documents": Entry.objects.count()}

    # --- writing -----------------------------------------------------------------------
    def _generations(self) -> list[int]:
        state = _state()
        return [g for g in (state.active, state.building) if g is not None]

    def write(self, documents: list[Document], deleted: list[str]) -> None:
        """Put these documents in (replacing their old entries) and take these keys out, in
        every generation being read or built."""
        keys = [d.key for d in documents] + list(deleted)
        with transaction.atomic():
            generations = self._generations()
            self._remove(Entry.objects.filter(generation__in=generations, key__in=keys))
            for generation in generations:
                self._insert(generation, documents)

    def _remove(self, entries) -> None:
        ids = list(entries.values_list("id", flat=True))
        if not ids:
            return
        if not _postgres():
            with connection.cursor() as cursor:
                marks = ",".join(["%s"] * len(ids))
                cursor.execute(f"DELETE FROM search_fts WHERE rowid IN ({marks})", ids)
        Entry.objects.filter(id__in=ids).delete()

    def _insert(self, generation: int, documents: list[Document]) -> None:
        if not documents:
            return
        entries = Entry.objects.bulk_create(
            [Entry(**_entry_values(generation, d)) for d in documents]
        )
        fields = [_fields(d) for d in documents]
        with connection.cursor() as cursor:
            if _postgres():
                cursor.executemany(
                    f"UPDATE {Entry._meta.db_table} SET vector = %s::tsvector WHERE id = %s",
                    [(_tsvector(f), e.id) for e, f in zip(entries, fields, strict=True)],
                )
            else:
                cursor.executemany(
                    "INSERT INTO search_fts (rowid, title, tags, body) VALUES (%s, %s, %s, %s)",
                    [(e.id, *(" ".join(words) for words in f))
                     for e, f in zip(entries, fields, strict=True)],
                )  # fmt: skip

    # --- rebuilding ----------------------------------------------------------------------
    def rebuild_start(self) -> int:
        """A new, empty generation that changes are written to from now on as well."""
        with transaction.atomic():
            state = _state(lock=True)
            generation = max(state.active, state.building or 0) + 1
            self._remove(Entry.objects.filter(generation=generation))
            state.building = generation
            state.save(update_fields=["building"])
        return generation

    def rebuild_write(self, generation: int, documents: list[Document]) -> None:
        with transaction.atomic():
            keys = [d.key for d in documents]
            self._remove(Entry.objects.filter(generation=generation, key__in=keys))
            self._insert(generation, documents)

    def rebuild_swap(self, generation: int) -> None:
        """Searches read the new generation from the commit of this transaction on."""
        with transaction.atomic():
            state = _state(lock=True)
            state.active, state.building = generation, None
            state.save(update_fields=["active", "building"])
            self._remove(Entry.objects.exclude(generation=generation))

    def clear(self) -> None:
        with transaction.atomic():
            self._remove(Entry.objects.all())
            IndexState.objects.all().delete()

    # --- reading -------------------------------------------------------------------------
    def search(self, query: Query) -> Page:
        """Three queries: the page of hits with the total beside each row, the facet counts
        (one UNION ALL), and the total again only for a page past the last hit."""
        if not query.terms or not query.tokens:
            return Page(hits=[], total=0, facets={name: {} for name in FACETS})
        match_sql, match_params = _match(query)
        where, params = _filters(query)
        order = "date DESC, id DESC" if query.sort == "date" else "rank, date DESC"
        sql = (f"SELECT *, COUNT(*) OVER () FROM (SELECT {_COLUMNS}, {_rank()} AS rank "
               f"FROM {_from()} WHERE {match_sql} AND {where}) found "
               f"ORDER BY {order} LIMIT %s OFFSET %s")  # fmt: skip
        rank_params = match_params if _postgres() else []
        with connection.cursor() as cursor:
            cursor.execute(sql, [*rank_params, *match_params, *params, query.limit, query.offset])
            rows = cursor.fetchall()
            total = rows[0][-1] if rows else self._count(cursor, query, match_sql, match_params)
            facets = self._facets(cursor, query, match_sql, match_params)
        return Page(hits=[_hit(row) for row in rows], total=total, facets=facets)

    def _count(self, cursor, query, match_sql, match_params) -> int:
        if query.offset == 0:
            return 0
        where, params = _filters(query)
        cursor.execute(f"SELECT COUNT(*) FROM {_from()} WHERE {match_sql} AND {where}",
                       [*match_params, *params])  # fmt: skip
        return cursor.fetchone()[0]

    def _facets(self, cursor, query, match_sql, match_params) -> dict[str, dict]:
        """Each facet's counts with the other filters applied but not its own, so that a
        member can switch between its values."""
        if not query.facets:
            return {}
        parts, all_params = [], []
        for name in FACETS:
            where, params = _filters(query, leave_out=name)
            parts.append(f"SELECT %s, CAST(e.{name} AS TEXT), COUNT(*) FROM {_from()} "
                         f"WHERE {match_sql} AND {where} AND e.{name} IS NOT NULL "
                         f"GROUP BY e.{name}")  # fmt: skip
            all_params += [name, *match_params, *params]
        cursor.execute(" UNION ALL ".join(parts), all_params)
        facets: dict[str, dict] = {name: {} for name in FACETS}
        for name, value, count in cursor.fetchall():
            facets[name][value if name == "kind" else int(value)] = count
        return facets


_COLUMNS = ("e.key, e.kind, e.title, e.body, e.url, e.date, e.group_id, e.organization_id, "
            "e.solved, e.id")  # fmt: skip


def _from() -> str:
    table = Entry._meta.db_table
    if _postgres():
        return f"{table} e"
    return f"search_fts JOIN {table} e ON e.id = search_fts.rowid"


def _rank() -> str:
    if _postgres():
        return f"-ts_rank({_PG_WEIGHTS}, e.vector, %s::tsquery)"
    return f"bm25(search_fts, {_SQLITE_WEIGHTS})"


def _match(query: Query) -> tuple[str, list]:
    """The full-text condition: every term (any one term when ``query.match`` is "any"), each
    by any of its spellings, each spelling by all of its words."""
    any_term = query.match == "any"
    if _postgres():
        terms = [" | ".join("(" + " & ".join(f"'{w}'" for w in spelling) + ")"
                            for spelling in term.spellings) for term in query.terms]  # fmt: skip
        joiner = " | " if any_term else " & "
        return "e.vector @@ %s::tsquery", [joiner.join(f"({t})" for t in terms)]
    terms = [" OR ".join("(" + " AND ".join(f'"{w}"' for w in spelling) + ")"
                         for spelling in term.spellings) for term in query.terms]  # fmt: skip
    joiner = " OR " if any_term else " AND "
    return "search_fts MATCH %s", [joiner.join(f"({t})" for t in terms)]


def _filters(query: Query, leave_out: str = "") -> tuple[str, list]:
    """The conditions besides the words, as SQL and parameters: the generation being read,
    every audience slot held by the viewer, no pending change that may hide the document, and
    the member's filters."""
    state = IndexState._meta.db_table
    where = [f"e.generation = COALESCE((SELECT MIN(active) FROM {state}), 1)"]
    params: list = []
    tokens = sorted(query.tokens)
    marks = ",".join(["%s"] * len(tokens))
    for slot in range(AUDIENCE_SLOTS):
        where.append(f"e.audience_{slot} IN ({marks})")
        params += tokens
    outbox = Outbox._meta.db_table
    where.append(f"NOT EXISTS (SELECT 1 FROM {outbox} o WHERE o.key = e.key AND o.hides)")
    if query.kinds and leave_out != "kind":
        where.append(f"e.kind IN ({','.join(['%s'] * len(query.kinds))})")
        params += list(query.kinds)
    for name in ("group_id", "organization_id"):
        value = getattr(query, name)
        if value is not None and leave_out != name:
            where.append(f"e.{name} = %s")
            params.append(value)
    if query.solved:
        where.append("e.solved = %s")
        params.append(True)
    if query.since:  # as the database keeps dates (SQLite: UTC text, compared as text)
        where.append("e.date >= %s")
        params.append(_moment(query.since))
    if query.until:
        where.append("e.date < %s")
        params.append(_moment(query.until))
    return " AND ".join(where), params


def _moment(value):
    """A date bound as the database compares it: SQLite stores naive UTC text, so an aware
    moment in another zone (Asia/Tokyo) compared as given would be off by hours."""
    if not isinstance(value, datetime):
        value = timezone.make_aware(datetime.combine(value, time.min))
    return connection.ops.adapt_datetimefield_value(value)


def _hit(row) -> Hit:
    key, kind, title, body, url, date, group_id, organization_id, solved = row[:9]
    if isinstance(date, str):
        date = parse_datetime(date)
    if timezone.is_naive(date):
        date = timezone.make_aware(date, UTC)
    return Hit(key=key, kind=kind, title=title, body=body, url=url, date=date,
               group_id=group_id, organization_id=organization_id,
               solved=bool(solved))  # fmt: skip


def _state(lock: bool = False) -> IndexState:
    rows = IndexState.objects.select_for_update() if lock else IndexState.objects
    state = rows.first()
    return state or IndexState.objects.create(active=1)
