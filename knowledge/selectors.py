"""Every read of the knowledge base for a viewer: querysets that already leave out what the
viewer may not see (knowledge.policies) and already load what the templates need."""

import json
from collections import Counter
from itertools import islice
from typing import NamedTuple

from django.db import connection
from django.db.models import CharField, Count, Func, IntegerField, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce, Left
from taggit.models import Tag
from wagtail.models import Page, PageViewRestriction

from cityhall import prepared
from cityhall.compiled import FixedIds, FixedQuery, FixedQuerySet, padded
from cityhall.policies import is_site_moderator, is_verified_member
from groups.models import Group, Membership
from knowledge import policies, services, tallies
from knowledge.models import (
    ContentVersion,
    KnowledgePage,
    KnowledgePageTag,
    OccurrenceNotes,
    PageGroupRestriction,
    PagePerson,
    RelatedTopic,
    SectionPage,
    TallySnapshot,
)
from members.models import WorkField
from members.selectors import listed_column, take_signed_in_column


def viewer(member) -> policies.Viewer:
    """The member as the knowledge base sees them, loaded once per request in one query: their
    roles in active groups, the content version and, when that version is not the one this
    process last read them at, every topic-group restriction and every path Wagtail's own
    privacy setting restricts (any change to them is a new version: knowledge.tallies)."""
    cached = getattr(member, "_knowledge_viewer", None)
    if cached is not None:
        return cached
    if not getattr(member, "is_authenticated", False):
        return policies.Viewer(member)
    global _last_read
    known = _last_read
    roles: dict[int, str] = {}
    restrictions: dict[str, set[int]] = {}
    wagtail_restricted: set[str] = set()
    private: set[str] = set()  # any of the path's restrictions hides it
    version = ""
    rows = _signed_in_rows(member, known.version) or _viewer_rows(member, known.version)
    for kind, path, group_id, role in rows:
        if kind == "version":
            version = path
        elif kind == "role":
            roles[group_id] = role
        elif kind == "group":
            restrictions.setdefault(path, set()).add(group_id)
        else:
            wagtail_restricted.add(path)
            if policies.hidden_by_wagtail(role):
                private.add(path)
    if version == known.version:
        read = known
    else:
        read = _Restrictions(version, _frozen(restrictions), frozenset(wagtail_restricted),
                             frozenset(private))  # fmt: skip
        _last_read = read
    moderated = {Membership.Role.OWNER, Membership.Role.MODERATOR}
    result = policies.Viewer(
        member,
        frozenset(roles),
        frozenset(group for group, role in roles.items() if role in moderated),
        read.restrictions,
        read.wagtail_restricted,
        read.wagtail_private,
        version,
    )
    member._knowledge_viewer = result
    return result


class _Restrictions(NamedTuple):
    """The restrictions as this process last read them, at a content version (shared by every
    request at that version, so never changed once made)."""

    version: str
    restrictions: dict
    wagtail_restricted: frozenset
    wagtail_private: frozenset


_last_read = _Restrictions("-", {}, frozenset(), frozenset())  # no content version is "-"


def _frozen(restrictions: dict[str, set[int]]) -> dict[str, frozenset[int]]:
    return {path: frozenset(groups) for path, groups in restrictions.items()}


def _viewer_rows(member, known_version: str):
    """(kind, page path, group id, role) rows: the member's roles, the content version (in
    place of a path) and, unless the version is ``known_version``, the topic-group
    restrictions and Wagtail's view restrictions, as one UNION ALL, written out: it runs on
    every knowledge page, and Django took as long to compile it as the database to answer it.
    Reading the restrictions again (some 200 rows) was most of its cost; on PostgreSQL, planning
    it each time (cityhall.prepared keeps the plan)."""
    params = [member.pk, Group.Status.ACTIVE, known_version, known_version]
    return prepared.rows(_VIEWER_SQL, params)


SIGNED_IN_ROLES = "knowledge.roles"
SIGNED_IN_VERSION = "knowledge.version"


def roles_listed():
    """The member's roles in active groups, read with their row when they sign in (members
    .selectors.register_signed_in_column), as _viewer_rows' first part reads them."""
    mine = Membership.objects.filter(member=OuterRef("pk"), group__status=Group.Status.ACTIVE)
    return listed_column(mine, "member", "group_id", "role")


def version_read():
    """The content version, read with the signed-in member's row."""
    version = Subquery(ContentVersion.objects.values("value")[:1])
    return Coalesce(version, Value(""), output_field=CharField())


