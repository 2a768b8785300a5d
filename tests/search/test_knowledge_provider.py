"""Knowledge pages in site search: found in Japanese by whoever may open them, and by nobody
else — not in results, totals or facet counts; a new restriction hides a page at once, before
the index is written again."""

import pytest
from wagtail.models import PageViewRestriction

from knowledge.models import ArticlePage, PageGroupRestriction
from search import outbox
from search.services import Filters, search
from tests.factories import MemberFactory
from tests.knowledge import conftest as knowledge
from tests.knowledge.conftest import SECRET, add_page

world = knowledge.world

pytestmark = pytest.mark.django_db


def found(member, q, **filters):
    return search(member, Filters(q=q, **filters))


def urls(results):
    return [r.hit.url for r in results.results]


def test_members_find_an_open_page_by_a_variant_spelling(world):
    outbox.drain()
    results = found(world.outsider, "経常収支比率")
    assert urls(results) == [world.open_page.url]
    assert "<mark>" in results.results[0].snippet


def test_restricted_pages_only_for_the_group(world):
    outbox.drain()
    outsider = found(world.outsider, SECRET)
    assert (outsider.results, outsider.total) == ([], 0)
    assert outsider.facets.get("kind", []) == []
    insider = found(world.insider, SECRET)
    assert sorted(urls(insider)) == sorted(
        [world.secret_page.url, world.page_in_secret_section.url]
    )
    assert insider.total == 2


def test_a_new_restriction_hides_the_page_before_the_index_catches_up(world):
    outbox.drain()
    assert urls(found(world.outsider, "経常収支比率")) == [world.open_page.url]
    PageGroupRestriction.objects.create(page=world.section, group=world.group)
    assert found(world.outsider, "経常収支比率").total == 0  # pending: left out at once
    outbox.drain()
    assert found(world.outsider, "経常収支比率").total == 0
    assert urls(found(world.insider, "経常収支比率")) == [world.open_page.url]


def test_unpublished_and_deleted_pages_leave_the_index(world):
    outbox.drain()
    world.open_page.unpublish()
    outbox.drain()
    assert found(world.outsider, "経常収支比率").total == 0
    page = add_page(world.section, ArticlePage(title="窓口の混雑対策", slug="madoguchi"))
    outbox.drain()
    assert urls(found(world.outsider, "窓口")) == [page.url]
    page.delete()
    assert found(world.outsider, "窓口").total == 0
    outbox.drain()
    assert found(world.outsider, "窓口").total == 0


def test_wagtail_privacy_setting_keeps_a_page_for_moderators(world):
    PageViewRestriction.objects.create(page=world.open_page, restriction_type="password",
                                       password="hiraku")  # fmt: skip
    outbox.drain()
    assert found(world.outsider, "経常収支比率").total == 0
    moderator = MemberFactory(is_staff=True, is_superuser=True)
    assert urls(found(moderator, "経常収支比率")) == [world.open_page.url]


def test_a_rolled_back_change_leaves_no_outbox_row(world):
    from django.db import transaction

    from search.models import Outbox

    outbox.drain()
    with pytest.raises(RuntimeError), transaction.atomic():
        PageGroupRestriction.objects.create(page=world.section, group=world.group)
        assert Outbox.objects.exists()
        raise RuntimeError
    assert not Outbox.objects.exists()
    assert outbox.hidden_keys() == ()


def test_a_committed_change_enqueues_the_drain(world, run_tasks, committing):
    outbox.drain()
    with committing():
        page = add_page(world.section, ArticlePage(title="督促状の文例集", slug="tokusoku"))
    assert run_tasks() >= 1
    assert urls(found(world.outsider, "督促状")) == [page.url]
