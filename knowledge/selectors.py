"""Every read of the knowledge base for a viewer: querysets that already leave out what the
viewer may not see (knowledge.policies) and already load what the templates need."""

from django.db.models import BigIntegerField, CharField, Count, Q, Value
from django.db.models.functions import ExtractMonth, ExtractYear, Left
from wagtail.models import PageViewRestriction

from groups.models import Group, Membership
from knowledge import policies
from knowledge.models import KnowledgePage, KnowledgePageTag, PageGroupRestriction, SectionPage


def viewer(member) -> policies.Viewer:
    """The member as the knowledge base sees them, loaded once per request in one query: their
    roles in active groups, every topic-group restriction and every path Wagtail's own privacy
    setting restricts."""
    cached = getattr(member, "_knowledge_viewer", None)
    if cached is not None:
        return cached
    if not getattr(member, "is_authenticated", False):
        return policies.Viewer(member)
    roles: dict[int, str] = {}
    restrictions: dict[str, set[int]] = {}
    wagtail_restricted = set()
    for kind, path, group_id, role in _viewer_rows(member):
        if kind == "role":
            roles[group_id] = role
        elif kind == "group":
            restrictions.setdefault(path, set()).add(group_id)
        else:
            wagtail_restricted.add(path)
    moderated = {Membership.Role.OWNER, Membership.Role.MODERATOR}
    result = policies.Viewer(
        member,
        frozenset(roles),
        frozenset(group for group, role in roles.items() if role in moderated),
        restrictions,
        frozenset(wagtail_restricted),
    )
    member._knowledge_viewer = result
    return result


def _viewer_rows(member):
    """(kind, page path, group id, role) rows: the member's roles, the topic-group restrictions
    and Wagtail's view restrictions, as one UNION ALL."""
    blank_path, no_group = Value("", CharField()), Value(None, BigIntegerField())
    roles = (
        Membership.objects.filter(member=member, group__status=Group.Status.ACTIVE)
        .annotate(kind=Value("role", CharField()), page_path=blank_path)
        .values_list("kind", "page_path", "group_id", "role")
    )
    restrictions = PageGroupRestriction.objects.annotate(
        kind=Value("group", CharField()), no_role=Value("", CharField())
    ).values_list("kind", "page__path", "group_id", "no_role")
    wagtails = PageViewRestriction.objects.annotate(
        kind=Value("wagtail", CharField()), no_group=no_group, no_role=Value("", CharField())
    ).values_list("kind", "page__path", "no_group", "no_role")
    return roles.union(restrictions, wagtails, all=True)


def hide_denied(queryset, seen: policies.Viewer, *, searchable: bool = False):
    """The queryset of pages without those under a restriction the viewer does not pass.
    ``searchable``: as plain path filters that Wagtail's search backend can apply too (the
    editor's search)."""
    if not seen.is_member:
        return queryset.none()
    denied = policies.denied_paths(seen)
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
    by_length: dict[int, list[str]] = {}
    for path in denied:
        by_length.setdefault(len(path), []).append(path)
    prefixes = {f"denied_prefix_{length}": Left("path", length) for length in by_length}
    hidden = Q()
    for length, paths in by_length.items():
        hidden |= Q(**{f"denied_prefix_{length}__in": paths})
    return queryset.alias(**prefixes).exclude(hidden)


def visible_pages(member, queryset=None):
    """Live knowledge pages (articles, notes, episodes) the member may see, newest first."""
    queryset = KnowledgePage.objects.live() if queryset is None else queryset
    return hide_denied(queryset, viewer(member)).order_by("-date", "-pk")


def visible_sections(member, home=None):
    queryset = SectionPage.objects.live()
    if home is not None:
        queryset = queryset.child_of(home)
    return hide_denied(queryset, viewer(member)).select_related("group", "work_field")


def breadcrumbs(page) -> list:
    """The page's ancestors from the knowledge home down (1 query)."""
    return list(page.get_ancestors().filter(depth__gte=2).specific(defer=True))


def restricted_groups(member, page) -> list[Group]:
    """The groups whose members alone see this page, for the badge above it."""
    ids = policies.restricted_to(viewer(member), page.path)
    return list(Group.objects.filter(pk__in=ids).order_by("name")) if ids else []