def _signed_in_rows(member, known_version: str) -> list | None:
    """_viewer_rows from what was read with the member when they signed in, if the content
    version then was the one this process has the restrictions of (else None)."""
    roles = take_signed_in_column(member, SIGNED_IN_ROLES)
    version = take_signed_in_column(member, SIGNED_IN_VERSION)
    if roles is None or version != known_version:
        return None
    rows = [("role", "", group_id, role) for group_id, role in json.loads(f"[{roles}]")]
    return [*rows, ("version", version, None, "")]


_VERSION = f"COALESCE((SELECT value FROM {ContentVersion._meta.db_table}), '')"
_VIEWER_SQL = f"""
    SELECT 'role', '', membership.group_id, membership.role
    FROM {Membership._meta.db_table} membership
    JOIN {Group._meta.db_table} grp ON grp.id = membership.group_id
    WHERE membership.member_id = %s AND grp.status = %s
    UNION ALL
    SELECT 'group', page.path, restriction.group_id, ''
    FROM {PageGroupRestriction._meta.db_table} restriction
    CROSS JOIN {Page._meta.db_table} page  -- SQLite: the few restrictions first
    WHERE page.id = restriction.page_id AND {_VERSION} <> %s
    UNION ALL
    SELECT 'wagtail', page.path, NULL, restriction.restriction_type
    FROM {PageViewRestriction._meta.db_table} restriction
    CROSS JOIN {Page._meta.db_table} page
    WHERE page.id = restriction.page_id AND {_VERSION} <> %s
    UNION ALL
    SELECT 'version', version.value, NULL, '' FROM {ContentVersion._meta.db_table} version
"""


def hide_unlisted(queryset, seen: policies.Viewer, *, searchable: bool = False):
    """The queryset of pages without those not listed for the viewer. ``searchable``: as plain
    path filters that Wagtail's search backend can apply too (the editor's search)."""
    if not seen.is_member:
        return queryset.none()
    denied = seen.unlisted_paths
    if not denied:
        return queryset
    if searchable:
        hidden = Q()
        for path in denied:
            hidden |= Q(path__startswith=path)
        return queryset.exclude(hidden)
    # One IN per path length (tree depth) on the path's prefix of that length, not one LIKE
    # per denied page: with 10,000 pages and 90 restricted ones the LIKEs made every listing
    # scan cost 90 comparisons a row (bench/pages.py: the knowledge home 4× slower).
    return _without_paths(queryset, *by_length(denied))


def by_length(paths) -> tuple[tuple[tuple[int, int], ...], tuple[str, ...]]:
    """((length, how many paths have it), ...) and the paths in that order: the shape and the
    values of a prefix filter (_has_prefix), to compile once per shape (cityhall.compiled)."""
    grouped: dict[int, list[str]] = {}
    for path in sorted(paths):
        grouped.setdefault(len(path), []).append(path)
    lengths = tuple((length, len(found)) for length, found in sorted(grouped.items()))
    return lengths, tuple(path for _length, found in sorted(grouped.items()) for path in found)


def _without_paths(queryset, lengths, paths):
    """The queryset without the pages under ``paths`` (by_length gives both arguments); as it
    is when there are none."""
    if not lengths:
        return queryset
    return _prefixed(queryset, lengths).exclude(_has_prefix(lengths, paths))


def _live_outside(queryset, lengths, paths):
    """The live pages of ``queryset`` outside ``paths`` (by_length gives both arguments): what
    a member sees, as the builder of a query compiled once per shape (cityhall.compiled)
    applies it to the paths hidden from them."""
    return _without_paths(live(queryset), lengths, paths)


def _prefixed(queryset, lengths):
    """The queryset with each page's path prefix of each of these lengths as an alias."""
    aliases = {f"path_prefix_{length}": Left("path", length) for length, _count in lengths}
    return queryset.alias(**aliases)


def _has_prefix(lengths, paths) -> Q:
    """A page whose path starts with one of ``paths`` (by_length gives them and ``lengths``),
    on a queryset _prefixed with those lengths."""
    found, at = Q(), 0
    for length, count in lengths:
        found |= Q(**{f"path_prefix_{length}__in": paths[at : at + count]})
        at += count
    return found


def live(queryset):
    """Wagtail's ``live()`` written as ``NOT live = false``: given ``live = %s``, SQLite's
    planner scans every page and sorts them instead of reading the date index newest first
    (bench/pages.py: the knowledge home's newest pages 22 ms → under 1 ms)."""
    return queryset.exclude(live=False)


