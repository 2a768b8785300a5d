"""The knowledge base's counts (tags, months, kinds, a listing's length) are kept per process
under the content version and the viewer's hidden pages (knowledge.tallies): a change shows at
once, a rolled-back change leaves nothing behind, and one member's counts never reach another."""

import dataclasses
import uuid
from datetime import date

import pytest
from django.db import transaction

from groups.models import Group
from knowledge import selectors
from knowledge.models import ArticlePage, KnowledgePageTag, PageGroupRestriction, TallySnapshot
from tests.factories import GroupFactory, MembershipFactory
from tests.groups.conftest import client_for
from tests.knowledge.conftest import SECRET as SECRET_WORD

pytestmark = pytest.mark.django_db


def tag_counts(member) -> dict:
    return {tag["name"]: tag["count"] for tag in selectors.home_tallies(member)[1]}


def month_total(member) -> int:
    return sum(count for _year, _month, _kind, count in selectors.home_tallies(member)[0])


def fresh(member):
    """The member as a new request sees them (the viewer is read once per request)."""
    member.__dict__.pop("_knowledge_viewer", None)
    return member


def tagged(world, slug: str, tag: str = "予算", **fields) -> ArticlePage:
    page = ArticlePage(title=f"記事 {slug}", slug=slug, date=date(2026, 4, 1), **fields)
    world.section.add_child(instance=page)
    page.tags.add(tag)
    page.save_revision().publish()
    return page


def test_a_published_page_counts_at_once(world):
    before = tag_counts(fresh(world.outsider)).get("予算", 0), month_total(world.outsider)
    tagged(world, "new")
    after = tag_counts(fresh(world.outsider)).get("予算", 0), month_total(world.outsider)
    assert after == (before[0] + 1, before[1] + 1)


def test_unpublished_and_deleted_pages_stop_counting(world):
    page = tagged(world, "gone")
    counted = month_total(fresh(world.outsider))
    page.unpublish()
    assert month_total(fresh(world.outsider)) == counted - 1
    page.save_revision().publish()
    assert month_total(fresh(world.outsider)) == counted
    page.delete()
    assert month_total(fresh(world.outsider)) == counted - 1


def test_a_new_restriction_hides_the_page_from_the_counts_at_once(world):
    page = tagged(world, "later-secret", tag="内部")
    assert tag_counts(fresh(world.outsider)).get("内部") == 1
    PageGroupRestriction.objects.create(page=page, group=world.group)
    assert "内部" not in tag_counts(fresh(world.outsider))
    assert tag_counts(fresh(world.insider))["内部"] == 1


def test_one_members_counts_never_reach_another(world):
    tagged(world, "insider-only", tag="内部")
    PageGroupRestriction.objects.create(page=ArticlePage.objects.get(slug="insider-only"),
                                        group=world.group)  # fmt: skip
    insider_total = month_total(fresh(world.insider))  # kept first, for the insider
    assert month_total(fresh(world.outsider)) == insider_total - 3  # memo, year, insider-only
    assert "内部" not in tag_counts(fresh(world.outsider))


def test_a_rolled_back_change_leaves_no_counts_behind(world):
    counted = month_total(fresh(world.outsider))
    with pytest.raises(RuntimeError), transaction.atomic():
        tagged(world, "never")
        assert month_total(fresh(world.outsider)) == counted + 1  # kept under its version
        raise RuntimeError
    assert month_total(fresh(world.outsider)) == counted
    tagged(world, "other", tag="別")  # a new version, never the rolled-back one
    assert month_total(fresh(world.outsider)) == counted + 1
    assert "予算" not in tag_counts(fresh(world.outsider))


def test_a_sections_page_count_follows_new_pages(world):
    client = client_for(world.outsider)
    first = client.get(world.section.url)
    assert first.context["pages"].paginator.count == 1  # the open page; the memo is hidden
    tagged(world, "second")
    second = client.get(world.section.url)
    assert second.context["pages"].paginator.count == 2
    assert "記事 second" in second.content.decode()


