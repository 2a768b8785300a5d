"""Whether a notification's recipient may still see its subject (members.notification_subjects):
the same answer whether or not the caller hands over the recipient it has loaded, and without
loading that recipient again when it does."""

from datetime import timedelta

import pytest
from django.db import connection
from django.db.models import Value
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from groups.chat import services as chat_services
from groups.models import Group, Membership
from groups.selectors import signed_in_memberships
from members import notification_subjects
from members.models import Notification
from members.selectors import (
    members_by_id,
    register_signed_in_column,
    signed_in,
    unread_notification_count,
)
from tests.factories import (
    GroupFactory,
    MemberFactory,
    MembershipFactory,
    PostFactory,
    TopicFactory,
    make_occurrence,
)

pytestmark = pytest.mark.django_db


def _mentioned(member, topic):
    post = topic.posts.first()
    return Notification.objects.create(recipient=member, kind="mention", url="/",
                                       **notification_subjects.reference(post))  # fmt: skip


def test_a_recipient_the_caller_has_loaded_is_not_loaded_again():
    member = MemberFactory()
    closed = GroupFactory(kind=Group.Kind.CLOSED)
    MembershipFactory(group=closed, member=member)
    secret = GroupFactory(kind=Group.Kind.SECRET)
    seen = _mentioned(member, TopicFactory(group=closed))
    _mentioned(member, TopicFactory(group=secret))  # not a member there: not shown
    rows = Notification.objects.filter(recipient=member).order_by("pk")

    assert notification_subjects.still_visible(rows) == [seen]
    with CaptureQueriesContext(connection) as queries:
        assert notification_subjects.still_visible(rows, recipient=member) == [seen]
    assert not [q for q in queries.captured_queries if '"members_user"' in q["sql"]]


def _as_signed_in(member):
    """The member as a request loads it: knowing whether its address is verified."""
    return members_by_id({member.pk})[member.pk]


def _replies_notified(member, topic, count):
    for _ in range(count):
        post = PostFactory(topic=topic, body="返信の本文です。")
        Notification.objects.create(recipient=member, kind="reply", url="/",
                                    **notification_subjects.reference(post))  # fmt: skip


def test_the_bell_over_many_unread_replies_reads_no_post_text_and_no_more_queries():
    member = MemberFactory()
    closed = GroupFactory(kind=Group.Kind.CLOSED)
    MembershipFactory(group=closed, member=member)
    topics = [TopicFactory(group=closed), TopicFactory(group=GroupFactory(kind=Group.Kind.SECRET))]
    _replies_notified(member, topics[0], 3)
    _replies_notified(member, topics[1], 3)  # not a member of the secret group

    def bell():
        with CaptureQueriesContext(connection) as queries:
            count = unread_notification_count(member)
        return count, queries.captured_queries

    member = _as_signed_in(member)
    count, few = bell()
    assert count == 3
    _replies_notified(member, topics[0], 20)
    count, many = bell()
    assert count == 23
    assert len(many) == len(few)
    assert not [q for q in many if '"body' in q["sql"]]  # neither body nor body_html


def test_the_bell_reads_the_members_memberships_once_for_every_kind_of_subject():
    member = MemberFactory()
    mine = GroupFactory(kind=Group.Kind.CLOSED)
    MembershipFactory(group=mine, member=member)
    secret = GroupFactory(kind=Group.Kind.SECRET)
    _replies_notified(member, TopicFactory(group=mine), 2)
    _replies_notified(member, TopicFactory(group=secret), 1)  # not a member there: not counted
    for group in (mine, secret):  # e.g. a join request decided: about the group itself
        Notification.objects.create(recipient=member, kind="join", url="/",
                                    **notification_subjects.reference(group))  # fmt: skip

    with CaptureQueriesContext(connection) as queries:
        assert unread_notification_count(member) == 3
    read = [q for q in queries.captured_queries if '"groups_membership"' in q["sql"]
            and "FROM \"groups_membership\"" in q["sql"]]  # fmt: skip
    assert len(read) == 1
    assert notification_subjects.shared() is None  # kept for that one call only
    mine.memberships.filter(member=member).delete()
    assert unread_notification_count(member) == 1  # the closed group is still listed to all


