"""export_knowledge: every live knowledge page and every imported topic as a Markdown file in
the format import_knowledge reads (knowledge/markdown_files.py). Also what the importer compares
a file with to tell an unchanged file from a changed one."""

from pathlib import Path

from django.utils import timezone
from wagtail.models import Page

from groups.models import Group, Post, Topic
from knowledge import markdown_files
from knowledge.markdown_files import Doc
from knowledge.models import KnowledgePage, PageGroupRestriction, SectionPage


def export_folder(folder: Path) -> int:
    """Writes one ``<key>.md`` per page and imported topic into ``folder``; returns how many."""
    folder.mkdir(parents=True, exist_ok=True)
    docs = [*page_docs(), *topic_docs()]
    for doc in docs:
        (folder / f"{doc.key}.md").write_text(markdown_files.dump(doc), encoding="utf-8")
    return len(docs)


def page_docs() -> list[Doc]:
    """Live pages, keyed by their import key, else by slug (made unique with the page's id)."""
    pages = KnowledgePage.objects.live().prefetch_related("tagged_items__tag").order_by("path")
    sections = {s.path: s for s in SectionPage.objects.select_related("group")}
    restricted = set(PageGroupRestriction.objects.values_list("page__path", flat=True))
    docs, keys = [], set()
    for page in pages:
        key = page.import_key or (page.slug if page.slug not in keys else f"{page.slug}-{page.pk}")
        keys.add(key)
        docs.append(_page_doc(page, key, sections.get(_parent_path(page)), restricted))
    return docs


def page_doc(page: KnowledgePage) -> Doc:
    """One page as a file (the importer's comparison)."""
    section = SectionPage.objects.select_related("group").get(path=_parent_path(page))
    restricted = set(
        PageGroupRestriction.objects.filter(page__path__in=[page.path, section.path])
        .values_list("page__path", flat=True)
    )  # fmt: skip
    return _page_doc(page, page.import_key, section, restricted)


def _parent_path(page) -> str:
    return page.path[: -Page.steplen]


def _page_doc(page, key, section, restricted) -> Doc:
    group = section.group.slug if section and section.group else ""
    is_restricted = page.path in restricted or (section is not None and section.path in restricted)
    tags = [item.tag.name for item in sorted(page.tagged_items.all(), key=lambda i: i.pk or 0)]
    return Doc(
        key=key, title=page.title, kind=page.kind, group=group, tags=tuple(tags),
        date=page.date, visibility="group" if is_restricted else "members",
        body=markdown_files.blocks_to_body(page.body),
    )  # fmt: skip


def topic_docs() -> list[Doc]:
    topics = (
        Topic.objects.filter(import_record__isnull=False)
        .select_related("group", "import_record")
        .prefetch_related("tags")
        .order_by("import_record__key")
    )
    firsts = _first_posts(topics)
    return [topic_doc(topic, firsts.get(topic.pk, "")) for topic in topics]


def _first_posts(topics) -> dict[int, str]:
    rows = Post.objects.filter(topic__in=topics, number=1).values_list("topic_id", "body")
    return dict(rows)


def topic_doc(topic: Topic, body: str) -> Doc:
    """A topic's visibility is its group's: anyone's in an open group, else its members'."""
    visibility = "members" if topic.group.kind == Group.Kind.OPEN else "group"
    return Doc(
        key=topic.import_record.key, title=topic.title, kind="topic", group=topic.group.slug,
        tags=tuple(sorted(tag.name for tag in topic.tags.all())),
        date=timezone.localdate(topic.created_at), visibility=visibility, body=body.strip("\n"),
    )  # fmt: skip
