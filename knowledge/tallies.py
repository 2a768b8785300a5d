"""Counts and fragments of the knowledge base kept in each process's fragment cache: a
listing's ids, the archive's months, the tags (under their query's own SQL and parameters, which
list every page the viewer may not see) and the templates' {% cache %} blocks (under key()). All
are kept under the content version (models.ContentVersion), which any change to a page, its
tags, a restriction or a group replaces in the change's own transaction. So nothing kept is
read again after a change, nor by a reader from whom other pages are hidden. What every reader
shares at a version (the restrictions, the home's counts, a section's listing, a page's related
candidates) knowledge.selectors reads once per process, with the version its statement saw,
and each reader takes their hidden pages from it."""

from django.core.exceptions import EmptyResultSet
from django.db.models.signals import post_delete, post_save
from wagtail.models import PageViewRestriction, get_page_models
from wagtail.signals import page_published, page_unpublished, post_page_move

from cityhall import fragments
from groups.models import Group
from knowledge import services
from knowledge.models import KnowledgePageTag, PageGroupRestriction


def key(seen) -> str:
    """What a reader's knowledge fragments depend on besides the page and the language: the
    content version and the pages hidden from this reader (``{% cache %}`` in the templates)."""
    return f"{seen.version}:{fragments.digest(chr(10).join(seen.unlisted_paths))}"


def rows(version: str, queryset) -> list[tuple]:
    """The rows of ``queryset`` (a values_list) at this content version, read once per process
    under its SQL and parameters. Compiled once, for the key and the read alike: compiling it
    again to read it cost as much as the read (a section's ids, read cold)."""
    compiler = queryset.query.get_compiler(queryset.db)
    try:
        sql, params = compiler.as_sql()
    except EmptyResultSet:
        return []
    return kept(version, "rows", f"{sql}\x00{params!r}", lambda: _read(compiler, sql, params))


def _read(compiler, sql: str, params) -> list[tuple]:
    with compiler.connection.cursor() as cursor:
        cursor.execute(sql, params)
        found = cursor.fetchall()
    return list(compiler.results_iter([found], tuple_expected=True))


def kept(version: str, what: str, name: str, compute):
    """``compute()`` once per process for this content version and ``name``."""
    return fragments.kept(f"knowledge:{what}:{version}:{fragments.digest(name)}", compute)


def new_version(**kwargs) -> None:
    """Any change the counts depend on: a new version, in the same transaction as the change."""
    services.content_version_replace()


def connect() -> None:
    for signal in (post_save, post_delete):
        # every kind of page by name, as knowledge.search connects its own; a group's name
        # shows in the restriction badge of the pages kept per version
        changes = (KnowledgePageTag, PageGroupRestriction, PageViewRestriction, Group)
        for model in (*get_page_models(), *changes):
            signal.connect(new_version, sender=model, dispatch_uid=f"knowledge.tallies.{model}")
    for signal in (page_published, page_unpublished, post_page_move):
        signal.connect(new_version, dispatch_uid="knowledge.tallies")


class Shared:
    """What every reader shares at a content version (the home's counts, a section's listing,
    a page's related candidates), kept in this process while requests read that version: up to
    ``limit`` keys, then begun anew. ``read()`` gives the value and the version its statement
    saw; the value is kept only when that is the version asked for (a change committed in
    between: the value is the new content's, for this request alone) and it is not "" (an
    empty content table, which every test's rolled-back database shares)."""

    def __init__(self, limit: int):
        self.limit = limit
        self._kept: tuple[str, dict] = ("-", {})  # no content version is "-"

    @property
    def version(self) -> str:
        return self._kept[0]

    def get(self, version: str, key, read):
        kept_version, values = self._kept
        if kept_version == version and key in values:
            return values[key]
        value, seen = read()
        if version and seen == version:
            if kept_version != version or len(values) >= self.limit:
                values = {}
                self._kept = (version, values)
            values[key] = value
        return value
