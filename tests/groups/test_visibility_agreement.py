"""Each policy predicate agrees with its queryset filter and with its access helper: in a small
world (open, closed, secret, chat-less and proposed groups; a hidden topic; hidden and deleted
replies; attachments; rooms) and for every kind of viewer, the objects the predicate allows are
exactly those the selector returns and those the access helper loads without a 404. A rule
changed in one place and not the other fails here."""

from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import Http404
from django.utils import timezone

from groups import access, policies, selectors
from groups.chat import access as chat_access
from groups.chat import policies as chat_policies
from groups.chat import selectors as chat_selectors
from groups.chat import services as chat_services
from groups.chat.models import Message
from groups.models import Attachment, Group, Invitation, Membership, Post, Topic
from members.models import User
from tests.factories import (
    GroupFactory,
    MemberFactory,
    MembershipFactory,
    PostFactory,
    TopicFactory,
)

pytestmark = pytest.mark.django_db

LATER = timedelta(days=3)


def _pdf(name="メモ.pdf"):
    return [SimpleUploadedFile(name, b"%PDF-1.7\n")]


@dataclass
class World:
    viewers: dict[str, User]
    groups: list[Group]
    memberships: dict[tuple[int, int], Membership]

    def membership(self, member, group) -> Membership | None:
        return self.memberships.get((member.pk, group.pk))


@pytest.fixture
def world(settings, tmp_path) -> World:
    settings.MEDIA_ROOT = tmp_path
    owner = MemberFactory(display_name="所有 者")
    viewers = {
        "owner": owner,
        "moderator": MemberFactory(),
        "member": MemberFactory(),
        "suspended member": MemberFactory(),
        "site-suspended member": MemberFactory(),
        "unverified member": MemberFactory(verified=False),
        "outsider": MemberFactory(),
        "invited": MemberFactory(),
        "site moderator": MemberFactory(is_site_moderator=True),
        "proposer": MemberFactory(),
    }
    groups = [
        GroupFactory(owner=owner, kind=kind, slug=f"g-{kind}")
        for kind in (Group.Kind.OPEN, Group.Kind.CLOSED, Group.Kind.SECRET)
    ]
    groups.append(GroupFactory(owner=owner, slug="g-nochat"))  # chat switched off below
    groups.append(GroupFactory(owner=viewers["proposer"], slug="g-proposed", owned=False,
                               status=Group.Status.PROPOSED, kind=Group.Kind.SECRET))  # fmt: skip
    roles = {"moderator": Membership.Role.MODERATOR, "member": Membership.Role.MEMBER,
             "suspended member": Membership.Role.MEMBER,
             "site-suspended member": Membership.Role.MEMBER,
             "unverified member": Membership.Role.MEMBER}  # fmt: skip
    for group in groups[:4]:
        for name, role in roles.items():
            MembershipFactory(group=group, member=viewers[name], role=role)
        if group.kind != Group.Kind.OPEN:
            Invitation.objects.create(group=group, member=viewers["invited"], invited_by=owner)
        room = chat_services.room_for_group(group)
        chat_services.message_send(author=owner, room=room, client_id=f"m-{group.slug}",
                                   body="おはようございます")  # fmt: skip
        shown = TopicFactory(group=group, files=_pdf())
        PostFactory(topic=shown, author=viewers["member"])
        PostFactory(topic=shown, author=viewers["member"], is_hidden=True, files=_pdf())
        PostFactory(topic=shown, author=viewers["member"], deleted=True, files=_pdf())
        hidden = TopicFactory(group=group, files=_pdf())
        PostFactory(topic=hidden, author=viewers["member"])
        Topic.objects.filter(pk=hidden.pk).update(is_hidden=True)  # after its reply
    # Switched off and suspended last: nobody could have written there otherwise.
    Group.objects.filter(slug="g-nochat").update(chat_enabled=False)
    groups[3].chat_enabled = False
    Membership.objects.filter(member=viewers["suspended member"]).update(
        suspended_until=timezone.now() + LATER
    )
    User.objects.filter(pk=viewers["site-suspended member"].pk).update(
        suspended_until=timezone.now() + LATER
    )
    memberships = {(row.member_id, row.group_id): row for row in Membership.objects.all()}
    return World(viewers=viewers, groups=groups, memberships=memberships)


