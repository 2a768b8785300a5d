"""The same write from several connections at once: real threads, each with its own database
connection, released together by a barrier. On PostgreSQL these raced (a group left without an
owner, IntegrityErrors as 500s); on SQLite writes queue, and the tests pass there too."""

import threading
from concurrent.futures import ThreadPoolExecutor
from functools import partial

import pytest
from django.core.exceptions import ValidationError
from django.db import connections
from django.urls import reverse

from groups import services
from groups.chat import services as chat_services
from groups.chat.models import MessageReaction
from groups.models import (
    Bookmark,
    GroupBan,
    Invitation,
    JoinRequest,
    Membership,
    ModerationLog,
    Post,
    Reaction,
    Topic,
    Watch,
)
from tests.factories import MemberFactory
from tests.groups.conftest import client_for, make_group

pytestmark = pytest.mark.django_db(transaction=True)

ROUNDS = 4  # the owner race was lost 3 times in 4 on PostgreSQL


def together(calls):
    """Run the calls at the same moment, each in its own thread and connection; their results
    (or the exceptions they raised) in order."""
    barrier = threading.Barrier(len(calls))

    def run(call):
        try:
            barrier.wait(timeout=30)
            return call()
        except Exception as error:  # handed back to the test, which says what it expected
            return error
        finally:
            connections.close_all()

    with ThreadPoolExecutor(len(calls)) as pool:
        return list(pool.map(run, calls))


def _owners(group) -> int:
    return Membership.objects.filter(group=group, role=Membership.Role.OWNER).count()


def _two_owners(number: int):
    first, second = MemberFactory(), MemberFactory()
    group = make_group(first, slug=f"futari-{number}", name="共同運営")
    Membership.objects.create(group=group, member=second, role=Membership.Role.OWNER)
    return group, first, second


def test_two_owners_leaving_at_once_leave_one_owner():
    for number in range(ROUNDS):
        group, first, second = _two_owners(number)
        url = reverse("groups:leave", args=[group.slug])
        responses = together([partial(_post_as, first, url), partial(_post_as, second, url)])
        assert [r.status_code for r in responses] == [302, 302], responses
        assert _owners(group) == 1, f"round {number}: no owner left"
        assert group.memberships.count() == 1


def test_two_owners_stepping_down_at_once_leave_one_owner():
    for number in range(ROUNDS):
        group, first, second = _two_owners(number)
        results = together([partial(_step_down, group, first), partial(_step_down, group, second)])
        assert sorted(type(r).__name__ for r in results) == ["NoneType", "ValidationError"]
        assert _owners(group) == 1, f"round {number}: no owner left"


def test_an_owner_leaving_while_the_other_steps_down():
    for number in range(ROUNDS):
        group, first, second = _two_owners(number)
        results = together([
            partial(services.group_leave, member=first, group=group),
            partial(_step_down, group, second),
        ])  # fmt: skip
        assert sum(isinstance(r, ValidationError) for r in results) == 1, results
        assert _owners(group) == 1


def _post_as(member, url, data=None):
    return client_for(member).post(url, data or {})


def _step_down(group, owner):
    membership = group.memberships.get(member=owner)
    return services.membership_set_role(actor=owner, membership=membership, role="member")


@pytest.fixture
def post(owner):
    group = make_group(owner)
    return services.topic_create(author=owner, group=group, title="同時", body="本文").posts.get()


def test_six_members_replying_at_once_each_get_their_own_post_number(post):
    """Each reply locks the topic and takes the next number under the lock: none is lost, no
    two share a number, and the topic counts them all."""
    topic = post.topic
    repliers = [MemberFactory() for _ in range(6)]
    for member in repliers:
        Membership.objects.create(group=topic.group, member=member)
    url = reverse("groups:reply", args=[topic.group.slug, topic.pk])
    calls = [partial(_post_as, member, url, {"body": f"{n}番目の返信"}) for n, member in
             enumerate(repliers)]  # fmt: skip

    responses = together(calls)

    assert [getattr(r, "status_code", r) for r in responses] == [302] * 6
    replies = Post.objects.filter(topic=topic, number__gt=1)
    assert sorted(replies.values_list("number", flat=True)) == [2, 3, 4, 5, 6, 7]
    assert {reply.author_id for reply in replies} == {member.pk for member in repliers}
    topic = Topic.objects.get(pk=topic.pk)
    assert (topic.highest_post_number, topic.reply_count) == (7, 6)


