"""A search filtered on a group or an organization asks the full-text index for that one's
documents (the embedded backend indexes them as words of their own), so it walks only those:
what it finds, counts and offers as facets is as if the filter were applied to every match."""

import importlib
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.db import connection

from members.models import Organization
from search.backends import embedded, get_backend
from search.models import Entry
from search.services import Filters, search
from tests.search.conftest import document, facet, found

pytestmark = pytest.mark.django_db

migration = importlib.import_module("search.migrations.0004_facet_words")


@pytest.fixture
def two_groups_two_cities(world, index):
    kobe = Organization.objects.create(name="神戸市", kind="city")
    sendai = Organization.objects.create(name="仙台市", kind="city")
    index(
        document("topic:1", "窓口の案内", group=world.open_group, organization_id=kobe.pk),
        document("topic:2", "窓口の混雑", group=world.open_group, organization_id=sendai.pk),
        document("topic:3", "窓口の予約", group=world.closed_group, organization_id=kobe.pk),
        document("page:4", "窓口の手引き", organization_id=sendai.pk, day=2),
    )
    return SimpleNamespace(kobe=kobe, sendai=sendai)


def test_a_group_filter_finds_that_groups_documents_and_counts_the_others(
    world, two_groups_two_cities
):
    results = search(world.member, Filters(q="窓口", group_id=world.open_group.pk))
    assert sorted(r.hit.key for r in results.results) == ["topic:1", "topic:2"]
    assert facet(results, "group_id") == {world.open_group.pk: 2, world.closed_group.pk: 1}
    assert facet(results, "organization_id") == {two_groups_two_cities.kobe.pk: 1,
                                                 two_groups_two_cities.sendai.pk: 1}  # fmt: skip


def test_an_organization_filter_with_a_group_filter_needs_both(world, two_groups_two_cities):
    kobe = two_groups_two_cities.kobe.pk
    assert sorted(found(world.member, "窓口", organization_id=kobe)) == ["topic:1", "topic:3"]
    both = found(world.member, "窓口", organization_id=kobe, group_id=world.closed_group.pk)
    assert both == ["topic:3"]
    # The closed group's documents stay the closed group's members' alone.
    assert found(world.outsider, "窓口", group_id=world.closed_group.pk) == []


def test_a_document_whose_words_hold_a_facet_word_is_not_taken_for_that_groups(world, index):
    """The facet word only narrows the walk: the entry's own group decides."""
    index(document("topic:2", "窓口の相談", group=world.open_group))
    word = embedded._facet_words({"group_id": world.open_group.pk})[0]
    stray = document("page:1", "窓口の案内")
    get_backend()._insert(embedded._state().active, [stray], [(["窓口"], [], [word])])
    assert sorted(found(world.outsider, "窓口")) == ["page:1", "topic:2"]
    assert found(world.outsider, "窓口", group_id=world.open_group.pk) == ["topic:2"]


def test_a_document_moved_to_another_group_is_found_under_its_new_group(world, index):
    index(document("topic:1", "窓口の案内", group=world.open_group))
    index(document("topic:1", "窓口の案内", group=world.closed_group))
    assert found(world.member, "窓口", group_id=world.open_group.pk) == []
    assert found(world.member, "窓口", group_id=world.closed_group.pk) == ["topic:1"]


def test_the_migration_gives_entries_indexed_before_it_their_facet_words(
    world, two_groups_two_cities
):
    schema_editor = SimpleNamespace(connection=connection)
    migration.remove_words(apps, schema_editor)
    assert found(world.member, "窓口", group_id=world.open_group.pk) == []
    migration.add_words(apps, schema_editor)
    assert sorted(found(world.member, "窓口", group_id=world.open_group.pk)) == [
        "topic:1", "topic:2"]  # fmt: skip
    assert found(world.member, "窓口", organization_id=two_groups_two_cities.sendai.pk,
                 kinds=("page",)) == ["page:4"]  # fmt: skip
    assert Entry.objects.count() == 4


def test_a_filtered_search_ranks_its_documents_as_the_unfiltered_search_does(world, index):
    """The facet word is matched, never weighed: a short document does not climb for it."""
    long_body = "。".join(["予算の説明"] * 8)
    index(document("topic:1", "窓口", long_body, group=world.open_group, day=2),
          document("topic:2", "相談", "窓口の話", group=world.open_group, day=3),
          *(document(f"page:{n}", "別の話", "ほかの言葉", day=4)
            for n in range(3, 30)))  # fmt: skip
    everything = found(world.outsider, "窓口")
    assert everything == ["topic:1", "topic:2"]  # the title outweighs the short body
    assert found(world.outsider, "窓口", group_id=world.open_group.pk) == everything
