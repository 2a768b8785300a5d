"""Each entry's group and organization also stand in its full-text index as words of their own
(search.backends.embedded._facet_words), so that a search filtered on one walks that one's
documents alone. Entries already indexed get them here; nothing needs reindexing."""

from django.db import migrations

MARK = "\ue000"  # search.backends.embedded._FACET_MARK, as it was when this was written
_CREATE = ("CREATE VIRTUAL TABLE {name} USING fts5({columns}, "
           "tokenize = 'unicode61 remove_diacritics 0')")  # fmt: skip
_WORDS = {"group_id": "g", "organization_id": "o"}


def _sqlite_words() -> str:
    """The facet words of search_entry e, as SQL (a word per facet that has a value)."""
    parts = [f"CASE WHEN e.{name} IS NULL THEN '' ELSE ' {MARK}{letter}' || e.{name} END"
             for name, letter in _WORDS.items()]  # fmt: skip
    return f"ltrim({' || '.join(parts)})"


def _postgres_words() -> str:
    parts = [f"CASE WHEN {name} IS NULL THEN NULL ELSE '{MARK}{letter}' || {name} END"
             for name, letter in _WORDS.items()]  # fmt: skip
    return f"array_remove(ARRAY[{', '.join(parts)}], NULL)"


def _rebuild_sqlite(cursor, columns: str, select: str) -> None:
    cursor.execute(_CREATE.format(name="search_fts_new", columns=columns))
    cursor.execute(f"INSERT INTO search_fts_new (rowid, {columns}) {select}")
    cursor.execute("DROP TABLE search_fts")
    cursor.execute("ALTER TABLE search_fts_new RENAME TO search_fts")
    cursor.execute("INSERT INTO search_fts (search_fts) VALUES ('optimize')")


def _update_postgres(cursor, vector: str) -> None:
    """Each entry with a facet: its vector as the SQL ``vector`` makes of it and the words."""
    cursor.execute(
        f"UPDATE search_entry SET vector = {vector.format(words=_postgres_words())} "
        "WHERE vector IS NOT NULL AND (group_id IS NOT NULL OR organization_id IS NOT NULL)"
    )


def add_words(apps, schema_editor):
    with schema_editor.connection.cursor() as cursor:
        if schema_editor.connection.vendor == "postgresql":
            return _update_postgres(cursor, "vector || array_to_tsvector({words})")
        _rebuild_sqlite(
            cursor, "title, tags, body, facets",
            f"SELECT f.rowid, f.title, f.tags, f.body, COALESCE({_sqlite_words()}, '') "
            "FROM search_fts f LEFT JOIN search_entry e ON e.id = f.rowid ORDER BY f.rowid",
        )  # fmt: skip


def remove_words(apps, schema_editor):
    with schema_editor.connection.cursor() as cursor:
        if schema_editor.connection.vendor == "postgresql":
            return _update_postgres(cursor, "ts_delete(vector, {words})")
        _rebuild_sqlite(cursor, "title, tags, body",
                        "SELECT rowid, title, tags, body FROM search_fts ORDER BY rowid")


class Migration(migrations.Migration):
    dependencies = [("search", "0003_entry_body_apart")]

    operations = [migrations.RunPython(add_words, remove_words)]
