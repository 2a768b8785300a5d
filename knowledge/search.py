"""The knowledge base in site search: articles, session notes and broadcast episodes, one
provider per kind. A page is found by the members who may open it: a page under topic-group
restrictions needs one token per restricted page above it ("kpath:<path>", held by members of
one of that restriction's groups — knowledge.policies decides); a page under Wagtail's own
privacy setting of a kind that hides it from lists (policies.hidden_by_wagtail) is for site
moderators alone. Wagtail's editor writes pages without our
services, so its signals record the changes in the search outbox."""

from datetime import datetime, time

from django.db.models.signals import post_delete, post_save
from django.utils import timezone
from wagtail.models import Page, PageViewRestriction, get_page_models
from wagtail.signals import page_published, page_unpublished, post_page_move

from cityhall.markdown import plain_text, render
from knowledge import markdown_files, policies, selectors
from knowledge.models import KnowledgePage, KnowledgePageTag, PageGroupRestriction, SectionPage
from search import outbox, registry
from search.documents import Document

BATCH = 500


class PageProvider:
    def __init__(self, kind: str, label):
        self.kind = kind
        self.label = label

    def documents(self, ids: list[int]) -> dict[int, Document]:
        pages = list(
            selectors.live(KnowledgePage.objects.filter(pk__in=ids, kind=self.kind))
            .prefetch_related("tagged_items__tag")
        )  # fmt: skip
        if not pages:
            return {}
        context = _Context(pages)
        return {page.pk: _document(page, context) for page in pages}

    def all_ids(self):
        ids = KnowledgePage.objects.filter(kind=self.kind).order_by("pk")
        return ids.values_list("pk", flat=True).iterator(chunk_size=BATCH)

    def tokens(self, member) -> set[str]:
        seen = selectors.viewer(member)
        return {f"kpath:{path}" for path, groups in seen.restrictions.items()
                if policies.passes(seen, groups)}  # fmt: skip


def _chain(path: str) -> list[str]:
    """The paths of a page and of every page above it."""
    return [path[: i * Page.steplen] for i in range(1, len(path) // Page.steplen + 1)]


class _Context:
    """What the pages of one batch share: restrictions and sections, read once."""

    def __init__(self, pages):
        paths = {above for page in pages for above in _chain(page.path)}
        self.restricted = set(
            PageGroupRestriction.objects.filter(page__path__in=paths)
            .values_list("page__path", flat=True)
        )  # fmt: skip
        self.wagtail = {
            path for path, kind in PageViewRestriction.objects.filter(page__path__in=paths)
            .values_list("page__path", "restriction_type")
            if policies.hidden_by_wagtail(kind)
        }  # fmt: skip
        self.groups = dict(
            SectionPage.objects.filter(path__in=paths).values_list("path", "group_id")
        )


def _document(page: KnowledgePage, context: _Context) -> Document:
    chain = _chain(page.path)
    requires = tuple(f"kpath:{path}" for path in chain if path in context.restricted)
    if any(path in context.wagtail for path in chain):
        requires = ("moderators",)
    tags = tuple(item.tag.name for item in page.tagged_items.all())
    body = plain_text(render(markdown_files.blocks_to_body(page.body)).html)
    return Document(
        key=f"{page.kind}:{page.pk}", kind=page.kind, title=page.title,
        body="\n\n".join(filter(None, [page.summary, body])), url=page.get_url(),
        date=timezone.make_aware(datetime.combine(page.date, time.min)), tags=tags,
        group_id=context.groups.get(page.path[: -Page.steplen]), requires=requires,
    )  # fmt: skip


def register() -> None:
    for kind, label in KnowledgePage.Kind.choices:
        registry.register(PageProvider(kind, label))
    for signal in (post_save, post_delete):
        # by sender: a receiver of every model's deletes would make each delete on the site
        # read its rows first (Django deletes without reading only what nobody listens to)
        for model in get_page_models():
            signal.connect(_page_saved, sender=model, dispatch_uid=f"knowledge.search.{model}")
        signal.connect(_tag_saved, sender=KnowledgePageTag, dispatch_uid="knowledge.search.tag")
        for model in (PageGroupRestriction, PageViewRestriction):
            signal.connect(_restriction_saved, sender=model,
                           dispatch_uid=f"knowledge.search.{model.__name__}")  # fmt: skip
    for signal in (page_published, page_unpublished):
        signal.connect(_page_published, dispatch_uid="knowledge.search.published")
    post_page_move.connect(_page_moved, dispatch_uid="knowledge.search.moved")


def _subtree(path: str, *, hides: bool) -> None:
    """Every knowledge page at or under ``path`` again (a restriction or a move above them)."""
    pages = KnowledgePage.objects.filter(path__startswith=path).values_list("kind", "pk")
    outbox.changed(*(f"{kind}:{pk}" for kind, pk in pages), hides=hides)


def _page_saved(sender, instance, **kwargs) -> None:
    if isinstance(instance, KnowledgePage):
        outbox.changed(f"{instance.kind}:{instance.pk}", hides=not kwargs.get("created"))


def _page_published(sender, instance, **kwargs) -> None:
    _page_saved(sender, instance.specific, created=False)


def _page_moved(sender, instance, **kwargs) -> None:
    _subtree(instance.path, hides=True)


def _tag_saved(sender, instance, **kwargs) -> None:
    page = KnowledgePage.objects.filter(pk=instance.content_object_id).only("kind").first()
    if page is not None:
        outbox.changed(f"{page.kind}:{page.pk}")


def _restriction_saved(sender, instance, **kwargs) -> None:
    path = Page.objects.filter(pk=instance.page_id).values_list("path", flat=True).first()
    if path is not None:
        _subtree(path, hides=True)