def test_a_kept_fragment_never_shows_one_members_pages_to_another(world):
    tagged(world, "insider-tagged", tag="サロン限定")
    PageGroupRestriction.objects.create(page=ArticlePage.objects.get(slug="insider-tagged"),
                                        group=world.group)  # fmt: skip
    urls = ["/knowledge/", world.section.url, world.open_page.url]
    for url in urls:  # kept first for the insider
        assert client_for(world.insider).get(url).status_code == 200
    assert "サロン限定" in client_for(world.insider).get("/knowledge/").text
    for url in urls:
        page = client_for(world.outsider).get(url).text
        assert (
            "サロン限定" not in page
            and "サロンの内部メモ" not in page
            and "記事 insider" not in page
        )


def test_kept_fragments_show_a_new_page_at_once(world):
    world.open_page.tags.add("予算")
    world.open_page.save_revision().publish()
    reader = client_for(world.outsider)
    for url in ("/knowledge/", world.section.url, world.open_page.url):
        assert "記事 fresh" not in reader.get(url).text
    tagged(world, "fresh")
    assert "記事 fresh" in reader.get("/knowledge/").text
    assert "記事 fresh" in reader.get(world.section.url).text
    assert "記事 fresh" in reader.get(world.open_page.url).text  # a related page: 予算


def test_a_kept_listing_is_kept_per_query_string_and_language(world):
    for number in range(25):
        tagged(world, f"many-{number}")
    reader = client_for(world.outsider)
    poisoned = reader.get(world.section.url + "?page=2&note=injected").text
    assert "note=injected" in poisoned  # the pager keeps the reader's own query
    assert "injected" not in reader.get(world.section.url + "?page=2").text
    reader.cookies["django_language"] = "en"
    english = reader.get("/knowledge/").text
    assert "Apr" in english or "April" in english


def test_a_kept_page_shows_its_new_text_and_its_groups_new_name_at_once(world):
    reader = client_for(world.insider)
    assert SECRET_WORD in reader.get(world.secret_page.url).text
    page = ArticlePage.objects.get(pk=world.secret_page.pk)
    page.title, page.summary = "サロンの内部メモ(改訂)", "改訂した要約"
    page.body = [("text", "改訂した本文")]
    page.save_revision().publish()
    world.group.name = "子育てサロン(新)"
    world.group.save()
    shown = reader.get(world.secret_page.url).text
    assert "サロンの内部メモ(改訂)" in shown and "改訂した本文" in shown
    assert SECRET_WORD not in shown
    assert "子育てサロン(新)" in shown  # the restriction's badge


def test_a_sections_start_here_text_shows_its_edit_at_once(world):
    reader = client_for(world.outsider)
    section = world.section.specific
    section.start_here = [("text", "最初の版")]
    section.save_revision().publish()
    assert "最初の版" in reader.get(world.section.url).text
    section.start_here = [("text", "二つ目の版")]
    section.save_revision().publish()
    shown = reader.get(world.section.url).text
    assert "二つ目の版" in shown and "最初の版" not in shown


def test_tags_come_most_used_first_then_by_name_and_months_newest_first(world):
    for slug, tag, day in (("a", "予算", date(2026, 4, 1)), ("b", "予算", date(2026, 5, 1)),
                           ("c", "決算", date(2026, 5, 2)), ("d", "決算", date(2025, 12, 1)),
                           ("e", "一般", date(2026, 4, 3))):  # fmt: skip
        page = tagged(world, slug, tag=tag)
        page.date = day
        page.save_revision().publish()
    reader = fresh(world.outsider)
    archive, tags = selectors.home_tallies(reader)
    counts = [(tag["name"], tag["count"]) for tag in tags]
    assert counts[:3] == sorted([("予算", 2), ("決算", 2)]) + [("一般", 1)]
    months = [(year, month) for year, month, _kind, _count in archive]
    assert months == sorted(months, reverse=True) and (2025, 12) in months


