"""What the knowledge pages show a reader: each page type's get_context asks here, and every
list comes from knowledge.selectors, already filtered for the reader. Each page costs a fixed
number of queries however many pages there are (tests/knowledge/test_reading.py)."""

from datetime import date

from django.core.paginator import Paginator
from django.utils.functional import SimpleLazyObject

from cityhall.params import int_param
from knowledge import selectors, tallies
from knowledge.models import KnowledgePage

PAGE_SIZE = 20
HOME_RECENT = 10
HOME_TAGS = 30
HOME_MONTHS = 12


def paged(request, ids: list[int]):
    """One page of cards of a listing's ``ids`` (in order, kept per content version and hidden
    pages: listed_ids, selectors.section_ids); a page number that is not a number is the first
    page, one past the end the last (Paginator.get_page). A page of cards is read by id, where
    sorting a section of 2,000 pages took 8 ms a request at 10,000 pages (bench/pages.py)."""
    number = int_param(request.GET.get("page"), default=1, minimum=1)
    page = Paginator(ids, PAGE_SIZE).get_page(number)
    # The ids are the viewer's already: read by id, without the hidden paths' filter again.
    cards = {card.pk: card for card in selectors.cards_by_id(page.object_list)}
    page.object_list = [cards[pk] for pk in page.object_list if pk in cards]
    return page


def listed_ids(member, queryset) -> list[int]:
    """The ids of ``queryset``'s pages in order, kept per content version (knowledge.tallies,
    under its SQL and parameters, which list the pages hidden from the member)."""
    version = selectors.viewer(member).version
    return [pk for (pk,) in tallies.rows(version, queryset.values_list("pk"))]


def breadcrumbs(page) -> list:
    """The page's ancestors from the knowledge home down. Wagtail's routing has already read
    them and left each on its child (``_cached_parent_obj``): no query when served, one
    otherwise (selectors.breadcrumbs)."""
    chain, current = [], page
    while current.depth > 2:
        current = getattr(current, "_cached_parent_obj", None)
        if current is None:
            return selectors.breadcrumbs(page)
        chain.append(current)
    return chain[::-1]


def months_of(rows) -> list[dict]:
    """(year, month, count) rows as the archive links show them (a date for the month's name,
    which the date filter writes in the reader's language)."""
    return [{"year": year, "month": month, "count": count, "day": date(year, month, 1)}
            for year, month, count in rows]  # fmt: skip


def home(request, page) -> dict:
    """The home's lists are read only when its fragment is not kept already (template's
    ``{% cache %}`` under ``kb_key``): lazily."""
    member = request.user
    return {"kb_key": tallies.key(selectors.viewer(member)),
            "home": SimpleLazyObject(lambda: home_lists(member, page))}  # fmt: skip


def home_lists(member, page) -> dict:
    months: dict[tuple[int, int], int] = {}
    kinds: dict[str, int] = {}
    archive, tags = selectors.home_tallies(member)
    for year, month, kind, count in archive:
        months[year, month] = months.get((year, month), 0) + count
        kinds[kind] = kinds.get(kind, 0) + count
    rows = [(year, month, count) for (year, month), count in months.items()]
    return {
        # in tree order, sorted here: ORDER BY path (treebeard's default) walks every page
        "sections": sorted(selectors.section_cards(member, page), key=lambda s: s.path),
        "recent": selectors.recent_cards(member, HOME_RECENT),
        "tags": tags[:HOME_TAGS],
        "kinds": [
            (value, label, kinds.get(value, 0)) for value, label in KnowledgePage.Kind.choices
        ],  # fmt: skip
        "months": months_of(rows[:HOME_MONTHS]),
        "years": sorted({year for year, _month in months}, reverse=True),
    }


def section(request, page) -> dict:
    kind = request.GET.get("kind", "")
    if kind not in KnowledgePage.Kind.values:
        kind = ""
    member = request.user
    seen = selectors.viewer(member)
    return {
        "kind": kind,
        "kinds": KnowledgePage.Kind.choices,
        "kb_key": tallies.key(seen),
        "kb_version": seen.version,
        "pages": SimpleLazyObject(
            lambda: paged(request, selectors.section_ids(member, page, kind))
        ),
        # the pager's links repeat the whole query string: the fragment is kept per query
        "kb_query": request.GET.urlencode(),
        "breadcrumbs": breadcrumbs(page),
        "restricted_groups": selectors.restricted_groups(request.user, page),
    }


def detail(request, page) -> dict:
    """A page's header and body are kept per content version (their ``{% cache %}`` blocks):
    the tags and the restriction's groups are read only when they are not."""
    member = request.user
    seen = selectors.viewer(member)
    tags = SimpleLazyObject(lambda: selectors.page_tags(page))
    context = {
        "breadcrumbs": breadcrumbs(page),
        "restricted_groups": SimpleLazyObject(lambda: selectors.restricted_groups(member, page)),
        "kb_version": seen.version,
        "kb_key": tallies.key(seen),
        "related": SimpleLazyObject(lambda: selectors.related_pages(member, page, tags=tags)),
        "people": selectors.people(page),
        "tags": tags,
    }
    if page.kind == KnowledgePage.Kind.ARTICLE:
        context["topics"] = selectors.readable_topics(member, page)
    if page.kind == KnowledgePage.Kind.BROADCAST:
        context["chapters"] = selectors.chapters(page)
    return context
