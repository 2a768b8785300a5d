"""Loading what a member asked for by slug or id: a group, a topic, a post, an attachment. Each
helper returns the object with what the policies need already loaded, or raises ``Http404``:
the same 404 whether the thing does not exist or the member may not know it exists, so an id
or a slug tells an outsider nothing (Zulip's ``access_*`` helpers). Views call them directly;
consumers call them through ``database_sync_to_async`` and turn the 404 into their close code.

The one 403 (``PermissionDenied``) is ``readable_group_for`` on a group the member may know
but not read (a closed group they have not joined): its name is on the directory already."""

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db.models import F, FilteredRelation, OuterRef, Q, StringAgg, Subquery, Value
from django.db.models.functions import Coalesce
from django.http import Http404

from cityhall.compiled import FixedQuerySet
from cityhall.policies import is_verified_member
from groups import policies
from groups.models import Attachment, Group, Invitation, Membership, Post, Topic, TopicRead


@dataclass
class GroupAccess:
    """A group as one member sees it: their membership and pending invitation (or None)."""

    group: Group
    membership: Membership | None
    invitation: Invitation | None = None

    def can(self, check, member, *args) -> bool:
        return check(member, self.group, self.membership, *args)


def group_for(member, slug: str) -> GroupAccess:
    """The group with this slug and ``member``'s standing in it, if they may know it exists
    (policies.can_see_group)."""
    if not is_verified_member(member):
        raise Http404
    group, membership = _group_and_membership(member, slug)
    if group is None:
        raise Http404
    invitation = None
    if membership is None and group.kind != Group.Kind.OPEN:
        invitation = Invitation.objects.filter(
            group=group, member=member, status=Invitation.Status.PENDING
        ).first()
    if not policies.can_see_group(member, group, membership, invited=invitation is not None):
        raise Http404
    return GroupAccess(group, membership, invitation)


_MEMBERSHIP_FIELDS = ("id", "role", "joined_at", "suspended_until")


def _group_and_membership(member, slug: str) -> tuple[Group | None, Membership | None]:
    """The group and the member's membership of it (or None) in one query: the membership's
    columns joined onto the group's row."""
    found = _GROUP_AND_MEMBERSHIP(slug, member)
    group = found[0] if found else None
    if group is None or group.mine_id is None:
        return group, None
    row = {f"{name}": getattr(group, f"mine_{name}") for name in _MEMBERSHIP_FIELDS}
    row |= {"group_id": group.pk, "member_id": member.pk}
    names = [field.attname for field in Membership._meta.concrete_fields]
    membership = Membership.from_db(group._state.db, names, [row[name] for name in names])
    membership.group, membership.member = group, member
    return group, membership


def _group_with_membership(slug, member, *, shape=None):
    mine = FilteredRelation("memberships", condition=Q(memberships__member=member))
    return (
        Group.objects.filter(slug=slug).annotate(mine=mine)
        .annotate(**{f"mine_{name}": F(f"mine__{name}") for name in _MEMBERSHIP_FIELDS})
        .order_by("pk")[:1]
    )  # fmt: skip


_GROUP_AND_MEMBERSHIP = FixedQuerySet(_group_with_membership)


def readable_group_for(member, slug: str) -> GroupAccess:
    """group_for, for a page about the group's content (policies.can_read): a 403 for a known
    group the member may not read."""
    access = group_for(member, slug)
    if not access.can(policies.can_read, member):
        raise PermissionDenied
    return access


# A topic's tag names in one column of its own row (no query of their own); sorted in Python,
# since SQLite before 3.44 cannot order an aggregate.
_TAG_SEPARATOR = "\n"
TAG_NAMES = (
    Topic.tags.through.objects.filter(topic=OuterRef("pk")).values("topic")
    .annotate(names=StringAgg("tag__name", Value(_TAG_SEPARATOR)))
    .values("names")
)  # fmt: skip


def tag_list(names: str | None) -> list[str]:
    """The tag names of a TAG_NAMES annotation, sorted."""
    return sorted(names.split(_TAG_SEPARATOR)) if names else []


def topic_for(member, access: GroupAccess, topic_id: int) -> Topic:
    """Topic ``topic_id`` of the group (not of another one), if ``member`` may see it
    (policies.can_see_topic), with its tag names (``tag_list``), answer number and how far the
    member has read."""
    found = _TOPIC(topic_id, access.group, member)
    if not found:
        raise Http404
    topic = found[0]
    topic.group = access.group
    topic.tag_list = tag_list(topic.tag_names)
    if not policies.can_see_topic(member, topic, access.membership):
        raise Http404
    return topic


def _topic(topic_id, group, member, *, shape=None):
    last_read = TopicRead.objects.filter(topic=OuterRef("pk"), member=member).values(
        "last_read_post_number"
    )[:1]
    return (
        Topic.objects.filter(pk=topic_id, group=group)
        .annotate(
            tag_names=Subquery(TAG_NAMES),
            answer_number=F("accepted_post__number"),
            last_read=Coalesce(Subquery(last_read), Value(0)),
        )
        .order_by("pk")[:1]
    )


_TOPIC = FixedQuerySet(_topic)


def followed_topic(member, topic_id: int) -> Topic:
    """Topic ``topic_id`` by id alone (the topic socket), if ``member`` may see it."""
    topic = Topic.objects.select_related("group").filter(pk=topic_id).first()
    if topic is None:
        raise Http404
    membership = Membership.objects.filter(group=topic.group, member=member).first()
    if not policies.can_see_topic(member, topic, membership):
        raise Http404
    return topic


def post_for(member, access: GroupAccess, post_id: int) -> Post:
    """Post ``post_id`` of a topic of the group, if ``member`` may see it
    (policies.can_see_post; a deleted post is still seen, as a note, without its text)."""
    post = (
        Post.objects.filter(pk=post_id, topic__group=access.group)
        .select_related("topic__group", "author")
        .first()
    )
    if post is None or not policies.can_see_post(member, post, access.membership):
        raise Http404
    return post


def attachment_for(member, access: GroupAccess, attachment_id: int, *,
                   preview: bool = False) -> Attachment:  # fmt: skip
    """Attachment ``attachment_id`` of a post of the group, if ``member`` may read the post's
    text (policies.can_see_post_text); with ``preview``, only one that has a preview image."""
    item = (
        Attachment.objects.filter(pk=attachment_id, post__topic__group=access.group)
        .select_related("post__topic__group")
        .first()
    )
    if (
        item is None
        or not policies.can_see_post_text(member, item.post, access.membership)
        or (preview and not item.preview)
    ):
        raise Http404
    return item