def visible_pages(member, queryset=None):
    """Live knowledge pages (articles, notes, episodes) the member may see, newest first."""
    queryset = live(KnowledgePage.objects.all()) if queryset is None else queryset
    return hide_unlisted(queryset, viewer(member)).order_by("-date", "-pk")


def visible_sections(member):
    """Every section is a child of the one knowledge home (SectionPage.parent_page_types,
    KnowledgeHomePage.max_count): no path filter, so the few section rows lead the query."""
    return _sections(member).select_related("group", "work_field")


def section_cards(member, home) -> list:
    """The visible sections (the knowledge ``home``'s children) as its cards show them: title,
    introduction and link (with their whole rows, group and field of work, nine sections took
    6.2 ms to read and build, with these 3.7). Only a hidden path as short as a section's can
    hide one: the pages hidden inside sections are left out of the statement."""
    longest = len(home.path) + Page.steplen
    return _hiding(member, _SECTION_CARDS, within=lambda path: len(path) <= longest)


RECENT_KEPT = 200  # the newest live pages a process keeps at a content version


def recent_cards(member, count: int) -> list:
    """The ``count`` newest pages the member may see, as cards (with their tags): the first of
    the RECENT_KEPT newest live pages (read once per process and content version) not hidden
    from the member, or, when those are too few, read for the member alone."""
    seen = viewer(member)
    if not seen.is_member:
        return []
    newest = _NEWEST.get(seen.version, "", _read_newest)
    chosen = _not_hidden(seen, newest, count)
    if len(chosen) < count and len(newest) >= RECENT_KEPT:
        return with_card_tags(_hiding(member, _RECENT_CARDS, shape=count))
    return _cards_in_order(chosen)


def _read_newest() -> tuple[tuple, str | None]:
    return _ids_and_paths(_NEWEST_ROWS(shape=RECENT_KEPT))


def _ids_and_paths(rows) -> tuple[tuple, str | None]:
    """(id, path, version) rows as ((id, path), ...) and the version their statement saw. An
    empty result tells no version, so it is not kept: the version read by another statement
    could be that of a change committed after this one (a first page in a section), and the
    empty result would then stay kept for the whole of that version."""
    return tuple((pk, path) for pk, path, _version in rows), rows[0][2] if rows else None


def _not_hidden(seen: policies.Viewer, rows, limit: int) -> list[int]:
    """The ids of the first ``limit`` of these (id, path) rows that the viewer may see."""
    return [pk for pk, _path in islice(policies.visible_rows(seen, rows), limit)]


def _cards_in_order(ids: list[int]) -> list:
    cards = {card.pk: card for card in cards_by_id(ids)}
    return [cards[pk] for pk in ids if pk in cards]


def _hiding(member, fixed, shape=None, within=None) -> list:
    """``fixed`` (a query of pages, compiled once per shape) for the member: built by
    ``build(lengths, paths, shape)`` with the paths hidden from them (by_length; ``within``,
    those of them that can hide what it reads). Building and compiling the hidden paths' filter
    anew took a third of the knowledge home read cold."""
    seen = viewer(member)
    if not seen.is_member:
        return []
    lengths, paths = by_length(filter(within, seen.unlisted_paths))
    return fixed(*paths, shape=(lengths, shape))


def _section_cards(*paths, shape):
    lengths, _none = shape
    sections = _live_outside(SectionPage.objects.all(), lengths, paths)
    return sections.order_by().only("title", "intro", "url_path", "path")


def _recent_cards(*paths, shape):
    lengths, count = shape
    pages = _live_outside(KnowledgePage.objects.all(), lengths, paths)
    return listed(pages.order_by("-date", "-pk"))[:count]


# planned on each run: PostgreSQL's generic plan for a list of hidden paths reads every page
# (3.3 ms for the newest ten, 0.3 planned for the paths given)
_SECTION_CARDS = FixedQuerySet(_section_cards, plan_each_run=True)
_RECENT_CARDS = FixedQuerySet(_recent_cards, plan_each_run=True)
_NEWEST = tallies.Shared(limit=1)
_NEWEST_ROWS = FixedQuery(
    lambda *, shape: (
        live(KnowledgePage.objects.annotate(version=version_read()))
        .order_by("-date", "-pk")
        .values_list("pk", "path", "version")[:shape]
    )
)


def _sections(member):
    return hide_unlisted(live(SectionPage.objects.all()), viewer(member)).order_by()


