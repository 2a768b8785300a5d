"""The query planner's table statistics. SQLite gathers none by itself, and without them it
guesses join orders badly at 10,000 pages: it walks every page for the few section rows, or sorts
every page instead of reading a date index (bench/pages.py). ANALYZE takes about 30 ms on such a
database; it runs after migrate (every start and deploy) and after a bulk import. PostgreSQL's
autovacuum keeps its own statistics."""

from django.db import connections


def refresh(using: str = "default", **kwargs) -> None:
    connection = connections[using]
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