@pytest.mark.parametrize("route", ["react", "bookmark"])
def test_eight_clicks_at_once_are_all_answered(post, route):
    member = MemberFactory()
    Membership.objects.create(group=post.topic.group, member=member)
    url = reverse(f"groups:{route}", args=[post.topic.group.slug, post.pk])
    responses = together([partial(_post_as, member, url, {"kind": "like"})] * 8)
    assert [getattr(r, "status_code", r) for r in responses] == [302] * 8
    model = Reaction if route == "react" else Bookmark
    assert model.objects.filter(post=post, member=member).count() <= 1


def test_eight_chat_reactions_at_once(owner):
    room = chat_services.room_for_group(make_group(owner))
    message, _created = chat_services.message_send(author=owner, room=room, client_id="c",
                                                   body="同時に")  # fmt: skip
    results = together(
        [lambda: chat_services.reaction_toggle(member=owner, message=message, kind="like")] * 8
    )
    assert all(isinstance(result, bool) for result in results), results
    on = MessageReaction.objects.filter(message=message).count()
    assert on == results.count(True) - results.count(False)


def test_joining_asking_and_inviting_at_once(owner):
    open_group = make_group(owner, slug="hiraita", name="公開")
    closed = make_group(owner, kind="closed", slug="tojita", name="承認制")
    secret = make_group(owner, kind="secret", slug="himitsu", name="非公開")
    member = MemberFactory()
    results = together(
        [lambda: services.group_join(member=member, group=open_group)] * 4
        + [lambda: services.join_request_create(member=member, group=closed, message="")] * 4
        + [lambda: services.invitation_create(inviter=owner, group=secret, invitee=member)] * 4
    )
    assert not [r for r in results if isinstance(r, Exception)], results
    assert Membership.objects.filter(member=member).count() == 1
    assert JoinRequest.objects.filter(member=member).count() == 1
    assert Invitation.objects.filter(member=member).count() == 1


def test_two_moderators_removing_a_member_at_once_make_one_removal(owner):
    group = make_group(owner, slug="jogai", name="除外")
    moderator, member = MemberFactory(), MemberFactory()
    Membership.objects.create(group=group, member=moderator, role=Membership.Role.MODERATOR)
    membership = Membership.objects.create(group=group, member=member)
    results = together([
        partial(services.membership_remove, actor=actor, membership=membership, reason=reason)
        for actor, reason in [(owner, "一人目"), (moderator, "二人目")]
    ])  # fmt: skip
    assert [type(r) for r in results].count(GroupBan) == 1, results
    assert [r.code for r in results if isinstance(r, ValidationError)] == ["gone"], results
    assert GroupBan.objects.filter(member=member).count() == 1
    assert ModerationLog.objects.filter(action="remove_member").count() == 1
    ban = GroupBan.objects.get()
    results = together([partial(services.ban_lift, actor=actor, ban=ban)
                        for actor in (owner, moderator)])  # fmt: skip
    assert not [r for r in results if isinstance(r, Exception)], results
    assert ModerationLog.objects.filter(action="allow_rejoin").count() == 1


def test_watching_at_once(owner):
    group = make_group(owner)
    results = together(
        [lambda level=level: services.watch_set(member=owner, group=group, level=level)
         for level in ["watching", "muted"] * 4]
    )  # fmt: skip
    assert not [r for r in results if isinstance(r, Exception)], results
    assert Watch.objects.filter(member=owner, group=group).count() == 1


def test_two_transfers_saved_at_once_keep_one_current_posting():
    """Held already: saving the member row first makes the second save wait for the first."""
    from members import services as member_services
    from members.models import Posting, User

    member = MemberFactory()
    member_services._open_posting(member, started_on=member.date_joined.date())

    def move_to(department):
        fresh = User.objects.get(pk=member.pk)
        return member_services.profile_update(member=fresh, data={"department": department})

    results = together([partial(move_to, "総務局"), partial(move_to, "財政局")])
    assert not [r for r in results if isinstance(r, Exception)], results
    assert Posting.objects.filter(member=member, ended_on__isnull=True).count() == 1