def occurrence_notes(member, occurrence_ids) -> dict[int, KnowledgePage]:
    """{occurrence id: its published page} for the pages made from these occurrences
    (knowledge.from_events) that the member may see: 1 query, and the viewer's when there is
    any such page. A page the member may not see is not there: neither its title nor its
    address is told."""
    ids = list(occurrence_ids)
    if not ids:
        return {}
    made = list(
        OccurrenceNotes.objects.filter(occurrence_id__in=ids)
        .exclude(page__live=False)  # selectors.live: NOT live = false
        .select_related("page")
        .defer("page__body")
    )
    if not made:
        return {}
    seen = viewer(member)
    return {notes.occurrence_id: notes.page for notes in made
            if policies.can_list_path(seen, notes.page.path)}  # fmt: skip


def breadcrumbs(page) -> list:
    """The page's ancestors from the knowledge home down (1 query)."""
    return list(page.get_ancestors().filter(depth__gte=2).specific(defer=True))


def restricted_groups(member, page) -> list[Group]:
    """The groups whose members alone see this page, for the badge above it."""
    ids = policies.restricted_to(viewer(member), page.path)
    return list(Group.objects.filter(pk__in=ids).order_by("name")) if ids else []


RELATED_CANDIDATES = 200


def related_pages(member, page, limit: int = 5, tags=None) -> list[KnowledgePage]:
    """Other visible pages sharing the most tags with ``page``, newest first among equals
    (``tags``: the page's tags when already read): the first of the page's candidates
    (_candidates_at, read once per process and content version) that are not hidden from the
    member, as cards. A reader nobody had yet: 0.7 ms, where reading their related pages took
    2.2 ms at 10,000 pages, where a tag is on 600 of them."""
    tag_ids = tuple(sorted(tag.pk for tag in (page.tags.all() if tags is None else tags)))
    seen = viewer(member)
    if not tag_ids or not seen.is_member:
        return []
    return _cards_in_order(_not_hidden(seen, _candidates_at(seen.version, page.pk, tag_ids), limit))


# the pages whose candidates a process keeps at a content version
_CANDIDATES = tallies.Shared(limit=256)


def _candidates_at(version: str, page_id: int, tag_ids: tuple) -> tuple:
    """The live pages among the RELATED_CANDIDATES sharing most tags with the page, most
    shared tags first, then newest, as (id, path), kept per content version."""
    return _CANDIDATES.get(version, (page_id, tag_ids), lambda: _read_candidates(page_id, tag_ids))


def _read_candidates(page_id: int, tag_ids: tuple) -> tuple[tuple, str | None]:
    return _ids_and_paths(_RELATED(page_id, *tag_ids, shape=len(tag_ids)))


def _related(page_id, *tag_ids, shape):
    """The candidates are the pages sharing most tags, read off the tag index alone; their
    rows are read for those only (bench/pages.py: 17 ms → 1 ms at 10,000 pages)."""
    candidates = (
        KnowledgePageTag.objects.filter(tag_id__in=tag_ids)
        .exclude(content_object_id=page_id)
        .values("content_object_id")
        .annotate(shared=Count("pk"))
        .order_by("-shared", "-content_object_id")
        .values_list("content_object_id", flat=True)[:RELATED_CANDIDATES]
    )
    pages = live(KnowledgePage.objects.filter(pk__in=candidates, tagged_items__tag_id__in=tag_ids))
    shared = pages.values("pk", "path", "date").annotate(
        shared=Count("tagged_items"), version=version_read()
    )  # fmt: skip
    return shared.order_by("-shared", "-date", "-pk").values_list("pk", "path", "version")


_RELATED = FixedQuery(_related)


def section_rows(section, kind: str = ""):
    """Every live page of the section (of ``kind``, if given) newest first, hidden or not, as
    (id, path, content version) rows: the queryset section_ids reads once per process and
    content version (the plan tests read it)."""
    return _section_listing(*_section_bounds(section), kind, shape=bool(kind))


def section_ids(member, section, kind: str = "") -> list[int]:
    """The ids of section_rows the member may see: those of the section's pages this process
    has read at the content version, less the children hidden from the member (a section's
    listing is its children: policies.visible_children). A reader with 22 hidden pages in a
    section of 2,000: 0.1 ms, where reading their listing took 2.4 ms a reader."""
    seen = viewer(member)
    if not seen.is_member:
        return []
    listing = _listing_at(seen.version, section, kind)
    return [pk for pk, _path in policies.visible_children(seen, section.path, listing)]


