"""A query's date range is a range of instants, whatever time zone its bounds are written in
(SQLite keeps dates as UTC text, so a bound in Tokyo time must be converted before comparing)."""

from datetime import UTC, datetime, timedelta, timezone

from search import text
from search.documents import EVERYONE, Document, Query

TOKYO = timezone(timedelta(hours=9))


def doc(key, when):
    return Document(key=key, kind="topic", title="公用車の予約", body="", url=f"/{key}", date=when)


def found(backend, since=None, until=None):
    query = Query(terms=tuple(text.parse("公用車")), tokens=frozenset({EVERYONE}), since=since,
                  until=until)  # fmt: skip
    return sorted(hit.key for hit in backend.search(query).hits)


def test_bounds_in_another_time_zone(backend):
    backend.write([doc("topic:1", datetime(2026, 3, 1, 14, 59, tzinfo=UTC)),  # 3/1 23:59 Tokyo
                   doc("topic:2", datetime(2026, 3, 1, 15, 0, tzinfo=UTC)),  # 3/2 00:00 Tokyo
                   doc("topic:3", datetime(2026, 3, 2, 14, 59, tzinfo=UTC))], [])  # fmt: skip
    day = datetime(2026, 3, 2, tzinfo=TOKYO)
    assert found(backend, since=day, until=day + timedelta(days=1)) == ["topic:2", "topic:3"]
    assert found(backend, until=day) == ["topic:1"]
    assert found(backend, since=day.astimezone(UTC)) == ["topic:2", "topic:3"]
