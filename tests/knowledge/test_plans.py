"""SQLite answers the knowledge listings from indexes, not by reading and sorting every page:
its planner has statistics (cityhall.statistics, after migrate and imports), and the live filter
is written so that it can use them (knowledge.selectors.live)."""

import pytest
from django.db import connection

from cityhall import statistics
from knowledge import selectors
from tests.knowledge.test_tallies import tagged

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's planner"),
]


def plan(queryset) -> str:
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN QUERY PLAN " + sql, params)
        return "\n".join(row[3] for row in cursor.fetchall())


@pytest.fixture
def analysed(world):
    for number in range(30):
        tagged(world, f"p{number}")
    statistics.refresh()
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM sqlite_stat1 WHERE tbl = 'wagtailcore_page'")
        assert cursor.fetchone()[0] > 0
    return world


@pytest.mark.parametrize("statistics_kept", [True, False])
def test_the_newest_pages_are_read_off_the_date_index(analysed, statistics_kept):
    if not statistics_kept:
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM sqlite_stat1")
            cursor.execute("ANALYZE sqlite_schema")  # the planner forgets what it had read
    newest = plan(selectors.visible_pages(analysed.outsider)[:10])
    assert "knowledge_knowledgepage_date" in newest
    assert "TEMP B-TREE" not in newest


def test_a_sections_pages_are_found_by_path_range_and_sections_lead_their_query(analysed):
    listing = plan(selectors.section_rows(analysed.section))
    assert "path>? AND path<?" in listing or "knowledge_knowledgepage_date" in listing
    assert plan(selectors.visible_sections(analysed.outsider)).startswith(
        "SCAN knowledge_sectionpage"
    )


def test_a_sections_listing_reads_indexes_alone(analysed):
    """The ids of a section's pages in date order, read off indexes without a page's row
    (migration 0008: knowledge_page_listing and knowledge_page_dated)."""
    listing = plan(selectors.section_rows(analysed.section))
    assert "COVERING INDEX knowledge_page_listing" in listing
    assert "COVERING INDEX knowledge_page_dated" in listing