_LISTINGS = tallies.Shared(limit=1024)  # (section, kind) pairs


def _listing_at(version: str, section, kind: str) -> tuple:
    """section_rows as (id, path), kept per content version."""
    return _LISTINGS.get(version, (section.pk, kind), lambda: _read_listing(section, kind))


def _read_listing(section, kind: str) -> tuple[tuple, str | None]:
    return _ids_and_paths(_SECTION_ROWS(*_section_bounds(section), kind, shape=bool(kind)))


def _section_bounds(section) -> tuple:
    """The section's children are the pages one level down whose paths come after its own and
    before the next subtree's: a range the path index answers, where Wagtail's ``child_of`` (a
    LIKE) read every page on SQLite (a section's count 11 ms → 4 ms)."""
    return section.depth + 1, section.path, _after(section.path)


def _under_any(hidden_paths, paths) -> list[str]:
    """Of ``hidden_paths``, those that can hide a page under one of ``paths``: inside one of
    them, or above it (a prefix of its path)."""
    return [
        hidden for hidden in hidden_paths
        if any(hidden.startswith(path) or path.startswith(hidden) for path in paths)
    ]  # fmt: skip


def _section_listing(depth, first, past, kind, *, shape):
    pages = live(KnowledgePage.objects.all()).filter(depth=depth, path__gt=first, path__lt=past)
    pages = pages.filter(kind=kind) if shape else pages
    pages = pages.annotate(version=version_read())
    return pages.order_by("-date", "-pk").values_list("pk", "path", "version")


# planned on each run: a section's share of the pages decides PostgreSQL's plan (the path range
# or the date index), which a generic plan cannot know
_SECTION_ROWS = FixedQuery(_section_listing, plan_each_run=True)


def people(page) -> list:
    return _PEOPLE(page)


def _people(page, *, shape=None):
    return PagePerson.objects.filter(page=page).select_related("member").order_by("sort_order")


def readable_topics(member, article) -> list:
    """The article's related topics that the member may read (one query, compiled once)."""
    if not is_verified_member(member):
        return []
    return _READABLE_TOPICS(member, article, shape=is_site_moderator(member))


def _readable_topics(member, article, *, shape: bool):
    from groups.selectors import visible_topics

    linked = RelatedTopic.objects.filter(page=article).values("topic_id")
    return visible_topics(member).filter(pk__in=linked).select_related("group")


_PEOPLE = FixedQuerySet(_people)
_READABLE_TOPICS = FixedQuerySet(_readable_topics)


# --- the reader's listings, archives, tags and feeds (knowledge/reading.py, views.py, feeds.py)

# A card shows the title, kind, date, summary and tags, and links by the URL path: the rest of
# a page's row (the body, Wagtail's forty columns) stays in the database. (With the body alone
# left out, ten cards took 6.4 ms to read and build, with these 4.9; the path finds a card's
# section, knowledge.home.)
CARD_FIELDS = ("title", "url_path", "path", "kind", "date", "summary")


def listed(queryset):
    """A queryset of pages ready for a list of cards (their tags: with_card_tags)."""
    return queryset.only(*CARD_FIELDS)


class CardTag(NamedTuple):
    name: str
    slug: str


def with_card_tags(pages) -> list:
    """The pages, each with the tags its card shows (KnowledgePage.card_tags), read in one
    query of three columns, compiled once: taggit's prefetch, ``prefetch_related("tags")``,
    built a tag query for each page only to replace its results (a section's 20 cards: 4.5 →
    2 ms); compiling the three columns' query cost 0.26 ms more of every cold list of cards."""
    pages = list(pages)
    tags: dict[int, list[CardTag]] = {page.pk: [] for page in pages}
    for page_id, name, slug in _CARD_TAGS(list(tags)):
        tags[page_id].append(CardTag(name, slug))
    for page in pages:
        page.tags_for_card = tags[page.pk]
    return pages


def cards_by_id(ids) -> list:
    """The live pages of these ids as cards, with their tags (in no particular order)."""
    found, size = padded(ids)
    if not found:
        return []
    return with_card_tags(_CARDS_BY_ID(*found, shape=size))


def _cards_by_id(*ids, shape):
    return listed(live(KnowledgePage.objects.filter(pk__in=ids)))


_CARDS_BY_ID = FixedQuerySet(_cards_by_id)


# compiled once for each power of two of the cards' number (a section's 20, the home's 10)
_CARD_TAGS = FixedIds(
    lambda ids: (
        KnowledgePageTag.objects.filter(content_object_id__in=ids)
        .order_by("pk")
        .values_list("content_object_id", "tag__name", "tag__slug")
    )
)