def _fresh(member) -> User:
    """The member as a new request would load them (no cached verification)."""
    return User.objects.get(pk=member.pk)


def _loads(load) -> bool:
    try:
        load()
    except (Http404, PermissionDenied):
        return False
    return True


def _readable(world, viewer) -> dict[int, access.GroupAccess]:
    """{group id: access} for the groups ``viewer`` may read (access.readable_group_for)."""
    found = {}
    for group in world.groups:
        try:
            found[group.pk] = access.readable_group_for(viewer, group.slug)
        except (Http404, PermissionDenied):
            pass
    return found


def _check(world, allowed, selected, what):
    """For each viewer: the ids ``allowed(viewer)`` equal the ids ``selected(viewer)``."""
    for name, viewer in world.viewers.items():
        expected, found = allowed(_fresh(viewer)), selected(_fresh(viewer))
        assert expected == found, f"{what}, {name}: predicate {expected} ≠ {found}"


def _groups(world):
    def allowed(viewer, with_invitations=True):
        return {
            group.pk for group in world.groups
            if policies.can_see_group(viewer, group, world.membership(viewer, group),
                                      invited=with_invitations and Invitation.objects.filter(
                                          member=viewer, group=group).exists())
        }  # fmt: skip

    def loads(viewer):
        return {g.pk for g in world.groups if _loads(lambda g=g: access.group_for(viewer, g.slug))}

    def seen(viewer):
        pairs = {(viewer.pk, group.pk) for group in world.groups}
        return {group for _member, group in selectors.groups_seen(pairs)}

    _check(world, allowed, loads, "access.group_for")
    _check(world, allowed, seen, "selectors.groups_seen")
    # The directory lists active groups only (proposals have their own page) and no secret
    # group a member is only invited to (the invitation reaches them as a notification).
    active = {group.pk for group in world.groups if group.status == Group.Status.ACTIVE}
    _check(world, lambda viewer: allowed(viewer, with_invitations=False) & active,
           lambda viewer: set(selectors.visible_groups(viewer).values_list("pk", flat=True)),
           "selectors.visible_groups")  # fmt: skip


def _readable_groups(world):
    def allowed(viewer):
        return {group.pk for group in world.groups
                if policies.can_read(viewer, group, world.membership(viewer, group))}  # fmt: skip

    def loads(viewer):
        return {group.pk for group in world.groups
                if _loads(lambda g=group: access.readable_group_for(viewer, g.slug))}  # fmt: skip

    _check(world, allowed,
           lambda viewer: set(selectors.readable_groups(viewer).values_list("pk", flat=True)),
           "selectors.readable_groups")  # fmt: skip
    _check(world, allowed, loads, "access.readable_group_for")


def _topics(world):
    topics = list(Topic.objects.select_related("group"))

    def allowed(viewer):
        return {topic.pk for topic in topics
                if policies.can_see_topic(viewer, topic, world.membership(viewer, topic.group))}  # fmt: skip

    def loads(viewer):
        readable = _readable(world, viewer)
        return {topic.pk for topic in topics if topic.group_id in readable and _loads(
            lambda t=topic: access.topic_for(viewer, readable[t.group_id], t.pk))}  # fmt: skip

    def followed(viewer):
        return {topic.pk for topic in topics
                if _loads(lambda t=topic: access.followed_topic(viewer, t.pk))}  # fmt: skip

    _check(world, allowed,
           lambda viewer: set(selectors.visible_topics(viewer).values_list("pk", flat=True)),
           "selectors.visible_topics")  # fmt: skip
    _check(world, allowed, loads, "access.topic_for")
    _check(world, allowed, followed, "access.followed_topic")


