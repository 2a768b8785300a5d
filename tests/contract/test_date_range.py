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


def test_bounds_to_the_microsecond_whatever_the_index_keeps_in_its_ids(backend):
    since = datetime(2026, 3, 2, 0, 0, tzinfo=TOKYO)
    until = since + timedelta(days=1)
    tick = timedelta(microseconds=1)
    backend.write([doc("topic:1", since - tick), doc("topic:2", since),
                   doc("topic:3", since + timedelta(milliseconds=500)),
                   doc("topic:4", until - tick), doc("topic:5", until),
                   doc("topic:6", until + timedelta(seconds=1))], [])  # fmt: skip
    assert found(backend, since=since, until=until) == ["topic:2", "topic:3", "topic:4"]
    assert found(backend, since=since + tick) == ["topic:3", "topic:4", "topic:5", "topic:6"]
    assert found(backend, until=since + tick) == ["topic:1", "topic:2"]