def kind_pages(member, kind: str):
    return visible_pages(member).filter(kind=kind)


def archive_pages(member, year: int, month: int | None = None):
    queryset = visible_pages(member).filter(date__year=year)
    return queryset.filter(date__month=month) if month else queryset


class YearMonth(Func):
    """A date's year × 100 + month (202406). SQLite reads it off the stored text: Django's
    ExtractYear and ExtractMonth call back into Python for every row (bench/pages.py: the
    knowledge home's archive counts 80 ms at 10,000 pages)."""

    output_field = IntegerField()
    template = (
        "(CAST(EXTRACT(YEAR FROM %(expressions)s) AS integer) * 100"
        " + CAST(EXTRACT(MONTH FROM %(expressions)s) AS integer))"
    )

    sqlite_template = (
        "(CAST(substr(%(expressions)s, 1, 4) AS integer) * 100"
        " + CAST(substr(%(expressions)s, 6, 2) AS integer))"
    )

    def as_sqlite(self, compiler, connection, **extra_context):
        return self.as_sql(compiler, connection, template=self.sqlite_template, **extra_context)

    @classmethod
    def sql(cls, column: str) -> str:
        """The same for a column named in SQL written out (home_tallies)."""
        template = cls.sqlite_template if connection.vendor == "sqlite" else cls.template
        return template % {"expressions": column}


def month_counts(member, year: int | None = None) -> list[tuple[int, int, int]]:
    """(year, month, visible pages) for every month that has any, newest first (1 query)."""
    queryset = visible_pages(member)
    if year is not None:
        queryset = queryset.filter(date__year=year)
    rows = (
        queryset.order_by()
        .annotate(year_month=YearMonth("date"))
        .values_list("year_month")
        .annotate(count=Count("pk"))
        .order_by("-year_month")
    )
    return [(*divmod(year_month, 100), count)
            for year_month, count in tallies.rows(viewer(member).version, rows)]  # fmt: skip


def home_tallies(member) -> tuple[list[tuple[int, int, str, int]], list[dict]]:
    """(year, month, kind, visible pages) newest first, and the tags on pages the member may
    see with how many of those pages carry each, most used first (a tag only restricted pages
    carry is not among them): the counts of every live page (_counts_at, read once per process
    and content version) less those of each subtree hidden from the member, added up here. A
    reader with 95 hidden subtrees: 0.2 ms, where counting their 548 pages in SQL took 2."""
    seen = viewer(member)
    if not seen.is_member:
        return [], []
    return tallies.kept(seen.version, "home", repr(seen.unlisted_paths),
                        lambda: _less_hidden(seen))  # fmt: skip


def _less_hidden(seen: policies.Viewer) -> tuple[list, list[dict]]:
    counts = _counts_at(seen)
    months, tags = dict(counts.months), dict(counts.tags)
    for path in seen.unlisted_paths:
        hidden_months, hidden_tags = counts.under.get(path, _NOTHING_UNDER)
        for key, pages in hidden_months.items():
            months[key] = months.get(key, 0) - pages
        for key, pages in hidden_tags.items():
            tags[key] = tags.get(key, 0) - pages
    archive = sorted(((*divmod(year_month, 100), kind, count)
                      for (year_month, kind), count in months.items() if count > 0),
                     key=lambda row: (-row[0], -row[1], row[2]))  # fmt: skip
    counted = sorted(((count, *counts.names[tag]) for tag, count in tags.items() if count > 0),
                     key=lambda row: (-row[0], row[1]))  # fmt: skip
    return archive, [{"name": name, "slug": slug, "count": count}
                     for count, name, slug in counted]  # fmt: skip


class _Counts(NamedTuple):
    """Pages by (year × 100 + month, kind) and by tag id at a content version: of every live
    page (``months``, ``tags``), and of the live pages under each restricted page
    (``under``: {path: (months, tags)}); the tags' names and slugs by id."""

    months: Counter
    tags: Counter
    names: dict
    under: dict


_COUNTS = tallies.Shared(limit=1)
_NOTHING_UNDER = ({}, {})


def _counts_at(seen: policies.Viewer) -> _Counts:
    """The counts at the viewer's content version, read once per process and version in one
    statement, with every page's counts stored at that version (or counted and stored). 10,000
    pages, 181 restricted ones: 6.6 ms, 17 ms for the first reader at that version of all."""
    restricted = sorted({*seen.restrictions, *seen.wagtail_private})
    return _COUNTS.get(seen.version, "", lambda: _read_counts(seen.version, restricted))