def test_the_counts_are_those_of_the_pages_the_member_may_list(world):
    """Nested hidden subtrees, a page hidden twice over, an unpublished page under a hidden
    section, pages under Wagtail's own privacy setting ("login": listed; "password": not), and a
    tag given twice: each member's counts are those of the pages their listing shows, no page
    counted twice."""
    from collections import Counter

    from wagtail.models import PageViewRestriction

    other = GroupFactory(slug="zaisei", name="財政係", kind=Group.Kind.CLOSED)
    nested = tagged(world, "nested", tag="内部")
    PageGroupRestriction.objects.create(page=nested, group=other)
    inner = ArticlePage(title="記事 inner", slug="inner", date=date(2025, 12, 24))
    world.secret_section.add_child(instance=inner)
    inner.tags.add("内部", "予算")
    inner.save_revision().publish()
    PageGroupRestriction.objects.create(page=inner, group=other)  # hidden inside a hidden one
    draft = ArticlePage(title="記事 draft", slug="draft", date=date(2026, 4, 1), live=False)
    world.secret_section.add_child(instance=draft)
    private = tagged(world, "private", tag="予算")
    PageViewRestriction.objects.create(page=private, restriction_type="login")
    locked = tagged(world, "locked", tag="予算")
    PageViewRestriction.objects.create(page=locked, restriction_type="password", password="x")
    twice = tagged(world, "twice", tag="予算")
    KnowledgePageTag.objects.create(content_object=twice, tag=twice.tags.get())
    KnowledgePageTag.objects.create(content_object=private, tag=private.tags.get())
    for member in (world.insider, world.outsider, MembershipFactory(group=other).member):
        fresh(member)
        pages = list(selectors.visible_pages(member))
        listed = {page.pk for page in pages}
        assert private.pk in listed and locked.pk not in listed
        months = Counter((page.date.year, page.date.month, page.kind) for page in pages)
        tags = Counter(tag.name for page in pages for tag in set(page.tags.all()))
        archive, counted = selectors.home_tallies(member)
        assert sorted(archive) == sorted((*key, count) for key, count in months.items())
        assert {tag["name"]: tag["count"] for tag in counted} == dict(tags)


def test_every_pages_counts_are_stored_at_their_version_and_serve_the_next_reader(world):
    """The home's first reader at a content version stores every page's counts; a later
    reader, with other pages hidden and nothing kept in their process, takes their own hidden
    pages away from those; a change drops them and the next reader counts the change."""
    from django.core.cache import caches

    tagged(world, "insider-only", tag="内部")
    PageGroupRestriction.objects.create(page=ArticlePage.objects.get(slug="insider-only"),
                                        group=world.group)  # fmt: skip
    insider = month_total(fresh(world.insider))
    version = selectors.viewer(world.insider).version
    assert list(TallySnapshot.objects.values_list("version", flat=True)) == [version]
    caches["fragments"].clear()
    assert month_total(fresh(world.outsider)) == insider - 3  # memo, year, insider-only
    assert "内部" not in tag_counts(fresh(world.outsider))
    tagged(world, "later")
    assert not TallySnapshot.objects.filter(version=version).exists()
    assert month_total(fresh(world.outsider)) == insider - 2


def test_counts_are_never_stored_under_a_version_they_were_not_counted_at(world):
    """A change committed between a reader's version and their count: the count is the new
    content's, so it is neither stored nor kept in the process under the old version."""
    reader = fresh(world.outsider)
    month_total(reader)
    older = dataclasses.replace(selectors.viewer(reader), version="an-older-version")
    assert sum(selectors._counts_at(older).months.values())
    assert not TallySnapshot.objects.filter(version="an-older-version").exists()
    assert selectors._COUNTS.version != "an-older-version"
    assert selectors._listing_at("an-older-version", world.section, "")
    assert selectors._LISTINGS.version != "an-older-version"
    selectors._candidates_at("an-older-version", world.open_page.pk, (0,))
    assert selectors._CANDIDATES.version != "an-older-version"
    selectors._NEWEST.get("an-older-version", "", selectors._read_newest)
    assert selectors._NEWEST.version != "an-older-version"