def _notified(member, subject, kind):
    Notification.objects.create(recipient=member, kind=kind, url="/",
                                **notification_subjects.reference(subject))  # fmt: skip


def _chat_message(room, author, body):
    return chat_services.message_send(author=author, room=room, client_id=body, body=body)[0]


def test_the_bell_over_replies_sessions_and_chat_reads_no_text_no_member_and_a_fixed_count():
    """Every page shows the bell: a member with unread notifications about a reply, a session and
    a chat message pays a query per kind, not per notification, and never reads the messages'
    text nor their own row again."""
    member = MemberFactory()
    closed = GroupFactory(kind=Group.Kind.CLOSED, chat_enabled=True)
    MembershipFactory(group=closed, member=member)
    secret = GroupFactory(kind=Group.Kind.SECRET, chat_enabled=True)
    author = MemberFactory()
    for group in (closed, secret):
        MembershipFactory(group=group, member=author)
    topics = {group: TopicFactory(group=group) for group in (closed, secret)}
    rooms = {group: chat_services.room_for_group(group) for group in (closed, secret)}

    def notify(group, number):
        _notified(member, PostFactory(topic=topics[group], body="返信です。"), "reply")
        _notified(member, make_occurrence(group=group, organizer=author), "event")
        _notified(member, _chat_message(rooms[group], author, f"連絡 {number}"), "mention")

    def bell():
        with CaptureQueriesContext(connection) as queries:
            count = unread_notification_count(member)
        return count, queries.captured_queries

    notify(closed, 1)
    notify(secret, 1)  # not a member of the secret group: none of these counted
    member = _as_signed_in(member)
    count, few = bell()
    assert count == 3
    notify(closed, 2)
    notify(closed, 3)
    count, many = bell()
    assert count == 9
    assert len(many) == len(few) <= 6  # the unread, memberships, and one query per kind
    assert not [q for q in many if '"body' in q["sql"] or '"members_user"' in q["sql"]]


def test_the_signed_in_members_bell_comes_with_them_and_is_read_afresh_after():
    """The bell's unread notifications are read with the request's member (no query of their
    own), once: counted again on the same member (a socket's), they are read anew."""
    member = MemberFactory()
    group = GroupFactory(kind=Group.Kind.CLOSED)
    MembershipFactory(group=group, member=member)
    _replies_notified(member, TopicFactory(group=group), 2)
    member = signed_in(member.pk)

    with CaptureQueriesContext(connection) as queries:
        assert unread_notification_count(member) == 2
    assert not [q for q in queries.captured_queries if '"members_notification"' in q["sql"]]
    _replies_notified(member, TopicFactory(group=group), 1)
    assert unread_notification_count(member) == 3


def test_the_signed_in_members_memberships_come_with_them_and_are_read_afresh_after():
    """The bell's checks take the request's member's memberships from their row (no query of
    their own), once: a socket's member counted again after joining a group sees it."""
    member = MemberFactory()
    closed = GroupFactory(kind=Group.Kind.CLOSED)
    MembershipFactory(group=closed, member=member)
    secret = GroupFactory(kind=Group.Kind.SECRET)
    _mentioned(member, TopicFactory(group=closed))
    _mentioned(member, TopicFactory(group=secret))
    member = signed_in(member.pk)

    with CaptureQueriesContext(connection) as queries:
        assert unread_notification_count(member) == 1
    assert not [q for q in queries.captured_queries if '"groups_membership"' in q["sql"]]
    MembershipFactory(group=secret, member=member)
    assert unread_notification_count(member) == 2