def _read_counts(version: str, restricted: list[str]) -> tuple[_Counts, str]:
    scopes = ""
    if restricted:  # each restricted page's subtree, as a range of the path index
        values = ", ".join(["(%s, %s)"] * len(restricted))
        scopes = _UNDER.format(values=values, year_month=YearMonth.sql("k.date"))
    statement = _COUNTS_SQL.format(under=scopes, year_month=YearMonth.sql("k.date"))
    bounds = [bound for path in restricted for bound in (path, _after(path))]
    rows = _rows(statement, [version, *bounds, *bounds])  # the ranges: for months, for tags
    read = [row for row in rows if row[0] == "version"]
    counted_at = read[0][1] if read else version  # stored: read at that version
    stored = [row[1] for row in rows if row[0] == "stored"]
    every = json.loads(stored[0]) if stored else [list(row[:6]) for row in rows
                                                  if row[0] in ("month", "tag")]  # fmt: skip
    if not stored and counted_at == version:
        services.tally_snapshot_store(version, every)
    months, tags, names = Counter(), Counter(), {}
    _add(months, tags, names, every, 1)
    _add(months, tags, names, [row for row in rows if row[0] in ("-month", "-tag")], -1)
    under: dict[str, tuple[Counter, Counter]] = {}
    for part, key, kind, pages, _name, _slug, path in rows:
        if part == "in-month":
            under.setdefault(path, (Counter(), Counter()))[0][int(key), kind] = pages
        elif part == "in-tag":
            under.setdefault(path, (Counter(), Counter()))[1][int(key)] = pages
    return _Counts(months, tags, names, under), counted_at


def _add(months: Counter, tags: Counter, names: dict, rows, sign: int) -> None:
    """[part, key, kind, pages, tag name, slug] rows added to the counts (``sign`` -1: taken
    away)."""
    for part, key, kind, pages, name, slug, *_scope in rows:
        if part.endswith("month"):
            months[int(key), kind] += sign * pages
        else:
            tags[int(key)] += sign * pages
            if name is not None:
                names.setdefault(int(key), (name, slug))


def _after(path: str) -> str:
    """A path above every path under ``path`` and below the next subtree: its next sibling's,
    by treebeard's own arithmetic (Page._inc_path, without making a page for it), or its
    parent's next sibling's when it is the last one; past the last page of the first level,
    one longer than any path."""
    step = Page.steplen
    key = Page._int2str(Page._str2int(path[-step:]) + 1)
    if len(key) <= step:
        return path[:-step] + key.rjust(step, Page.alphabet[0])
    return _after(path[:-step]) if len(path) > step else Page.alphabet[-1] * 256


def _rows(sql: str, params) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


