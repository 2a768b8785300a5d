"""The embedded backend: the index lives in the site's own database, so it needs nothing else
installed, survives restarts and is shared by every server process. Words are tokenised in
Python (search.text) and stored pre-split: SQLite keeps them in an FTS5 table ranked by BM25,
PostgreSQL in a weighted tsvector column with a GIN index ranked by ts_rank. Beside them stand
the entry's group and organization as words of their own (_facet_words), so that a search
filtered on one asks the full-text index for its documents alone. The full-text parts are SQL
because the ORM has no words for FTS5; everything else goes through the ORM."""

import json
import zlib
from datetime import UTC, datetime, time

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from search import tokenizing
from search.documents import AUDIENCE_SLOTS, EVERYONE, Document, Hit, Page, Query
from search.models import Entry, EntryBody, IndexState, Outbox

FACETS = ("kind", "group_id", "organization_id")
# Weights of title, tags and body (and, on SQLite, of the facet words: none, so that a
# filtered search ranks its documents as the same search unfiltered does).
_SQLITE_WEIGHTS = "10.0, 4.0, 1.0, 0.0"
_PG_WEIGHTS = "'{0.1, 0.2, 0.4, 1.0}'"
_PG_LETTERS = {"title": "A", "body": "D"}  # the weights of _tsvector's fields
# An entry's id is its document's date in seconds times this, plus a slot from its key: the
# newest documents have the highest ids, so "the newest matches" is a walk down the full-text
# index's own order that stops early. (Small steps between ids keep FTS5's lists short.)
_SLOTS_PER_SECOND = 1 << 10
_LAST_SECOND = (2**63 - 1) // _SLOTS_PER_SECOND - 1
# The kind of an entry that marks a document taken out while a rebuild runs (_leave_gone).
_GONE = ""
# Words indexed beside a document's own, naming its group and organization, so that a search
# filtered on one walks that one's documents alone. Private use: no text holds them.
_FACET_MARK = "\ue000"
_FACET_WORDS = {"group_id": "g", "organization_id": "o"}


def _postgres() -> bool:
    return connection.vendor == "postgresql"


def _entry_values(generation: int, document: Document) -> dict:
    slots = document.slots()
    return {
        "generation": generation, "key": document.key, "kind": document.kind,
        "title": document.title[:300], "url": document.url[:500],
        "date": document.date, "group_id": document.group_id,
        "organization_id": document.organization_id, "solved": document.solved,
        **{f"audience_{i}": slots[i] for i in range(AUDIENCE_SLOTS)},
    }  # fmt: skip


def _date_id(document: Document) -> int:
    second = max(-_LAST_SECOND, min(_LAST_SECOND, int(document.date.timestamp())))
    return second * _SLOTS_PER_SECOND + zlib.crc32(document.key.encode()) % _SLOTS_PER_SECOND


def _free_ids(wanted: list[int]) -> list[int]:
    """Each wanted id, or the next one up that no entry (nor an earlier one here) holds."""
    ids, taken = list(wanted), set()
    clashes = range(len(ids))
    while clashes:
        taken |= set(Entry.objects.filter(id__in=[ids[i] for i in clashes])
                     .values_list("id", flat=True))  # fmt: skip
        used, clashes = set(), []
        for index, value in enumerate(ids):
            while value in taken or value in used:
                value += 1
                clashes.append(index)
            ids[index] = value
            used.add(value)
        clashes = sorted(set(clashes))
    return ids


def _insert_rows(cursor, model, rows: list[dict]) -> None:
    """Rows given as {column: value}, all with the same columns; "vector" as a tsvector."""
    columns = list(rows[0])
    marks = ", ".join("%s::tsvector" if name == "vector" else "%s" for name in columns)
    adapt = connection.ops.adapt_datetimefield_value
    cursor.executemany(
        f"INSERT INTO {model._meta.db_table} ({', '.join(columns)}) VALUES ({marks})",
        [[adapt(v) if isinstance(v, datetime) else v for v in row.values()] for row in rows],
    )