def test_an_empty_listing_is_read_again_and_its_first_page_shows(world, django_assert_num_queries):
    """An empty result tells no version, so it is not kept: read again, one query (as a cold
    listing was before), and never kept empty under the version of its first page."""
    from knowledge.models import SectionPage

    empty = SectionPage(title="空の分野", slug="empty")
    world.section.get_parent().add_child(instance=empty)
    empty.save_revision().publish()
    reader = fresh(world.outsider)
    assert selectors.viewer(reader).is_member
    assert selectors.section_ids(reader, empty) == []
    with django_assert_num_queries(1):
        assert selectors.section_ids(reader, empty) == []
    first = ArticlePage(title="記事 first", slug="first", date=date(2026, 4, 1))
    empty.add_child(instance=first)
    first.save_revision().publish()
    assert selectors.section_ids(fresh(reader), empty) == [first.pk]


def test_a_site_moderator_is_shown_every_page_by_each_of_them(world):
    """Counts, listings, the newest and related pages: nothing is taken away for a site
    moderator, restricted pages included (the hidden pages' filter left nothing out)."""
    moderator = fresh(world.outsider)
    moderator.is_site_moderator = True
    moderator.save()
    restricted = tagged(world, "restricted", tag="予算")
    PageGroupRestriction.objects.create(page=restricted, group=world.group)
    restricted.date = date(2030, 1, 1)
    restricted.save_revision().publish()
    assert selectors.viewer(moderator).denied_paths == ()
    assert restricted.pk in selectors.section_ids(moderator, world.section)
    assert restricted.pk in [card.pk for card in selectors.recent_cards(moderator, 3)]
    base = tagged(world, "base", tag="予算")
    assert restricted.pk in [card.pk for card in selectors.related_pages(moderator, base)]
    assert tag_counts(fresh(moderator))["予算"] == tag_counts(fresh(world.insider))["予算"]
    elsewhere = MembershipFactory(group=GroupFactory(slug="elsewhere", name="よそ")).member
    assert tag_counts(moderator)["予算"] == tag_counts(elsewhere)["予算"] + 1


def test_a_reader_with_other_hidden_pages_adds_up_the_counts_the_process_has(
    world, django_assert_num_queries
):
    """The counts of every page and of each restricted subtree are read once per process and
    content version; a reader whose hidden pages nobody had yet gets theirs without a query,
    and exactly: those of the pages their listing shows."""
    from django.core.cache import caches

    other = GroupFactory(slug="zaisei", name="財政係", kind=Group.Kind.CLOSED)
    PageGroupRestriction.objects.create(page=tagged(world, "zaisei-only", tag="内部"), group=other)
    month_total(fresh(world.insider))
    caches["fragments"].clear()
    for member in (fresh(world.outsider), fresh(MembershipFactory(group=other).member)):
        assert selectors.viewer(member).is_member  # read as every page reads it first
        with django_assert_num_queries(0):
            archive, tags = selectors.home_tallies(member)
        pages = list(selectors.visible_pages(member))
        assert sum(count for *_month, count in archive) == len(pages)
        assert ("内部" in {tag["name"] for tag in tags}) == any(
            "内部" in page.tags.names() for page in pages
        )  # fmt: skip


@pytest.mark.parametrize(("path", "after"), [
    ("000100010003", "000100010004"), ("0001000A000Z", "0001000A0010"),
    ("00010001ZZZZ", "00010002"),  # the last child: past its parent
    ("ZZZZ", "Z" * 256),  # the last of all: past any path
])  # fmt: skip
def test_a_hidden_subtree_ends_where_the_next_one_begins(path, after):
    assert selectors._after(path) == after


def test_the_restrictions_read_once_per_version_follow_every_change(world):
    page = tagged(world, "comes-and-goes")
    assert page.path not in selectors.viewer(fresh(world.outsider)).denied_paths
    restriction = PageGroupRestriction.objects.create(page=page, group=world.group)
    assert page.path in selectors.viewer(fresh(world.outsider)).denied_paths
    assert page.path not in selectors.viewer(fresh(world.insider)).denied_paths
    restriction.delete()
    assert page.path not in selectors.viewer(fresh(world.outsider)).denied_paths


def test_a_rolled_back_restriction_is_not_kept(world):
    page = tagged(world, "almost-secret")
    with pytest.raises(RuntimeError), transaction.atomic():
        PageGroupRestriction.objects.create(page=page, group=world.group)
        assert page.path in selectors.viewer(fresh(world.outsider)).denied_paths  # read
        raise RuntimeError
    assert page.path not in selectors.viewer(fresh(world.outsider)).denied_paths
    assert client_for(world.outsider).get(page.url).status_code == 200


