"""Every read of the knowledge base for a viewer: querysets that already leave out what the
viewer may not see (knowledge.policies) and already load what the templates need."""

import json
from collections import Counter
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
    wagtail_restricted = set()
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
    if version == known.version:
        read = known
    else:
        read = _Restrictions(version, _frozen(restrictions), frozenset(wagtail_restricted))
        _last_read = read
    moderated = {Membership.Role.OWNER, Membership.Role.MODERATOR}
    result = policies.Viewer(
        member,
        frozenset(roles),
        frozenset(group for group, role in roles.items() if role in moderated),
        read.restrictions,
        read.wagtail_restricted,
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


_last_read = _Restrictions("-", {}, frozenset())  # no content version is "-"


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
    SELECT 'wagtail', page.path, NULL, ''
    FROM {PageViewRestriction._meta.db_table} restriction
    CROSS JOIN {Page._meta.db_table} page
    WHERE page.id = restriction.page_id AND {_VERSION} <> %s
    UNION ALL
    SELECT 'version', version.value, NULL, '' FROM {ContentVersion._meta.db_table} version
"""


def hide_denied(queryset, seen: policies.Viewer, *, searchable: bool = False):
    """The queryset of pages without those under a restriction the viewer does not pass.
    ``searchable``: as plain path filters that Wagtail's search backend can apply too (the
    editor's search)."""
    if not seen.is_member:
        return queryset.none()
    denied = seen.denied_paths
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
    return hide_denied(queryset, viewer(member)).order_by("-date", "-pk")


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


def recent_cards(member, count: int) -> list:
    """The ``count`` newest pages the member may see, as cards (with their tags)."""
    return with_card_tags(_hiding(member, _RECENT_CARDS, shape=count))


def _hiding(member, fixed, shape=None, within=None) -> list:
    """``fixed`` (a query of pages, compiled once per shape) for the member: built by
    ``build(lengths, paths, shape)`` with the paths hidden from them (by_length; ``within``,
    those of them that can hide what it reads). Building and compiling the hidden paths' filter
    anew took a third of the knowledge home read cold."""
    seen = viewer(member)
    if not seen.is_member:
        return []
    lengths, paths = by_length(filter(within, seen.denied_paths))
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


def _sections(member):
    return hide_denied(live(SectionPage.objects.all()), viewer(member)).order_by()


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
            if policies.can_view_page(seen, notes.page)}  # fmt: skip


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
    (``tags``: the page's tags when already read). The candidates are the pages sharing most
    tags, read off the tag index alone; the viewer's filter and the dates are read for those
    only (bench/pages.py: 17 ms → 1 ms at 10,000 pages, where a tag is on 600 of them).
    Compiled once per number of tags and shape of the hidden paths (3 of its 5 ms were
    Django building and compiling it)."""
    tag_ids = [tag.pk for tag in (page.tags.all() if tags is None else tags)]
    if not tag_ids or not viewer(member).is_member:
        return []
    denied, hidden = by_length(viewer(member).denied_paths)
    found = _RELATED(page.pk, *tag_ids, *hidden, shape=(len(tag_ids), denied, limit))
    return with_card_tags(found)


def _related(page_id, *values, shape):
    tag_count, denied, limit = shape
    tag_ids, hidden = values[:tag_count], values[tag_count:]
    candidates = (
        KnowledgePageTag.objects.filter(tag_id__in=tag_ids)
        .exclude(content_object_id=page_id)
        .values("content_object_id")
        .annotate(shared=Count("pk"))
        .order_by("-shared", "-content_object_id")
        .values_list("content_object_id", flat=True)[:RELATED_CANDIDATES]
    )
    pages = _live_outside(KnowledgePage.objects.all(), denied, hidden)
    shared = (
        pages.filter(pk__in=candidates, tagged_items__tag_id__in=tag_ids)
        .only(*CARD_FIELDS)  # cards only; SQLite groups and sorts by every selected column
        .annotate(shared=Count("tagged_items"))
        .order_by("-shared", "-date", "-pk")
    )
    return shared[:limit]


_RELATED = FixedQuerySet(_related)


def section_pages(member, section, kind: str = ""):
    """The ids of the section's pages the member may see (of ``kind``, if given), newest
    first, as a values_list: the queryset section_ids compiles once per shape (the plan tests
    read it)."""
    if not viewer(member).is_member:
        return KnowledgePage.objects.none().values_list("pk")
    *values, shape = _section_values(member, section, kind)
    return _section_listing(*values, shape=shape)


def section_ids(member, section, kind: str = "") -> list[int]:
    """section_pages' ids, compiled once per shape of the paths hidden from the member and
    kept per content version (building and compiling its filter of hidden paths took a fifth
    of a section's page read cold)."""
    if not viewer(member).is_member:
        return []
    *values, shape = _section_values(member, section, kind)
    rows = tallies.fixed_rows(viewer(member).version, _SECTION_IDS, *values, shape=shape)
    return [pk for (pk,) in rows]


def _section_values(member, section, kind: str) -> tuple:
    """section_pages' values and shape. The section's children are the pages one level down
    whose paths come after its own and before the next subtree's: a range the path index
    answers, where Wagtail's ``child_of`` (a LIKE) read every page on SQLite (a section's count
    11 ms → 4 ms). Of the paths hidden from the member, those that can hide a page of the
    section: inside it, or above it (_under_any)."""
    lengths, hidden = by_length(_under_any(viewer(member).denied_paths, [section.path]))
    bounds = (section.depth + 1, section.path, _after(section.path))
    return (*bounds, kind, *hidden, (lengths, bool(kind)))


def _under_any(hidden_paths, paths) -> list[str]:
    """Of ``hidden_paths``, those that can hide a page under one of ``paths``: inside one of
    them, or above it (a prefix of its path)."""
    return [
        hidden for hidden in hidden_paths
        if any(hidden.startswith(path) or path.startswith(hidden) for path in paths)
    ]  # fmt: skip


def _section_listing(depth, first, past, kind, *hidden, shape):
    lengths, of_kind = shape
    pages = _live_outside(KnowledgePage.objects.all(), lengths, hidden)
    pages = pages.filter(depth=depth, path__gt=first, path__lt=past)
    pages = pages.filter(kind=kind) if of_kind else pages
    return pages.order_by("-date", "-pk").values_list("pk")


# planned on each run: a section's share of the pages decides PostgreSQL's plan (the path range
# or the date index), which a generic plan cannot know
_SECTION_IDS = FixedQuery(_section_listing, plan_each_run=True)


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
    carry is not among them): every page's counts less those of the pages the member may not
    see (those not live and those under a hidden path, found by ranges of the path index: a
    few hundred pages), in one statement. Every page's counts are those stored at the content
    version (TallySnapshot), or counted (10,000 pages: 15 of the statement's 23 ms) and
    stored. A tag's pages are counted as distinct pages on both sides, so the difference is
    the visible ones."""
    seen = viewer(member)
    if not seen.is_member:
        return [], []
    ranges = _hidden_ranges(seen.denied_paths)
    return tallies.kept(seen.version, "home", repr(ranges),
                        lambda: _home_tallies(seen.version, ranges))  # fmt: skip


def _home_tallies(version: str, ranges) -> tuple[list, list[dict]]:
    hidden = ""
    if ranges:  # a join of the ranges to the path index: one plan node, however many
        values = ", ".join(["(%s, %s)"] * len(ranges))
        hidden = (f" UNION SELECT page.id FROM (VALUES {values}) hidden_range "
                  f"JOIN {Page._meta.db_table} page ON page.path >= hidden_range.{_FIRST} "
                  f"AND page.path < hidden_range.{_PAST}")  # fmt: skip
    pages, tags = _HIDDEN_ROWS[connection.vendor]
    statement = _HOME_TALLIES.format(
        hidden=hidden, year_month=YearMonth.sql("k.date"), hidden_pages=pages, hidden_tags=tags
    )
    rows = _rows(statement, [*(bound for pair in ranges for bound in pair), version])
    every = [list(row) for row in rows if row[0] in ("month", "tag")]
    stored = [row[1] for row in rows if row[0] == "stored"]
    if stored:
        every = json.loads(stored[0])
    elif [row[1] for row in rows if row[0] == "version"] == [version]:
        services.tally_snapshot_store(version, every)
    return _less(every, [row for row in rows if row[0] in ("-month", "-tag")])


def _less(every: list, hidden: list) -> tuple[list, list[dict]]:
    """[part, key, kind, pages, tag name, slug] rows of every page, less the ("-month",
    "-tag") rows of the hidden pages: (year, month, kind, pages) and the tags."""
    months: Counter = Counter()
    tags: Counter = Counter()
    names = {}
    for part, key, kind, pages, name, slug in every + hidden:
        sign = -1 if part.startswith("-") else 1
        if part.endswith("month"):
            months[int(key), kind] += sign * pages
        else:
            tags[int(key)] += sign * pages
            names.setdefault(int(key), (name, slug))
    archive = sorted(((*divmod(year_month, 100), kind, count)
                      for (year_month, kind), count in months.items() if count > 0),
                     key=lambda row: (-row[0], -row[1], row[2]))  # fmt: skip
    counted = sorted(((count, *names[tag]) for tag, count in tags.items() if count > 0),
                     key=lambda row: (-row[0], row[1]))  # fmt: skip
    return archive, [{"name": name, "slug": slug, "count": count}
                     for count, name, slug in counted]  # fmt: skip


# A VALUES list's columns, as SQLite and PostgreSQL both name them.
_FIRST, _PAST = "column1", "column2"


def _hidden_ranges(paths) -> list[tuple[str, str]]:
    """(first, past the last) path of each subtree under these paths, none inside another."""
    ranges: list[tuple[str, str]] = []
    for path in sorted(paths):
        if ranges and path.startswith(ranges[-1][0]):
            continue
        ranges.append((path, _after(path)))
    return ranges


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


# Rows of [part, key, kind, pages, tag name, slug]; keys as text: the version's, a month's
# (202406) and a tag's id share the column. Every page's counts: "stored" (as JSON), or the
# version with every "month" and "tag", counted only when none are stored. The hidden pages'
# counts ("-month", "-tag"): {hidden} names more subtrees of hidden pages. "live = FALSE"
# written out: the partial index of the pages not live (migration 0007) serves it, where a
# parameter would not.
_HOME_TALLIES = f"""
    WITH hidden (id) AS MATERIALIZED (
        SELECT page.id FROM {Page._meta.db_table} page WHERE page.live = FALSE{{hidden}}
    ),
    stored (rows) AS (
        SELECT CAST(rows AS TEXT) FROM {TallySnapshot._meta.db_table} WHERE version = %s
    )
    SELECT 'stored', rows, NULL, CAST(NULL AS BIGINT), NULL, NULL FROM stored
    UNION ALL
    SELECT 'version', {_VERSION}, NULL, NULL, NULL, NULL WHERE NOT EXISTS (SELECT 1 FROM stored)
    UNION ALL
    SELECT 'month', CAST({{year_month}} AS TEXT), k.kind, COUNT(*), NULL, NULL
    FROM {KnowledgePage._meta.db_table} k WHERE NOT EXISTS (SELECT 1 FROM stored)
    GROUP BY 2, 3
    UNION ALL
    SELECT 'tag', CAST(tagged.tag_id AS TEXT), NULL, COUNT(DISTINCT tagged.content_object_id),
        tag.name, tag.slug
    FROM {KnowledgePageTag._meta.db_table} tagged
    JOIN {Tag._meta.db_table} tag ON tag.id = tagged.tag_id
    WHERE NOT EXISTS (SELECT 1 FROM stored)
    GROUP BY tagged.tag_id, tag.name, tag.slug
    UNION ALL
    SELECT '-month', CAST({{year_month}} AS TEXT), k.kind, COUNT(*), NULL, NULL
    FROM {{hidden_pages}}
    GROUP BY 2, 3
    UNION ALL
    SELECT '-tag', CAST(tagged.tag_id AS TEXT), NULL, COUNT(DISTINCT tagged.content_object_id),
        NULL, NULL
    FROM {{hidden_tags}}
    GROUP BY tagged.tag_id
"""

# The hidden pages' rows and tags, looked up one hidden page at a time.
# SQLite does so with the few hidden pages first (CROSS JOIN keeps that order). PostgreSQL has
# no statistics for pages under ranges of paths (it guessed 105,000 hidden pages for 548), so
# it hashed every page and every tag; a LATERAL subquery, kept from being pulled up by OFFSET 0,
# makes it look them up (bench/pages.py's knowledge home, cold: the statement 9.3 → 3.7 ms).
_PAGES, _TAGS = KnowledgePage._meta.db_table, KnowledgePageTag._meta.db_table
_HIDDEN_ROWS = {
    "sqlite": (
        f"hidden CROSS JOIN {_PAGES} k ON k.page_ptr_id = hidden.id",
        f"hidden CROSS JOIN {_TAGS} tagged ON tagged.content_object_id = hidden.id",
    ),
    "postgresql": (
        f"hidden CROSS JOIN LATERAL (SELECT k.date, k.kind FROM {_PAGES} k"
        " WHERE k.page_ptr_id = hidden.id OFFSET 0) k",
        "hidden CROSS JOIN LATERAL (SELECT tagged.tag_id, tagged.content_object_id"
        f" FROM {_TAGS} tagged WHERE tagged.content_object_id = hidden.id OFFSET 0) tagged",
    ),
}


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
    denied_paths = viewer(member).denied_paths
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