def _tsvector(fields, facet_words: list[str]) -> str:
    """A tsvector literal: each token at its position with the weight of its field; the facet
    words without a position (ts_rank is only ever asked about the query's words)."""
    parts, position = [], 0
    for weight, words in zip("ABD", fields, strict=True):
        for word in words:
            position = min(position + 1, 16383)
            parts.append(f"'{word}':{position}{weight if weight != 'D' else ''}")
    return " ".join(parts + [f"'{word}'" for word in facet_words])


def _facet_words(values: dict) -> list[str]:
    """The facet words of these facet values ({"group_id": 12, ...}; None: none)."""
    return [f"{_FACET_MARK}{letter}{values[name]}" for name, letter in _FACET_WORDS.items()
            if values.get(name) is not None]  # fmt: skip


class EmbeddedBackend:
    name = "embedded"
    # Pending changes that may hide a document are read from the outbox table in the query.
    needs_hidden_keys = False

    def health(self) -> dict:
        return {"ok": True, "backend": self.name, "documents": Entry.objects.count()}

    # --- writing -----------------------------------------------------------------------
    def write(self, documents: list[Document], deleted: list[str]) -> None:
        """Put these documents in (replacing their old entries) and take these keys out, in
        every generation being read or built."""
        keys = [d.key for d in documents] + list(deleted)
        with transaction.atomic():
            state = _state()
            generations = [g for g in (state.active, state.building) if g is not None]
            self._remove(Entry.objects.filter(generation__in=generations, key__in=keys))
            for generation in generations:
                self._insert(generation, documents)
            if state.building is not None:
                _leave_gone(state.building, set(keys) - {d.key for d in documents})

    def _remove(self, entries) -> None:
        """These entries, their bodies and their words gone, by their ids as a subquery (a
        swap removes a whole generation: 100,000 ids as parameters took seconds to bind)."""
        ids, params = entries.values("id").query.sql_with_params()
        tables = ([] if _postgres() else [("search_fts", "rowid")]) + [
            (EntryBody._meta.db_table, "id"), (Entry._meta.db_table, "id")]  # fmt: skip
        with connection.cursor() as cursor:
            for table, column in tables:  # the entries last: the others are found by them
                cursor.execute(f"DELETE FROM {table} WHERE {column} IN ({ids})", params)

    def _insert(self, generation: int, documents: list[Document], fields=None) -> None:
        if not documents:
            return
        fields = fields or [tokenizing.fields(d) for d in documents]
        # In id order: FTS5 writes out its buffer whenever a row id comes below the last one.
        ids = _free_ids([_date_id(d) for d in documents])
        order = sorted(range(len(ids)), key=ids.__getitem__)
        pairs = [(ids[i], documents[i]) for i in order]
        fields = [fields[i] for i in order]
        rows = [{"id": i, **_entry_values(generation, d)} for i, d in pairs]
        with connection.cursor() as cursor:
            # Written as SQL: Django's bulk_create spent longer preparing these rows than the
            # database took to store them (a full reindex: 25 s of 100 under a profiler).
            if _postgres():
                for row, words in zip(rows, fields, strict=True):
                    row["vector"] = _tsvector(words, _facet_words(row))
            _insert_rows(cursor, Entry, rows)
            _insert_rows(cursor, EntryBody, [{"id": i, "body": d.body} for i, d in pairs])
            if not _postgres():
                cursor.executemany(
                    "INSERT INTO search_fts (rowid, title, tags, body, facets) "
                    "VALUES (%s, %s, %s, %s, %s)",
                    [(row["id"], *(" ".join(words) for words in f),
                      " ".join(_facet_words(row)))
                     for row, f in zip(rows, fields, strict=True)],
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

    def rebuild_write(self, generation: int, documents: list[Document], fields=None) -> None:
        """``fields``: the documents' tokens (search.tokenizing), when made already. A key a
        change has written or taken out since the rebuild began (the outbox's drain writes to
        both generations) is left as the change left it: the batch may have been read before."""
        with transaction.atomic():
            present = _present(generation, [d.key for d in documents])
            kept = [i for i, document in enumerate(documents) if document.key not in present]
            self._insert(generation, [documents[i] for i in kept],
                         [fields[i] for i in kept] if fields else None)  # fmt: skip

    def rebuild_swap(self, generation: int) -> None:
        """Searches read the new generation from the commit of this transaction on."""
        with transaction.atomic():
            state = _state(lock=True)
            state.active, state.building = generation, None
            state.save(update_fields=["active", "building"])
            self._remove(Entry.objects.exclude(generation=generation))
            self._remove(Entry.objects.filter(kind=_GONE))
        with connection.cursor() as cursor:
            if _postgres():
                # The planner's statistics for the new generation now, not when autovacuum
                # comes round (100,000 entries: 0.6 s).
                cursor.execute(f"ANALYZE {Entry._meta.db_table}, {EntryBody._meta.db_table}")
            else:
                # One segment, without the old generation's deletions (100,000 entries: 1.3 s):
                # FTS5 otherwise walks the removed rows in every search until it merges them.
                cursor.execute("INSERT INTO search_fts (search_fts) VALUES ('optimize')")

    def clear(self) -> None:
        with transaction.atomic():
            self._remove(Entry.objects.all())
            IndexState.objects.all().delete()

    # --- reading -------------------------------------------------------------------------
    def search(self, query: Query) -> Page:
        """The newest matches the member may see, up to ``SEARCH_CANDIDATES`` (+1, to know
        there are more), walked down the index's own order; the page ranked (or by date) among
        them, and the facets counted over them. One statement reads the candidates once for
        the page (with the total beside each row) and, when no facet is filtered on, the
        facets too; a facet filter needs the facets counted without it (one more statement),
        and a page past the last hit the total again."""
        if not query.terms or not query.tokens:
            return Page(hits=[], total=0, facets={name: {} for name in FACETS})
        cap = settings.SEARCH_CANDIDATES
        facets_here = query.facets and not _facet_filters(query, "", leave_out=())[0]
        sql, params = _page_sql(query, cap, facets_here)
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            rows = cursor.fetchall()
            hits = [row[1:-3] for row in rows if row[0] == "hit"]
            if hits:
                total, more = rows[0][-3], bool(rows[0][-2])
            else:
                total = self._count(cursor, query, cap)
                total, more = min(total, cap), total > cap
            if facets_here:
                facets = _facet_counts((r[1], r[2]) for r in rows if r[0] == "facet")
            else:
                facets = self._facets(cursor, query, cap)
        return Page(hits=[_hit(row) for row in hits], total=total, facets=facets, more=more)

    def _count(self, cursor, query, cap) -> int:
        if query.offset == 0 and query.limit > 0:
            return 0
        candidates, params = _candidates(query, cap, ranked=False)
        cursor.execute(f"SELECT COUNT(*) FROM ({candidates}) candidate", params)
        return cursor.fetchone()[0]

    def _facets(self, cursor, query, cap) -> dict[str, dict]:
        """Each facet's counts with the other filters applied but not its own, so that a
        member can switch between its values. The candidates are read once (a materialised
        CTE) and counted three ways."""
        if not query.facets:
            return {}
        candidates, params = _candidates(query, cap, leave_out=FACETS, spare=0, ranked=False)
        counts, count_params = _facet_parts(query, "found")
        cursor.execute(f"WITH found AS MATERIALIZED ({candidates}) {counts}",
                       [*params, *count_params])  # fmt: skip
        return _facet_counts(row[1:] for row in cursor.fetchall())


def _page_sql(query: Query, cap: int, with_facets: bool) -> tuple[str, list]:
    """The page's rows, ("hit", the _COLUMNS..., title matched, body matched, total, more,
    position), ranked (or by date) among the newest ``cap`` candidates; then, ``with_facets``,
    each facet's counts over those candidates as ("facet", name, {value: count} as JSON,
    NULL..., 0).
    "more": the candidates fill the cap and an older match stands below the oldest of them."""
    by_date = query.sort == "date"  # then nothing is ranked
    candidates, params = _candidates(query, cap, spare=0, ranked=not by_date)
    # The next older match's id, as a value: PostgreSQL plans an EXISTS without its order and
    # limit, and may then scan every entry for a word with just over ``cap`` matches.
    older, older_params = _candidates(query, 0, ranked=False, columns="e.id",
                                      below="(SELECT MIN(id) FROM candidate)")  # fmt: skip
    title_sql, title_params = _matched_in(query, "title")
    body_sql, body_params = _matched_in(query, "body")
    order = "date DESC, id DESC" if by_date else "rank, date DESC, id DESC"
    again = ", ".join(f"found.{part}" for part in order.split(", "))
    rank = "0 AS rank" if by_date else "rank"
    # Ranked and counted on the narrow columns; the texts read for the page's rows alone.
    sql = (
        f"WITH candidate AS MATERIALIZED ({candidates}) "
        f"SELECT * FROM (SELECT 'hit' AS part, {_COLUMNS}, {title_sql}, {body_sql}, "
        f"(SELECT COUNT(*) FROM candidate) AS total, "
        f"CASE WHEN (SELECT COUNT(*) FROM candidate) >= %s AND ({older}) IS NOT NULL "
        f"THEN 1 ELSE 0 END AS more, ROW_NUMBER() OVER (ORDER BY {again}) AS position "
        f"FROM (SELECT id, date, {rank} FROM candidate ORDER BY {order} LIMIT %s OFFSET %s) found "
        f"JOIN {Entry._meta.db_table} e ON e.id = found.id "
        f"JOIN {EntryBody._meta.db_table} b ON b.id = found.id) hits"
    )
    params = [*params, *title_params, *body_params, cap, *older_params, query.limit, query.offset]
    if with_facets:
        counts, count_params = _facet_parts(query, "candidate", padded=True)
        sql = f"{sql} UNION ALL {counts}"
        params += count_params
    return f"{sql} ORDER BY part DESC, position", params


def _matched_in(query: Query, column: str) -> tuple[str, list]:
    """Whether any word of the query stands in a hit's ``column`` ("title" or "body"), read
    from the index's own words (search.text.tokens), for the page's rows alone: a hit found by
    its body alone needs no title read again for words to mark, nor one found by its title a
    snippet searched for."""
    words = sorted({w for term in query.terms for spelling in term.spellings for w in spelling})
    if _postgres():  # the vector's weights: the title's words are A, the body's D
        weight = _PG_LETTERS[column]
        return "e.vector @@ %s::tsquery", [" | ".join(f"'{word}':{weight}" for word in words)]
    held = " OR ".join([f"instr(' ' || f.{column} || ' ', %s) > 0"] * len(words))
    sql = f"EXISTS (SELECT 1 FROM search_fts f WHERE f.rowid = e.id AND ({held}))"
    return sql, [f" {word} " for word in words]


def _facet_parts(query: Query, source: str, padded: bool = False) -> tuple[str, list]:
    """A SELECT of ("facet", name, {value: count} as JSON) per facet over ``source``, each
    with the member's other facet filters (not its own), joined by UNION ALL; ``padded``, in
    the page's columns (NULL in the others, position 0). One row a facet, not one a value:
    a common word's facets are hundreds of values."""
    parts, params = [], []
    padding = f"{', NULL' * (_COLUMNS.count(',') + 3)}, 0" if padded else ""
    as_json = "json_object_agg(value, n)::text" if _postgres() else "json_group_object(value, n)"
    for name in FACETS:
        others, others_params = _facet_filters(query, f"{source}.", leave_out=name)
        counts = (
            f"SELECT CAST({source}.{name} AS TEXT) AS value, COUNT(*) AS n FROM {source} "
            f"WHERE {source}.{name} IS NOT NULL{others} GROUP BY {source}.{name}"
        )
        parts.append(f"SELECT 'facet', %s, (SELECT {as_json} FROM ({counts}) c){padding}")
        params += [name, *others_params]
    return " UNION ALL ".join(parts), params


def _facet_counts(rows) -> dict[str, dict]:
    """{facet: {value: count}} from (name, JSON) rows."""
    facets: dict[str, dict] = {name: {} for name in FACETS}
    for name, counts in rows:
        facets[name] = {value if name == "kind" else int(value): count
                        for value, count in json.loads(counts or "{}").items()}  # fmt: skip
    return facets


_CANDIDATE_COLUMNS = "e.id, e.date, e.kind, e.group_id, e.organization_id"


def _candidates(
    query: Query,
    cap: int,
    leave_out=(),
    spare=1,
    ranked=True,
    below: str = "",
    columns: str = _CANDIDATE_COLUMNS,
) -> tuple[str, list]:
    """The newest ``cap`` matches the member may see (and a ``spare`` one, to know there are
    more; ids are dates: see _date_id), with their facet columns and, if ``ranked``, their
    rank, as SQL and parameters; ``below``: only those whose id is below this SQL's value."""
    match_sql, match_params = _match(query, leave_out)
    where, params = _filters(query, leave_out)
    row_id = "e.id" if _postgres() else "search_fts.rowid"
    if below:
        where = f"{where} AND {row_id} < {below}"
    if not _postgres():  # bm25 is FTS5's while it walks; FTS5 walks its own order backwards
        rank = f", bm25(search_fts, {_SQLITE_WEIGHTS}) AS rank" if ranked else ""
        sql = (f"SELECT {columns}{rank} FROM {_from()} WHERE {match_sql} AND {where} "
               f"ORDER BY {row_id} DESC LIMIT %s")  # fmt: skip
        return sql, [*match_params, *params, cap + spare]
    # ts_rank reads the whole vector: only for the candidates, once they are chosen.
    sql = (f"SELECT {columns}{', e.vector' if ranked else ''} FROM {_from()} "
           f"WHERE {match_sql} AND {where} ORDER BY {row_id} DESC LIMIT %s")  # fmt: skip
    params = [*match_params, *params, cap + spare]
    if not ranked:
        return sql, params
    ranked_sql = (
        f"SELECT c.id, c.date, c.kind, c.group_id, c.organization_id, "
        f"-ts_rank({_PG_WEIGHTS}, c.vector, %s::tsquery) AS rank FROM ({sql}) c"
    )
    return ranked_sql, [_words(query), *params]


_COLUMNS = ("e.key, e.kind, e.title, b.body, e.url, e.date, e.group_id, e.organization_id, "
            "e.solved, e.id")  # fmt: skip


def _from() -> str:
    table = Entry._meta.db_table
    if _postgres():
        return f"{table} e"
    # CROSS JOIN: SQLite then reads the words first; left to choose, it walked every entry of
    # the generation and asked the full-text index about each (100,000 entries: 16 s → 50 ms).
    return f"search_fts CROSS JOIN {table} e ON e.id = search_fts.rowid"


def _match(query: Query, leave_out=()) -> tuple[str, list]:
    """The full-text condition: the query's words (_words) and the facet words of the
    member's group and organization filters (those not in ``leave_out``)."""
    chosen = {name: getattr(query, name) for name in _FACET_WORDS if name not in leave_out}
    facets = _facet_words(chosen)
    if _postgres():
        text = " & ".join([f"({_words(query)})", *(f"'{word}'" for word in facets)])
        return "e.vector @@ %s::tsquery", [text]
    text = " AND ".join([f"({_words(query)})", *(f'"{word}"' for word in facets)])
    return "search_fts MATCH %s", [text]


def _words(query: Query) -> str:
    """The query's words, as FTS5's or PostgreSQL's query text: every term (any one term when
    ``query.match`` is "any"), each by any of its spellings, each spelling by all of its words."""
    any_term = query.match == "any"
    if _postgres():
        terms = [" | ".join("(" + " & ".join(f"'{w}'" for w in spelling) + ")"
                            for spelling in term.spellings) for term in query.terms]  # fmt: skip
        return (" | " if any_term else " & ").join(f"({t})" for t in terms)
    terms = [" OR ".join("(" + " AND ".join(f'"{w}"' for w in spelling) + ")"
                         for spelling in term.spellings) for term in query.terms]  # fmt: skip
    return (" OR " if any_term else " AND ").join(f"({t})" for t in terms)


def _facet_filters(query: Query, prefix: str, leave_out) -> tuple[str, list]:
    """The member's kind, group and organization filters (those not in ``leave_out``), as
    " AND ..." conditions on the columns under ``prefix``."""
    sql, params = "", []
    if query.kinds and "kind" not in leave_out:
        sql += f" AND {prefix}kind IN ({','.join(['%s'] * len(query.kinds))})"
        params += list(query.kinds)
    for name in ("group_id", "organization_id"):
        value = getattr(query, name)
        if value is not None and name not in leave_out:
            sql += f" AND {prefix}{name} = %s"
            params.append(value)
    return sql, params


def _filters(query: Query, leave_out=()) -> tuple[str, list]:
    """The conditions besides the words, as SQL and parameters: the generation being read,
    every audience slot held by the viewer, no pending change that may hide the document, and
    the member's filters."""
    state = IndexState._meta.db_table
    where = [f"e.generation = COALESCE((SELECT MIN(active) FROM {state}), 1)"]
    params: list = []
    tokens = sorted(query.tokens)
    # PostgreSQL: the member's list as one array, where a hundred values a slot took the
    # client 2 of the statement's 4 ms to write into it (bench/pages.py's search results).
    held, listed = ("= ANY(%s)", [tokens]) if _postgres() else (
        f"IN ({','.join(['%s'] * len(tokens))})", tokens)  # fmt: skip
    # Most slots hold EVERYONE: compared first, before the member's whole list (SQLite: 0.3 ms
    # of a common word's 1,000 candidates).
    everyone = [EVERYONE] if EVERYONE in tokens else []
    for slot in range(AUDIENCE_SLOTS):
        column = f"e.audience_{slot}"
        where.append(f"({column} = %s OR {column} {held})" if everyone else f"{column} {held}")
        params += [*everyone, *listed]
    # The pending changes read once, not once a candidate.
    outbox = Outbox._meta.db_table
    where.append(f"e.key NOT IN (SELECT o.key FROM {outbox} o WHERE o.hides)")
    facets, facet_params = _facet_filters(query, "e.", leave_out)
    where.append("TRUE" + facets)
    params += facet_params
    if query.solved:
        where.append("e.solved = %s")
        params.append(True)
    # Dates as the database keeps them (SQLite: UTC text, compared as text), and as ids (ids
    # are dates: _date_id), which the full-text walk stops at rather than reading older ones.
    row_id = "e.id" if _postgres() else "search_fts.rowid"
    if query.since:
        where += ["e.date >= %s", f"{row_id} >= %s"]
        params += [_moment(query.since), _first_id(query.since)]
    if query.until:
        where += ["e.date < %s", f"{row_id} < %s"]
        params += [_moment(query.until), _first_id(query.until) + _SLOTS_PER_SECOND]
    return " AND ".join(where), params


def _first_id(value) -> int:
    """The smallest entry id a document of ``value`` (or later) can have."""
    second = max(-_LAST_SECOND, min(_LAST_SECOND, int(_aware(value).timestamp())))
    return second * _SLOTS_PER_SECOND


def _moment(value):
    """A date bound as the database compares it: SQLite stores naive UTC text, so an aware
    moment in another zone (Asia/Tokyo) compared as given would be off by hours."""
    return connection.ops.adapt_datetimefield_value(_aware(value))


def _aware(value) -> datetime:
    """A day as the moment it starts (in the site's zone); a moment as it is."""
    if isinstance(value, datetime):
        return value
    return timezone.make_aware(datetime.combine(value, time.min))


def _hit(row) -> Hit:
    key, kind, title, body, url, date, group_id, organization_id, solved = row[:9]
    title_matched, body_matched = row[10:12]
    if isinstance(date, str):
        date = parse_datetime(date)
    if timezone.is_naive(date):
        date = timezone.make_aware(date, UTC)
    return Hit(key=key, kind=kind, title=title, body=body, url=url, date=date,
               group_id=group_id, organization_id=organization_id,
               solved=bool(solved), title_matched=bool(title_matched),
               body_matched=bool(body_matched))  # fmt: skip


def _present(generation: int, keys: list[str]) -> set[str]:
    return set(Entry.objects.filter(generation=generation, key__in=keys)
               .values_list("key", flat=True))  # fmt: skip


def _leave_gone(generation: int, keys: set[str]) -> None:
    """Mark these keys as taken out of the generation being built (an entry of no kind, which
    nothing searches, gone at the swap), so that a batch of the rebuild read before they went
    does not put them back."""
    if keys:
        Entry.objects.bulk_create([Entry(generation=generation, key=key, kind=_GONE, title="",
                                         url="", date=datetime.fromtimestamp(0, UTC),
                                         **{f"audience_{i}": "" for i in range(AUDIENCE_SLOTS)})
                                   for key in sorted(keys)])  # fmt: skip


def _state(lock: bool = False) -> IndexState:
    rows = IndexState.objects.select_for_update() if lock else IndexState.objects
    state = rows.first()
    return state or IndexState.objects.create(active=1)