def test_memberships_read_with_the_member_are_theirs_to_the_microsecond():
    """What signed_in lists (JSON text, dates as each database writes them) comes back as the
    rows themselves, suspension and all."""
    member = MemberFactory()
    suspended = MembershipFactory(
        member=member, role=Membership.Role.MODERATOR,
        suspended_until=timezone.now() + timedelta(days=3, microseconds=17),
    )  # fmt: skip
    MembershipFactory(member=member)
    MembershipFactory()  # another member's

    read = signed_in_memberships(signed_in(member.pk))

    columns = ("id", "group_id", "member_id", "role", "joined_at", "suspended_until")
    expected = Membership.objects.filter(member=member).order_by("pk").values_list(*columns)
    assert sorted(tuple(getattr(row, name) for name in columns) for row in read) == list(expected)
    assert {row.pk: row.suspended_until for row in read}[suspended.pk] == suspended.suspended_until
    assert signed_in_memberships(member) is None  # not read by signed_in


def test_a_column_registered_after_the_row_is_built_is_refused():
    """The signed-in row's query is compiled once: a column added later would never be read."""
    signed_in(MemberFactory().pk)
    with pytest.raises(RuntimeError):
        register_signed_in_column("late.column", lambda: Value(""))


def test_the_posts_of_the_signed_in_members_bell_come_with_them_and_count_as_a_query_would():
    """The posts the bell checks are read with the request's member (no query of their own):
    the same count as read apart, whatever hides them; counted again on the same member (a
    socket's), they are read anew."""
    member = MemberFactory()
    closed = GroupFactory(kind=Group.Kind.CLOSED)
    MembershipFactory(group=closed, member=member)
    secret, proposed = GroupFactory(kind=Group.Kind.SECRET), GroupFactory()
    _notified(member, PostFactory(topic=TopicFactory(group=proposed)), "reply")
    Group.objects.filter(pk=proposed.pk).update(status=Group.Status.PROPOSED)
    seen = TopicFactory(group=closed)
    _notified(member, PostFactory(topic=seen), "reply")
    _notified(member, PostFactory(topic=seen, is_hidden=True), "reply")  # hidden: not counted
    _notified(member, PostFactory(topic=seen, author=member, is_hidden=True), "reply")  # own
    _notified(member, PostFactory(topic=TopicFactory(group=closed, is_hidden=True)), "reply")
    _notified(member, PostFactory(topic=TopicFactory(group=secret)), "reply")
    apart = unread_notification_count(_as_signed_in(member))

    signed = signed_in(member.pk)
    with CaptureQueriesContext(connection) as queries:
        assert unread_notification_count(signed) == apart == 2
    assert not [q for q in queries.captured_queries if '"groups_post"' in q["sql"]]
    MembershipFactory(group=secret, member=member)
    assert unread_notification_count(signed) == 3


def test_the_chat_messages_of_the_signed_in_members_bell_come_with_them():
    """Messages in groups' rooms are checked from what was read with the request's member, with
    the same count as read apart; one in a room without a group (a session's) is asked of its
    owner, as before."""
    member, author = MemberFactory(), MemberFactory()
    closed = GroupFactory(kind=Group.Kind.CLOSED, chat_enabled=True)
    secret = GroupFactory(kind=Group.Kind.SECRET, chat_enabled=True)
    muted = GroupFactory(kind=Group.Kind.CLOSED, chat_enabled=True)
    for group in (closed, muted):
        MembershipFactory(group=group, member=member)
    for group in (closed, secret, muted):
        MembershipFactory(group=group, member=author)
        room = chat_services.room_for_group(group)
        _notified(member, _chat_message(room, author, f"{group.pk} の連絡"), "mention")
    Group.objects.filter(pk=muted.pk).update(chat_enabled=False)
    apart = unread_notification_count(_as_signed_in(member))

    signed = signed_in(member.pk)
    with CaptureQueriesContext(connection) as queries:
        assert unread_notification_count(signed) == apart == 1
    assert not [q for q in queries.captured_queries if '"chat_message"' in q["sql"]]

    occurrence = make_occurrence(group=closed, organizer=author)
    _notified(member, _chat_message(occurrence.room, author, "会場の連絡"), "mention")
    assert unread_notification_count(signed_in(member.pk)) == 1  # not registered: not theirs