def test_kept_rows_are_the_querysets_own_values(world):
    """tallies.rows reads a values_list as compiled for its key: the same rows as the ORM,
    converted as the ORM converts them (SQLite's text to a UUID), and none for a queryset that
    cannot match."""
    from knowledge import tallies
    from knowledge.models import KnowledgePage

    tagged(world, "kept-rows")
    version = selectors.viewer(world.insider).version
    pages = KnowledgePage.objects.order_by("pk").values_list("pk", "date", "translation_key")
    assert tallies.rows(version, pages) == list(pages)
    assert {type(key) for _pk, _day, key in tallies.rows(version, pages)} == {uuid.UUID}
    assert tallies.rows(version, pages.none()) == []


def test_a_sections_listing_is_read_once_per_version_and_each_reader_sees_their_own(
    world, django_assert_num_queries
):
    """The section's pages are read once per process and content version; each reader's
    listing leaves out the pages hidden from them, without a query, and a change shows at once.
    A section hidden from the reader lists nothing."""
    other = GroupFactory(slug="zaisei", name="財政係", kind=Group.Kind.CLOSED)
    PageGroupRestriction.objects.create(page=tagged(world, "insider-only"), group=world.group)
    PageGroupRestriction.objects.create(page=tagged(world, "zaisei-only"), group=other)
    tagged(world, "open-one")
    section = world.section

    def expected(member, kind=""):
        pages = selectors.visible_pages(member).filter(
            depth=section.depth + 1, path__startswith=section.path
        )  # fmt: skip
        return [page.pk for page in (pages.filter(kind=kind) if kind else pages)]

    selectors.section_ids(fresh(world.insider), section)
    for member in (world.insider, fresh(world.outsider)):
        assert selectors.viewer(member).is_member
        with django_assert_num_queries(0):
            listed = selectors.section_ids(member, section)
        assert listed == expected(member) and len(listed) >= 2
    insider_only = ArticlePage.objects.get(slug="insider-only").pk
    assert insider_only in selectors.section_ids(world.insider, section)
    assert insider_only not in selectors.section_ids(world.outsider, section)
    assert selectors.section_ids(world.outsider, section, "article") == expected(
        world.outsider, "article"
    )  # fmt: skip
    assert selectors.section_ids(world.outsider, world.secret_section) == []
    later = tagged(world, "later")
    assert later.pk in selectors.section_ids(fresh(world.outsider), section)


def test_related_pages_are_read_once_per_version_and_each_reader_sees_their_own(
    world, django_assert_num_queries
):
    """A page's related candidates are read once per process and content version; each
    reader gets the first five they may see (most shared tags, then newest), as cards: their
    rows and tags, two queries."""
    other = GroupFactory(slug="zaisei", name="財政係", kind=Group.Kind.CLOSED)
    base = tagged(world, "base", tag="予算")
    base.tags.add("決算")
    base.save_revision().publish()
    made = [("both-open", None), ("both-insiders", world.group), ("both-zaisei", other)]
    for slug, group in made + [(f"one-{n}", None) for n in range(5)]:
        page = tagged(world, slug, tag="予算")
        if slug.startswith("both"):
            page.tags.add("決算")
        else:  # the later made, the older: newest first is not the order of ids
            page.date = date(2026, 3, 10 - int(slug[-1]))
        page.save_revision().publish()
        if group is not None:
            PageGroupRestriction.objects.create(page=page, group=group)

    def expected(member):
        shared = {page: len({"予算", "決算"} & set(page.tags.names()))
                  for page in selectors.visible_pages(member).exclude(pk=base.pk)}  # fmt: skip
        ranked = sorted(
            (page for page, count in shared.items() if count),
            key=lambda page: (-shared[page], -page.date.toordinal(), -page.pk),
        )
        return [page.pk for page in ranked[:5]]

    selectors.related_pages(fresh(world.insider), base)
    for member in (world.insider, fresh(world.outsider)):
        assert selectors.viewer(member).is_member
        with django_assert_num_queries(2):
            related = selectors.related_pages(member, base)
        assert [page.pk for page in related] == expected(member)
        assert all(page.tags_for_card for page in related)
    slugs = {page.slug for page in selectors.related_pages(world.insider, base)}
    assert "both-insiders" in slugs and not {"both-zaisei"} & slugs
    assert "both-insiders" not in {
        page.slug for page in selectors.related_pages(world.outsider, base)
    }


