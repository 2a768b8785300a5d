"""What groups offer to site search (registered from GroupsConfig.ready): topics (title, opening
post and tags) and replies, each for whoever may read its group ("group:<id>", the token the
groups' own selector hands out per search, so joining, leaving and a group closed take effect at
once). Hidden and deleted ones are left out of the index. The keys helpers are what the
services record in the search outbox."""

from collections.abc import Callable, Iterable

from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from cityhall.compiled import FixedIds, FixedQuery
from cityhall.markdown import plain_text
from cityhall.policies import is_site_moderator, is_verified_member
from groups import selectors
from groups.models import Group, Post, Topic
from search import outbox, registry
from search.documents import Document

TOPIC, POST = "topic", "post"


def group_token(group_id: int) -> str:
    return f"group:{group_id}"


def topic_path(slug: str, topic_id: int) -> str:
    return reverse("groups:topic", args=[slug, topic_id])


def post_path(slug: str, topic_id: int, number: int) -> str:
    return f"{topic_path(slug, topic_id)}?n={number}#p{number}"


# --- keys for the outbox --------------------------------------------------------------------


def topic_key(topic_id: int) -> str:
    return f"{TOPIC}:{topic_id}"


def post_key(post: Post) -> str:
    """The document a post is part of: its topic's for the opening post, its own otherwise."""
    return f"{TOPIC}:{post.topic_id}" if post.number == 1 else f"{POST}:{post.pk}"


def topic_keys(topic_ids: Iterable[int]) -> list[str]:
    """The topics' documents and those of all their replies (one query)."""
    topic_ids = list(topic_ids)
    replies = Post.objects.filter(topic__in=topic_ids, number__gt=1).values_list("pk", flat=True)
    return [f"{TOPIC}:{pk}" for pk in topic_ids] + [f"{POST}:{pk}" for pk in replies]


# What apps built on groups hold in a group (chat messages, events): group ids -> their keys.
_group_content: dict[str, Callable[[list[int]], list[str]]] = {}


def register_group_content(name: str, keys: Callable[[list[int]], list[str]]) -> None:
    _group_content[name] = keys


def group_keys(group_ids: list[int]) -> list[str]:
    """Every document held in these groups: topics and replies (one query), and what the apps
    built on groups hold there (a query each)."""
    rows = Post.objects.filter(topic__group__in=group_ids).values_list("topic_id", "pk", "number")
    keys = [f"{TOPIC}:{tid}" if number == 1 else f"{POST}:{pk}" for tid, pk, number in rows]
    for content in _group_content.values():
        keys += content(group_ids)
    return keys


class OutboxAdmin:
    """A ModelAdmin mixin: the admin writes rows without the services, so it records the search
    documents it touches (``search_keys(objects)``, read before a deletion cascades) in its
    own transaction. Any change may hide them (a new group, hidden), hence ``hides``."""

    def search_keys(self, objects: list) -> list[str]:
        raise NotImplementedError

    def saved_keys(self, obj, form) -> list[str]:
        return self.search_keys([obj])

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        outbox.changed(*self.saved_keys(obj, form), hides=True)

    def delete_model(self, request, obj):
        keys = self.search_keys([obj])
        super().delete_model(request, obj)
        outbox.changed(*keys, hides=True)

    def delete_queryset(self, request, queryset):
        with transaction.atomic():
            keys = self.search_keys(list(queryset))
            super().delete_queryset(request, queryset)
            outbox.changed(*keys, hides=True)


# --- the providers --------------------------------------------------------------------------


def _ids(rows) -> Iterable[int]:
    return rows.order_by("pk").values_list("pk", flat=True).iterator(chunk_size=2000)


class TopicProvider:
    """A topic: its title, opening post and tags; dated when it was asked (its replies are
    documents of their own, dated when written, so recent answers are found by date anyway, and
    a topic keeps the date a member remembers asking it on); solved once an answer is
    accepted."""

    kind = TOPIC
    label = _("トピック")

    def documents(self, ids: list[int]) -> dict[int, Document]:
        openings = (
            Post.objects.filter(topic__in=ids, number=1, is_hidden=False, deleted_at=None,
                                topic__is_hidden=False)
            .select_related("topic__group")
            .prefetch_related("topic__tags")
            .annotate(organization_id=F("topic__author__organization"))
        )  # fmt: skip
        return {post.topic_id: self._document(post) for post in openings}

    def _document(self, opening: Post) -> Document:
        topic = opening.topic
        return Document(
            key=f"{TOPIC}:{topic.pk}", kind=TOPIC, title=topic.title,
            body=plain_text(opening.body_html), url=topic_path(topic.group.slug, topic.pk),
            date=topic.created_at, tags=tuple(tag.name for tag in topic.tags.all()),
            group_id=topic.group_id, organization_id=opening.organization_id,
            solved=topic.accepted_post_id is not None, requires=(group_token(topic.group_id),),
        )  # fmt: skip

    def all_ids(self):
        return _ids(Topic.objects.filter(is_hidden=False))

    def tokens(self, member) -> Iterable[str]:
        if not is_verified_member(member):
            return []
        return [group_token(pk) for (pk,) in _READABLE(member, shape=is_site_moderator(member))]


class PostProvider:
    """A reply: its text under its topic's title, linked to its place in the topic; the
    accepted answer counts as solved."""

    kind = POST
    label = _("返信")

    def documents(self, ids: list[int]) -> dict[int, Document]:
        replies = (
            Post.objects.filter(pk__in=ids, number__gt=1, is_hidden=False, deleted_at=None,
                                topic__is_hidden=False)
            .select_related("topic__group")
            .annotate(organization_id=F("author__organization"))
        )  # fmt: skip
        return {post.pk: self._document(post) for post in replies}

    def _document(self, post: Post) -> Document:
        topic = post.topic
        return Document(
            key=f"{POST}:{post.pk}", kind=POST, title=topic.title, body=plain_text(post.body_html),
            url=post_path(topic.group.slug, topic.pk, post.number), date=post.created_at,
            group_id=topic.group_id, organization_id=post.organization_id,
            solved=topic.accepted_post_id == post.pk, requires=(group_token(topic.group_id),),
        )  # fmt: skip

    def all_ids(self):
        return _ids(Post.objects.filter(number__gt=1, is_hidden=False, deleted_at=None,
                                        topic__is_hidden=False))  # fmt: skip

    def tokens(self, member) -> Iterable[str]:
        return ()  # the topics' provider hands out the group tokens


def _readable_groups(member, *, shape: bool):
    return selectors.readable_groups(member).values_list("pk").order_by()


_READABLE = FixedQuery(_readable_groups)


def group_names(ids: list[int]) -> dict[int, str]:
    return dict(_GROUP_NAMES(ids))


_GROUP_NAMES = FixedIds(lambda ids: Group.objects.filter(pk__in=ids).values_list("pk", "name"))


def register() -> None:
    registry.register(TopicProvider())
    registry.register(PostProvider())
    registry.register_facet("group_id", _("グループ"), group_names)
