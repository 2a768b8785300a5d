"""A word found in more documents than the embedded backend weighs (settings.SEARCH_CANDIDATES):
the newest ones it may show are ranked, counted and faceted, and the member reads "N 件以上".
Entry ids are the documents' dates, which is what makes "the newest" a cheap walk."""

import importlib
import json
from datetime import UTC, datetime
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.db import connection

from search.backends import embedded
from search.models import Entry
from search.services import Filters, search
from tests.search.conftest import document, facet, found

pytestmark = pytest.mark.django_db

renumber = importlib.import_module("search.migrations.0002_entry_ids_are_dates").renumber


@pytest.fixture
def capped(settings):
    settings.SEARCH_CANDIDATES = 3


@pytest.fixture
def five_open_and_two_closed(world, index):
    """窓口 in five open documents (days 1–5, the best match the oldest) and in the two newest,
    of the closed group."""
    index(
        document("topic:1", "窓口 窓口 窓口の案内", "窓口 窓口", group=world.open_group, day=1),
        *(document(f"topic:{day}", f"記録 {day}", "窓口の話", group=world.open_group, day=day)
          for day in range(2, 5)),
        document("page:5", "記事", "窓口の話", day=5),
        document("topic:6", "非公開 6", "窓口の話", group=world.closed_group, day=6),
        document("topic:7", "非公開 7", "窓口の話", group=world.closed_group, day=7),
    )  # fmt: skip


def test_over_the_cap_the_newest_visible_are_weighed_and_the_total_is_a_floor(
    capped, world, five_open_and_two_closed
):
    results = search(world.outsider, Filters(q="窓口"))
    assert results.total == 3 and results.more
    assert [r.hit.key for r in results.results] == ["page:5", "topic:4", "topic:3"]
    assert facet(results, "kind") == {"topic": 2, "page": 1}
    # The closed group's newer documents take no place among an outsider's candidates.
    member = search(world.member, Filters(q="窓口", sort="date"))
    assert [r.hit.key for r in member.results] == ["topic:7", "topic:6", "page:5"]


def test_under_the_cap_everything_is_counted_and_the_best_ranks_first(
    world, five_open_and_two_closed
):
    results = search(world.outsider, Filters(q="窓口"))
    assert results.total == 5 and not results.more
    assert found(world.outsider, "窓口")[0] == "topic:1"
    assert facet(results, "kind") == {"topic": 4, "page": 1}


def test_the_page_and_json_say_at_least(capped, client, world, five_open_and_two_closed):
    client.force_login(world.outsider)
    page = client.get("/search/", {"q": "窓口"}).content.decode()
    assert "「窓口」の検索結果 3 件以上" in page
    assert "新しい 3 件を関連度の順に並べています" in page
    by_date = client.get("/search/", {"q": "窓口", "sort": "date"}).content.decode()
    assert "絞り込みの件数は新しい 3 件の内訳です" in by_date
    data = json.loads(client.get("/search/", {"q": "窓口", "format": "json"}).content)
    assert (data["total"], data["more"], data["pages"]) == (3, True, 1)
    suggest = json.loads(client.get("/search/suggest", {"q": "窓口"}).content)
    assert (suggest["total"], suggest["more"]) == (3, True)
    exact = json.loads(client.get("/search/", {"q": "窓口の案内", "format": "json"}).content)
    assert exact["more"] is False


def test_entry_ids_follow_the_documents_dates(world, index):
    index(document("page:1", "古い", day=1), document("page:2", "新しい", day=9),
          document("page:3", "同じ日", day=9))  # fmt: skip
    ids = dict(Entry.objects.values_list("key", "id"))
    assert ids["page:1"] < min(ids["page:2"], ids["page:3"])
    assert ids["page:2"] != ids["page:3"]
    index(document("page:1", "古いまま書き直し", day=1))
    assert Entry.objects.get(key="page:1").id == ids["page:1"]


def test_a_wanted_id_already_held_goes_to_the_next_free_one(world, index):
    index(document("page:1", "先客"))
    held = Entry.objects.get().id
    assert embedded._free_ids([held, held, held + 1, 7]) == [held + 1, held + 2, held + 3, 7]


def test_the_migration_renumbers_old_entries_and_their_words(world, index):
    index(document("page:1", "雨漏りの修繕", day=2), document("page:2", "窓口", day=1))
    old = {"page:1": 1, "page:2": 2}
    with connection.cursor() as cursor:
        for key, small in old.items():
            entry_id = Entry.objects.get(key=key).id
            cursor.execute("UPDATE search_entry SET id = %s WHERE id = %s", [small, entry_id])
            if connection.vendor == "sqlite":
                cursor.execute("UPDATE search_fts SET rowid = %s WHERE rowid = %s",
                               [small, entry_id])  # fmt: skip
    renumber(apps, SimpleNamespace(connection=connection))
    ids = dict(Entry.objects.values_list("key", "id"))
    assert ids["page:1"] > ids["page:2"] > 2
    assert found(world.outsider, "雨漏り") == ["page:1"]
    expected = embedded._date_id(document("page:1", "", day=2))
    assert ids["page:1"] == expected
    assert datetime(2026, 3, 2, 1, 30, tzinfo=UTC).timestamp() == expected >> 10


def test_the_spare_candidate_is_counted_but_never_shown(capped, world, index):
    """The fourth newest ranks best, but only the newest three are weighed."""
    index(*(document(f"page:{day}", "記録", "窓口の話", day=day) for day in range(2, 5)),
          document("page:1", "窓口 窓口 窓口", "窓口 窓口 窓口", day=1))  # fmt: skip
    results = search(world.outsider, Filters(q="窓口"))
    assert sorted(r.hit.key for r in results.results) == ["page:2", "page:3", "page:4"]
    assert (results.total, results.more) == (3, True)


def test_exactly_as_many_as_the_cap_is_not_more_nor_is_an_older_one_kept_from_the_member(
    capped, world, index
):
    index(*(document(f"page:{day}", "記録", "窓口の話", day=day) for day in range(2, 5)),
          document("topic:1", "非公開", "窓口の話", group=world.closed_group, day=1))  # fmt: skip
    outsider = search(world.outsider, Filters(q="窓口"))
    assert (outsider.total, outsider.more) == (3, False)
    member = search(world.member, Filters(q="窓口"))
    assert (member.total, member.more) == (3, True)
