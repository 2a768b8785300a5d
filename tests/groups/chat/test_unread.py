"""Unread chat messages counted outside the room: on the group page's chat link, in the group
directory and beside グループ in the navigation. Others' messages after the member's read
marker, sent since they joined; deleted ones and their own do not count."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from groups.chat import selectors, services
from groups.chat.models import Message
from groups.models import Membership
from tests.factories import MemberFactory
from tests.groups.conftest import client_for, make_group

pytestmark = pytest.mark.django_db


@pytest.fixture
def room(owner):
    group = make_group(owner, kind="closed", slug="vaccine", name="ワクチン接種体制")
    return services.room_for_group(group)


@pytest.fixture
def reader(room):
    member = MemberFactory()
    Membership.objects.create(group=room.group, member=member)
    return member


def _send(room, author, *bodies):
    return [
        services.message_send(author=author, room=room, client_id=body, body=body)[0]
        for body in bodies
    ]


def _nav_count(page: str) -> str | None:
    found = re.search(r'data-nav-count="chat.unread">.*?</span>(\d+)</span>', page)
    return found and found.group(1)


def test_counts_others_messages_after_the_read_marker(room, owner, reader):
    first, *_rest = _send(room, owner, "一", "二", "三")
    _send(room, reader, "自分の発言")
    deleted = _send(room, owner, "消す")[0]
    services.message_delete(actor=owner, message=deleted)
    assert selectors.unread_by_group(reader) == {room.group_id: 3}
    services.room_mark_read(member=reader, room=room, seq=first.seq)
    assert selectors.unread_by_group(reader) == {room.group_id: 2}


def test_messages_from_before_joining_do_not_count(room, owner):
    _send(room, owner, "昔の話")
    Message.objects.update(created_at=timezone.now() - timedelta(days=1))
    newcomer = MemberFactory()
    Membership.objects.create(group=room.group, member=newcomer)
    _send(room, owner, "ようこそ")
    assert selectors.unread_by_group(newcomer) == {room.group_id: 1}


def test_outsiders_and_rooms_switched_off_count_nothing(room, owner, reader):
    _send(room, owner, "内輪の話")
    assert selectors.unread_by_group(MemberFactory()) == {}
    room.group.chat_enabled = False
    room.group.save()
    assert selectors.unread_by_group(reader) == {}


def test_a_group_no_longer_active_counts_nothing(room, owner, reader):
    _send(room, owner, "審査に戻る前の話")
    assert selectors.unread_by_group(reader) == {room.group_id: 1}
    room.group.status = room.group.Status.DECLINED
    room.group.save()
    assert selectors.unread_by_group(reader) == {}


def test_the_count_shows_on_the_group_page_the_directory_and_the_nav(room, owner, reader):
    _send(room, owner, "一", "二")
    client = client_for(reader)
    group_page = client.get(reverse("groups:detail", args=[room.group.slug])).content.decode()
    chat_link = group_page[group_page.index("data-chat-link") :].split("</a>")[0]
    assert "未読 2" in chat_link
    assert _nav_count(group_page) == "2"
    directory = client.get(reverse("groups:index")).content.decode()
    assert "チャット 未読 2" in directory

    client.get(reverse("chat:room", args=[room.group.slug]))  # reading the room

    after = client.get(reverse("groups:detail", args=[room.group.slug])).content.decode()
    assert "data-chat-link" in after and _nav_count(after) is None
    assert "チャット 未読" not in client.get(reverse("groups:index")).content.decode()


def test_the_navigation_counts_unread_chat_and_moderation_in_one_query(
    room, owner, reader, django_assert_num_queries
):
    from cityhall import moderation
    from groups import unread
    from groups.models import JoinRequest
    from groups.selectors import moderation_counts
    from members.models import User

    _send(room, reader, "一", "二")
    JoinRequest.objects.create(group=room.group, member=MemberFactory(), message="参加希望です")
    member = User.objects.get(pk=owner.pk)
    member._verified_member = True
    with django_assert_num_queries(1):
        assert unread.by_group(member) == {"chat": {room.group_id: 2}}
        assert moderation_counts(member).requests == 1
    waiting = {item.key: item.count for item in moderation.waiting(member)}
    assert waiting["flags"] == 0 and waiting["join_requests"] == 1
    reader_member = User.objects.get(pk=reader.pk)
    reader_member._verified_member = True
    assert unread.by_group(reader_member) == {"chat": {}}
    assert moderation.waiting(reader_member) == []