def test_what_readers_share_is_kept_at_the_version_its_statement_saw_up_to_a_limit():
    from knowledge import tallies

    shared = tallies.Shared(limit=2)

    def read(value, seen):
        return lambda: (value, seen)

    assert shared.get("v1", "a", read("A", "v1")) == "A"
    assert shared.get("v1", "a", read("changed", "v1")) == "A"
    shared.get("v1", "b", read("B", "v1"))
    shared.get("v1", "c", read("C", "v1"))  # a third key: begun anew
    assert shared.get("v1", "a", read("A again", "v1")) == "A again"
    assert shared.get("v1", "c", read("changed", "v1")) == "C"
    assert shared.get("v2", "a", read("newer", "v3")) == "newer"  # not kept, nor under v2
    assert shared.version == "v1"
    assert shared.get("", "a", read("empty", "")) == "empty" and shared.version == "v1"
    assert shared.get("v2", "a", read("v2's", "v2")) == "v2's" and shared.version == "v2"
    assert shared.get("v2", "c", read("C at v2", "v2")) == "C at v2"


@pytest.mark.parametrize("kept", [200, 3])
def test_the_newest_pages_are_read_once_per_version_and_each_reader_sees_their_own(
    world, kept, monkeypatch, django_assert_num_queries
):
    """The newest pages are read once per process and content version; each reader gets the
    newest they may see, as cards, in two queries. When a reader may see too few of those kept
    (here, 3 kept, 2 of them hidden), theirs are read for them alone, in two queries too."""
    monkeypatch.setattr(selectors, "RECENT_KEPT", kept)
    other = GroupFactory(slug="zaisei", name="財政係", kind=Group.Kind.CLOSED)
    for number in range(6):
        page = tagged(world, f"new-{number}")
        page.date = date(2030, 1, 1 + number)
        page.save_revision().publish()
        if number % 2:
            PageGroupRestriction.objects.create(page=page, group=other)
    selectors.recent_cards(fresh(world.insider), 4)
    for member in (world.insider, fresh(world.outsider)):
        assert selectors.viewer(member).is_member
        with django_assert_num_queries(2):
            recent = selectors.recent_cards(member, 4)
        assert [card.pk for card in recent] == [
            page.pk for page in selectors.visible_pages(member)[:4]
        ]  # fmt: skip
        assert [card.slug for card in recent[:2]] == ["new-4", "new-2"]


def test_the_policies_filter_many_rows_as_they_judge_one_path(world):
    """visible_rows and visible_children keep exactly the rows can_view_path keeps."""
    from django.contrib.auth.models import AnonymousUser

    from knowledge import policies

    hidden_child = tagged(world, "hidden-child")
    PageGroupRestriction.objects.create(page=hidden_child, group=world.group)
    seen = selectors.viewer(fresh(world.outsider))
    section, secret = world.section.path, world.secret_section.path
    rows = [(1, section + "0001"), (2, hidden_child.path), (3, hidden_child.path + "0001"),
            (4, secret), (5, secret + "0001"), (6, section)]  # fmt: skip
    expected = [row for row in rows if policies.can_view_path(seen, row[1])]
    assert [pk for pk, _path in policies.visible_rows(seen, rows)] == [1, 6] == [
        pk for pk, _path in expected
    ]  # fmt: skip
    children = [
        row for row in rows if row[1].startswith(section) and len(row[1]) == len(section) + 4
    ]
    assert policies.visible_children(seen, section, children) == [(1, section + "0001")]
    assert policies.visible_children(seen, secret, [(5, secret + "0001")]) == []
    assert list(policies.visible_rows(policies.Viewer(AnonymousUser()), rows)) == []
