"""What the knowledge pages show a reader: each page type's get_context asks here, and every
list comes from knowledge.selectors, already filtered for the reader."""

from django.core.paginator import Paginator
from django.db.models import prefetch_related_objects

from cityhall.params import int_param
from knowledge import selectors
from knowledge.models import KnowledgePage

PAGE_SIZE = 20


def home(request, page) -> dict:
    member = request.user
    return {
        "sections": list(selectors.visible_sections(member, page)),
        # Cards: the bodies (StreamField JSON) would be sorted with 10,000 rows for nothing.
        "recent": list(selectors.visible_pages(member).defer("body")[:10]),
    }


def section(request, page) -> dict:
    kind = request.GET.get("kind", "")
    if kind not in KnowledgePage.Kind.values:
        kind = ""
    listing = selectors.section_pages(request.user, page, kind).defer("body")  # cards only
    pages = Paginator(listing, PAGE_SIZE)
    return {
        "kind": kind,
        "kinds": KnowledgePage.Kind.choices,
        "pages": pages.get_page(int_param(request.GET.get("page"), default=1, minimum=1)),
        "breadcrumbs": selectors.breadcrumbs(page),
    }


def detail(request, page) -> dict:
    member = request.user
    # The tags are read three times (related pages, and twice by _page_header.html): once here.
    prefetch_related_objects([page], "tags")
    context = {
        "breadcrumbs": selectors.breadcrumbs(page),
        "restricted_groups": selectors.restricted_groups(member, page),
        "related": selectors.related_pages(member, page),
        "people": selectors.people(page),
    }
    if page.kind == KnowledgePage.Kind.ARTICLE:
        context["topics"] = selectors.readable_topics(member, page)
    return context
