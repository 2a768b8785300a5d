"""The knowledge base's panel on the home page (cityhall.home), registered from
KnowledgeConfig.ready: 「ナレッジの新着」, the newest pages the member may see in the sections of
their fields of work and of the groups they belong to. A fixed number of queries (the viewer's
two, the sections, the pages), however many sections and pages there are."""

from cityhall import home as home_panels
from knowledge import selectors

PANEL_ITEMS = 5


def new_pages(member) -> dict | None:
    """None when the member has no such section or nothing is published in them yet."""
    sections, pages = selectors.new_in_my_sections(member, PANEL_ITEMS)
    if not pages:
        return None
    rows = [(page, _section_of(page, sections)) for page in pages]
    return {"sections": sections, "rows": rows}


def _section_of(page, sections):
    """The section a page is under, from the sections already read (no query)."""
    return next((section for section in sections if page.path.startswith(section.path)), None)


def register() -> None:
    home_panels.register(
        home_panels.HomePanel("knowledge.new", 45, "knowledge/home/new_pages.html", new_pages)
    )