def _posts(world):
    posts = list(Post.objects.select_related("topic__group"))

    def allowed(viewer, check=policies.can_see_post):
        return {post.pk for post in posts
                if check(viewer, post, world.membership(viewer, post.topic.group))}  # fmt: skip

    def loads(viewer):
        readable = _readable(world, viewer)
        return {post.pk for post in posts if post.topic.group_id in readable and _loads(
            lambda p=post: access.post_for(viewer, readable[p.topic.group_id], p.pk))}  # fmt: skip

    def seen(viewer):
        pairs = {(viewer.pk, post.pk) for post in posts}
        return {post for _member, post in selectors.posts_seen(pairs)}

    def visible(viewer):
        return set(selectors.visible_posts(viewer).values_list("pk", flat=True))

    _check(world, allowed, visible, "selectors.visible_posts")
    _check(world, allowed, loads, "access.post_for")
    _check(world, allowed, seen, "selectors.posts_seen")
    _check(world, lambda viewer: allowed(viewer, policies.can_see_post_text),
           lambda viewer: set(selectors.visible_posts(viewer).filter(deleted_at__isnull=True)
                              .values_list("pk", flat=True)),
           "visible_posts without the deleted")  # fmt: skip


def _attachments(world):
    items = list(Attachment.objects.select_related("post__topic__group"))

    def allowed(viewer):
        return {item.pk for item in items if policies.can_see_post_text(
            viewer, item.post, world.membership(viewer, item.post.topic.group))}  # fmt: skip

    def loads(viewer):
        readable = _readable(world, viewer)
        return {item.pk for item in items if item.post.topic.group_id in readable and _loads(
            lambda i=item: access.attachment_for(viewer, readable[i.post.topic.group_id], i.pk)
        )}  # fmt: skip

    _check(world, allowed,
           lambda viewer: set(selectors.visible_attachments(viewer).values_list("pk", flat=True)),
           "selectors.visible_attachments")  # fmt: skip
    _check(world, allowed, loads, "access.attachment_for")


def test_rooms_and_their_messages(world):
    messages = list(Message.objects.select_related("room__group"))

    def allowed(viewer):
        return {message.room_id for message in messages if chat_policies.can_enter(
            viewer, message.room, world.membership(viewer, message.room.group))}  # fmt: skip

    def loads(viewer):
        by_slug = {
            m.room_id
            for m in messages
            if _loads(lambda m=m: chat_access.room_for(viewer, m.room.group.slug))
        }
        by_id = {
            m.room_id
            for m in messages
            if _loads(lambda m=m: chat_access.room_by_id(viewer, m.room_id))
        }
        assert by_slug == by_id
        return by_slug

    def seen(viewer):
        pairs = {(viewer.pk, message.pk) for message in messages}
        room_of = {message.pk: message.room_id for message in messages}
        return {room_of[message] for _member, message in chat_selectors.messages_seen(pairs)}

    _check(world, allowed,
           lambda viewer: set(chat_selectors.enterable_rooms(viewer).values_list("pk", flat=True)),
           "chat selectors.enterable_rooms")  # fmt: skip
    _check(world, allowed, loads, "chat access.room_for / room_by_id")
    _check(world, allowed, seen, "chat selectors.messages_seen")


def test_groups_and_what_may_be_read(world):
    _groups(world)
    _readable_groups(world)


def test_topics_posts_and_attachments(world):
    _topics(world)
    _posts(world)
    _attachments(world)


def test_the_world_tells_every_kind_of_viewer_apart(world):
    """The world is worth its cost only if it holds each case and the viewers differ."""
    assert Topic.objects.filter(is_hidden=True).count() == 4
    assert Post.objects.filter(is_hidden=True).count() == 4
    assert Post.objects.filter(deleted_at__isnull=False).count() == 4
    assert Attachment.objects.count() == 16 and Message.objects.count() == 4
    seen = {name: frozenset(selectors.visible_posts(_fresh(viewer)).values_list("pk", flat=True))
            for name, viewer in world.viewers.items()}  # fmt: skip
    assert not seen["outsider"] - seen["member"]
    assert seen["member"] < seen["moderator"] == seen["owner"] == seen["site moderator"]
    assert not seen["unverified member"] and not seen["site-suspended member"]
    assert seen["suspended member"] < seen["member"]  # not the member's own hidden reply