# Rows of [part, key, kind, pages, tag name, slug, restricted path]; keys as text: the
# version's, a month's (202406) and a tag's id share the column. Every page's counts: "stored"
# (as JSON), or every "month" and "tag", counted only when none are stored; the version the
# statement saw; the pages not live ("-month", "-tag"), and {under} the live pages under each
# restricted page. "live = FALSE" written out: the partial index of the pages not live
# (migration 0007) serves it, where a parameter would not. A tag's pages are counted as
# distinct pages everywhere (a tag given twice), so the differences are the visible ones.
_PAGES, _TAGS = KnowledgePage._meta.db_table, KnowledgePageTag._meta.db_table
_COUNTS_SQL = f"""
    WITH stored (rows) AS (
        SELECT CAST(rows AS TEXT) FROM {TallySnapshot._meta.db_table} WHERE version = %s
    )
    SELECT 'stored', rows, NULL, CAST(NULL AS BIGINT), NULL, NULL, NULL FROM stored
    UNION ALL
    SELECT 'version', {_VERSION}, NULL, NULL, NULL, NULL, NULL
    UNION ALL
    SELECT 'month', CAST({{year_month}} AS TEXT), k.kind, COUNT(*), NULL, NULL, NULL
    FROM {_PAGES} k WHERE NOT EXISTS (SELECT 1 FROM stored)
    GROUP BY 2, 3
    UNION ALL
    SELECT 'tag', CAST(tagged.tag_id AS TEXT), NULL, COUNT(DISTINCT tagged.content_object_id),
        tag.name, tag.slug, NULL
    FROM {_TAGS} tagged
    JOIN {Tag._meta.db_table} tag ON tag.id = tagged.tag_id
    WHERE NOT EXISTS (SELECT 1 FROM stored)
    GROUP BY tagged.tag_id, tag.name, tag.slug
    UNION ALL
    SELECT '-month', CAST({{year_month}} AS TEXT), k.kind, COUNT(*), NULL, NULL, NULL
    FROM {Page._meta.db_table} page JOIN {_PAGES} k ON k.page_ptr_id = page.id
    WHERE page.live = FALSE
    GROUP BY 2, 3
    UNION ALL
    SELECT '-tag', CAST(tagged.tag_id AS TEXT), NULL, COUNT(DISTINCT tagged.content_object_id),
        NULL, NULL, NULL
    FROM {Page._meta.db_table} page JOIN {_TAGS} tagged ON tagged.content_object_id = page.id
    WHERE page.live = FALSE
    GROUP BY tagged.tag_id
    {{under}}
"""
_UNDER = f"""
    UNION ALL
    SELECT 'in-month', CAST({{year_month}} AS TEXT), k.kind, COUNT(*), NULL, NULL, scope.column1
    FROM (VALUES {{values}}) scope
    JOIN {Page._meta.db_table} page ON page.path >= scope.column1 AND page.path < scope.column2
    JOIN {_PAGES} k ON k.page_ptr_id = page.id
    WHERE page.live
    GROUP BY scope.column1, 2, 3
    UNION ALL
    SELECT 'in-tag', CAST(tagged.tag_id AS TEXT), NULL, COUNT(DISTINCT tagged.content_object_id),
        NULL, NULL, scope.column1
    FROM (VALUES {{values}}) scope
    JOIN {Page._meta.db_table} page ON page.path >= scope.column1 AND page.path < scope.column2
    JOIN {_TAGS} tagged ON tagged.content_object_id = page.id
    WHERE page.live
    GROUP BY scope.column1, tagged.tag_id
"""


def page_tags(page) -> list:
    """The page's tags, read once for the header."""
    return list(page.tags.all())


def chapters(page) -> list:
    return list(page.chapters.all())


def _sections_of(member, sections):
    """The sections of the member's fields of work or of the active groups they belong to."""
    in_groups = Membership.objects.filter(member=member, group__status=Group.Status.ACTIVE)
    return sections.filter(
        Q(work_field__in=WorkField.objects.filter(user=member))
        | Q(group_id__in=in_groups.values("group_id"))
    )


def new_in_my_sections(member, limit: int = 5) -> tuple[list, list]:
    """(the member's sections, the newest visible pages in them): 2 queries after the viewer,
    each compiled once for the number and lengths of the paths hidden from the member."""
    if not getattr(member, "is_authenticated", False) or not viewer(member).is_member:
        return [], []
    denied_paths = viewer(member).unlisted_paths
    denied, hidden = by_length(denied_paths)
    sections = _MY_SECTIONS(member, *hidden, shape=denied)
    if not sections:
        return [], []
    lengths, paths = by_length(section.path for section in sections)
    # Every hidden path outside these sections made the statement longer, and PostgreSQL
    # plans it on each run (a reader hidden 95 pages, none in their one section: 0.91 -> 0.63 ms)
    denied, hidden = by_length(_under_any(denied_paths, paths))
    pages = _NEW_IN_SECTIONS(*hidden, *paths, shape=(denied, lengths, limit))
    return sections, pages


def _my_sections(member, *hidden, shape):
    sections = _sections_of(member, live(SectionPage.objects.all()))
    sections = _without_paths(sections, shape, hidden)
    return sections.only("pk", "title", "path", "url_path").order_by("path")


def _new_in_sections(*paths, shape):
    denied, lengths, limit = shape
    split = sum(count for _length, count in denied)  # the hidden paths first, then the sections'
    hidden, under = paths[:split], paths[split:]
    pages = _live_outside(KnowledgePage.objects.all(), denied, hidden)
    # ``path LIKE <section path> || '%'``: PostgreSQL folds the pattern and reads the path's
    # pattern index (the sections' few pages, not every page by date: 8.5 ms → under 2)
    in_sections = Q()
    for path in under:
        in_sections |= Q(path__startswith=Value(path))
    return pages.filter(in_sections).only(*CARD_FIELDS).order_by("-date", "-pk")[:limit]


_MY_SECTIONS = FixedQuerySet(_my_sections)
_NEW_IN_SECTIONS = FixedQuerySet(_new_in_sections, plan_each_run=True)  # the LIKE prefixes