def related_pages(member, page, limit: int = 5, tags=None) -> list[KnowledgePage]:
    """Other visible pages sharing the most tags with ``page``, newest first among equals
    (``tags``: the page's tags when already read)."""
    tag_ids = [tag.pk for tag in (page.tags.all() if tags is None else tags)]
    if not tag_ids:
        return []
    shared = (
        visible_pages(member)
        .filter(tagged_items__tag_id__in=tag_ids)
        .exclude(pk=page.pk)
        .defer("body")  # cards only; SQLite groups and sorts by every selected column
        .annotate(shared=Count("tagged_items"))
        .order_by("-shared", "-date", "-pk")
    )
    return list(listed(shared)[:limit])


def section_pages(member, section, kind: str = ""):
    queryset = visible_pages(member).child_of(section)
    return queryset.filter(kind=kind) if kind else queryset


def people(page) -> list:
    return list(page.people.select_related("member"))


def readable_topics(member, article) -> list:
    """The article's related topics that the member may read."""
    from groups.selectors import visible_topics

    ids = [link.topic_id for link in article.related_topics.all()]
    if not ids:
        return []
    return list(visible_topics(member).filter(pk__in=ids).select_related("group"))


# --- the reader's listings, archives, tags and feeds (knowledge/reading.py, views.py, feeds.py)

# A listing shows the title, kind, date, summary and tags: the body stays in the database.
LISTING_DEFERRED = ("body",)


def listed(queryset):
    """A queryset of pages ready for a list of cards: no body, tags in one more query."""
    return queryset.defer(*LISTING_DEFERRED).prefetch_related("tags")


def kind_pages(member, kind: str):
    return visible_pages(member).filter(kind=kind)


def archive_pages(member, year: int, month: int | None = None):
    queryset = visible_pages(member).filter(date__year=year)
    return queryset.filter(date__month=month) if month else queryset


def month_counts(member, year: int | None = None) -> list[tuple[int, int, int]]:
    """(year, month, visible pages) for every month that has any, newest first (1 query)."""
    queryset = visible_pages(member)
    if year is not None:
        queryset = queryset.filter(date__year=year)
    rows = (
        queryset.order_by()
        .annotate(year=ExtractYear("date"), month=ExtractMonth("date"))
        .values_list("year", "month")
        .annotate(count=Count("pk"))
        .order_by("-year", "-month")
    )
    return list(rows)


def archive_counts(member) -> list[tuple[int, int, str, int]]:
    """(year, month, kind, visible pages), newest first: the home's month and kind links from
    one query."""
    rows = (
        visible_pages(member)
        .order_by()
        .annotate(year=ExtractYear("date"), month=ExtractMonth("date"))
        .values_list("year", "month", "kind")
        .annotate(count=Count("pk"))
        .order_by("-year", "-month", "kind")
    )
    return list(rows)


def visible_tags(member, limit: int | None = None) -> list[dict]:
    """The tags on pages the member may see, each with how many of those pages carry it, most
    used first; a tag only restricted pages carry is not among them (1 query)."""
    rows = (
        KnowledgePageTag.objects.filter(content_object__in=visible_pages(member).order_by())
        .values("tag__name", "tag__slug")
        .annotate(count=Count("content_object", distinct=True))
        .order_by("-count", "tag__name")
    )
    tags = [{"name": row["tag__name"], "slug": row["tag__slug"], "count": row["count"]}
            for row in (rows[:limit] if limit else rows)]  # fmt: skip
    return tags


def page_tags(page) -> list:
    """The page's tags, read once for the header."""
    return list(page.tags.all())


def chapters(page) -> list:
    return list(page.chapters.all())


def sections_for(member):
    """Visible sections of the member's fields of work or of the groups they belong to."""
    seen = viewer(member)
    return hide_denied(
        SectionPage.objects.live().filter(
            Q(work_field__in=member.work_fields.all()) | Q(group_id__in=seen.group_ids)
        ),
        seen,
    )


def new_in_my_sections(member, limit: int = 5) -> tuple[list, list]:
    """(the member's sections, the newest visible pages in them): 2 queries after the viewer."""
    if not getattr(member, "is_authenticated", False):
        return [], []
    sections = list(sections_for(member).only("pk", "title", "path", "url_path"))
    if not sections:
        return [], []
    under = Q()
    for section in sections:
        under |= Q(path__startswith=section.path)
    pages = visible_pages(member).filter(under).defer(*LISTING_DEFERRED)
    return sections, list(pages[:limit])
